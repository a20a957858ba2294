import { expect, test } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

test('a leader opens Data quality from the menu, follows a flag to its deals, and back to all flagged deals', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Data quality' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Data quality' })).toBeVisible();
	const flags = page.getByRole('table', { name: /^Flags in the open pipeline/ });
	await expect(flags).toBeVisible();
	await expectAccessible(page);

	// The first flag with deals behind it: its link lists exactly the deals carrying it.
	const link = flags.getByRole('link').first();
	const label = (await link.textContent())!.trim();
	const count = Number((await link.locator('xpath=ancestor::tr').locator('td').nth(1).textContent())!.replace(/\D/g, ''));
	await link.click();
	await expect(page).toHaveURL(/[?&]flag=/);
	const deals = page.getByRole('table', { name: `Deals flagged “${label}”` });
	await expect(deals.locator('tbody tr')).toHaveCount(count);
	for (const cell of await deals.locator('tbody tr td:last-child').allTextContents()) expect(cell).toContain(label);

	await page.getByRole('link', { name: 'All flagged deals' }).click();
	await expect(page.getByRole('table', { name: /^Deals with a flag/ })).toBeVisible();
});

test('a rep sees only their own deals on Data quality, and another rep is a 404', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	const reps = (await (await page.request.get('/api/v1/reps')).json()) as { reps: { email: string; role: string; name: string }[] };
	const [own, other] = reps.reps.filter((r) => r.role === 'AE');
	await page.context().clearCookies();
	await signIn(page, own.email);
	const answer = (await (await page.request.get('/api/v1/data-quality')).json()) as { deals: { owner_email: string }[] };
	expect(answer.deals.every((d) => d.owner_email === own.email)).toBe(true);
	expect((await page.request.get(`/api/v1/data-quality?rep=${encodeURIComponent(other.email)}`)).status()).toBe(404);
});
