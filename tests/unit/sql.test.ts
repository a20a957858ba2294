import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/lib/server/db/database.ts';
import { sql } from '../../src/lib/server/db/sql.ts';

/** SQL fragments carry their own parameters; composing them can never mix two values up. */
let db: Database;
beforeAll(async () => {
	db = await Database.open({ path: ':memory:', threads: 1, memoryLimit: '256MB' });
});
afterAll(() => db.close());

describe('the sql template', () => {
	it('binds every written value as a parameter, never as text', () => {
		const query = sql`SELECT * FROM reps WHERE email = ${"x' OR 1=1 --"} AND id > ${3}`.toQuery();
		expect(query.text).toBe('SELECT * FROM reps WHERE email = $p1 AND id > $p2');
		expect(query.params).toEqual({ p1: "x' OR 1=1 --", p2: 3 });
	});

	it('inlines a nested fragment with its parameters, numbered in the order they appear', async () => {
		const inner = sql`x > ${10}`;
		const outer = sql`SELECT x FROM range(${5}, ${15}) t(x) WHERE ${inner} AND x < ${13} ORDER BY x`;
		expect(outer.toQuery().text).toBe('SELECT x FROM range($p1, $p2) t(x) WHERE x > $p3 AND x < $p4 ORDER BY x');
		const rows = await db.all<{ x: number }>(outer);
		expect(rows.map((r) => r.x)).toEqual([11, 12]);
	});

	it('gives two fragments that would have shared a name their own parameters', async () => {
		// Two scope conditions written alike, for different reps: each keeps its own list.
		const held = (reps: number[], column: string) => sql`list_contains(${reps}::INTEGER[], ${sql.id(column)})`;
		const rows = await db.all<{ a: boolean; b: boolean }>(
			sql`SELECT ${held([1, 2], 'owner_a')} AS a, ${held([3], 'owner_b')} AS b FROM (SELECT 2 AS owner_a, 2 AS owner_b)`
		);
		expect(rows).toEqual([{ a: true, b: false }]);
	});

	it('binds a list as one LIST parameter, an empty one containing nothing', async () => {
		expect(await db.one(sql`SELECT list_contains(${[1, 2, 3]}::INTEGER[], 2) AS found`)).toEqual({ found: true });
		expect(await db.one(sql`SELECT list_contains(${[]}::INTEGER[], 2) AS found`)).toEqual({ found: false });
		expect(await db.one(sql`SELECT len(${['a', "b'c"]}::VARCHAR[]) AS n`)).toEqual({ n: 2 });
	});

	it('quotes identifiers, so a name cannot end the statement', async () => {
		expect(sql.id('facts', 'pairs').toString()).toBe('"facts"."pairs"');
		const hostile = sql.id('t"; DROP TABLE reps; --');
		expect(hostile.toString()).toBe('"t""; DROP TABLE reps; --"');
		await expect(db.all(sql`SELECT * FROM ${hostile}`)).rejects.toThrow(/does not exist/);
		// The table is still there: the name was only ever a name.
		expect(await db.one(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'reps'`)).toEqual({ n: 1 });
	});

	it('joins fragments with a separator, each keeping its values', () => {
		const columns = ['won', 'lost'].map((part) => sql`count(*) FILTER (WHERE part = ${part}) AS ${sql.id(part)}`);
		const query = sql`SELECT ${sql.join(columns)} FROM pieces`.toQuery();
		expect(query.text).toBe('SELECT count(*) FILTER (WHERE part = $p1) AS "won", count(*) FILTER (WHERE part = $p2) AS "lost" FROM pieces');
		expect(query.params).toEqual({ p1: 'won', p2: 'lost' });
	});

	it('becomes plain text only without parameters, and refuses undefined', async () => {
		expect(`SELECT * FROM ${sql.id('facts', 'pairs')}`).toBe('SELECT * FROM "facts"."pairs"');
		expect(() => `${sql`x = ${1}`}`).toThrow(/parameters cannot become plain text/);
		expect(() => sql`x = ${undefined as unknown as null}`).toThrow(/pass null/);
		await expect(db.all(sql`SELECT 1`, { x: 1 })).rejects.toThrow(/carries its own parameters/);
	});
});
