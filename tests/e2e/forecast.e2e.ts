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
