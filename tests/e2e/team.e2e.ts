import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

/**
 * Team strengths as the leader sees them (every rep of the team, each with a strength and a next
 * step) and as a rep sees them (their own profile beside team medians, nobody else's name).
 */

interface Rep {
	email: string;
	name: string;
	role: string;
	team: string;
	active: boolean;
}

// Pages with several tables and charts; the accessibility scans take their time on a busy machine.
test.describe.configure({ timeout: 180_000 });

async function repsOf(page: Page): Promise<Rep[]> {
	const response = await page.request.get('/api/v1/reps');
	expect(response.status()).toBe(200);
	return ((await response.json()) as { reps: Rep[] }).reps;
}

const cards = (page: Page) => page.getByRole('region', { name: 'Strengths and next steps' }).getByRole('listitem');
/** A rep's card: its heading links to the rep's profile. */
const cardOf = (page: Page, name: string) => cards(page).filter({ has: page.getByRole('link', { name: `Profile of ${name}`, exact: true }) });

test('the leader sees every rep of the team with their role, a top strength and a next step, and the chart', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	const reps = await repsOf(page);
	const active = reps.filter((r) => r.active);
	expect(active.length).toBeGreaterThanOrEqual(5);

	await page.goto('/team');
	await expect(page.getByRole('heading', { level: 1, name: 'Team strengths' })).toBeVisible();

	// Everyone on the team today has a card; nobody outside the leader's scope does.
	const listed = (await cards(page).getByRole('heading', { level: 3 }).allTextContents()).map((n) => n.trim());
	expect([...listed].sort()).toEqual(expect.arrayContaining(active.map((r) => r.name)));
	for (const name of listed) expect(reps.map((r) => r.name), name).toContain(name);

	for (const rep of active) {
		const card = cardOf(page, rep.name);
		await expect(card, rep.email).toHaveCount(1);
		await expect(card, rep.email).toContainText(`(${rep.role}) · ${rep.team}`);
		// A strength needs colleagues in the same role to be measured against; alone, the card says so.
		const peers = active.filter((other) => other.role === rep.role && other.team === rep.team);
		if (peers.length >= 2) {
			await expect(card.locator('dt', { hasText: 'Strongest at' }), rep.email).toHaveCount(1);
			await expect(card.locator('dt', { hasText: 'Next step' }), rep.email).toHaveCount(1);
			await expect(card.locator('dd').first()).toHaveText(/\S.*\(index \d+\)$/);
			await expect(card.locator('dd').nth(1)).toHaveText(/\S.*\(index \d+\)$/);
		} else {
			await expect(card, rep.email).toContainText(/The only .* on the team/);
		}
	}

	// The dot plot is drawn, one row per rep who has a comparison.
	const chart = page.getByRole('img', { name: /^Dot plot: for each dimension, each rep’s index/ }).first();
	await expect(chart.locator('svg')).toHaveCount(1);
	const charted = active.filter((r) => active.filter((o) => o.role === r.role && o.team === r.team).length >= 2);
	expect(await chart.locator('svg circle').count()).toBeGreaterThanOrEqual(charted.length);
	const axisLabels = (await chart.locator('svg text').allTextContents()).map((t) => t.trim());
	for (const rep of charted) expect(axisLabels, rep.name).toContain(rep.name);
	await expectAccessible(page);
});

test("a rep's detail page has the card's strength, the profile and the KPIs of the API", async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	const rep = (await repsOf(page)).find((r) => r.active && r.role === 'AE')!;
	await page.goto('/team');
	const strength = (await cardOf(page, rep.name).locator('dd').first().textContent())!.trim();
	await page.getByRole('link', { name: `Profile of ${rep.name}` }).click();
	await expect(page).toHaveURL((url) => decodeURIComponent(url.pathname) === `/team/${rep.email}`);
	await expect(page.getByRole('heading', { level: 1, name: rep.name })).toBeVisible();
	await expect(page.getByText(`(${rep.role}) · ${rep.team}`)).toBeVisible();
	await expect(page.getByRole('region', { name: 'Strengths and next steps' }).locator('dd').first()).toHaveText(strength);

	// The same profile and KPIs the API gives for the same (default, twelve-month) period.
	const api = await (await page.request.get(`/api/v1/reps/${encodeURIComponent(rep.email)}/strengths`)).json();
	const profile = page.getByRole('table', { name: new RegExp(`^Measures of ${rep.name}, against the team rate`) });
	await expect(profile.locator('tbody tr')).toHaveCount(api.measures.length);
	const kpis = page.getByRole('table', { name: new RegExp(`^Key numbers of ${rep.name}`) });
	const headers = (await kpis.locator('thead th').allTextContents()).map((h) => h.trim());
	const cells = (await kpis.locator('tbody tr').first().locator('td').allTextContents()).map((c) => c.trim());
	expect(cells[headers.indexOf('Deals won')]).toBe(String(api.kpis.won_count));
	expect(cells[headers.indexOf('Win rate')]).toBe(`${Math.round(api.kpis.win_rate * 100)}%`);
	await expect(page.getByRole('heading', { level: 2, name: 'Profile quarter by quarter' })).toBeVisible();
	await expectAccessible(page);
});

test('a rep sees their own profile beside team medians only, and is refused a colleague’s page', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	const team = await repsOf(page);
	const [me, colleague] = team.filter((r) => r.active && r.role === 'AE');
	const others = team.filter((r) => r.email !== me.email);

	await signIn(page, me.email);
	await page.goto('/team');
	await expect(page.getByRole('heading', { level: 1, name: 'Team strengths' })).toBeVisible();
	await expect(page.getByText('Your profile beside your team’s rates')).toBeVisible();
	await expect(cards(page)).toHaveCount(1);
	await expect(cards(page).getByRole('heading', { level: 3 })).toHaveText(me.name);

	// Their own measures, each beside the team's rate for the role (issue 19: the rate, not the median).
	const profile = page.getByRole('table', { name: new RegExp(`^Measures of ${me.name}, against the team rate`) });
	const headers = (await profile.locator('thead th').allTextContents()).map((h) => h.trim());
	const medianColumn = headers.indexOf('Team rate') + 1;
	expect(medianColumn).toBeGreaterThan(0);
	const medians = await profile.locator(`tbody tr td:nth-child(${medianColumn})`).allTextContents();
	expect(medians.length).toBeGreaterThan(0);
	for (const median of medians) expect(median.trim()).not.toBe('–');
	// Every KPI table holds one row: theirs.
	for (const table of await page.getByRole('table', { name: /: key numbers/ }).all()) {
		await expect(table.locator('tbody tr')).toHaveCount(1);
		await expect(table.locator('tbody tr td').first()).toHaveText(me.name);
	}

	// No colleague's name or e-mail anywhere: not on screen, not in the page's data.
	const text = await page.locator('body').innerText();
	const html = await page.content();
	for (const other of others) {
		expect(text, other.email).not.toContain(other.name);
		expect(html, other.email).not.toContain(other.name);
		expect(html, other.email).not.toContain(other.email);
	}
	await expectAccessible(page);

	// Their own detail page opens; a colleague's is answered as if nobody of that name existed.
	await page.getByRole('link', { name: `Profile of ${me.name}` }).click();
	await expect(page.getByRole('heading', { level: 1, name: me.name })).toBeVisible();
	await expectAccessible(page);
	const refused = await page.goto(`/team/${encodeURIComponent(colleague.email)}`);
	expect(refused?.status()).toBe(404);
	expect(await page.content()).not.toContain(colleague.name);
});
