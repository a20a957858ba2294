import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

const monthTable = (page: Page) => page.getByRole('table', { name: /^Pipeline, won and coverage by month/ });
const monthChart = (page: Page) =>
	page.getByRole('img', { name: 'Open pipeline by expected close month: total, weighted and quota' }).first();

async function showHorizon(page: Page, months: number) {
	await page.getByLabel('Horizon').selectOption(String(months));
	await page.getByRole('button', { name: 'Show', exact: true }).click();
	await expect(page).toHaveURL(new RegExp(`[?&]months=${months}(&|$)`));
}

test('switching the horizon between 6, 12 and 18 months redraws chart and table, and they agree bar by bar', async ({ page }) => {
	await signIn(page, 'exec@demo.test');
	await page.goto('/forecast');
	await expect(page.getByRole('heading', { level: 1, name: 'Forecast' })).toBeVisible();

	for (const months of [6, 18, 12]) {
		await showHorizon(page, months);
		const rows = monthTable(page).locator('tbody tr');
		await expect(rows).toHaveCount(months);
		const totals = monthChart(page).locator('g[aria-description="Total open pipeline"] rect');
		const weighted = monthChart(page).locator('g[aria-description="Weighted (amount × probability)"] rect');
		await expect(totals).toHaveCount(months);
		await expect(weighted).toHaveCount(months);

		// Every bar's tooltip names the month and the amount its table row shows, in the same order.
		const totalTitles = await totals.locator('title').allTextContents();
		const weightedTitles = await weighted.locator('title').allTextContents();
		for (let i = 0; i < months; i++) {
			const [month, total, weight] = await rows.nth(i).locator('td').allTextContents();
			expect(totalTitles[i]).toBe(`${month.trim()} · Open pipeline: ${total.trim()}`);
			expect(weightedTitles[i]).toBe(`${month.trim()} · Weighted: ${weight.trim()}`);
		}
	}
	await expectAccessible(page);
});

test('the page and the API show all open pipeline: the months, overdue, later and no close date add up to it', async ({ page }) => {
	await signIn(page, 'exec@demo.test');
	type Bucket = { total: number; weighted: number; count: number };
	const api = (await (await page.request.get('/api/v1/forecast?months=6')).json()) as {
		as_of: string;
		months: { total: number }[];
		overdue: Bucket;
		later: Bucket;
		no_close_date: Bucket;
		open_pipeline: Bucket;
	};
	const cents = (value: number) => Math.round(value * 100);
	const shown = api.months.reduce((sum, m) => sum + cents(m.total), 0);
	expect(shown + cents(api.overdue.total) + cents(api.later.total) + cents(api.no_close_date.total)).toBe(cents(api.open_pipeline.total));
	expect(api.open_pipeline.count).toBeGreaterThan(0);

	await page.goto(`/forecast?as_of=${api.as_of}&months=6`);
	const table = page.getByRole('table', { name: /^All open pipeline: the months above/ });
	const rows = table.locator('tbody tr');
	await expect(rows).toHaveCount(5);
	const cells = async (i: number) => (await rows.nth(i).locator('td').allTextContents()).map((c) => c.trim());
	const euros = (text: string) => Number(text.replace(/[^\d]/g, ''));
	const [months, overdue, later, none, all] = await Promise.all([0, 1, 2, 3, 4].map(cells));
	expect(all[0]).toBe('All open pipeline');
	expect(euros(all[1])).toBe(Math.round(api.open_pipeline.total));
	expect(euros(later[1])).toBe(Math.round(api.later.total));
	expect(euros(overdue[1])).toBe(Math.round(api.overdue.total));
	// As shown, in whole euros: the four rows add up to the last, give or take their rounding.
	expect(Math.abs(euros(months[1]) + euros(overdue[1]) + euros(later[1]) + euros(none[1]) - euros(all[1]))).toBeLessThanOrEqual(2);
	expect(euros(months[3]) + euros(overdue[3]) + euros(later[3]) + euros(none[3])).toBe(api.open_pipeline.count);
});

test('the accuracy sections show the backtest per quarter, team and rep, beside the calibrated weighting', async ({ page }) => {
	await signIn(page, 'exec@demo.test');
	await page.goto('/forecast');
	await expect(page.getByRole('heading', { level: 2, name: 'Forecast accuracy backtest' })).toBeVisible();
	await expect(page.getByRole('table', { name: /^Forecast reliability by rep/ }).locator('tbody tr')).not.toHaveCount(0);
	await expect(page.getByRole('table', { name: /^Which weighting forecasts better/ }).locator('tbody tr')).toHaveCount(3);
	await expect(page.getByRole('heading', { level: 2, name: /^How the forecast for Q\d \d{4} moved$/ })).toBeVisible();
});

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('the filters are a plain form: choosing 6 months shows six months', async ({ page }) => {
		await signIn(page, 'exec@demo.test');
		await page.goto('/forecast');
		await showHorizon(page, 6);
		await expect(monthTable(page).locator('tbody tr')).toHaveCount(6);
	});
});

test('the executive summary prints on one page without the navigation', async ({ page }) => {
	await signIn(page, 'exec@demo.test');
	await page.goto('/forecast');
	await page.getByRole('link', { name: 'Printable executive summary' }).click();
	await expect(page).toHaveURL(/\/forecast\/summary/);
	await expect(page.getByRole('heading', { level: 1, name: /^Forecast Q\d \d{4}$/ })).toBeVisible();
	await expect(page.getByText(/^We expect to close €[\d,]+ in Q\d \d{4}\./)).toBeVisible();
	await expectAccessible(page);

	await page.emulateMedia({ media: 'print' });
	await expect(page.getByRole('navigation', { name: 'Views' })).toBeHidden();
	await expect(page.getByRole('button', { name: 'Print' })).toBeHidden();
	const pdf = (await page.pdf({ format: 'A4', printBackground: false })).toString('latin1');
	const pages = pdf.match(/\/Type\s*\/Page(?![s\w])/g) ?? [];
	expect(pages).toHaveLength(1);
});
