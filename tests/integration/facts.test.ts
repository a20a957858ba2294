import { afterEach, describe, expect, it } from 'vitest';
import { sql } from '../../src/lib/server/db/index.ts';
import { forgetFacts, withFacts, type FactsDefinition } from '../../src/lib/server/metrics/facts/index.ts';
import { forecastByPeriod } from '../../src/lib/server/metrics/forecast.ts';
import { pipelineMovement } from '../../src/lib/server/metrics/movement.ts';
import { snapshotDates } from '../../src/lib/server/metrics/snapshots.ts';
import { warmFacts } from '../../src/lib/server/metrics/warm.ts';
import { seedDemo } from '../../src/lib/server/demo/index.ts';
import { freshDatabase } from './helpers.ts';

/** Scope-free facts are built once per key and data version, and never describe data that changed. */
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

async function databaseWithOneDeal() {
	const fresh = await freshDatabase();
	cleanups.push(fresh.cleanup);
	await fresh.db.write(async (tx) => {
		await tx.run(`INSERT INTO reps (id, email, name, role) VALUES (1, 'a@x.test', 'A', 'AE')`);
		await tx.run(`INSERT INTO deals (id, crm_id) VALUES (1, 'D-1')`);
		await tx.run(`INSERT INTO snapshots VALUES ('2026-01-05', 1, 1, 2, 1000, 0.2, '2026-03-31', 'pipeline')`);
	});
	return fresh.db;
}

/** Open amount per snapshot, and that doubled from the first table: a second table reads the first. */
const openAmounts = {
	kind: 'test_open',
	keep: 2,
	tables: [
		['total', (key) => sql`SELECT sum(amount)::DOUBLE AS amount FROM snapshots WHERE snapshot_date = ${key.at}::DATE`],
		['doubled', (_, tables) => sql`SELECT amount * 2 AS amount FROM ${tables.total}`]
	]
} as const satisfies FactsDefinition<{ at: string }, string>;

describe('facts', () => {
	it('are built once per key and read by later questions, a later table reading an earlier one', async () => {
		const db = await databaseWithOneDeal();
		const ask = (at: string) =>
			db.read((q) =>
				withFacts(q, openAmounts, { at }, async (t) => ({
					names: t,
					amount: (await q.one<{ amount: number }>(`SELECT amount FROM ${t.doubled}`))?.amount
				}))
			);
		const first = await ask('2026-01-05');
		expect(first.amount).toBe(2000);
		const built = await db.all<{ name: string }>(`SELECT name FROM facts.registry WHERE kind = 'test_open'`);
		expect(built).toHaveLength(1);
		// Asked again: the same tables, not rebuilt (the registry row keeps its build time).
		const before = await db.one<{ built_at: string }>(`SELECT built_at::VARCHAR AS built_at FROM facts.registry`);
		expect((await ask('2026-01-05')).names).toEqual(first.names);
		expect(await db.one(`SELECT built_at::VARCHAR AS built_at FROM facts.registry`)).toEqual(before);
	});

	it('are rebuilt once the data changes, so an import shows at once', async () => {
		const db = await databaseWithOneDeal();
		const amount = () =>
			db.read((q) => withFacts(q, openAmounts, { at: '2026-01-05' }, async (t) => (await q.one<{ amount: number }>(`SELECT amount FROM ${t.total}`))?.amount));
		expect(await amount()).toBe(1000);
		// Replaced, as an import replaces a snapshot: as many rows as before, but new ones.
		await db.write(async (tx) => {
			await tx.run(`DELETE FROM snapshots`);
			await tx.run(`INSERT INTO snapshots VALUES ('2026-01-05', 1, 1, 2, 1500, 0.2, '2026-03-31', 'pipeline')`);
		});
		expect(await amount()).toBe(1500);
		await db.write(async (tx) => {
			await tx.run(`INSERT INTO deals (id, crm_id) VALUES (2, 'D-2')`);
			await tx.run(`INSERT INTO snapshots VALUES ('2026-01-05', 2, 1, 2, 250, 0.2, '2026-03-31', 'pipeline')`);
		});
		expect(await amount()).toBe(1750);
	});

	it('keep only the latest keys of a kind, and a question whose tables were dropped meanwhile is asked again', async () => {
		const db = await databaseWithOneDeal();
		const ask = (at: string) =>
			db.read((q) => withFacts(q, openAmounts, { at }, async (t) => (await q.one<{ amount: number | null }>(`SELECT amount FROM ${t.total}`))?.amount));
		await ask('2026-01-05');
		await ask('2026-01-12');
		await ask('2026-01-19');
		const kept = await db.all<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE database_name = 'facts' AND table_name LIKE 'test_open%'`);
		expect(kept[0].n).toBe(2 * openAmounts.tables.length);
		expect(await db.all(`SELECT name FROM facts.registry WHERE kind = 'test_open'`)).toHaveLength(2);

		// Another request drops the tables between finding and reading them: built again, answered.
		let dropped = false;
		const answer = await db.read((q) =>
			withFacts(q, openAmounts, { at: '2026-01-05' }, async (t) => {
				if (!dropped) {
					dropped = true;
					await q.all(`DROP TABLE ${t.total}`);
					await q.all(`DELETE FROM facts.registry WHERE kind = 'test_open'`);
				}
				return (await q.one<{ amount: number }>(`SELECT amount FROM ${t.total}`))?.amount;
			})
		);
		expect(answer).toBe(1000);
	});

	it("bind their key's values as parameters, so a key is never SQL", async () => {
		const db = await databaseWithOneDeal();
		const ask = (at: string) =>
			db.read((q) => withFacts(q, openAmounts, { at }, async (t) => (await q.one<{ amount: number | null }>(`SELECT amount FROM ${t.total}`))?.amount));
		// Whatever DuckDB makes of it as a date, it is a value: no statement was ever made of its text.
		await ask("2026-01-05'::DATE; DROP TABLE snapshots; --").catch(() => null);
		expect(await db.one(`SELECT count(*)::INTEGER AS n FROM snapshots`)).toEqual({ n: 1 });
		expect(await ask('2026-01-05')).toBe(1000);
	});

	it('are built again after being forgotten, for a write the version cannot see', async () => {
		const db = await databaseWithOneDeal();
		const amount = () =>
			db.read((q) => withFacts(q, openAmounts, { at: '2026-01-05' }, async (t) => (await q.one<{ amount: number }>(`SELECT amount FROM ${t.total}`))?.amount));
		expect(await amount()).toBe(1000);
		// Edited in place: as many rows, the same highest rowid, so the same version.
		await db.write((tx) => tx.run(`UPDATE snapshots SET amount = 1200`));
		expect(await amount()).toBe(1000);
		await db.read((q) => forgetFacts(q));
		expect(await amount()).toBe(1200);
	});

	it("the forecast's facts are built by the same mechanism, in no database of their own", async () => {
		const db = await databaseWithOneDeal();
		const everyone = { role: 'admin', repIds: null, teamIds: null, ownRepId: null } as const;
		await db.read((q) => forecastByPeriod(q, everyone, { asOf: '2026-01-05', months: 1 }));
		expect(await db.all(`SELECT kind FROM facts.registry`)).toEqual([{ kind: 'deal_histories' }]);
		expect(await db.all(`SELECT database_name FROM duckdb_databases() WHERE database_name = 'forecast_cache'`)).toEqual([]);
	});

	it('of different kinds are built side by side without conflict, each kind one build at a time', async () => {
		const db = await databaseWithOneDeal();
		const other = { ...openAmounts, kind: 'test_other' } as const;
		const ask = (definition: typeof openAmounts | typeof other, at: string) =>
			db.read((q) => withFacts(q, definition, { at }, async (t) => (await q.one<{ amount: number | null }>(`SELECT amount FROM ${t.doubled}`))?.amount));
		const answers = await Promise.all(
			['2026-01-05', '2026-01-12', '2026-01-05'].flatMap((at) => [ask(openAmounts, at), ask(other, at)])
		);
		expect(answers).toEqual([2000, 2000, null, null, 2000, 2000]);
		expect(await db.all(`SELECT kind, count(*)::INTEGER AS n FROM facts.registry GROUP BY kind ORDER BY kind`)).toEqual([
			{ kind: 'test_open', n: 2 },
			{ kind: 'test_other', n: 2 }
		]);
	});

	it('never share tables between two databases open in one process', async () => {
		const [first, second] = [await databaseWithOneDeal(), await databaseWithOneDeal()];
		// The same row counts and dates in both, so the fingerprints alone could not tell them apart.
		await second.write(async (tx) => {
			await tx.run(`DELETE FROM snapshots`);
			await tx.run(`INSERT INTO snapshots VALUES ('2026-01-05', 1, 1, 2, 7, 0.2, '2026-03-31', 'pipeline')`);
		});
		await first.write(async (tx) => {
			await tx.run(`DELETE FROM snapshots`);
			await tx.run(`INSERT INTO snapshots VALUES ('2026-01-05', 1, 1, 2, 1000, 0.2, '2026-03-31', 'pipeline')`);
		});
		const amount = (db: typeof first) =>
			db.read((q) => withFacts(q, openAmounts, { at: '2026-01-05' }, async (t) => (await q.one<{ amount: number }>(`SELECT amount FROM ${t.total}`))?.amount));
		expect(await amount(first)).toBe(1000);
		expect(await amount(second)).toBe(7);
	});

	it('are built ahead for the latest week, so the first page asks no build and answers the same', async () => {
		const fresh = await freshDatabase();
		cleanups.push(fresh.cleanup);
		await seedDemo(fresh.db, { until: '2026-11-23', seed: 5, scale: 0.1, weeks: 12 });
		await warmFacts(fresh.db);
		const kinds = await fresh.db.all<{ kind: string }>(`SELECT kind FROM facts.registry ORDER BY kind`);
		// The forecast's and revenue's whole-history facts are facts like the others, in no database of their own.
		expect(kinds.map((k) => k.kind)).toEqual(['comparison', 'data_quality', 'deal_histories', 'stage_window', 'strengths']);
		expect(await fresh.db.all(`SELECT database_name FROM duckdb_databases() WHERE database_name = 'forecast_cache'`)).toEqual([]);

		// The page's question reads the warmed facts: nothing is built, and the waterfall still adds up.
		const builtBefore = await fresh.db.all(`SELECT name, built_at FROM facts.registry ORDER BY name`);
		const [to, from] = await fresh.db.read((q) => snapshotDates(q));
		const everyone = { role: 'admin', repIds: null, teamIds: null, ownRepId: null } as const;
		const movement = await fresh.db.read((q) => pipelineMovement(q, everyone, { from, to }));
		const p = movement.parts;
		expect(movement.start + p.new + p.pulled_in + p.increased - p.decreased - p.won - p.lost - p.pushed).toBeCloseTo(movement.end, 2);
		expect(await fresh.db.all(`SELECT name, built_at FROM facts.registry ORDER BY name`)).toEqual(builtBefore);
	});
});
