import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSession, generateSessionToken, invalidateSession, validateSessionToken } from '../../src/lib/server/auth/session.ts';
import { reserveSignInAttempt } from '../../src/lib/server/auth/throttle.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import { AppStateUnavailable, Database } from '../../src/lib/server/db/index.ts';
import { serverImportDirectories } from '../../src/lib/server/import/directories.ts';
import { importFiles, importLog } from '../../src/lib/server/import/index.ts';
import { getPreference, setPreference } from '../../src/lib/server/preferences.ts';
import { dayOf, submitCall } from '../../src/lib/server/forecast-calls.ts';
import * as forecastCalls from '../../src/lib/server/views/forecast-calls.ts';
import { quarterOf } from '../../src/lib/domain/periods.ts';
import { answeredOnce } from '../../src/lib/server/metrics/remembered.ts';
import { freshPostgresDatabase, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { fixture } from '../fixtures/import/helpers.ts';
import { appStateOnPostgres } from './helpers.ts';

/**
 * With APP_DATABASE_URL, two app servers (here: two DuckDB files in one process, as two servers
 * each hold their own) share users, sessions and what people write, through PostgreSQL. Runs in the
 * `postgres` Vitest project only.
 */

async function serverOver(appDatabaseUrl: string) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-coach-server-'));
	const db = await Database.open({ path: path.join(dir, 'server.duckdb'), threads: 1, memoryLimit: '256MB', appDatabaseUrl }, { lockDown: { directories: [dir, fixture(), ...serverImportDirectories()] } });
	return {
		db,
		close: () => {
			db.close();
			fs.rmSync(dir, { recursive: true, force: true });
		}
	};
}

describe('two servers over one PostgreSQL', () => {
	let appState: { url: string; drop: () => Promise<void> };
	let one: Awaited<ReturnType<typeof serverOver>>;
	let other: Awaited<ReturnType<typeof serverOver>>;

	beforeEach(async () => {
		appState = await freshPostgresDatabase(appStateOnPostgres()!);
		[one, other] = [await serverOver(appState.url), await serverOver(appState.url)];
	});
	afterEach(async () => {
		one.close();
		other.close();
		await appState.drop();
	});

	it('a session made on one server signs in on the other, and signing out on either ends it on both at once', async () => {
		const userId = await createUser(one.db, { email: 'lea@example.test', role: 'executive', password: 'correct horse' });
		const token = generateSessionToken();
		const session = await createSession(one.db, token, userId);

		expect((await validateSessionToken(other.db, token)).user?.email).toBe('lea@example.test');
		expect((await validateSessionToken(one.db, token)).user?.email).toBe('lea@example.test');

		await invalidateSession(other.db, session.id);
		expect((await validateSessionToken(one.db, token)).user).toBeNull();
	});

	it('an answer that reads app state is remembered until a write to it on any server, then worked out again', async () => {
		let asked = 0;
		const coaching = () => answeredOnce(one.db, ['/coaching/[rep]', 'u-lea'], async () => ++asked, { appState: true });
		expect(await coaching()).toBe(1);
		expect(await coaching()).toBe(1);
		await setPreference(other.db, 'u-lea', 'weight', 1.5);
		expect(await coaching()).toBe(2);
	});

	it('guesses at one account sent to both servers at once are counted together: five get through, not ten', async () => {
		const attempt = { email: 'lea@example.test', clientAddress: '203.0.113.7' };
		const now = new Date();
		const decisions = await Promise.all(Array.from({ length: 12 }, (_, i) => reserveSignInAttempt(i % 2 ? one.db : other.db, attempt, now)));
		expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
	});

	it('what is saved on one server is read on the other at once', async () => {
		await setPreference(one.db, 'u-lea', 'weight', 1.5);
		expect(await getPreference(other.db, 'u-lea', 'weight', 1)).toBe(1.5);
		await setPreference(other.db, 'u-lea', 'weight', 2);
		expect(await getPreference(one.db, 'u-lea', 'weight', 1)).toBe(2);
	});

	it("a call saved through the other server is in this server's next answer at once, though this one remembered the calls", async () => {
		for (const server of [one, other]) {
			await server.db.write(async (tx) => {
				await tx.run(`INSERT INTO teams (id, name) VALUES (1, 'North')`);
				await tx.run(`INSERT INTO reps (id, email, name, role, team_id) VALUES (1, 'ann@example.test', 'Ann', 'AE', 1)`);
			});
		}
		await one.db.write(async (tx) => {
			await tx.run(`INSERT INTO users (id, email, name, password_hash, role, rep_id) VALUES
				('u-lea', 'lea@example.test', 'Lea', 'x', 'leader', NULL), ('u-ann', 'ann@example.test', 'Ann', 'x', 'rep', 1)`);
			await tx.run(`INSERT INTO user_teams VALUES ('u-lea', 1)`);
		});
		const lea = { id: 'u-lea', role: 'leader' as const, repId: null, teamIds: [1] };
		const quarter = quarterOf(dayOf(new Date()));
		const calls = () => forecastCalls.json(one.db, lea, { quarter, team: null, history: false });
		const first = await calls();
		expect(first.calls).toEqual([]);
		expect(await calls()).toBe(first);

		await submitCall(other.db, { id: 'u-ann', role: 'rep', repId: 1, teamIds: [1] }, { quarter, commit: 5_000, best_case: 6_000, note: '', team: null });
		expect((await calls()).calls.map((c) => [c.email, c.commit])).toEqual([['ann@example.test', 5_000]]);
	});

	it("the dimension tables app-state queries join are PostgreSQL copies of the snapshots' store, written in the same write", async () => {
		await one.db.write(async (tx) => {
			await tx.run(`INSERT INTO teams (id, name) VALUES (1, 'North'), (2, 'South')`);
			await tx.run(`INSERT INTO reps (id, email, name, role, team_id) VALUES (1, 'ann@example.test', 'Ann', 'AE', 1)`);
			// An app-state statement later in the same write already sees them.
			await tx.run(`INSERT INTO user_teams (user_id, team_id) SELECT 'u-lea', id FROM teams WHERE name = 'North'`);
		});
		expect(await one.db.all('SELECT t.name FROM user_teams ut JOIN teams t ON t.id = ut.team_id')).toEqual([{ name: 'North' }]);

		await expect(
			one.db.write(async (tx) => {
				await tx.run(`INSERT INTO teams (id, name) VALUES (3, 'West')`);
				await tx.run(`INSERT INTO user_teams (user_id, team_id) VALUES ('u-lea', 3)`);
				throw new Error('changed my mind');
			})
		).rejects.toThrow('changed my mind');
		expect(await one.db.all('SELECT name FROM teams ORDER BY id')).toEqual([{ name: 'North' }, { name: 'South' }]);
		expect(await one.db.all('SELECT team_id FROM user_teams')).toEqual([{ team_id: 1 }]);
	});

	it("an import through one server is in the log the other reads, with its problems in the reader's words", async () => {
		const summary = await importFiles(one.db, [fixture('import', 'native-two-weeks.csv')], { user: 'admin@example.test' });
		expect(summary.errors).toEqual([]);
		await importFiles(one.db, [fixture('import', 'does-not-exist.csv')], { user: 'admin@example.test' });
		const log = await other.db.read((q) => importLog(q, { email: 'admin@example.test', role: 'admin' }));
		expect(log.map((entry) => [entry.file_name, entry.status])).toEqual([
			['does-not-exist.csv', 'error'],
			['native-two-weeks.csv', 'ok']
		]);
		expect(log[0].first_problem?.code).toEqual(expect.any(String));
		expect(log[1]).toMatchObject({ rows_loaded: 7, snapshots_replaced: [], first_problem: null });
		expect(log[1].started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
	});

	it('a statement that would join app state with the snapshots is refused with a message saying so', async () => {
		await expect(one.db.all('SELECT count(*) FROM coaching_notes n JOIN snapshots s ON s.deal_id = n.deal_id')).rejects.toThrow(
			/joins app state \(PostgreSQL\) with snapshots \(DuckDB\)/
		);
	});
});

describe('losing PostgreSQL', () => {
	let cluster: TestPostgres;
	beforeAll(() => {
		// Its own cluster: stopping the shared one would fail the other test files running meanwhile.
		cluster = startPostgres(Number(process.env.TEST_POSTGRES_PORT ?? 55432) + 1);
	});
	afterAll(() => cluster?.stop());

	it('a server that loses PostgreSQL says the app state is unavailable, and works again once it is back', async () => {
		const appState = await freshPostgresDatabase(cluster.url);
		const server = await serverOver(appState.url);
		try {
			const userId = await createUser(server.db, { email: 'sam@example.test', role: 'executive', password: 'correct horse' });
			const token = generateSessionToken();
			await createSession(server.db, token, userId);

			cluster.halt();
			const error = await validateSessionToken(server.db, token).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(AppStateUnavailable);
			expect((error as Error).message).toMatch(/cannot be reached/);

			cluster.start();
			expect((await validateSessionToken(server.db, token)).user?.email).toBe('sam@example.test');
		} finally {
			server.close();
			await appState.drop();
		}
	});
});
