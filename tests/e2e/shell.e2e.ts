import { expect, test } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

test('a signed-out visitor is sent to sign-in, which names the demo accounts', async ({ page }) => {
	await page.goto('/snapshots');
	await expect(page).toHaveURL(/\/login\?redirectTo=%2Fsnapshots/);
	await expect(page.getByText('leader1@demo.test')).toBeVisible();
	await expectAccessible(page);
});

test('the shell lists the loaded snapshots and every view, newest snapshot first', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	await expect(page.getByRole('heading', { level: 1, name: 'Monday overview' })).toBeVisible();
	await expectAccessible(page);

	const nav = page.getByRole('navigation', { name: 'Views' });
	for (const view of ['Pipeline movement', 'Forecast', 'Revenue mix', 'Team & strengths', 'Coaching', 'Snapshots']) {
		await expect(nav.getByRole('link', { name: view })).toBeVisible();
	}
	await nav.getByRole('link', { name: 'Snapshots' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Snapshots loaded' })).toBeVisible();
	const firstDate = page.locator('tbody tr').first().locator('td').first();
	// The demo is seeded up to Monday 23 November 2026 (en-GB formatting).
	await expect(firstDate).toHaveText('23 Nov 2026');
	await expectAccessible(page);
});

test("the Monday overview's week figures are the waterfall's, and lead to it", async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	const week = page.getByRole('region', { name: 'Since last week' });
	await expect(week).toBeVisible();
	const movement = await (await page.request.get('/api/v1/movement')).json();
	const money = (value: number) => new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0, signDisplay: 'negative' }).format(value);
	const figure = (label: string) => week.locator('.metric').filter({ hasText: label }).locator('.value');
	await expect(figure('Net change in open pipeline')).toHaveText(money(movement.end - movement.start));
	await expect(figure('Won')).toHaveText(money(movement.parts.won));
	await expect(figure('New pipeline')).toHaveText(money(movement.parts.new));
	await week.getByRole('link', { name: /See what moved/ }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Pipeline movement' })).toBeVisible();
	await expect(page).toHaveURL(new RegExp(`from=${movement.from}&to=${movement.to}`));
});

test('switching to German translates the shell and formats numbers the German way', async ({ page }) => {
	await signIn(page, 'exec@demo.test');
	await page.getByLabel('Language').selectOption('de');
	await expect(page.getByRole('heading', { level: 1, name: 'Wochenstart-Überblick' })).toBeVisible();
	await expect(page.getByRole('navigation', { name: 'Ansichten' }).getByRole('link', { name: 'Pipeline-Bewegung' })).toBeVisible();
	// German currency: thousands with '.', the euro sign after the number.
	await expect(page.locator('.metric .value').first()).toHaveText(/^\d{1,3}(\.\d{3})*\s€$/);
	await expectAccessible(page);
	await page.screenshot({ path: '.test-output/shell-de.png', fullPage: true });
});

test('the shell can be used by keyboard alone', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	await page.keyboard.press('Tab');
	const skip = page.getByRole('link', { name: 'Skip to content' });
	await expect(skip).toBeFocused();
	// Walk the tab order until the Snapshots link has focus, then follow it with Enter.
	const target = page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Snapshots' });
	for (let i = 0; i < 15 && !(await target.evaluate((el) => el === document.activeElement)); i++) {
		await page.keyboard.press('Tab');
	}
	await expect(target).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(/\/snapshots$/);
});
