import { afterEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { DatabaseConfig } from '../../src/lib/server/db/config.ts';
import type { Queryable } from '../../src/lib/server/db/index.ts';
import { answeredOnce, rememberedWhileDataUnchanged } from '../../src/lib/server/metrics/remembered.ts';
import { defineQuestion } from '../../src/lib/server/questions.ts';
import { freshDatabase } from './helpers.ts';

/** Whole-history answers are remembered only while the data they read stays the same. */
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

async function databaseWithOneSnapshot(config: Partial<DatabaseConfig> = {}) {
	const fresh = await freshDatabase(config);
	cleanups.push(fresh.cleanup);
	await fresh.db.write(async (tx) => {
		await tx.run(`INSERT INTO teams (id, name) VALUES (1, 'North')`);
		await tx.run(`INSERT INTO reps (id, email, name, role, team_id) VALUES (1, 'a@x.test', 'A', 'AE', 1)`);
		await tx.run(`INSERT INTO deals (id, crm_id, name, deal_type, created_date) VALUES (1, 'D-1', 'One', 'new_business', '2026-01-05')`);
		await tx.run(`INSERT INTO snapshots VALUES ('2026-01-05', 1, 1, 2, 1000, 0.2, '2026-03-31', 'pipeline')`);
	});
	return fresh.db;
}

describe('answers remembered while the data is unchanged', () => {
	it('asks once for the same question on the same data', async () => {
		const db = await databaseWithOneSnapshot();
		let asked = 0;
		const ask = async () => ++asked;
		expect(await db.read((q) => rememberedWhileDataUnchanged(q, 'question', ask))).toBe(1);
		expect(await db.read((q) => rememberedWhileDataUnchanged(q, 'question', ask))).toBe(1);
		expect(await db.read((q) => rememberedWhileDataUnchanged(q, 'another question', ask))).toBe(2);
	});

	it('asks again once a snapshot row is added, replaced or the rep moves team', async () => {
		const db = await databaseWithOneSnapshot();
		let asked = 0;
		const ask = async () => ++asked;
		const answer = () => db.read((q) => rememberedWhileDataUnchanged(q, 'question', ask));
		expect(await answer()).toBe(1);

		await db.write((tx) => tx.run(`INSERT INTO snapshots VALUES ('2026-01-12', 1, 1, 3, 1000, 0.4, '2026-03-31', 'pipeline')`));
		expect(await answer()).toBe(2);

		// The same number of rows, one replaced by another: still a change.
		await db.write(async (tx) => {
			await tx.run(`DELETE FROM snapshots WHERE snapshot_date = '2026-01-12'`);
			await tx.run(`INSERT INTO snapshots VALUES ('2026-01-12', 1, 1, 4, 1000, 0.6, '2026-03-31', 'commit')`);
		});
		expect(await answer()).toBe(3);

		await db.write(async (tx) => {
			await tx.run(`INSERT INTO teams (id, name) VALUES (2, 'South')`);
			await tx.run(`UPDATE reps SET team_id = 2 WHERE id = 1`);
		});
		expect(await answer()).toBe(4);
		expect(await answer()).toBe(4);
	});

	it('never shares an answer between two databases, and does not remember a failure', async () => {
		const [first, second] = [await databaseWithOneSnapshot(), await databaseWithOneSnapshot()];
		expect(await first.read((q) => rememberedWhileDataUnchanged(q, 'question', async () => 'first'))).toBe('first');
		expect(await second.read((q) => rememberedWhileDataUnchanged(q, 'question', async () => 'second'))).toBe('second');

		const failing = () => first.read((q) => rememberedWhileDataUnchanged(q, 'fails once', async () => Promise.reject(new Error('busy'))));
		await expect(failing()).rejects.toThrow('busy');
		expect(await first.read((q) => rememberedWhileDataUnchanged(q, 'fails once', async () => 'answered'))).toBe('answered');
	});
});

describe("the views' answers, remembered per database within its memory", () => {
	const counter = () => {
		let asked = 0;
		return { ask: async () => ++asked, text: async () => `answer ${++asked}`.padEnd(400, '.') };
	};
	const addSnapshot = (db: Awaited<ReturnType<typeof databaseWithOneSnapshot>>) =>
		db.write((tx) => tx.run(`INSERT INTO snapshots VALUES ('2026-01-12', 1, 1, 3, 1000, 0.4, '2026-03-31', 'pipeline')`));
	const writeSomethingElse = (db: Awaited<ReturnType<typeof databaseWithOneSnapshot>>) =>
		db.write((tx) => tx.run(`INSERT INTO users (id, email, name, role, password_hash) VALUES ('u1', 'u@x.test', 'U', 'leader', 'x')`));

	it('answers a question once per data version, and scope or filters make it another question', async () => {
		const db = await databaseWithOneSnapshot();
		const { ask } = counter();
		const scope = { role: 'leader', repIds: [1], teamIds: [1], ownRepId: null };
		expect(await answeredOnce(db, ['/pipeline', scope, { from: 'a' }], ask)).toBe(1);
		expect(await answeredOnce(db, ['/pipeline', scope, { from: 'a' }], ask)).toBe(1);
		expect(await answeredOnce(db, ['/pipeline', { ...scope, repIds: [2] }, { from: 'a' }], ask)).toBe(2);
		expect(await answeredOnce(db, ['/pipeline', scope, { from: 'b' }], ask)).toBe(3);

		// Writing what no view's data reads keeps the answers; an import does not.
		await writeSomethingElse(db);
		expect(await answeredOnce(db, ['/pipeline', scope, { from: 'a' }], ask)).toBe(1);
		await addSnapshot(db);
		expect(await answeredOnce(db, ['/pipeline', scope, { from: 'a' }], ask)).toBe(4);
	});

	it('asks an answer that reads notes again after any change to app state', async () => {
		const db = await databaseWithOneSnapshot();
		const { ask } = counter();
		const coaching = () => answeredOnce(db, ['/coaching/[rep]', 'u1', 'a@x.test'], ask, { appState: true });
		expect(await coaching()).toBe(1);
		expect(await coaching()).toBe(1);
		await writeSomethingElse(db);
		expect(await coaching()).toBe(2);
	});

	it('keeps within its memory, forgetting the answer asked for least recently', async () => {
		// 2 KiB holds two 400-character answers (800 bytes each) but not three.
		const db = await databaseWithOneSnapshot({ answerMemoryMb: 2 / 1024 });
		const { text } = counter();
		const answer = (name: string) => answeredOnce(db, [name], text);
		expect(await answer('a')).toMatch(/^answer 1\b/);
		expect(await answer('b')).toMatch(/^answer 2\b/);
		expect(await answer('a')).toMatch(/^answer 1\b/); // a is now the most recent
		expect(await answer('c')).toMatch(/^answer 3\b/); // b goes
		expect(await answer('a')).toMatch(/^answer 1\b/);
		expect(await answer('b')).toMatch(/^answer 4\b/);

		// An answer bigger than the whole memory is given, not kept.
		const huge = async () => 'x'.repeat(4096);
		let asked = 0;
		const counted = () => answeredOnce(db, ['huge'], () => (asked++, huge()));
		await counted();
		await counted();
		expect(asked).toBe(2);
	});

	it("remembers each of a page's questions on its own, for one scope", async () => {
		const db = await databaseWithOneSnapshot();
		let asked = 0;
		const deals = async (q: Queryable, scope: Scope, { part }: { part: string }) => {
			const row = await q.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM snapshots');
			return `${++asked}: ${scope.role} ${part}, ${row!.n} rows`;
		};
		// Each question as a view defines it (src/lib/server/questions.ts), asked for one scope.
		const questions = { deals: defineQuestion('remembered test: deals', deals), 'other deals': defineQuestion('remembered test: other deals', deals) };
		const askedFor = (scope: Scope) => (name: keyof typeof questions, _answer: typeof deals, args: { part: string }) =>
			questions[name].ask(db, scope, args);
		const leader = askedFor({ role: 'leader', repIds: [1], teamIds: [1], ownRepId: null });
		const rep = askedFor({ role: 'rep', repIds: [1], teamIds: [1], ownRepId: 1 });
		expect(await leader('deals', deals, { part: 'won' })).toBe('1: leader won, 1 rows');
		expect(await leader('deals', deals, { part: 'lost' })).toBe('2: leader lost, 1 rows');
		expect(await leader('deals', deals, { part: 'won' })).toBe('1: leader won, 1 rows');
		expect(await rep('deals', deals, { part: 'won' })).toBe('3: rep won, 1 rows');
		expect(await leader('other deals', deals, { part: 'won' })).toBe('4: leader won, 1 rows');
	});

	it('remembers nothing with no memory, nor a failure, nor across databases', async () => {
		const off = await databaseWithOneSnapshot({ answerMemoryMb: 0 });
		const { ask } = counter();
		expect(await answeredOnce(off, ['q'], ask)).toBe(1);
		expect(await answeredOnce(off, ['q'], ask)).toBe(2);

		const [first, second] = [await databaseWithOneSnapshot(), await databaseWithOneSnapshot()];
		expect(await answeredOnce(first, ['q'], async () => 'first')).toBe('first');
		expect(await answeredOnce(second, ['q'], async () => 'second')).toBe('second');
		await expect(answeredOnce(first, ['fails once'], () => Promise.reject(new Error('busy')))).rejects.toThrow('busy');
		expect(await answeredOnce(first, ['fails once'], async () => 'answered')).toBe('answered');
	});
});
