import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import { database } from '../../src/lib/server/db/index.ts';
import { cliImportDirectories, headersRoot, serverImportDirectories, uploadsRoot } from '../../src/lib/server/import/directories.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { fixture, writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

let db: Database;
let dir: string;
let cleanup: () => void;
/** A folder DuckDB was not told about: the lockdown must keep it out of reach. */
let outside: string;
beforeEach(async () => {
	({ db, dir, cleanup } = await freshDatabase());
	outside = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-outside-'));
});
afterEach(() => {
	cleanup();
	fs.rmSync(outside, { recursive: true, force: true });
});

const refused = /Permission Error|disabled by configuration|configuration has been locked/;

describe('the database after start-up is locked down', () => {
	it('a read cannot open a file of the server: read_csv, read_text and glob are refused', async () => {
		await expect(db.read((q) => q.all(`SELECT * FROM read_csv('/etc/passwd')`))).rejects.toThrow(refused);
		await expect(db.all(`SELECT * FROM read_text('/etc/hostname')`)).rejects.toThrow(refused);
		await expect(db.all(`SELECT * FROM glob('/etc/*')`)).rejects.toThrow(refused);
	});

	it('a write cannot attach another database file, nor write a file', async () => {
		const other = path.join(outside, 'other.duckdb');
		await expect(db.write((tx) => tx.run(`ATTACH '${other}' AS other`))).rejects.toThrow(refused);
		await expect(db.write((tx) => tx.run(`COPY (SELECT 1) TO '${path.join(outside, 'out.csv')}'`))).rejects.toThrow(refused);
		expect(fs.readdirSync(outside)).toEqual([]);
	});

	it('no extension can be installed or loaded from outside; the built-in ones still work', async () => {
		await expect(db.all('INSTALL httpfs')).rejects.toThrow(refused);
		await expect(db.all('INSTALL json')).rejects.toThrow(refused);
		await expect(db.all('LOAD httpfs')).rejects.toThrow(/disabled/);
		await expect(db.all(`SELECT * FROM read_csv('https://example.com/deals.csv')`)).rejects.toThrow(refused);
		// json, parquet and icu are compiled in: the views' time zones and the importer need no loading.
		expect(await db.one(`SELECT ('{"a": 1}'::JSON ->> 'a') AS a, strftime(TIMESTAMPTZ '2026-03-02 12:00:00+00' AT TIME ZONE 'Europe/Berlin', '%H') AS h`)).toEqual({
			a: '1',
			h: '13'
		});
	});

	it('no query can undo the lockdown or change any other setting', async () => {
		for (const statement of [
			'SET enable_external_access = true',
			`SET allowed_directories = ['/']`,
			'SET lock_configuration = false',
			'RESET enable_external_access',
			'SET autoinstall_known_extensions = true',
			'SET autoload_known_extensions = true',
			`SET temp_directory = '/etc'`,
			`SET memory_limit = '64GB'`
		]) {
			await expect(db.all(statement), statement).rejects.toThrow(/configuration has been locked/);
			await expect(db.write((tx) => tx.run(statement)), statement).rejects.toThrow(/configuration has been locked/);
		}
		expect(await db.one(`SELECT current_setting('enable_external_access') AS external, current_setting('lock_configuration') AS locked`)).toEqual({
			external: false,
			locked: true
		});
	});

	it('in-memory databases and the database file itself still work: attach, write, checkpoint', async () => {
		await db.write(async (tx) => {
			await tx.run(`ATTACH IF NOT EXISTS ':memory:' AS scratch`);
			await tx.run('CREATE TABLE scratch.deals AS SELECT range AS id FROM range(3)');
		});
		expect(await db.one('SELECT count(*)::INTEGER AS n FROM scratch.deals')).toEqual({ n: 3 });
		await db.all('CHECKPOINT');
	});

	it('an import from an allowed directory still works', async () => {
		const summary = await importFiles(db, [fixture('import', 'native-two-weeks.csv')]);
		expect(summary).toMatchObject({ status: 'ok', rows_loaded: 7, errors: [] });

		const file = writeFile(dir, 'week.csv', 'snapshot_date,deal_id,owner,stage,amount,close_date\n2026-03-16,OPP-9,anna.berg@example.com,Discovery,1000,2026-06-30\n');
		expect(await importFiles(db, [file])).toMatchObject({ status: 'ok', rows_loaded: 1 });
		// The importer's scratch copy of the header is gone again.
		expect(fs.existsSync(headersRoot()) ? fs.readdirSync(headersRoot()).filter((f) => f.startsWith(`${process.pid}-`)) : []).toEqual([]);
	});

	it('a file outside the allowed directories is refused as unreadable, and nothing is written', async () => {
		const file = writeFile(outside, 'week.csv', 'snapshot_date,deal_id,owner,stage,amount,close_date\n2026-03-16,OPP-9,anna.berg@example.com,Discovery,1000,2026-06-30\n');
		const summary = await importFiles(db, [file]);
		expect(summary).toMatchObject({ status: 'error', rows_loaded: 0 });
		expect(summary.errors.map((e) => e.code)).toEqual(['file_unreadable']);
		expect(await db.one('SELECT count(*)::INTEGER AS n FROM snapshots')).toEqual({ n: 0 });
	});
});

describe("the server's database", () => {
	it('is opened locked down, reaching only the importer directories', async () => {
		const holder = globalThis as typeof globalThis & { __pipelineCoachDb?: Promise<Database> };
		const before = process.env.DATABASE_PATH;
		process.env.DATABASE_PATH = path.join(outside, 'server.duckdb');
		delete holder.__pipelineCoachDb;
		const server = await database();
		try {
			expect(await server.one(`SELECT current_setting('enable_external_access') AS external, current_setting('lock_configuration') AS locked`)).toEqual({
				external: false,
				locked: true
			});
			const allowed = await server.one<{ directories: string[] }>(`SELECT current_setting('allowed_directories') AS directories`);
			// DuckDB adds its own temp directory (where it spills) by itself.
			const spill = `${process.env.DATABASE_PATH}.tmp${path.sep}`;
			expect([...allowed!.directories].sort()).toEqual([...serverImportDirectories().map((d) => d + path.sep), spill].sort());
			await expect(server.all(`SELECT * FROM read_csv('/etc/passwd')`)).rejects.toThrow(refused);
		} finally {
			server.close();
			delete holder.__pipelineCoachDb;
			if (before === undefined) delete process.env.DATABASE_PATH;
			else process.env.DATABASE_PATH = before;
		}
	});
});

describe('the directories an import may read', () => {
	it('the server reads uploads and its own header copies, nothing else', () => {
		expect(serverImportDirectories()).toEqual([uploadsRoot(), headersRoot()]);
	});

	it('the command-line importer reads the folders of the files it was given, relative paths too', () => {
		expect(cliImportDirectories(['exports/deals.csv', '/srv/crm/history.csv'])).toEqual([
			headersRoot(),
			path.resolve('exports'),
			'/srv/crm'
		]);
	});
});
