import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

/**
 * The weekly 1:1, end to end on the demo company: leader1 coaches rep A (an AE of their team); rep B
 * is A's teammate and must see none of it. "Last week" (W1) is the session the leader writes; "this
 * week" (W2), the latest snapshot, is next week's session that follows it up.
 */

interface Reps {
	reps: { email: string; role: string; team: string }[];
}

const stamp = Date.now();
const noteText = `Great progress on the pilot (${stamp}). Next: bring procurement in early.`;
const stepText = `Call the CFO together (${stamp})`;
const selfReviewText = `Proud of the demo this week (${stamp}); I would like help with pricing.`;

async function signOut(page: Page) {
	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.waitForURL(/\/login/);
}

test.describe.configure({ mode: 'serial' });

let repA: string;
let repB: string;

test('a full 1:1: the leader writes, the rep reads and reviews, next week follows it up; a teammate sees nothing', async ({ page }) => {
	test.setTimeout(120_000);

	// The leader picks rep A from their coaching overview and goes to last week's session.
	await signIn(page, 'leader1@demo.test');
	const { reps } = (await (await page.request.get('/api/v1/reps')).json()) as Reps;
	const aes = reps.filter((r) => r.role === 'AE');
	expect(aes.length).toBeGreaterThanOrEqual(2);
	[repA, repB] = [aes[0].email, aes[1].email];

	await page.goto('/coaching');
	await page.getByRole('link', { name: await nameOf(page, repA), exact: true }).click();
	await expect(page).toHaveURL((url) => url.pathname === pageOf(repA));
	await expect(page.getByRole('heading', { level: 1, name: /^1:1 with / })).toBeVisible();
	for (const part of ['Celebrate', 'Where energy is needed', 'Strength to use', 'Follow-up']) {
		await expect(page.getByRole('region', { name: part })).toBeVisible();
	}
	await page.getByRole('link', { name: /Previous week/ }).click();
	await expect(page).toHaveURL(/week=\d{4}-\d{2}-\d{2}/);
	const lastWeek = new URL(page.url()).searchParams.get('week')!;

	// Session notes and a next step on one of the rep's deals.
	await page.getByLabel('Your notes on this session').fill(noteText);
	await page.getByRole('region', { name: 'Session notes' }).getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('region', { name: 'Session notes' }).getByRole('status')).toHaveText('Saved.');

	const addStep = page.getByRole('form', { name: 'Agree a next step' });
	await addStep.getByLabel('Next step').fill(stepText);
	await addStep.getByLabel('Deal').selectOption({ index: 1 });
	// Options read "<deal name> (<CRM id>) · <stage> · <amount>"; the CRM id names the deal everywhere.
	const option = (await addStep.getByLabel('Deal').locator('option:checked').textContent())!;
	const dealCrmId = /\(([^()]+)\)(?= · )/.exec(option)![1];
	await addStep.getByLabel('Who').selectOption('leader');
	await addStep.getByRole('button', { name: 'Add next step' }).click();
	const steps = page.getByRole('region', { name: 'Next steps' });
	await expect(steps.getByText(stepText)).toBeVisible();
	await expect(addStep.getByLabel('Next step'), 'the form is cleared for the next one').toHaveValue('');
	await expectAccessible(page);

	// The Markdown export carries the week's notes and steps.
	const markdown = await (await page.request.get(`/coaching/${encodeURIComponent(repA)}/notes.md?week=${lastWeek}`)).text();
	expect(markdown).toContain(noteText);
	expect(markdown).toContain(stepText);
	await signOut(page);

	// Rep A lands on their own page for this week: last week's step is there to follow up.
	await signIn(page, repA);
	await page.goto('/coaching');
	await expect(page).toHaveURL((url) => url.pathname === pageOf(repA) && url.search === '');
	const followUp = page.getByRole('region', { name: 'Follow-up' });
	await expect(followUp.getByText(stepText)).toBeVisible();
	await expect(followUp.getByText(dealCrmId)).toBeVisible();

	// Last week's page shows the leader's notes (to read, not to edit) and the agreed step.
	await page.getByRole('link', { name: /Previous week/ }).click();
	await expect(page.getByRole('region', { name: 'Session notes' }).getByText(noteText).filter({ visible: true })).toBeVisible();
	await expect(page.getByLabel('Your notes on this session')).toHaveCount(0);
	await expect(page.getByRole('region', { name: 'Next steps' }).getByText(stepText)).toBeVisible();

	// Back to this week: the self-review before the session.
	await page.getByRole('link', { name: /Next week/ }).click();
	await expect(page).toHaveURL((url) => url.searchParams.get('week') !== lastWeek);
	await page.getByLabel('Your self-review').fill(selfReviewText);
	await page.getByRole('region', { name: 'Self-review' }).getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('region', { name: 'Self-review' }).getByRole('status')).toHaveText('Saved.');
	await expectAccessible(page);
	await signOut(page);

	// Next week, the leader sees the follow-up with the deal's movement, and the rep's self-review.
	await signIn(page, 'leader1@demo.test');
	await page.goto(`/coaching/${encodeURIComponent(repA)}`);
	await expect(page.getByRole('region', { name: 'Follow-up' }).getByText(stepText)).toBeVisible();
	await expect(page.getByRole('region', { name: 'Self-review' }).getByText(selfReviewText).filter({ visible: true })).toBeVisible();
	const api = await (await page.request.get(`/api/v1/reps/${encodeURIComponent(repA)}/coaching`)).json();
	const followed = api.follow_up.find((item: { step: { text: string } }) => item.step.text === stepText);
	expect(followed.step.week).toBe(lastWeek);
	expect(followed.movement).toMatchObject({ from: lastWeek, to: api.week, kind: expect.stringMatching(/^(forward|backward|unchanged|won|lost|gone)$/) });

	// Ticking it off in the session.
	await page.getByRole('region', { name: 'Follow-up' }).getByRole('button', { name: `Tick off: ${stepText}` }).click();
	await expect(page.getByRole('region', { name: 'Follow-up' }).getByRole('button', { name: `Reopen: ${stepText}` })).toBeVisible();
	await signOut(page);

	// Rep B, a teammate, sees none of it: not by page, not by API, not by export.
	await signIn(page, repB);
	for (const url of [
		`/coaching/${encodeURIComponent(repA)}?week=${lastWeek}`,
		`/coaching/${encodeURIComponent(repA)}`,
		`/coaching/${encodeURIComponent(repA)}/notes.md?week=${lastWeek}`,
		`/api/v1/reps/${encodeURIComponent(repA)}/coaching?week=${lastWeek}`
	]) {
		const response = await page.request.get(url);
		expect(response.status(), url).toBe(404);
		const body = await response.text();
		for (const secret of [noteText, stepText, selfReviewText]) expect(body, url).not.toContain(secret);
	}
	await page.goto('/coaching');
	await expect(page).toHaveURL((url) => url.pathname === pageOf(repB));
	await expect(page.getByText(stepText)).toHaveCount(0);
	await expect(page.getByText(noteText)).toHaveCount(0);
});

test('an executive is told coaching is private, and gets none of the text', async ({ page }) => {
	await signIn(page, 'exec@demo.test');
	const response = await page.goto('/coaching');
	expect(response?.status()).toBe(200);
	await expect(page.getByRole('heading', { name: 'Coaching notes are private' })).toBeVisible();
	for (const url of [`/coaching/${encodeURIComponent(repA)}`, `/api/v1/reps/${encodeURIComponent(repA)}/coaching`]) {
		const refused = await page.request.get(url);
		expect(refused.status(), url).toBe(403);
		expect(await refused.text()).not.toContain(noteText);
	}
});

test('the agenda prints on its own: no forms, the notes as text', async ({ page }) => {
	await signIn(page, 'leader1@demo.test');
	await page.goto('/coaching');
	await page.getByRole('link', { name: await nameOf(page, repA), exact: true }).click();
	await page.getByRole('link', { name: /Previous week/ }).click();
	await expect(page).toHaveURL(/week=\d{4}-\d{2}-\d{2}/);
	await page.emulateMedia({ media: 'print' });
	await expect(page.getByRole('navigation', { name: 'Views' })).toBeHidden();
	await expect(page.getByLabel('Your notes on this session')).toBeHidden();
	await expect(page.getByRole('form', { name: 'Agree a next step' })).toBeHidden();
	await expect(page.getByText(noteText).filter({ visible: true })).toHaveCount(1);
	await expect(page.getByRole('region', { name: 'Celebrate' })).toBeVisible();
	await page.screenshot({ path: '.test-output/coaching-print.png', fullPage: true });
});

function pageOf(email: string): string {
	return `/coaching/${encodeURIComponent(email)}`;
}

/** A rep's display name, as the leader's overview links it. */
async function nameOf(page: Page, email: string): Promise<string> {
	const { reps } = (await (await page.request.get('/api/v1/reps')).json()) as { reps: { email: string; name: string }[] };
	return reps.find((r) => r.email === email)!.name;
}
