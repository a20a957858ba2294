import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/lib/server/db/database.ts';
import { currentSchemaVersion, migrate } from '../../src/lib/server/db/migrate.ts';
import { migrations } from '../../src/lib/server/db/migrations/index.ts';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('schema migrations', () => {
	it('upgrades a database built by the previous schema version in place, keeping its rows', async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-migrate-'));
		const file = path.join(dir, 'old.duckdb');

		// Build the database exactly as the previous release did: every migration but the last.
		const old = await DuckDBInstance.create(file);
		const connection = await old.connect();
		const previous = migrations.slice(0, -1);
		const tx = {
			connection,
			run: async (sql: string, params?: Record<string, never>) => void (await connection.run(sql, params)),
			all: async () => [],
			one: async <T>(sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJS()[0] as T
		};
		await migrate(tx as never, previous);
		await connection.run(`INSERT INTO teams (name) VALUES ('Nord')`);
		await connection.run(
			`INSERT INTO snapshots VALUES ('2026-01-05', 1, 1, 2, 1234.56, 0.1, '2026-03-31', 'pipeline')`
		);
		connection.closeSync();
		old.closeSync();

		const db = await Database.open({ path: file, threads: 1, memoryLimit: '512MB' });
		try {
			const version = await db.read((q) => currentSchemaVersion(q));
			expect(version).toBe(migrations.at(-1)!.version);
			expect(version).toBeGreaterThan(previous.at(-1)!.version);
			expect(await db.all('SELECT name FROM teams')).toEqual([{ name: 'Nord' }]);
			expect(await db.one('SELECT amount::VARCHAR AS amount FROM snapshots')).toEqual({ amount: '1234.56' });
		} finally {
			db.close();
		}
	});

	it('opening an up-to-date database twice applies nothing again', async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-migrate-'));
		const file = path.join(dir, 'db.duckdb');
		(await Database.open({ path: file, threads: 1, memoryLimit: '512MB' })).close();
		const db = await Database.open({ path: file, threads: 1, memoryLimit: '512MB' });
		try {
			const rows = await db.all<{ n: number }>('SELECT count(*) AS n FROM schema_version');
			expect(rows[0].n).toBe(migrations.length);
		} finally {
			db.close();
		}
	});

	it('refuses a database from a newer app instead of guessing', async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-migrate-'));
		const file = path.join(dir, 'db.duckdb');
		const db = await Database.open({ path: file, threads: 1, memoryLimit: '512MB' });
		await db.write((tx) => tx.run(`INSERT INTO schema_version (version, name) VALUES (999, 'future')`));
		db.close();
		await expect(Database.open({ path: file, threads: 1, memoryLimit: '512MB' })).rejects.toThrow(
			/schema version 999, newer than this app/
		);
	});
});
