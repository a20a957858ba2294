import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

export const demoPassword = process.env.DEMO_PASSWORD ?? 'pipeline-demo';

/** Signs in through the real /login form, as a user would. */
export async function signIn(page: Page, email: string, password = demoPassword) {
	await page.goto('/login');
	await page.getByLabel(/e-?mail/i).fill(email);
	await page.getByLabel(/password|passwort/i).fill(password);
	await page.getByRole('button', { name: /sign in|anmelden/i }).click();
	await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/** No serious or critical accessibility violations on the current page. */
export async function expectAccessible(page: Page) {
	const results = await new AxeBuilder({ page }).analyze();
	const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	expect(
		blocking.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
		'serious or critical axe violations'
	).toEqual([]);
}
