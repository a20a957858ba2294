import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { narrowScope, type Scope } from '../../src/lib/server/auth/scope.ts';
import { Database } from '../../src/lib/server/db/database.ts';
import { forecastByPeriod } from '../../src/lib/server/metrics/forecast.ts';
import { pipelineMovement } from '../../src/lib/server/metrics/movement.ts';

const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };

/**
 * The README's "Sample files" commands, run exactly as written (options, mapping, glob), each into
 * a database of its own: a new user who copies them gets a pipeline of the demo company's reps.
 */

interface SampleCommand {
	/** The shell comment above the command. */
	title: string;
	/** The DATABASE_PATH the command sets: commands naming the same one build one database. */
	database: string;
	args: string[];
}

/** The `npm run import -- ...` lines of the README's "Sample files" section, split as a shell would. */
function readmeSampleCommands(): SampleCommand[] {
	const readme = fs.readFileSync('README.md', 'utf8');
	const section = readme.slice(readme.indexOf('### Sample files'));
	const block = section.slice(section.indexOf('```sh') + 5, section.indexOf('```', section.indexOf('```sh') + 5));
	const commands: SampleCommand[] = [];
	let title = '';
	for (const line of block.split('\n').map((l) => l.trim())) {
		if (line.startsWith('#')) title = line.slice(1).trim();
		const at = line.indexOf('npm run import -- ');
		const database = /DATABASE_PATH=(\S+)/.exec(line)?.[1] ?? '';
		if (at >= 0) commands.push({ title, database, args: shellWords(line.slice(at + 'npm run import -- '.length)).flatMap(expandGlob) });
	}
	return commands;
}

/** Words as a POSIX shell splits them: double quotes group, and are removed. */
function shellWords(text: string): string[] {
	return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/** `dir/*.csv` as the shell expands it (sorted); any other word as it is. */
function expandGlob(word: string): string[] {
	if (!word.includes('*')) return [word];
	const dir = path.dirname(word);
	const suffix = path.basename(word).replace('*', '');
	return fs
		.readdirSync(dir)
		.filter((name) => name.endsWith(suffix))
		.sort()
		.map((name) => path.join(dir, name));
}

let dir: string;
beforeAll(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-samples-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function runImport(args: string[], databasePath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

const commands = readmeSampleCommands();

describe('the sample files in data/samples/', () => {
	it('has a README command for each format the importer reads, and only files that exist', () => {
		expect(commands.map((c) => c.args[0].split('/')[2])).toEqual(['native', 'deals', 'hubspot', 'salesforce', 'roster', 'quotas', 'activities']);
		// Rosters, quotas and activities are about reps a pipeline brought: they go into the native sample's database.
		expect(commands.slice(4).every((c) => c.database === commands[0].database)).toBe(true);
		for (const command of commands) {
			for (const file of command.args.filter((a) => a.startsWith('data/'))) expect(fs.existsSync(file), file).toBe(true);
		}
		// Salesforce's four objects, found by the README's glob.
		expect(commands[3].args.filter((a) => a.endsWith('.csv')).map((a) => path.basename(a))).toEqual([
			'Account.csv',
			'Opportunity.csv',
			'OpportunityFieldHistory.csv',
			'OpportunityHistory.csv',
			'User.csv'
		]);
	});

	it('keeps each sample small enough to read at a glance: at most 40 rows a file', () => {
		for (const file of commands.flatMap((c) => c.args.filter((a) => a.endsWith('.csv')))) {
			const rows = fs.readFileSync(file, 'utf8').trim().split('\n').length - 1;
			expect({ file, small: rows >= 1 && rows <= 40 }).toEqual({ file, small: true });
		}
	});

	/** The deals and reps each sample brings. */
	const expected: Record<string, [number, string[]]> = {
		native: [11, ['felix.hoffmann@demo.test', 'katharina.wolf@demo.test', 'laura.schulz@demo.test', 'sarah.klein@demo.test']],
		deals: [16, ['felix.hoffmann@demo.test', 'julia.bauer@demo.test', 'laura.schulz@demo.test', 'sophie.schneider@demo.test']],
		hubspot: [12, ['felix.hoffmann@demo.test', 'katharina.wolf@demo.test', 'laura.schulz@demo.test', 'sarah.klein@demo.test']],
		salesforce: [7, ['felix.hoffmann@demo.test', 'laura.schulz@demo.test', 'sarah.klein@demo.test']]
	};

	/** What the rep-facts samples leave in the native sample's database, as the views read it. */
	const peopleFacts: Record<string, (db: Database) => Promise<void>> = {
		roster: async (db) => {
			expect(await db.all('SELECT r.email, t.name AS team FROM reps r JOIN teams t ON t.id = r.team_id ORDER BY 1')).toEqual([
				{ email: 'felix.hoffmann@demo.test', team: 'North' },
				{ email: 'katharina.wolf@demo.test', team: 'South' },
				{ email: 'laura.schulz@demo.test', team: 'South' },
				{ email: 'sarah.klein@demo.test', team: 'South' }
			]);
			// Katharina's move is dated: North until 10 November, South from then on.
			const north = await db.read((q) => narrowScope(q, everyone, { team: 'North' }));
			const before = await db.read((q) => pipelineMovement(q, north, { from: '2026-11-02', to: '2026-11-09' }));
			const after = await db.read((q) => pipelineMovement(q, north, { from: '2026-11-09', to: '2026-11-16' }));
			expect(before.parts.transferred_out).toBe(0);
			expect(after.parts.transferred_out).toBeGreaterThan(0);
		},
		quotas: async (db) => {
			const north = await db.read((q) => narrowScope(q, everyone, { team: 'North' }));
			const forecast = await db.read((q) => forecastByPeriod(q, north, { asOf: '2026-11-16', months: 2 }));
			// North's own quarter target, by the days of November (30 of 92), not Felix's alone.
			expect(Math.round(forecast.months[0].quota ?? 0)).toBe(Math.round((260000 * 30) / 92));
		},
		activities: async (db) => {
			expect(await db.one('SELECT count(*)::INTEGER AS rows, sum(count)::INTEGER AS total FROM activities')).toEqual({ rows: 12, total: 161 });
		}
	};

	it.each(commands.map((c) => [c.args[0].split('/')[2], c] as const))(
		'the %s sample imports by the README command, and the views show what it brought',
		async (format, command) => {
			// Commands naming the same database build on each other, in the README's order.
			const databasePath = path.join(dir, path.basename(command.database || `${format}.duckdb`));
			const result = await runImport(command.args, databasePath);
			expect(result.stderr).toBe('');
			expect(result.stdout).toMatch(new RegExp(`^Imported .* as ${format}: `));
			expect(result.code).toBe(0);

			const db = await Database.open({ path: databasePath, threads: 1, memoryLimit: '256MB' });
			try {
				if (peopleFacts[format]) {
					await peopleFacts[format](db);
					return;
				}
				const [deals, reps] = expected[format];
				expect(await db.one('SELECT count(*)::INTEGER AS deals FROM deals')).toEqual({ deals });
				expect((await db.all<{ email: string }>('SELECT email FROM reps ORDER BY email')).map((r) => r.email)).toEqual(reps);
				// Open, won and lost deals in the latest snapshot, so every view has something to show.
				const outcomes = await db.all<{ outcome: string }>(
					`SELECT DISTINCT st.outcome FROM snapshots s JOIN stages st ON st.id = s.stage_id
					WHERE s.snapshot_date = (SELECT max(snapshot_date) FROM snapshots) ORDER BY 1`
				);
				expect(outcomes.map((o) => o.outcome)).toEqual(['lost', 'open', 'won']);
				if (format === 'salesforce') {
					// OpportunityFieldHistory: the upsell was Laura's until 28 October, Sarah's since.
					const owners = await db.all(
						`SELECT DISTINCT r.email, s.snapshot_date < DATE '2026-10-28' AS before_handover
						FROM snapshots s JOIN deals d ON d.id = s.deal_id JOIN reps r ON r.id = s.owner_id
						WHERE d.crm_id = '006Dn000003Opp6IAS' ORDER BY 1`
					);
					expect(owners).toEqual([
						{ email: 'laura.schulz@demo.test', before_handover: true },
						{ email: 'sarah.klein@demo.test', before_handover: false }
					]);
				}
			} finally {
				db.close();
			}
		}
	);
});
