import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { serverArgs, serverEnv } from '../../scripts/server-command.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, request, test, type APIRequestContext } from '@playwright/test';
import { freshPostgresDatabase, startPostgres, type TestPostgres } from '../support/postgres';

/**
 * Two `node build` servers over one PostgreSQL (APP_DATABASE_URL) and one Parquet lake (LAKE_PATH)
 * behave as one app: a session from one is valid on the other, what is saved on one is read on the
 * other, an import through one is served by both within seconds, imports on both at once run one
 * after the other and are both logged, and a server that loses PostgreSQL answers 503 until it is
 * back. The servers are this test's own, beside the one Playwright starts for the other tests.
 */

const base = Number(process.env.E2E_PORT ?? 4173);
const ports = [base + 10, base + 1010];
const password = 'two servers, one app';
const admin = 'admin@two-servers.test';

let root: string;
let cluster: TestPostgres;
const servers: ChildProcess[] = [];
const logs: string[][] = [];

async function waitUntilUp(url: string) {
	for (let i = 0; i < 240; i++) {
		try {
			if ((await fetch(`${url}/login`)).ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	throw new Error(`${url} did not come up:\n${logs.flat().join('')}`);
}

test.describe.configure({ mode: 'serial', timeout: 180_000 });

test.beforeAll(async () => {
	test.setTimeout(180_000);
	root = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-coach-two-'));
	cluster = startPostgres(Number(process.env.TEST_POSTGRES_PORT ?? 55432) + 2);
	const appState = await freshPostgresDatabase(cluster.url);
	const shared = { APP_DATABASE_URL: appState.url, LAKE_PATH: path.join(root, 'lake'), LAKE_CHECK_MS: '200' };
	const added = spawnSync('npx', ['tsx', 'scripts/user.ts', 'add', '--email', admin, '--role', 'admin'], {
		input: `${password}\n`,
		env: { ...process.env, ...shared, DATABASE_PATH: path.join(root, 'cli.duckdb') }
	});
	expect(added.status, added.stderr.toString()).toBe(0);
	for (const [index, port] of ports.entries()) {
		const log: string[] = [];
		logs.push(log);
		const server = spawn(process.execPath, serverArgs, {
			env: {
				...process.env,
				...shared,
				PORT: String(port),
				ORIGIN: `http://localhost:${port}`,
				DATABASE_PATH: path.join(root, `server-${index}.duckdb`),
				UPLOAD_DIR: path.join(root, `uploads-${index}`),
				...serverEnv
			},
			stdio: ['ignore', 'pipe', 'pipe']
		});
		server.stdout!.on('data', (chunk) => log.push(String(chunk)));
		server.stderr!.on('data', (chunk) => log.push(String(chunk)));
		servers.push(server);
	}
	await Promise.all(ports.map((port) => waitUntilUp(`http://localhost:${port}`)));
});

test.afterAll(() => {
	for (const server of servers) server.kill('SIGTERM');
	cluster?.stop();
	fs.rmSync(root, { recursive: true, force: true });
});

/** An API client of server `index` carrying `cookie` (a session made anywhere). */
async function client(index: number, cookie?: string): Promise<APIRequestContext> {
	const baseURL = `http://localhost:${ports[index]}`;
	return request.newContext({ baseURL, maxRedirects: 0, extraHTTPHeaders: { origin: baseURL, ...(cookie && { cookie }) } });
}

async function signIn(index: number): Promise<string> {
	const api = await client(index);
	const response = await api.post('/login', { form: { email: admin, password } });
	expect(response.status()).toBe(303);
	const cookie = response.headers()['set-cookie'].split(';')[0];
	await api.dispose();
	return cookie;
}

function snapshotsCsv(date: string, deal: string): string {
	return [
		'snapshot_date,deal_id,deal_name,account_id,account_name,owner,owner_name,owner_role,team,stage,amount,close_date',
		`${date},${deal},${deal} rollout,ACC-${deal},Account ${deal},anna.berg@example.com,Anna Berg,AE,Nord,Discovery,48000,2027-06-30`
	].join('\n');
}

/** Uploads, checks and imports one file through the API, as the Imports page does; the final job. */
async function importThrough(api: APIRequestContext, name: string, csv: string) {
	const bytes = Buffer.from(csv);
	const { upload } = (await (await api.post('/api/v1/imports', { data: { files: [{ name, size: bytes.length }] } })).json()) as { upload: { id: string } };
	expect((await api.put(`/api/v1/imports/${upload.id}?file=0&offset=0`, { data: bytes })).status()).toBe(200);
	const state = async () => ((await (await api.get(`/api/v1/imports/${upload.id}`)).json()) as { state: string }).state;
	expect((await api.post(`/api/v1/imports/${upload.id}`, { data: { action: 'check', options: { format: 'native' } } })).status()).toBe(202);
	await expect.poll(state, { timeout: 60_000 }).toBe('checked');
	expect((await api.post(`/api/v1/imports/${upload.id}`, { data: { action: 'import' } })).status()).toBe(202);
	await expect.poll(state, { timeout: 60_000 }).toMatch(/^(done|failed)$/);
	return state();
}

const snapshotDates = async (api: APIRequestContext) => ((await (await api.get('/api/v1/snapshots')).json()) as { snapshots: string[] }).snapshots;

test('a session made on one server is valid on the other, and what is saved on one is read on the other', async () => {
	const cookie = await signIn(0);
	const [one, other] = [await client(0, cookie), await client(1, cookie)];
	expect((await other.get('/api/v1/snapshots')).status()).toBe(200);

	const saved = await one.post('/api/v1/forecast/scenarios', { data: { name: 'Two servers', assumptions: { win_rate_pct: 10 } } });
	expect(saved.status()).toBe(201);
	const names = ((await (await other.get('/api/v1/forecast/scenarios')).json()) as { scenarios: { name: string }[] }).scenarios.map((s) => s.name);
	expect(names).toContain('Two servers');
});

test('signing out on one server ends the session on the other at once', async () => {
	const cookie = await signIn(0);
	const [one, other] = [await client(0, cookie), await client(1, cookie)];
	for (let i = 0; i < 2; i++) expect((await other.get('/api/v1/snapshots')).status()).toBe(200);
	expect((await one.post('/logout')).status()).toBe(303);
	expect((await other.get('/api/v1/snapshots')).status()).toBe(401);
	expect((await one.get('/api/v1/snapshots')).status()).toBe(401);
});

test('an import through one server is served by both within seconds; imports on both at once run one after the other, both logged', async () => {
	const cookie = await signIn(1);
	const [one, other] = [await client(0, cookie), await client(1, cookie)];

	expect(await importThrough(one, 'first.csv', snapshotsCsv('2026-11-02', 'OPP-1'))).toBe('done');
	await expect.poll(() => snapshotDates(other), { timeout: 5_000 }).toEqual(['2026-11-02']);

	const both = await Promise.all([
		importThrough(one, 'from-one.csv', snapshotsCsv('2026-11-09', 'OPP-2')),
		importThrough(other, 'from-other.csv', snapshotsCsv('2026-11-16', 'OPP-3'))
	]);
	expect(both).toEqual(['done', 'done']);
	for (const api of [one, other]) {
		await expect.poll(() => snapshotDates(api), { timeout: 5_000 }).toEqual(['2026-11-16', '2026-11-09', '2026-11-02']);
	}
	const log = ((await (await other.get('/api/v1/imports')).json()) as { imports: { file_name: string; status: string }[] }).imports;
	expect(log.filter((entry) => entry.status === 'ok').map((entry) => entry.file_name).sort()).toEqual(['first.csv', 'from-one.csv', 'from-other.csv']);
	const published = logs.flat().join('').match(/Lake: published version/g) ?? [];
	expect(published.length).toBe(3);
});

test('a server that loses PostgreSQL answers 503 with a message, and recovers when it is back', async () => {
	const cookie = await signIn(0);
	const one = await client(0, cookie);
	cluster.halt();
	try {
		const down = await one.get('/api/v1/snapshots');
		expect(down.status()).toBe(503);
		expect(((await down.json()) as { message: string }).message).toMatch(/cannot be reached/);
	} finally {
		cluster.start();
	}
	await expect.poll(async () => (await one.get('/api/v1/snapshots')).status(), { timeout: 15_000 }).toBe(200);
});

test('a server whose LAKE_PATH is an object-storage URL, where DuckDB has no httpfs, stops at start-up saying so in a sentence', async () => {
	const port = base + 20;
	const started = spawnSync(process.execPath, serverArgs, {
		env: {
			...process.env,
			PORT: String(port),
			ORIGIN: `http://localhost:${port}`,
			DATABASE_PATH: path.join(root, 'url-lake.duckdb'),
			LAKE_PATH: 's3://pipeline-coach/lake'
		},
		encoding: 'utf8',
		timeout: 60_000
	});
	expect(started.status).toBe(1);
	expect(started.stderr).toMatch(/LAKE_PATH is s3:\/\/pipeline-coach\/lake, an object store that DuckDB reaches through its httpfs extension/);
	expect(started.stderr).not.toMatch(/\n\s+at /);
});

