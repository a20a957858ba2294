import { expect, test } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

test("an admin changes a stage's default probability on the Settings page, and a ladder without a lost stage is refused", async ({ page }) => {
	await signIn(page, 'admin@demo.test');
	await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Settings' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
	await expect(page.getByRole('heading', { level: 2, name: 'Stage ladder' })).toBeVisible();
	await expectAccessible(page);

	const probability = page.getByLabel('Default probability (%): Negotiation');
	await expect(probability).toHaveValue('80');
	await probability.fill('75');
	await page.getByRole('button', { name: 'Save the ladder' }).click();
	await expect(page.getByRole('status')).toHaveText('The stage ladder is saved.');
	await page.reload();
	await expect(page.getByLabel('Default probability (%): Negotiation')).toHaveValue('75');

	// Closed Lost made an open stage: the ladder would have no lost stage, so nothing is saved.
	await page.getByLabel('Open, won or lost: Closed Lost').selectOption('open');
	await page.getByLabel('Default probability (%): Negotiation').fill('80');
	await page.getByRole('button', { name: 'Save the ladder' }).click();
	await expect(page.getByText('A ladder needs at least one open stage, exactly one won stage and exactly one lost stage.')).toBeVisible();
	await expectAccessible(page);
	await page.reload();
	await expect(page.getByLabel('Open, won or lost: Closed Lost')).toHaveValue('lost');
	await expect(page.getByLabel('Default probability (%): Negotiation')).toHaveValue('75');

	// Back as the demo had it, for the other tests.
	await page.getByLabel('Default probability (%): Negotiation').fill('80');
	await page.getByRole('button', { name: 'Save the ladder' }).click();
	await expect(page.getByRole('status')).toHaveText('The stage ladder is saved.');
});

test('a leader has no Settings link and is refused the page', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	await expect(page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Settings' })).toHaveCount(0);
	const response = await page.goto('/admin/settings');
	expect(response?.status()).toBe(403);
});
