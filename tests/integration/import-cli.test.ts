import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/lib/server/db/database.ts';
import { fixture, writeFile } from '../fixtures/import/helpers.ts';

let dir: string;
let databasePath: string;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-import-cli-'));
	databasePath = path.join(dir, 'cli.duckdb');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `npm run import -- ...args` the way npm does (tsx), without npm in between. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], {
			env: { ...process.env, DATABASE_PATH: databasePath, DUCKDB_THREADS: '2' }
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		child.on('close', (code) => resolve({ code, stdout, stderr }));
	});
}

/**
 * Runs the import CLI piped into a reader that, once output arrives, waits a second before reading
 * on: the pipe fills and the CLI must wait for it to drain, as behind `| jq` on a busy machine.
 */
function runCliIntoSlowReader(args: string[]): Promise<{ code: number | null; stdout: string }> {
	const cli = [process.execPath, '--import', 'tsx', 'scripts/import.ts', ...args].map((a) => `'${a}'`).join(' ');
	const reader = `'${process.execPath}' -e "process.stdin.once('readable', () => setTimeout(() => process.stdin.pipe(process.stdout), 1000))"`;
	return new Promise((resolve) => {
		// pipefail: the exit code is the CLI's, not the reader's.
		const child = spawn('bash', ['-o', 'pipefail', '-c', `${cli} | ${reader}`], {
			env: { ...process.env, DATABASE_PATH: databasePath, DUCKDB_THREADS: '2' }
		});
		let stdout = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.on('close', (code) => resolve({ code, stdout }));
	});
}

describe('npm run import', () => {
	it('--json prints the summary and exits 0 when the import succeeds', async () => {
		const result = await runCli([fixture('import', 'native-two-weeks.csv'), '--json']);
		expect(result.code).toBe(0);
		const summary = JSON.parse(result.stdout);
		expect(summary).toMatchObject({ status: 'ok', rows_loaded: 7, snapshots: ['2026-03-02', '2026-03-09'], errors: [] });
	});

	it('--json lists every error with line, column, value and message, and exits non-zero', async () => {
		const file = writeFile(dir, 'bad.csv', 'snapshot_date,deal_id,owner,stage,amount,close_date\n2026-03-02,D-1,a@x.test,Lead,12x,2026-06-30\n');
		const result = await runCli([file, '--json']);
		expect(result.code).toBe(1);
		expect(JSON.parse(result.stdout)).toMatchObject({
			status: 'error',
			rows_loaded: 0,
			snapshots: ['2026-03-02'],
			errors: [
				{
					file: 'bad.csv',
					line: 2,
					column: 'amount',
					value: '12x',
					message: '“12x” is not a number; expected digits with a decimal point, e.g. 1234.50.'
				}
			]
		});
	});

	it('--json prints the whole summary however large, even to a reader slower than the import', async () => {
		// Long bad values in five columns: a hundred listed errors each, far more than a pipe holds.
		const bad = 'x'.repeat(400);
		const rows = Array.from({ length: 150 }, (_, i) => `${bad},D-${i},a@x.test,${bad},${bad},${bad},${bad}`);
		const file = writeFile(dir, 'big.csv', ['snapshot_date,deal_id,owner,stage,amount,close_date,probability', ...rows].join('\n'));
		const result = await runCliIntoSlowReader([file, '--json']);
		expect(result.stdout.length).toBeGreaterThan(256 * 1024);
		const summary = JSON.parse(result.stdout);
		expect(summary).toMatchObject({ status: 'error', rows_loaded: 0 });
		// A hundred listed for each of the five columns, then how many more there were: the end arrived.
		expect(summary.errors.filter((e: { file: string | null }) => e.file === 'big.csv')).toHaveLength(500);
		expect(summary.errors.at(-1)).toMatchObject({ code: 'too_many', message: '… and 50 more like this (unknown_stage).' });
		expect(result.code).toBe(1);
	});

	it('imports a Salesforce export folder given as *.csv, skipping the files the preset does not read with a warning', async () => {
		const folder = path.join(dir, 'export');
		fs.cpSync(fixture('salesforce-sample'), folder, { recursive: true });
		writeFile(folder, 'pipeline-report.csv', 'Owner,Total\nanna,12000\n');
		const csvFiles = fs.readdirSync(folder).filter((name) => name.endsWith('.csv')).sort().map((name) => path.join(folder, name));
		const result = await runCli([...csvFiles, '--format', 'salesforce', '--json']);
		expect(result.code).toBe(0);
		const summary = JSON.parse(result.stdout);
		expect(summary).toMatchObject({ status: 'ok', format: 'salesforce', rows_loaded: 103, errors: [] });
		const skipped = summary.warnings.filter((w: { code: string }) => w.code === 'sf_file_skipped');
		expect(skipped.map((w: { file: string }) => w.file)).toEqual(['OpportunityHistoryGroup.csv', 'pipeline-report.csv']);
	});

	it('prints problems for people, one per line, without --json', async () => {
		const file = writeFile(dir, 'bad.csv', 'snapshot_date,deal_id,owner,stage,amount,close_date\n2026-03-02,D-1,a@x.test,Lead,-3,2026-06-30\n');
		const result = await runCli([file]);
		expect(result.code).toBe(1);
		expect(result.stdout).toBe(
			'Nothing was imported from bad.csv: 1 error in 1 row read.\n' +
				'Errors (1):\n' +
				'  bad.csv line 2, column amount: “-3” is negative; amounts must be 0 or more.\n' +
				'Warnings (1):\n' +
				'  bad.csv line 1: The file has no account_id or account_name column; deals are loaded without accounts.\n'
		);
	});

	it('says only that the database is in use while another process (the server) holds it', async () => {
		const server = await Database.open({ path: databasePath, threads: 1, memoryLimit: '256MB' });
		try {
			const message =
				`The database ${databasePath} is in use by another process (is the server running?). ` +
				'Stop it, or point DATABASE_PATH at another file.';
			const plain = await runCli([fixture('import', 'native-two-weeks.csv')]);
			expect(plain).toEqual({ code: 1, stdout: '', stderr: `${message}\n` });

			const json = await runCli([fixture('import', 'native-two-weeks.csv'), '--json']);
			expect(json.code).toBe(1);
			expect(JSON.parse(json.stdout)).toEqual({
				status: 'error',
				rows_loaded: 0,
				snapshots: [],
				errors: [{ file: null, line: null, column: null, value: null, message }]
			});
		} finally {
			server.close();
		}
	});
});
