import { expect, request, test, type APIRequestContext } from '@playwright/test';
import { demoPassword } from './helpers';

/**
 * The attack a review found, replayed through the real upload API: a leader uploads a one-row
 * snapshot file naming an AE of another team, labelled with the leader's own team. It used to move
 * the AE into the leader's team (and with them their pipeline history and private 1:1 notes). Now
 * the check refuses it with the file, line and column, nothing is written, and the AE's data stays
 * where it was.
 */
interface Rep {
	email: string;
	role: string;
	team: string;
}
interface Job {
	id: string;
	state: string;
	check: { status: string; errors: { code: string; file: string; line: number; column: string; value: string; message: string }[] } | null;
}

async function signedIn(baseURL: string, email: string): Promise<APIRequestContext> {
	const context = await request.newContext({ baseURL, maxRedirects: 0 });
	const response = await context.post('/login', { form: { email, password: demoPassword }, headers: { origin: baseURL } });
	expect(response.status(), `sign-in of ${email}`).toBe(303);
	return context;
}

/** Uploads `csv` as one file and has the server check it, as the Imports page does. */
async function uploadAndCheck(api: APIRequestContext, name: string, csv: string, options: Record<string, unknown> = {}): Promise<Job> {
	const bytes = Buffer.from(csv);
	const created = await api.post('/api/v1/imports', { data: { files: [{ name, size: bytes.length }] } });
	expect(created.status()).toBe(201);
	const { upload } = (await created.json()) as { upload: Job };
	expect((await api.put(`/api/v1/imports/${upload.id}?file=0&offset=0`, { data: bytes })).status()).toBe(200);
	expect((await api.post(`/api/v1/imports/${upload.id}`, { data: { action: 'check', options: { format: 'native', ...options } } })).status()).toBe(202);
	let job: Job = upload;
	await expect
		.poll(async () => {
			job = (await (await api.get(`/api/v1/imports/${upload.id}`)).json()) as Job;
			return job.state;
		}, { timeout: 30_000 })
		.toMatch(/^(checked|failed)$/);
	return job;
}

test("a leader's upload naming another team's rep is refused, located, and changes nobody's team", async ({ baseURL }) => {
	const admin = await signedIn(baseURL!, 'admin@demo.test');
	const leader = await signedIn(baseURL!, 'leader1@demo.test');
	const ownTeam = ((await (await leader.get('/api/v1/reps')).json()) as { reps: Rep[] }).reps[0].team;
	const everyone = ((await (await admin.get('/api/v1/reps')).json()) as { reps: Rep[] }).reps;
	const victim = everyone.find((r) => r.role === 'AE' && r.team !== ownTeam)!;
	expect(victim).toBeDefined();

	const csv = ['snapshot_date,deal_id,owner,team,stage,amount,close_date', `2024-06-03,ATTACK-1,${victim.email},${ownTeam},Lead,1,2025-06-30`].join('\n');
	const job = await uploadAndCheck(leader, 'attack.csv', csv);
	expect(job.state).toBe('checked');
	expect(job.check!.status).toBe('error');
	const refusal = job.check!.errors.find((e) => e.code === 'owner_outside_team');
	expect(refusal).toMatchObject({ file: 'attack.csv', line: 2, column: 'owner', value: victim.email });
	expect(refusal!.message).toContain(`belongs to team ${victim.team}, outside your team`);

	// Only a check without errors can be imported.
	const importing = await leader.post(`/api/v1/imports/${job.id}`, { data: { action: 'import' } });
	expect(importing.status()).toBe(409);

	const after = ((await (await admin.get('/api/v1/reps')).json()) as { reps: Rep[] }).reps.find((r) => r.email === victim.email);
	expect(after?.team).toBe(victim.team);
	const email = encodeURIComponent(victim.email);
	expect((await leader.get(`/coaching/${email}/notes.md`)).status()).toBe(404);
	expect((await leader.get(`/api/v1/reps/${email}/coaching`)).status()).toBe(404);
	const snapshots = (await (await admin.get('/api/v1/snapshots')).json()) as { snapshots: string[] };
	expect(snapshots.snapshots).not.toContain('2024-06-03');
	expect((await leader.delete(`/api/v1/imports/${job.id}`)).status()).toBe(204);
});

test("a leader may not replace whole snapshot dates, even by asking the API directly", async ({ baseURL }) => {
	const leader = await signedIn(baseURL!, 'leader1@demo.test');
	const own = ((await (await leader.get('/api/v1/reps')).json()) as { reps: Rep[] }).reps.find((r) => r.role === 'AE')!;
	const csv = ['snapshot_date,deal_id,owner,stage,amount,close_date', `2023-01-02,OWN-1,${own.email},Lead,1,2023-06-30`].join('\n');
	const job = await uploadAndCheck(leader, 'own.csv', csv, { replaceDates: true });
	expect(job.state).toBe('checked');
	expect(job.check!.errors.map((e) => e.code)).toEqual(['replace_dates_admin_only']);
	expect((await leader.delete(`/api/v1/imports/${job.id}`)).status()).toBe(204);
});
