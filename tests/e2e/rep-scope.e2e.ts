import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

/**
 * A rep sees their own pipeline and nobody else's, in the browser as in the API: rep A is an AE of
 * leader1's team, rep B a teammate whose pages A must not open.
 */

interface Rep {
	email: string;
	name: string;
	role: string;
	active: boolean;
}

interface Movement {
	start: number;
	end: number;
	parts: Record<string, number>;
	counts: Record<string, number>;
	moved_forward: number;
	moved_backward: number;
	deals: { deal_id: string; part: string; owner: string | null }[];
}

// A pipeline page with all its lists, opened several times; the machine may be busy.
test.describe.configure({ timeout: 240_000 });

/** The owner of every deal listed in any table of the page. */
async function ownersOnPage(page: Page): Promise<string[]> {
	const owners: string[] = [];
	for (const table of await page.getByRole('table').all()) {
		const headers = (await table.locator('thead th').allTextContents()).map((h) => h.trim());
		const column = headers.indexOf('Owner');
		if (column < 0) continue;
		owners.push(...(await table.locator(`tbody tr td:nth-child(${column + 1})`).allTextContents()).map((o) => o.trim()));
	}
	return owners;
}

test('a rep sees only their own deals on the pipeline page and in the movement API, and is refused a colleague’s pages', async ({ page }) => {
	// Who is who, and what the leader sees of rep A.
	await signIn(page, 'leader1@demo.test');
	const { reps } = (await (await page.request.get('/api/v1/reps')).json()) as { reps: Rep[] };
	const [repA, repB] = reps.filter((r) => r.active && r.role === 'AE');
	const others = reps.filter((r) => r.email !== repA.email);
	const { snapshots } = (await (await page.request.get('/api/v1/snapshots')).json()) as { snapshots: string[] };
	// Four weeks, so that every part of the waterfall has something of rep A's in it.
	const [from, to] = [snapshots[4], snapshots[0]];
	const movementUrl = `/api/v1/movement?from=${from}&to=${to}`;
	const leaderViewOfA = (await (await page.request.get(`${movementUrl}&rep=${encodeURIComponent(repA.email)}`)).json()) as Movement;
	expect(leaderViewOfA.deals.length).toBeGreaterThan(0);

	await signIn(page, repA.email);

	// The API: everything rep A gets is theirs, and it is exactly the leader's view narrowed to A.
	const ownReps = (await (await page.request.get('/api/v1/reps')).json()) as { reps: Rep[] };
	expect(ownReps.reps.map((r) => r.email)).toEqual([repA.email]);
	const own = (await (await page.request.get(movementUrl)).json()) as Movement;
	expect(new Set(own.deals.map((d) => d.owner))).toEqual(new Set([repA.name]));
	expect(own).toEqual(leaderViewOfA);
	const teammate = await page.request.get(`${movementUrl}&rep=${encodeURIComponent(repB.email)}`);
	expect(teammate.status()).toBe(404);
	expect(await teammate.text()).not.toContain(repB.name);

	// The page: no rep picker, and every deal in every list is rep A's.
	await page.goto(`/pipeline?from=${from}&to=${to}`);
	await expect(page.getByRole('heading', { level: 1, name: 'Pipeline movement' })).toBeVisible();
	await expect(page.getByText('Your own deals')).toBeVisible();
	await expect(page.getByLabel('Rep', { exact: true })).toHaveCount(0);
	const owners = await ownersOnPage(page);
	expect(owners.length).toBeGreaterThan(0);
	expect(new Set(owners)).toEqual(new Set([repA.name]));

	// Opening each part of the waterfall lists the API's deals for it, all rep A's.
	const partsList = page.getByRole('navigation', { name: 'Parts of the change: open one to see its deals' });
	for (const [part, count] of Object.entries(own.counts)) {
		if (count === 0) continue;
		await partsList.locator(`a[href*="part=${part}"]`).click();
		await expect(page).toHaveURL((url) => url.searchParams.get('part') === part);
		const table = page.getByRole('table', { name: /: the deals/ });
		await expect(table.locator('tbody tr')).toHaveCount(count);
		const listed = await ownersOnPage(page);
		expect(new Set(listed), part).toEqual(new Set([repA.name]));
	}

	// Nobody else's name anywhere on the page or in its data.
	const text = await page.locator('body').innerText();
	const html = await page.content();
	for (const other of others) {
		expect(text, other.email).not.toContain(other.name);
		expect(html, other.email).not.toContain(other.email);
	}
	await expectAccessible(page);

	// A colleague's pages, asked for by URL, are answered as if they did not exist.
	for (const url of [
		`/coaching/${encodeURIComponent(repB.email)}`,
		`/team/${encodeURIComponent(repB.email)}`,
		`/pipeline?from=${from}&to=${to}&rep=${encodeURIComponent(repB.email)}`
	]) {
		const response = await page.goto(url);
		expect(response?.status(), url).toBe(404);
		await expect(page.getByRole('heading', { name: '404' }), url).toBeVisible();
		expect(await page.content(), url).not.toContain(repB.name);
	}
	// Their own coaching page opens.
	const ownPage = await page.goto(`/coaching/${encodeURIComponent(repA.email)}`);
	expect(ownPage?.status()).toBe(200);
});

test('one question asked in turn by an executive, a leader and a rep is answered for each one’s own scope', async ({ page }) => {
	// Answers are remembered per scope while the data is unchanged; the first person to ask must not
	// decide what the next one sees.
	await signIn(page, 'leader1@demo.test');
	const team = ((await (await page.request.get('/api/v1/reps')).json()) as { reps: Rep[] }).reps;
	const repA = team.find((r) => r.active && r.role === 'AE')!;
	const { snapshots } = (await (await page.request.get('/api/v1/snapshots')).json()) as { snapshots: string[] };
	const url = `/api/v1/movement?from=${snapshots[4]}&to=${snapshots[0]}`;
	const owners = async () => {
		const movement = (await (await page.request.get(url)).json()) as Movement;
		return new Set(movement.deals.map((d) => d.owner).filter((owner) => owner !== null));
	};

	await signIn(page, 'exec@demo.test');
	const everyone = await owners();
	await signIn(page, 'leader1@demo.test');
	const leaders = await owners();
	await signIn(page, repA.email);
	const own = await owners();
	await signIn(page, 'exec@demo.test');
	const everyoneAgain = await owners();

	const teamNames = new Set(team.map((r) => r.name));
	expect(own).toEqual(new Set([repA.name]));
	expect(leaders.size).toBeGreaterThan(1);
	expect([...leaders].every((name) => teamNames.has(name))).toBe(true);
	expect([...everyone].some((name) => !teamNames.has(name))).toBe(true);
	expect(everyoneAgain).toEqual(everyone);
});

test('a rep asking the revenue mix for a single week is told why the team totals are not there; their leader gets them', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	const { reps } = (await (await page.request.get('/api/v1/reps')).json()) as { reps: Rep[] };
	const repA = reps.find((r) => r.active && r.role === 'AE')!;
	const { snapshots } = (await (await page.request.get('/api/v1/snapshots')).json()) as { snapshots: string[] };
	// A week starting on a Monday that is not the first of a month.
	const from = snapshots.slice(1).find((date) => !date.endsWith('-01'))!;
	const to = new Date(Date.parse(`${from}T00:00:00Z`) + 6 * 86_400_000).toISOString().slice(0, 10);
	const url = `/revenue?period=custom&from=${from}&to=${to}`;

	await page.goto(url);
	await expect(page.getByRole('table', { name: 'Team totals' }).locator('tbody tr').first()).toBeVisible();
	await expect(page.getByTestId('team-figures-withheld')).toHaveCount(0);

	await signIn(page, repA.email);
	await page.goto(url);
	await expect(page.getByTestId('team-figures-withheld')).toContainText('whole calendar months');
	await expect(page.getByRole('table', { name: 'Team totals' })).toHaveCount(0);
	await expectAccessible(page);
});
