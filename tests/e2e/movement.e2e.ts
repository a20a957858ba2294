import { expect, test, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { expectAccessible, signIn } from './helpers';

/**
 * The leader's Monday screen: how the pipeline moved between two snapshots. The figures on the page
 * are checked against each other (the waterfall adds up, chart and list agree) and against
 * GET /api/v1/movement, never against numbers written into the test.
 */

// A leader's page holds several hundred table rows; the accessibility scan of it takes its time.
test.describe.configure({ timeout: 240_000 });

const parts = [
	'new',
	'pulled_in',
	'slipped_in',
	'increased',
	'transferred_in',
	'decreased',
	'won',
	'lost',
	'removed',
	'pushed',
	'pulled_out',
	'transferred_out'
] as const;
type Part = (typeof parts)[number];
const adds = (part: Part) => ['new', 'pulled_in', 'slipped_in', 'increased', 'transferred_in'].includes(part);
/** The parts as the page names them, in the order the identity reads. */
const partNames: Record<Part, string> = {
	new: 'New',
	pulled_in: 'Pulled in',
	slipped_in: 'Slipped in',
	increased: 'Increased',
	transferred_in: 'Transferred in',
	decreased: 'Decreased',
	won: 'Won',
	lost: 'Lost',
	removed: 'Removed',
	pushed: 'Pushed out',
	pulled_out: 'Pulled out',
	transferred_out: 'Transferred out'
};
/** Shown whenever the waterfall is: the others (issue 18's occasional parts) only when they hold a deal. */
const alwaysShown: readonly Part[] = ['new', 'pulled_in', 'increased', 'decreased', 'won', 'lost', 'pushed'];

interface Movement {
	from: string;
	to: string;
	start: number;
	end: number;
	parts: Record<Part, number>;
	counts: Record<Part, number>;
	deals: { deal_id: string; part: Part; owner: string | null }[];
}

/** '€1,234,567', '+€1,234' or '−€1,234' (en-GB, whole euros) → signed number. */
function euros(text: string): number {
	const magnitude = Number(text.replace(/[^\d]/g, ''));
	return /^[−-]/.test(text.trim()) ? -magnitude : magnitude;
}

const partsList = (page: Page) => page.getByRole('navigation', { name: 'Parts of the change: open one to see its deals' });
const waterfallChart = (page: Page) => page.getByRole('img', { name: /^Waterfall chart: open pipeline at / }).first();
/** The bars of the chart, in the order of the x axis. */
const waterfallBars = (page: Page) => waterfallChart(page).locator('g[aria-label="bar"] rect');

/** Every bar of the waterfall as the list under the chart shows it: name, signed amount, deal count. */
async function shownWaterfall(page: Page, barNames: readonly string[]) {
	const links = partsList(page).getByRole('link');
	await expect(links).toHaveCount(barNames.length);
	const bars = [];
	for (let i = 0; i < barNames.length; i++) {
		const link = links.nth(i);
		bars.push({
			name: (await link.locator('.name').textContent())!.trim(),
			amountText: (await link.locator('.amount').textContent())!.trim(),
			amount: euros((await link.locator('.amount').textContent())!),
			count: Number((await link.locator('.count').textContent())!.replace(/[^\d]/g, ''))
		});
	}
	return bars;
}

async function movementApi(page: Page, from: string, to: string): Promise<Movement> {
	const response = await page.request.get(`/api/v1/movement?from=${from}&to=${to}`);
	expect(response.status()).toBe(200);
	return (await response.json()) as Movement;
}

/** The page and the API tell the same story, and both add up. */
async function expectWaterfallAddsUp(page: Page, from: string, to: string) {
	const api = await movementApi(page, from, to);
	const shownParts = parts.filter((part) => alwaysShown.includes(part) || api.counts[part] > 0);
	const barNames = ['Pipeline at A', ...shownParts.map((part) => partNames[part]), 'Pipeline at B'];
	const bars = await shownWaterfall(page, barNames);
	expect(bars.map((b) => b.name)).toEqual(barNames);
	const [start, ...rest] = bars;
	const end = rest.pop()!;

	// As shown: start + parts = end, up to the rounding of the figures to whole euros.
	const sum = rest.reduce((total, bar) => total + bar.amount, start.amount);
	expect(Math.abs(sum - end.amount), `${start.amount} + parts = ${sum}, shown end ${end.amount}`).toBeLessThanOrEqual(0.5 * barNames.length);

	// The API adds up exactly, in cents, over all its parts (zero where they do not apply).
	const cents = (value: number) => Math.round(value * 100);
	const signed = (part: Part) => (adds(part) ? 1 : -1) * cents(api.parts[part]);
	expect(parts.reduce((total, part) => total + signed(part), cents(api.start))).toBe(cents(api.end));

	// Every figure on the page is the API's, with its sign; every count is the number of deals listed.
	expect(start.amount).toBe(Math.round(api.start));
	expect(end.amount).toBe(Math.round(api.end));
	shownParts.forEach((part, i) => {
		const bar = rest[i];
		expect(Math.abs(bar.amount), bar.name).toBe(Math.round(api.parts[part]));
		if (api.parts[part] !== 0) expect(Math.sign(bar.amount), bar.name).toBe(adds(part) ? 1 : -1);
		expect(bar.count, bar.name).toBe(api.counts[part]);
		expect(api.deals.filter((d) => d.part === part), part).toHaveLength(api.counts[part]);
	});

	// The chart draws the same bars, in the same order; pointing at one shows the list's figure.
	const chartBars = waterfallBars(page);
	await expect(chartBars).toHaveCount(barNames.length);
	// A part that did not move is labelled €0, not "minus nothing".
	for (const label of await waterfallChart(page).locator('svg text').allTextContents()) expect(label).not.toMatch(/^[-−]€0$/);
	for (let i = 0; i < bars.length; i++) {
		if (bars[i].amount === 0) continue; // a part that did not move has no height to point at
		// A small change is a bar a fraction of a pixel high; Plot's pointer picks the bar nearest along x.
		await chartBars.nth(i).hover({ force: true });
		// The list writes a typographic minus and a plus; the tooltip, the signed figure as formatted.
		const expected = `${bars[i].name}: ${bars[i].amountText.replace(/^\+/, '').replace(/^−/, '-')}`;
		// (Plot starts a tip with a zero-width space.)
		await expect(waterfallChart(page).locator('g[aria-label="tip"]')).toHaveText(new RegExp(`^\u200b?${escapeRegExp(expected)}$`));
	}
	return { bars, api };
}

test('the waterfall adds up and agrees with the API; choosing another snapshot pair redraws it', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	const { snapshots } = (await (await page.request.get('/api/v1/snapshots')).json()) as { snapshots: string[] };
	expect(snapshots.length).toBeGreaterThanOrEqual(5);

	await page.goto('/pipeline');
	await expect(page.getByRole('heading', { level: 1, name: 'Pipeline movement' })).toBeVisible();
	// By default the two latest snapshots are compared.
	const fromPicker = page.getByLabel('Snapshot A (from)');
	const toPicker = page.getByLabel('Snapshot B (to)');
	await expect(fromPicker).toHaveValue(snapshots[1]);
	await expect(toPicker).toHaveValue(snapshots[0]);
	const lastWeek = await expectWaterfallAddsUp(page, snapshots[1], snapshots[0]);
	await expectAccessible(page);

	// Four weeks back instead of one: the page follows at once, the URL says so, the figures change.
	await fromPicker.selectOption(snapshots[4]);
	await expect(page).toHaveURL((url) => url.searchParams.get('from') === snapshots[4] && url.searchParams.get('to') === snapshots[0]);
	await expect(fromPicker).toHaveValue(snapshots[4]);
	const startFigure = partsList(page).getByRole('link').first().locator('.amount');
	await expect(startFigure).not.toHaveText(lastWeek.bars[0].amountText);
	const fourWeeks = await expectWaterfallAddsUp(page, snapshots[4], snapshots[0]);
	expect(fourWeeks.api.start).not.toBe(lastWeek.api.start);
	// Over four weeks more deals came in than over one.
	expect(fourWeeks.api.counts.new).toBeGreaterThan(lastWeek.api.counts.new);

	// The pair survives a reload: the URL is the state.
	await page.reload();
	await expect(fromPicker).toHaveValue(snapshots[4]);
	await expect(startFigure).toHaveText(fourWeeks.bars[0].amountText);
});

test('clicking a bar of the waterfall lists the deals behind it, and the list downloads as CSV', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	const { snapshots } = (await (await page.request.get('/api/v1/snapshots')).json()) as { snapshots: string[] };
	const [from, to] = [snapshots[4], snapshots[0]];
	await page.goto(`/pipeline?from=${from}&to=${to}`);
	const api = await movementApi(page, from, to);
	// Over four weeks the demo's leader has won deals, or there would be nothing to open.
	expect(api.counts.won).toBeGreaterThan(0);

	// The won bar comes after the start and the shown parts before it.
	const shownBefore = parts.slice(0, parts.indexOf('won')).filter((part) => alwaysShown.includes(part) || api.counts[part] > 0);
	const wonBar = waterfallBars(page).nth(1 + shownBefore.length);
	await wonBar.hover();
	await expect(waterfallChart(page).locator('g[aria-label="tip"]')).toHaveText(/^\W*Won: /);
	await wonBar.click();
	await expect(page).toHaveURL((url) => url.searchParams.get('part') === 'won' && url.hash === '#part-deals');
	await expect(page.getByRole('heading', { level: 3, name: 'Won: the deals' })).toBeVisible();
	await expect(partsList(page).getByRole('link', { name: /^Won / })).toHaveAttribute('aria-current', 'true');

	// The table lists exactly the deals the API puts in "won".
	const table = page.getByRole('table', { name: /^Won: the deals/ });
	const rows = table.locator('tbody tr');
	await expect(rows).toHaveCount(api.counts.won);
	const headers = (await table.locator('thead th').allTextContents()).map((h) => h.trim());
	const idColumn = headers.indexOf('CRM id');
	const partColumn = headers.indexOf('Part');
	expect(idColumn).toBeGreaterThanOrEqual(0);
	const shownIds = await rows.locator(`td:nth-child(${idColumn + 1})`).allTextContents();
	const wonIds = api.deals.filter((d) => d.part === 'won').map((d) => d.deal_id);
	expect(shownIds.map((id) => id.trim()).sort()).toEqual([...wonIds].sort());
	for (const part of await rows.locator(`td:nth-child(${partColumn + 1})`).allTextContents()) expect(part.trim()).toBe('Won');
	await expectAccessible(page);

	// The CSV has the table's columns and one line per deal.
	const downloading = page.waitForEvent('download');
	await table.getByRole('button', { name: 'Download CSV' }).click();
	const download = await downloading;
	expect(download.suggestedFilename()).toBe(`movement-won_${from}_${to}.csv`);
	const csv = parseCsv(await readFile(await download.path(), 'utf8'));
	expect(csv[0]).toEqual(headers);
	expect(csv).toHaveLength(api.counts.won + 1);
	expect(csv.slice(1).map((line) => line[idColumn]).sort()).toEqual([...wonIds].sort());
	// The file keeps the raw figures: each amount at A is the API's.
	const amountColumn = headers.indexOf('Amount at A');
	expect(amountColumn).toBeGreaterThanOrEqual(0);
	const apiAmounts = new Map(
		((await (await page.request.get(`/api/v1/movement?from=${from}&to=${to}`)).json()) as { deals: { deal_id: string; amount_from: number }[] }).deals.map(
			(d) => [d.deal_id, d.amount_from]
		)
	);
	for (const line of csv.slice(1)) expect(Number(line[amountColumn]), line[idColumn]).toBe(apiAmounts.get(line[idColumn]));

	// Closing the list takes the part off the URL.
	await page.getByRole('link', { name: 'Close this list' }).click();
	await expect(page).toHaveURL((url) => !url.searchParams.has('part'));
	await expect(page.getByRole('table', { name: /^Won: the deals/ })).toHaveCount(0);
});

test('with a period seen from A, the waterfall adds up in all twelve parts and the wins outside it are listed beside it', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	const { snapshots } = (await (await page.request.get('/api/v1/snapshots')).json()) as { snapshots: string[] };
	const [from, to] = [snapshots[4], snapshots[0]];
	const response = await page.request.get(`/api/v1/movement?from=${from}&to=${to}&period=this_quarter`);
	expect(response.status()).toBe(200);
	const api = (await response.json()) as Movement & {
		period: { start: string; end: string };
		closed_outside_period: { deal_id: string; outcome: 'won' | 'lost'; close_to: string }[];
	};
	// The quarter of A, not of B.
	const quarterStart = `${from.slice(0, 5)}${String(Math.floor((Number(from.slice(5, 7)) - 1) / 3) * 3 + 1).padStart(2, '0')}-01`;
	expect(api.period.start).toBe(quarterStart);
	expect(Object.keys(api.parts).sort()).toEqual([...parts].sort());
	const cents = (value: number) => Math.round(value * 100);
	expect(parts.reduce((total, part) => total + (adds(part) ? 1 : -1) * cents(api.parts[part]), cents(api.start))).toBe(cents(api.end));
	for (const deal of api.closed_outside_period) expect(deal.close_to < api.period.start || deal.close_to > api.period.end, deal.deal_id).toBe(true);

	await page.goto(`/pipeline?from=${from}&to=${to}&period=this_quarter`);
	await expect(page.getByRole('heading', { level: 3, name: 'Won and lost outside the period' })).toBeVisible();
	const outside = page.getByRole('table', { name: /^Closed outside the period/ });
	await expect(outside.locator('tbody tr')).toHaveCount(Math.max(1, api.closed_outside_period.length));
});

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A small RFC 4180 reader: quoted cells may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
	const lines: string[][] = [];
	let line: string[] = [];
	let cell = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const char = text[i];
		if (quoted) {
			if (char === '"' && text[i + 1] === '"') {
				cell += '"';
				i++;
			} else if (char === '"') quoted = false;
			else cell += char;
		} else if (char === '"') quoted = true;
		else if (char === ',') {
			line.push(cell);
			cell = '';
		} else if (char === '\r' && text[i + 1] === '\n') {
			line.push(cell);
			lines.push(line);
			line = [];
			cell = '';
			i++;
		} else cell += char;
	}
	if (cell !== '' || line.length > 0) lines.push([...line, cell]);
	return lines;
}
