import { expect, test } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

test('an executive opens the 6-18 month view from the forecast page and sees both layers, the band and the backtest', async ({ page }) => {
	await signIn(page, 'exec@demo.test');
	await page.goto('/forecast');
	await page.getByRole('link', { name: '6–18 month view' }).click();
	await expect(page).toHaveURL(/\/forecast\/long-range/);
	await expect(page.getByRole('heading', { level: 1, name: '6–18 month view' })).toBeVisible();

	const months = page.getByRole('table', { name: /^Expected won revenue by month/ }).locator('tbody tr');
	await expect(months).toHaveCount(18);
	const chart = page.getByRole('img', { name: /^Expected won revenue by month, from today’s pipeline/ }).first();
	await expect(chart.locator('g[aria-description="From pipeline not yet created"] rect')).toHaveCount(18);
	await expect(page.getByText(/^\d+ months out we are usually within \d+%\.$/).first()).toBeVisible();
	await expect(page.getByRole('table', { name: /^Creation, win rate, size and cycle/ }).locator('tbody tr')).not.toHaveCount(0);
	await expectAccessible(page);

	await page.getByRole('combobox', { name: 'Horizon', exact: true }).selectOption('12');
	await page.getByRole('button', { name: 'Show', exact: true }).click();
	await expect(months).toHaveCount(12);
});

test('a leader sees their own team only, tries a what-if and saves it as a scenario', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	await page.goto('/forecast/long-range');
	await expect(page.getByRole('heading', { level: 1, name: '6–18 month view' })).toBeVisible();
	// The team picker offers their own team and no other.
	await expect(page.getByLabel('Team', { exact: true }).locator('option')).toHaveCount(2);

	const firstExpected = async () =>
		(await page.getByRole('table', { name: /^Expected won revenue by month/ }).locator('tbody tr').nth(11).locator('td').nth(3).textContent())?.trim();
	const before = await firstExpected();
	await page.getByLabel('Deals created (± %)').fill('40');
	await page.getByRole('button', { name: 'Show what if' }).click();
	await expect(page.getByText('Showing an unsaved what-if.')).toBeVisible();
	// The baseline stays in view beside the what-if, month by month.
	const chart = page.getByRole('img', { name: /^Expected won revenue by month, from today’s pipeline/ }).first();
	await expect(chart.locator('g[aria-description="Baseline, expected"] line')).toHaveCount(18);
	expect(await firstExpected()).not.toBe(before);

	const name = `More pipeline ${Date.now()}`;
	await page.getByLabel('Save as').fill(name);
	await page.getByRole('button', { name: 'Save scenario' }).click();
	await expect(page.getByText(`Showing scenario: ${name}`)).toBeVisible();
	await expect(page.getByLabel('Scenario')).toHaveValue(/^\d+$/);
	await expectAccessible(page);
});

test('a leader shows the baseline and two saved scenarios side by side, on one chart and by quarter', async ({ page, baseURL }) => {
	await signIn(page, 'leader1@demo.test');
	const stamp = Date.now();
	// Listed, and so compared, by name.
	const names = [`More deals created ${stamp}`, `Slower cycles ${stamp}`];
	for (const [name, assumptions] of [
		[names[0], { creation_pct: 25 }],
		[names[1], { cycle_pct: 40 }]
	] as const) {
		const saved = await page.request.post('/api/v1/forecast/scenarios', { data: { name, assumptions }, headers: { origin: baseURL! } });
		expect(saved.status()).toBe(201);
	}
	await page.goto('/forecast/long-range');
	const sideBySide = page.getByRole('group', { name: 'Side by side with the baseline' });
	for (const name of names) await sideBySide.getByRole('checkbox', { name }).check();
	await page.getByRole('button', { name: 'Show', exact: true }).click();
	await expect(page).toHaveURL(/compare=\d+&compare=\d+/);

	await expect(page.getByRole('heading', { level: 2, name: 'Baseline and scenarios side by side' })).toBeVisible();
	const chart = page.getByRole('img', { name: /^Expected won revenue by month, baseline and scenarios side by side/ });
	for (const line of ['Baseline (no changes)', ...names]) await expect(chart.locator(`g[aria-description="${line}"] path`).first()).toBeAttached();
	const table = page.getByRole('table', { name: /^Expected won revenue by quarter, baseline and scenarios side by side/ });
	await expect(table.getByRole('columnheader')).toHaveText(['Quarter', 'Months in view', 'Baseline (no changes)', ...names, 'Quota']);
	// More deals created: every quarter after the first is above the baseline, and says by how much.
	await expect(table.locator('tbody tr').last().locator('td').nth(3)).toHaveText(/\(\+\d+(\.\d+)?\s?%\)$/);
	await expectAccessible(page);
});
