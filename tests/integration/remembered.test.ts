import { afterEach, describe, expect, it } from 'vitest';
import { rememberedWhileDataUnchanged } from '../../src/lib/server/metrics/remembered.ts';
import { freshDatabase } from './helpers.ts';

/** Whole-history answers are remembered only while the data they read stays the same. */
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

async function databaseWithOneSnapshot() {
	const fresh = await freshDatabase();
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
