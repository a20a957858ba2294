import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

/**
 * Whatever carries someone's data is kept by no cache, shared or the browser's own: the next person
 * at a shared computer must not find the last one's pipeline in the back/forward cache or on disk.
 */

const noStore = 'private, no-store';

test('API answers, page data, notes downloads and signed-in pages are sent with Cache-Control: private, no-store', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');

	const reps = await page.request.get('/api/v1/reps');
	expect(reps.status()).toBe(200);
	expect(reps.headers()['cache-control']).toBe(noStore);
	const rep = ((await reps.json()) as { reps: { email: string; role: string }[] }).reps.find((r) => r.role === 'AE')!;

	// SvelteKit's data for client-side navigation: the same figures as the page, as JSON.
	const data = await page.request.get('/snapshots/__data.json');
	expect(data.status()).toBe(200);
	expect(data.headers()['cache-control']).toBe(noStore);

	const notes = await page.request.get(`/coaching/${encodeURIComponent(rep.email)}/notes.md`);
	expect(notes.status()).toBe(200);
	expect(notes.headers()['content-type']).toMatch(/markdown/);
	expect(notes.headers()['cache-control']).toBe(noStore);

	const overview = await page.request.get('/snapshots');
	expect(overview.status()).toBe(200);
	expect(overview.headers()['cache-control']).toBe(noStore);
});

test('an API refusal is not cached either, and over plain http the session cookie is the plain, HttpOnly one', async ({ page, request }) => {
	const refused = await request.get('/api/v1/reps');
	expect(refused.status()).toBe(401);
	expect(refused.headers()['cache-control']).toBe(noStore);

	await signIn(page, 'leader1@demo.test');
	const cookies = await page.context().cookies();
	const session = cookies.find((c) => c.name === 'session');
	expect(session).toMatchObject({ httpOnly: true, secure: false, sameSite: 'Lax', path: '/' });
	expect(cookies.some((c) => c.name.startsWith('__Host-'))).toBe(false);
});
