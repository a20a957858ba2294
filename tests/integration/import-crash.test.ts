import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Database } from '../../src/lib/server/db/database.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { contentChecksums, fixture } from '../fixtures/import/helpers.ts';

let dir: string;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-import-crash-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 400,000 snapshot rows (20,000 deals over 20 weeks), written by DuckDB in a moment. */
async function generateBigFile(file: string) {
	const instance = await DuckDBInstance.create(':memory:');
	const connection = await instance.connect();
	await connection.run(`COPY (
		SELECT strftime(DATE '2025-01-06' + (i // 20000)::INTEGER * 7, '%Y-%m-%d') AS snapshot_date,
			'BIG-' || (i % 20000) AS deal_id,
			'rep' || (i % 20000 % 50) || '@big.test' AS owner,
			(['Lead', 'Qualified', 'Discovery', 'Proposal'])[1 + i % 4] AS stage,
			(1000 + i % 5000)::VARCHAR || '.50' AS amount,
			'2025-09-30' AS close_date,
			'Account ' || (i % 20000 % 700) AS account_name
		FROM range(400000) t(i)
	) TO '${file}' (HEADER)`);
	connection.closeSync();
	instance.closeSync();
}

it('an import killed mid-way (SIGKILL) leaves no partial rows after a restart', async () => {
	const databasePath = path.join(dir, 'crash.duckdb');
	const config = { path: databasePath, threads: 2, memoryLimit: '1GB' };
	const big = path.join(dir, 'big.csv');
	await generateBigFile(big);

	// A database with data worth protecting.
	let db = await Database.open(config);
	await importFiles(db, [fixture('import', 'native-two-weeks.csv')]);
	const before = await contentChecksums(db, []);
	db.close();

	const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', big, '--progress', 'lines'], {
		env: { ...process.env, DATABASE_PATH: databasePath, DUCKDB_THREADS: '2' }
	});
	const phases: string[] = [];
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
		child.on('exit', (code, signal) => resolve({ code, signal }))
	);
	// Killed inside the import's transaction: reps, accounts and 20,000 deals are written (not
	// committed) and the 400,000 snapshot rows are going in.
	await new Promise<void>((resolve) => {
		child.stderr.on('data', (chunk: Buffer) => {
			phases.push(...chunk.toString().split('\n').filter(Boolean));
			if (phases.includes('loading snapshots')) resolve();
		});
		void exited.then(() => resolve());
	});
	child.kill('SIGKILL');
	expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
	expect(phases).toEqual([
		'reading',
		'checking',
		'building',
		'loading',
		'loading teams and reps',
		'loading accounts',
		'loading deals',
		'loading snapshots'
	]);

	// "Restart": the next process opens the file, DuckDB replays its write-ahead log, and only
	// committed work survives. Every table, the import log included, is as it was.
	db = await Database.open(config);
	try {
		expect(await contentChecksums(db, [])).toEqual(before);
		expect(await db.one(`SELECT count(*)::INTEGER AS n FROM deals WHERE crm_id LIKE 'BIG-%'`)).toEqual({ n: 0 });
		expect(await db.one(`SELECT count(*)::INTEGER AS n FROM snapshots WHERE snapshot_date < '2026-01-01'`)).toEqual({ n: 0 });

		// And the same import, run to the end, then goes through.
		const summary = await importFiles(db, [big]);
		expect(summary).toMatchObject({ status: 'ok', rows_loaded: 400_000 });
	} finally {
		db.close();
	}
}, 180_000);
