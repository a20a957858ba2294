import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

/** '€1,234,567' (en-GB, whole euros) → 1234567. */
function euros(text: string | null): number {
	return Number((text ?? '').replace(/[^\d-]/g, ''));
}

function figure(page: Page, label: string) {
	return page.getByRole('group', { name: label, exact: true }).locator('.value');
}

async function figures(page: Page) {
	return {
		weighted: euros(await figure(page, 'New-business-weighted revenue').textContent()),
		plain: euros(await figure(page, 'Won revenue').textContent()),
		newBusiness: euros(await figure(page, 'Won new business').textContent()),
		existing: euros(await figure(page, 'Won from existing customers').textContent())
	};
}

test('moving the new-business weight changes the weighted revenue at once, leaves the plain total alone, and is remembered', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	await page.goto('/revenue');
	await expect(page.getByRole('heading', { level: 1, name: 'Revenue mix' })).toBeVisible();
	await expectAccessible(page);

	const slider = page.getByLabel('New-business weight', { exact: true });
	await slider.focus();
	await page.keyboard.press('Home');
	await expect(slider).toHaveValue('1');
	const atOne = await figures(page);
	// The demo's leader has won new business this quarter, or the weight would have nothing to act on.
	expect(atOne.newBusiness).toBeGreaterThan(0);
	expect(Math.abs(atOne.weighted - atOne.plain), 'at 1x the weighted revenue is the plain total').toBeLessThanOrEqual(1);

	await page.keyboard.press('End');
	await expect(slider).toHaveValue('3');
	await expect(page.getByText('3.0×', { exact: true })).toBeVisible();
	await expect(figure(page, 'New-business-weighted revenue')).not.toHaveText(await figure(page, 'Won revenue').innerText());
	const atThree = await figures(page);
	expect(atThree.plain).toBe(atOne.plain);
	expect(atThree.newBusiness).toBe(atOne.newBusiness);
	// new business x 3 + existing, up to the rounding of the displayed whole euros.
	expect(Math.abs(atThree.weighted - (atThree.newBusiness * 3 + atThree.existing))).toBeLessThanOrEqual(2);
	expect(atThree.weighted).toBeGreaterThan(atOne.weighted);

	// Saved in the background, so the next visit opens at 3x.
	await expect(page.getByRole('status').filter({ hasText: 'Weight remembered.' })).toBeVisible();
	await page.reload();
	await expect(page.getByLabel('New-business weight', { exact: true })).toHaveValue('3');
	expect((await figures(page)).weighted).toBe(atThree.weighted);

	// Back to 1x, so no other test meets a weighted page it did not ask for.
	await page.getByLabel('New-business weight', { exact: true }).focus();
	await page.keyboard.press('Home');
	await expect(page.getByRole('status').filter({ hasText: 'Weight remembered.' })).toBeVisible();
});

test('the per-rep table lists everyone in the team, ordered by the weighted revenue; a rep sees only their own row and the team total', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	await page.goto('/revenue');
	const reps = page.getByRole('table', { name: /Reps by new-business-weighted revenue/ });
	// Team North has eleven people, one of whom left and has nothing in the period.
	await expect(reps.locator('tbody tr')).toHaveCount(10);

	await signIn(page, 'sophie.schneider@demo.test');
	await page.goto('/revenue');
	const own = page.getByRole('table', { name: /Your numbers/ });
	await expect(own.locator('tbody tr')).toHaveCount(1);
	await expect(own.locator('tbody tr td').first()).toHaveText('Sophie Schneider');
	await expect(page.getByRole('table', { name: /Team totals/ }).locator('tbody tr td').first()).toHaveText('North');
	// Asking for a teammate by URL is answered like asking for someone who does not exist.
	const response = await page.goto('/revenue?rep=lukas.meier@demo.test');
	expect(response?.status()).toBe(404);
});

test('the JSON API gives the same split, weights it as asked, and explains a bad request', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	const ok = await page.request.get('/api/v1/revenue-mix?from=2026-10-01&to=2026-11-23&new_business_weight=2');
	expect(ok.status()).toBe(200);
	const body = await ok.json();
	expect(body.weighted_score).toBeCloseTo(body.won.new_business * 2 + body.won.existing, 1);
	expect(body.pipeline_as_of).toBe('2026-11-23');
	expect(body.by_month.map((month: { month: string }) => month.month)).toEqual(['2026-10', '2026-11']);

	const bad = await page.request.get('/api/v1/revenue-mix?from=2026-10-01&to=2026-11-23&new_business_weight=4');
	expect(bad.status()).toBe(400);
	expect((await bad.json()).message).toMatch(/new_business_weight must be a number from 1 to 3, got "4"/);
});
