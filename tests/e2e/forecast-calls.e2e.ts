import { expect, request, test, type APIRequestContext, type Page } from '@playwright/test';
import { demoPassword, expectAccessible, signIn } from './helpers';

/**
 * Forecast calls end to end on the demo company: rep A (an AE of leader1's team) calls on the page,
 * teammate rep B through the API; leader1 sees both beside the CRM and calls for the team with a
 * different number (an override, so with a reason); leader2 calls for their team. The executive's
 * roll-up is the leaders' calls; reps see only their own; executives never read reps' notes.
 */

interface Reps {
	reps: { email: string; role: string; team: string }[];
}
interface CallsAnswer {
	quarter: string;
	calls: { by: string; email: string; role: 'rep' | 'leader'; team: string; commit: number; best_case: number; note: string | null }[];
	rollup: { commit: number; best_case: number; from: 'leaders' | 'reps'; teams: { team: string; commit: number; from: string }[] };
	history?: unknown[];
}

const stamp = Date.now();
const repANote = `Rests on the pilot at Northwind (${stamp})`;
const repBNote = `Rep B's private reasoning (${stamp})`;
const leaderNote = `Globex renewal is further along than the reps think (${stamp})`;
const today = new Date();
const quarter = `${today.getUTCFullYear()}-Q${Math.floor(today.getUTCMonth() / 3) + 1}`;

test.describe.configure({ mode: 'serial' });

async function api(baseURL: string, email: string): Promise<APIRequestContext> {
	const context = await request.newContext({ baseURL, maxRedirects: 0 });
	const response = await context.post('/login', { form: { email, password: demoPassword }, headers: { origin: baseURL } });
	expect(response.status(), `sign-in of ${email}`).toBe(303);
	return context;
}

async function callsAs(context: APIRequestContext, query = ''): Promise<CallsAnswer> {
	const response = await context.get(`/api/v1/forecast/calls?quarter=${quarter}${query}`);
	expect(response.status()).toBe(200);
	return (await response.json()) as CallsAnswer;
}

async function signOut(page: Page) {
	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.waitForURL(/\/login/);
}

let repA: string;
let repB: string;
let teamA: string;
let otherTeam: string;

test('a rep calls, the leader sees it and calls for the team with a different number', async ({ page, baseURL }) => {
	test.setTimeout(120_000);
	const leader = await api(baseURL!, 'leader1@demo.test');
	const { reps } = (await (await leader.get('/api/v1/reps')).json()) as Reps;
	const aes = reps.filter((r) => r.role === 'AE');
	[repA, repB] = [aes[0].email, aes[1].email];
	teamA = aes[0].team;
	const everyone = (await (await (await api(baseURL!, 'exec@demo.test')).get('/api/v1/reps')).json()) as Reps;
	otherTeam = everyone.reps.find((r) => r.team !== teamA)!.team;

	// Rep A calls on the page, from the forecast page's header.
	await signIn(page, repA);
	await page.goto('/forecast');
	await page.getByRole('link', { name: 'Forecast calls' }).first().click();
	await expect(page).toHaveURL(/\/forecast\/calls/);
	await page.getByLabel('Commit', { exact: true }).fill('100000');
	await page.getByLabel('Best case', { exact: true }).fill('90000');
	await page.getByLabel(/^Note/).fill(repANote);
	await page.getByRole('button', { name: 'Submit call' }).click();
	await expect(page.getByText('The best case includes everything committed')).toBeVisible();
	await page.getByLabel('Best case', { exact: true }).fill('150000');
	await page.getByRole('button', { name: 'Submit call' }).click();
	await expect(page.getByText(/^Call saved/)).toBeVisible();
	await expect(page.getByText(/Latest: commit €100,000, best case €150,000/)).toBeVisible();
	await signOut(page);

	// Rep B calls through the API; a wrong body is refused naming the field.
	const b = await api(baseURL!, repB);
	const bad = await b.post('/api/v1/forecast/calls', { data: { quarter, commit: 'lots', best_case: 60000 } });
	expect(bad.status()).toBe(400);
	expect(((await bad.json()) as { message: string }).message).toMatch(/^commit must be a number/);
	const made = await b.post('/api/v1/forecast/calls', { data: { quarter, commit: 50000, best_case: 60000, note: repBNote } });
	expect(made.status()).toBe(201);
	expect(await made.json()).toMatchObject({ role: 'rep', team: teamA, commit: 50000, note: repBNote });

	// The leader sees both calls with their notes, beside the CRM's figures.
	await signIn(page, 'leader1@demo.test');
	await page.goto('/forecast/calls');
	const team = page.getByRole('region', { name: teamA, exact: true });
	await expect(team.getByRole('cell', { name: repANote })).toBeVisible();
	await expect(team.getByRole('cell', { name: repBNote })).toBeVisible();
	await expect(team.getByText("The reps' calls add up to commit €150,000")).toBeVisible();
	await expect(page.getByRole('columnheader', { name: 'Calibrated forecast' })).toBeVisible();
	await expectAccessible(page);

	// A different number without a reason is refused; with one it is the team's call.
	await page.getByLabel('Commit', { exact: true }).fill('180000');
	await page.getByLabel('Best case', { exact: true }).fill('230000');
	await page.getByRole('button', { name: 'Submit call' }).click();
	await expect(page.getByText("Your call differs from the sum of your reps' calls")).toBeVisible();
	await page.getByLabel(/^Note/).fill(leaderNote);
	await page.getByRole('button', { name: 'Submit call' }).click();
	await expect(page.getByText(/^Call saved/)).toBeVisible();
	await expect(team.getByText(/Team call by .*: commit €180,000, best case €230,000/)).toBeVisible();
	await expect(team.getByText("differs from the reps' sum")).toBeVisible();
	await page.screenshot({ path: '.test-output/forecast-calls-leader.png', fullPage: true });

	// The Monday overview names whose calls are still missing this week.
	await page.goto('/');
	await expect(page.getByRole('heading', { name: /^Forecast calls for / })).toBeVisible();
});

test("the executive's roll-up is the leaders' calls, without reps' notes", async ({ page, baseURL }) => {
	const other = await api(baseURL!, 'leader2@demo.test');
	const made = await other.post('/api/v1/forecast/calls', { data: { quarter, commit: 300000, best_case: 350000, note: 'No rep has called yet' } });
	expect(made.status()).toBe(201);

	const executive = await api(baseURL!, 'exec@demo.test');
	const answer = await callsAs(executive, '&history=1');
	const leaders = answer.calls.filter((c) => c.role === 'leader');
	expect(leaders.map((c) => c.commit).sort()).toEqual([180000, 300000]);
	expect(answer.rollup.from).toBe('leaders');
	expect(answer.rollup.commit).toBe(leaders.reduce((sum, c) => sum + c.commit, 0));
	expect(answer.rollup.best_case).toBe(leaders.reduce((sum, c) => sum + c.best_case, 0));
	expect(answer.rollup.teams.find((t) => t.team === teamA)).toMatchObject({ commit: 180000, from: 'leaders' });

	// Reps' calls are there as numbers, their notes are not; the leaders' notes are.
	const repCalls = answer.calls.filter((c) => c.role === 'rep');
	expect(repCalls.map((c) => c.email).sort()).toEqual([repA, repB].sort());
	expect(repCalls.every((c) => c.note === null)).toBe(true);
	expect(leaders.find((c) => c.commit === 180000)!.note).toBe(leaderNote);
	const raw = await (await executive.get(`/api/v1/forecast/calls?quarter=${quarter}&history=1`)).text();
	expect(raw).not.toContain(repBNote);
	expect(raw).not.toContain(repANote);

	// Executives read, they do not call.
	expect((await executive.post('/api/v1/forecast/calls', { data: { quarter, commit: 1, best_case: 1 } })).status()).toBe(403);

	// The roll-up's history as CSV for the meeting.
	const csv = await executive.get(`/api/v1/forecast/calls?quarter=${quarter}&format=csv`);
	expect(csv.headers()['content-type']).toContain('text/csv');
	const text = await csv.text();
	expect(text.split('\r\n')[0]).toBe('quarter,week_ending,team,commit,best_case,from,won_to_date');
	expect(text).toContain(`${teamA},180000,230000,leaders`);

	// The printable page shows the roll-up and no rep's note.
	await signIn(page, 'exec@demo.test');
	await page.goto(`/forecast/calls?quarter=${quarter}`);
	await expect(page.getByRole('heading', { name: 'Roll-up', exact: true })).toBeVisible();
	await expect(page.getByTestId('rollup-commit')).toHaveText('€480,000');
	await expect(page.getByText(repBNote)).toHaveCount(0);
	await expect(page.getByText(repANote)).toHaveCount(0);
	await expectAccessible(page);
	await page.emulateMedia({ media: 'print' });
	await page.screenshot({ path: '.test-output/forecast-calls-print.png', fullPage: true });
});

test("a rep sees only their own calls: not the leader's, not a teammate's", async ({ page, baseURL }) => {
	const a = await api(baseURL!, repA);
	const answer = await callsAs(a, '&history=1');
	expect(answer.calls.map((c) => c.email)).toEqual([repA]);
	expect(answer.rollup).toMatchObject({ commit: 100000, best_case: 150000, from: 'reps' });
	const raw = JSON.stringify(answer);
	expect(raw).not.toContain(repBNote);
	expect(raw).not.toContain(leaderNote);
	expect(raw).not.toContain('180000');
	expect((await a.get(`/api/v1/forecast/calls?quarter=${quarter}&team=${encodeURIComponent(otherTeam)}`)).status()).toBe(404);
	const malformed = await a.get('/api/v1/forecast/calls?quarter=2026-5');
	expect(malformed.status()).toBe(400);
	expect(await malformed.json()).toMatchObject({ issues: [{ parameter: 'quarter', message: 'quarter must be written YYYY-Qn, e.g. 2026-Q4, got "2026-5"' }] });

	await signIn(page, repA);
	await page.goto('/forecast/calls');
	await expect(page.getByText(repBNote)).toHaveCount(0);
	await expect(page.getByText(leaderNote)).toHaveCount(0);
	await expect(page.getByRole('heading', { name: 'Roll-up' })).toHaveCount(0);
	await expectAccessible(page);
});
