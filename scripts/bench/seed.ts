import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { DEAL_VOLUME } from '../../src/lib/server/demo/simulate.ts';

/** The demo history the bench measures: Mondays ending on a fixed date, two years unless told. */
export const benchUntil = '2026-11-23';
export const benchWeeks = 104;

export interface SeededDatabase {
	path: string;
	scale: number;
	/** Weekly snapshots of history. */
	weeks: number;
	/** Snapshot rows the seed wrote. */
	rows: number;
	deals: number;
	/** Wall time of `scripts/seed.ts`, including starting Node; from the run that made the file. */
	seedSeconds: number;
	reused: boolean;
}

/**
 * Seeding at scale 40 takes a while, so a database seeded earlier is reused, as long as it was seeded
 * with the same scale, history and demo deal volume. The sidecar file is written only after the seed
 * succeeded: a file without it is the leftover of an interrupted run and is seeded again from scratch.
 * Each history length has its own file, so a one-year run does not throw away a two-year seed.
 */
export async function seededDatabase(scale: number, weeks: number, log: (line: string) => void): Promise<SeededDatabase> {
	const path = `bench/bench-${scale}-${weeks}w.duckdb`;
	const sidecar = `${path}.json`;
	if (fs.existsSync(path) && fs.existsSync(sidecar)) {
		const meta = JSON.parse(fs.readFileSync(sidecar, 'utf8')) as Omit<SeededDatabase, 'reused' | 'path'> & {
			until: string;
			weeks: number;
			volume?: number;
		};
		if (meta.scale === scale && meta.until === benchUntil && meta.weeks === weeks && meta.volume === DEAL_VOLUME) {
			log(`Reusing ${path} (seeded in ${meta.seedSeconds} s, ${meta.rows.toLocaleString('en')} snapshot rows).`);
			return { path, scale, weeks, rows: meta.rows, deals: meta.deals, seedSeconds: meta.seedSeconds, reused: true };
		}
	}
	for (const file of [path, `${path}.wal`, sidecar]) fs.rmSync(file, { force: true });
	fs.mkdirSync('bench', { recursive: true });

	log(`Seeding ${path} at scale ${scale} (${weeks} weeks until ${benchUntil}) ...`);
	const args = ['tsx', 'scripts/seed.ts', '--demo', '--scale', String(scale), '--until', benchUntil, '--weeks', String(weeks)];
	const started = performance.now();
	const output = await run('npx', args, { ...process.env, DATABASE_PATH: path });
	const seedSeconds = round((performance.now() - started) / 1000, 1);
	const rows = count(output, 'snapshot rows');
	const deals = count(output, 'deals');
	fs.writeFileSync(sidecar, JSON.stringify({ scale, until: benchUntil, weeks, volume: DEAL_VOLUME, rows, deals, seedSeconds }, null, '\t'));
	log(`Seeded in ${seedSeconds} s: ${deals.toLocaleString('en')} deals, ${rows.toLocaleString('en')} snapshot rows.`);
	return { path, scale, weeks, rows, deals, seedSeconds, reused: false };
}

/** Reads "  snapshot rows    346,654" from the seed script's summary. */
function count(output: string, label: string): number {
	const match = new RegExp(`^\\s*${label}\\s+([\\d,]+)`, 'm').exec(output);
	if (!match) throw new Error(`The seed script's output has no "${label}" line:\n${output}`);
	return Number(match[1].replaceAll(',', ''));
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
		let output = '';
		child.stdout.on('data', (chunk) => (output += chunk));
		child.on('error', reject);
		child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`))));
	});
}

export function round(value: number, places = 1): number {
	return Math.round(value * 10 ** places) / 10 ** places;
}
