import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Database } from '../../src/lib/server/db/index.ts';
import { kib } from './server.ts';

export interface ImportFigures {
	rows: number;
	/** The import's own clock (reading, checking and loading), as `--json` reports it. */
	seconds: number;
	rows_per_s: number;
	/** Peak resident memory of the importing process, Node and DuckDB together. */
	max_rss_mb: number;
	/** Wall time of the whole child process, including starting Node and tsx. */
	wall_seconds: number;
}

/** Weekly snapshots x open deals = the rows of the native file. */
const weeks = 20;
const dealsPerWeek = 50_000;

/**
 * Writes a native snapshot file of `weeks` x `dealsPerWeek` rows owned by the demo company's own
 * reps with the ladder's own stage names, so that nothing is rejected and every row is loaded.
 * Deals move up a stage every few weeks, like a real pipeline, so consecutive snapshots differ.
 */
export async function writeNativeCsv(db: Database, file: string): Promise<number> {
	const reps = await db.all<{ email: string; name: string; role: string; team: string }>(
		`SELECT r.email, r.name, r.role, t.name AS team FROM reps r JOIN teams t ON t.id = r.team_id
		WHERE r.role IN ('AE', 'AM', 'KAM') ORDER BY r.id`
	);
	const stages = await db.all<{ name: string; probability: number }>(
		`SELECT name, default_probability AS probability FROM stages WHERE outcome = 'open' ORDER BY position`
	);
	if (reps.length === 0 || stages.length === 0) throw new Error('The bench database has no deal-owning reps or no open stages.');

	const instance = await DuckDBInstance.create(':memory:');
	const connection = await instance.connect();
	try {
		const values = (rows: string[][]) => rows.map((r) => `(${r.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')})`).join(', ');
		await connection.run(
			`CREATE TABLE reps AS SELECT row_number() OVER () - 1 AS no, * FROM (VALUES ${values(reps.map((r) => [r.email, r.name, r.role, r.team]))}) t(email, name, role, team)`
		);
		await connection.run(
			`CREATE TABLE stages AS SELECT row_number() OVER () - 1 AS no, name, probability::DOUBLE AS probability FROM (VALUES ${values(stages.map((s) => [s.name, String(s.probability)]))}) t(name, probability)`
		);
		await connection.run(`
			COPY (
				SELECT
					DATE '2026-07-06' + INTERVAL (7 * w) DAY AS snapshot_date,
					'BENCH-' || d AS deal_id,
					'Bench deal ' || d AS deal_name,
					'BENCH-ACC-' || (d % 8000) AS account_id,
					'Bench account ' || (d % 8000) AS account_name,
					r.email AS owner, r.name AS owner_name, r.role AS owner_role, r.team AS team,
					s.name AS stage,
					(1000 + (d * 7919) % 90000 + 100 * (w // 4))::DECIMAL(12, 2) AS amount,
					s.probability AS probability,
					DATE '2026-12-31' + INTERVAL ((d % 180) - 60 + 7 * (w // 6)) DAY AS close_date,
					CASE WHEN d % 3 = 0 THEN 'renewal' ELSE 'New Business' END AS deal_type,
					CASE WHEN s.no >= 4 THEN 'commit' WHEN s.no >= 3 THEN 'best_case' ELSE 'pipeline' END AS forecast_category,
					DATE '2026-01-05' + INTERVAL (d % 170) DAY AS created_date,
					'EUR' AS currency,
					CASE WHEN d % 4 = 0 THEN 'inbound' ELSE 'outbound' END AS source
				FROM range(${weeks}) w(w)
				CROSS JOIN range(${dealsPerWeek}) d(d)
				JOIN reps r ON r.no = d % (SELECT count(*) FROM reps)
				JOIN stages s ON s.no = least((d % 3) + w // 5, (SELECT count(*) - 1 FROM stages))
				ORDER BY w, d
			) TO '${file.replaceAll("'", "''")}' (HEADER, DELIMITER ',')`);
	} finally {
		connection.closeSync();
		instance.closeSync();
	}
	return weeks * dealsPerWeek;
}

/**
 * Imports `file` into a fresh database with `scripts/import.ts` in a child Node process, as an
 * operator would, and records that process's peak memory (the kernel's own high-water mark, read
 * by a hook inside the child as it exits, so no sampling interval can miss the peak).
 */
export async function importNativeFile(file: string): Promise<Omit<ImportFigures, 'rows_per_s'>> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-coach-bench-'));
	const rssFile = path.join(dir, 'rss.txt');
	try {
		const started = performance.now();
		const child = spawn(
			process.execPath,
			['--import', 'tsx', '--import', './scripts/bench/peak-memory.mjs', 'scripts/import.ts', file, '--format', 'native', '--json', '--progress', 'none'],
			{ env: { ...process.env, DATABASE_PATH: path.join(dir, 'import.duckdb'), BENCH_PEAK_MEMORY_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] }
		);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		const code = await new Promise<number | null>((resolve, reject) => {
			child.on('error', reject);
			child.on('exit', resolve);
		});
		const wall = (performance.now() - started) / 1000;
		const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { status?: string; rows_loaded?: number; seconds?: number; errors?: unknown[] };
		if (code !== 0 || summary.status !== 'ok') {
			throw new Error(`The import failed (exit ${code}): ${JSON.stringify(summary.errors ?? stdout).slice(0, 600)}\n${stderr.slice(0, 600)}`);
		}
		const peakKib = fs.existsSync(rssFile) ? kib(fs.readFileSync(rssFile, 'utf8'), 'VmHWM') : 0;
		return {
			rows: summary.rows_loaded ?? 0,
			seconds: summary.seconds ?? wall,
			max_rss_mb: Math.round(peakKib / 1024),
			wall_seconds: Math.round(wall * 10) / 10
		};
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}
