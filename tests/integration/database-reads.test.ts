import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import { freshDatabase } from './helpers.ts';

/*
 * Reads keep their prepared statements on their connection (db/database.ts): what must not change is
 * the answer. These pin that a kept statement answers for the values it is asked with now, alone or
 * beside itself, after the table under it was replaced, and after more statements than a connection
 * keeps.
 */
describe('reads on kept statements', () => {
	let db: Database;
	let cleanup: () => Promise<void>;

	beforeAll(async () => {
		({ db, cleanup } = await freshDatabase());
		await db.write((tx) => tx.run(`CREATE TABLE kept_reads AS SELECT range AS n, 'row ' || range AS label FROM range(100)`));
	});
	afterAll(() => cleanup());

	const labelOf = 'SELECT label FROM kept_reads WHERE n = $n';

	it('answers each ask for its own values, one after another on one connection', async () => {
		const labels = await db.read(async (q) => {
			const out: string[] = [];
			for (const n of [3, 7, 3, 42]) out.push((await q.one<{ label: string }>(labelOf, { n }))!.label);
			return out;
		});
		expect(labels).toEqual(['row 3', 'row 7', 'row 3', 'row 42']);
	});

	it('answers each ask for its own values when one connection is asked the same thing twice at once', async () => {
		const labels = await db.read((q) =>
			Promise.all([5, 6, 8, 9].map(async (n) => (await q.one<{ label: string }>(labelOf, { n }))!.label))
		);
		expect(labels).toEqual(['row 5', 'row 6', 'row 8', 'row 9']);
	});

	it('reads the new table after the one a kept statement read was replaced', async () => {
		const before = await db.read((q) => q.one<{ label: string }>(labelOf, { n: 1 }));
		expect(before?.label).toBe('row 1');
		await db.write((tx) => tx.run(`CREATE OR REPLACE TABLE kept_reads AS SELECT range AS n, 'new ' || (range * 10)::VARCHAR AS label FROM range(50)`));
		const after = await db.read(async (q) => [await q.one<{ label: string }>(labelOf, { n: 1 }), await q.one<{ label: string }>(labelOf, { n: 70 })]);
		expect(after).toEqual([{ label: 'new 10' }, undefined]);
	});

	it('reads rows written after the statement was first asked, whatever their values', async () => {
		// DuckDB packs an ORDER BY's columns into the ranges its statistics saw when it planned: a plan
		// kept across a write read a new row's 0 as 256 and its 'error' as 'err'.
		await db.write((tx) => tx.run(`CREATE TABLE kept_log AS SELECT range AS id, 'ok' AS status, range::INTEGER AS loaded FROM range(1, 4)`));
		const log = 'SELECT status, loaded FROM kept_log ORDER BY id';
		const before = await db.read((q) => q.all(log));
		expect(before).toEqual([1, 2, 3].map((loaded) => ({ status: 'ok', loaded })));
		await db.write((tx) => tx.run(`INSERT INTO kept_log VALUES (4, 'a status far longer than any before', 1000000), (5, 'error', -7)`));
		const after = await db.read((q) => q.all(log));
		expect(after.slice(3)).toEqual([
			{ status: 'a status far longer than any before', loaded: 1000000 },
			{ status: 'error', loaded: -7 }
		]);
	});

	it('answers right after asking more different statements than a connection keeps', async () => {
		const answers = await db.read(async (q) => {
			const out: number[] = [];
			for (let i = 0; i < 150; i++) out.push((await q.one<{ v: number }>(`SELECT $n::INTEGER + ${i % 90} AS v`, { n: i }))!.v);
			return out;
		});
		expect(answers).toEqual(Array.from({ length: 150 }, (_, i) => i + (i % 90)));
	});
});
