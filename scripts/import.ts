// `npm run import -- FILE... [options]`: imports CRM exports into the database at DATABASE_PATH.
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Database } from '../src/lib/server/db/database.ts';
import { databaseConfigFromEnv } from '../src/lib/server/db/config.ts';
import { cliImportDirectories } from '../src/lib/server/import/directories.ts';
import {
	describeProblem,
	importFiles,
	importFormats,
	weekdays,
	type ImportFormat,
	type ImportOptions,
	type ImportProgress,
	type ImportSummary,
	type Weekday
} from '../src/lib/server/import/index.ts';

const usage = `Usage: npm run import -- FILE... [options]

Formats (detected from the header when --format is not given):
  native      one row per deal per snapshot date (CSV or Parquet)
  salesforce  OpportunityHistory.csv + Opportunity.csv [+ Account.csv] [+ User.csv]
  hubspot     a HubSpot deals export with "Date entered <stage>" columns
  deals       a deal list with created, stage-reached and close dates (see --map)
  rates       exchange rates: date, currency, rate (units of REPORTING_CURRENCY for one unit, valid from date)

Options:
  --format F            ${importFormats.join(' | ')}
  --map "a=b,..."       read column a as field b, e.g. "Opp ID=deal_id,Demo date=entered:Solution/Demo"
  --stages "a=b,..."    read the CRM's stage a as our stage b, e.g. "Verbal Commit=Negotiation"
  --ladder from-file    a first import into an empty database: the company's stage ladder is the
                        file's stage names, in the order of --stages-order
  --stages-order "a,b,c"  the funnel order for --ladder from-file; won and lost are recognised by
                        name (Closed Won, Lost, ...) or given: "Signed=won,Dropped=lost"
  --date-format F       mdy or dmy for dates like 03/04/2026, or a strptime pattern like %d.%m.%Y
  --weekday D           weekday of the weekly snapshots rebuilt from histories (default monday)
  --encoding latin-1    for CSV files saved as Latin-1 / Windows-1252 instead of UTF-8
  --dry-run             check everything, write nothing (the attempt is logged)
  --replace-dates       replace every row of each snapshot date in the files, not only the rows
                        of the owners they name (a full re-export of those weeks)
  --json                print a machine-readable summary on stdout
  --progress P          bar (default on a terminal), lines, or none
`;

/** A refusal before anything was imported: said once, on stdout as JSON with --json, else on stderr. */
class Refusal extends Error {}

function fail(message: string): never {
	throw new Refusal(message);
}

/**
 * Writes `text` and resolves once the stream has taken all of it. Exiting earlier (process.exit
 * right after a write) drops whatever a slow reader's pipe had not taken yet, so a script reading
 * --json would get a cut-off document.
 */
function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
	return new Promise((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
}

/** "a=b,c=d" (possibly given several times) -> { a: 'b', c: 'd' }; column names may contain '='. */
function pairs(values: string[] | undefined, option: string): Record<string, string> | undefined {
	if (!values || values.length === 0) return undefined;
	const result: Record<string, string> = {};
	for (const entry of values.flatMap((v) => v.split(','))) {
		const at = entry.lastIndexOf('=');
		if (at <= 0 || at === entry.length - 1) fail(`${option} expects source=target pairs separated by commas; "${entry}" is not one.`);
		result[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
	}
	return result;
}

function parse() {
	return parseArgs({
		allowPositionals: true,
		options: {
			format: { type: 'string' },
			map: { type: 'string', multiple: true },
			stages: { type: 'string', multiple: true },
			ladder: { type: 'string' },
			'stages-order': { type: 'string', multiple: true },
			'date-format': { type: 'string' },
			weekday: { type: 'string' },
			encoding: { type: 'string' },
			'dry-run': { type: 'boolean' },
			'replace-dates': { type: 'boolean' },
			json: { type: 'boolean' },
			progress: { type: 'string' },
			help: { type: 'boolean', short: 'h' }
		}
	});
}

/** The import, start to end; resolves to the exit code once everything it printed was taken. */
async function main(): Promise<number> {
	let args: ReturnType<typeof parse>;
	try {
		args = parse();
	} catch (error) {
		await write(process.stderr, `${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
		return 2;
	}
	const json = args.values.json ?? false;
	try {
		return await run(args, json);
	} catch (error) {
		if (!(error instanceof Refusal)) throw error;
		if (json) {
			const errors = [{ file: null, line: null, column: null, value: null, message: error.message }];
			await write(process.stdout, `${JSON.stringify({ status: 'error', rows_loaded: 0, snapshots: [], errors })}\n`);
		} else await write(process.stderr, `${error.message}\n`);
		return 1;
	}
}

async function run({ values, positionals: files }: ReturnType<typeof parse>, json: boolean): Promise<number> {
	if (values.help || files.length === 0) {
		await write(process.stdout, usage);
		return values.help ? 0 : 2;
	}
	if (values.format && !importFormats.includes(values.format as ImportFormat)) {
		fail(`--format ${values.format} is not one of ${importFormats.join(', ')}.`);
	}
	if (values.weekday && !weekdays.includes(values.weekday.toLowerCase() as Weekday)) {
		fail(`--weekday ${values.weekday} is not one of ${weekdays.join(', ')}.`);
	}
	if (values.encoding && !['utf-8', 'utf8', 'latin-1', 'latin1'].includes(values.encoding.toLowerCase())) {
		fail(`--encoding ${values.encoding} is not utf-8 or latin-1.`);
	}
	for (const file of files) {
		if (!fs.existsSync(file)) fail(`${file}: no such file.`);
	}
	if (values.ladder !== undefined && values.ladder !== 'from-file') fail(`--ladder ${values.ladder}: the only choice is --ladder from-file.`);
	if (values.ladder && !values['stages-order']) fail('--ladder from-file needs --stages-order "a,b,c": the funnel order of the stages the file uses.');
	if (values['stages-order'] && !values.ladder) fail('--stages-order goes with --ladder from-file (to map a file\'s stages onto the ladder, use --stages).');

	const progressMode = values.progress ?? (process.stderr.isTTY ? 'bar' : 'none');
	const totalBytes = files.reduce((sum, f) => sum + fs.statSync(f).size, 0);
	// A bar for a file that loads in a blink is only flicker.
	const showBar = progressMode === 'bar' && process.stderr.isTTY && (values.progress === 'bar' || totalBytes > 5_000_000);
	let lastPhase = '';
	function onProgress(progress: ImportProgress) {
		if (progressMode === 'lines') {
			const line = progress.step ? `${progress.phase} ${progress.step}` : progress.phase;
			if (line !== lastPhase) process.stderr.write(`${line}\n`);
			lastPhase = line;
			return;
		}
		if (!showBar) return;
		const width = 30;
		const filled = Math.round(progress.fraction * width);
		const label =
			progress.phase === 'reading' && progress.file
				? `reading ${progress.file}`
				: progress.step
					? `${progress.phase} ${progress.step}`
					: progress.phase;
		process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(progress.fraction * 100)).padStart(3)}% ${label.padEnd(40).slice(0, 40)}`);
		if (progress.phase === 'done') process.stderr.write('\n');
	}

	const map = pairs(values.map, '--map');
	const stageMap = pairs(values.stages, '--stages');
	let db: Database;
	try {
		// Locked down like the server's, reaching only the directories of the files it was given.
		db = await Database.open(databaseConfigFromEnv(), { lockDown: { directories: cliImportDirectories(files) } });
	} catch (error) {
		// Database.open words the lock error for people; a stack trace would only bury it.
		fail(error instanceof Error ? error.message : String(error));
	}

	const options: ImportOptions = {
		format: values.format as ImportFormat | undefined,
		map,
		stageMap,
		ladderFromOrder: values.ladder ? values['stages-order']!.flatMap((order) => order.split(',')) : undefined,
		dateFormat: values['date-format'],
		weekday: values.weekday?.toLowerCase() as Weekday | undefined,
		encoding: values.encoding?.toLowerCase().startsWith('latin') ? 'latin-1' : undefined,
		dryRun: values['dry-run'] ?? false,
		// Whoever runs this holds the database file, so imports as an admin.
		replaceDates: values['replace-dates'] ?? false,
		user: `cli:${os.userInfo().username}`,
		onProgress
	};

	let summary: ImportSummary;
	try {
		summary = await importFiles(db, files, options);
	} finally {
		db.close();
	}

	await write(process.stdout, json ? `${JSON.stringify(jsonSummary(summary))}\n` : summaryText(summary));
	return summary.status === 'ok' ? 0 : 1;
}

/** The summary for scripts: problems without their internal severity and message parameters. */
function jsonSummary(summary: ImportSummary) {
	const { status, rows_loaded, snapshots, errors, warnings, ...rest } = summary;
	const strip = ({ severity: _s, params: _p, ...problem }: (typeof errors)[number]) => problem;
	return {
		status,
		rows_loaded,
		snapshots,
		errors: errors.map(strip),
		warnings: warnings.map(strip),
		format: rest.format,
		dry_run: rest.dry_run,
		rows_read: rest.rows_read,
		rows_rejected: rest.rows_rejected,
		snapshots_replaced: rest.snapshots_replaced,
		created: rest.created,
		error_count: rest.error_count,
		warning_count: rest.warning_count,
		import_id: rest.import_id,
		seconds: rest.seconds
	};
}

/** The summary for people reading a terminal. */
function summaryText(s: ImportSummary): string {
	let text = '';
	const out = (line = '') => (text += `${line}\n`);
	const count = (n: number) => n.toLocaleString('en');
	const plural = (n: number, noun: string) => `${count(n)} ${noun}${n === 1 ? '' : 's'}`;
	const list = (title: string, problems: typeof s.errors, total: number) => {
		if (problems.length === 0) return;
		out(`${title} (${count(total)}):`);
		for (const p of problems.slice(0, 50)) out(`  ${describeProblem(p)}`);
		if (problems.length > 50) out(`  ... ${count(problems.length - 50)} more listed with --json.`);
	};
	const range = s.snapshots.length > 1 ? `${s.snapshots[0]} to ${s.snapshots.at(-1)}` : (s.snapshots[0] ?? '');
	if (s.status === 'ok') {
		const verb = s.dry_run ? 'Checked (dry run, nothing written)' : 'Imported';
		out(`${verb} ${s.files.join(', ')} as ${s.format}: ${plural(s.dry_run ? s.rows_read : s.rows_loaded, 'row')}, ${plural(s.snapshots.length, 'snapshot')} (${range}), in ${s.seconds} s.`);
		for (const replaced of s.snapshots_replaced) {
			const teams = replaced.teams.map((t) => `${t.team ?? 'no team'} ${count(t.rows)} (${count(t.deleted)} removed)`).join(', ');
			out(`${s.dry_run ? 'Would replace' : 'Replaced'} ${plural(replaced.rows, 'row')} of ${replaced.date}: ${teams}.`);
		}
		if (!s.dry_run) {
			const { teams, reps, accounts, deals } = s.created;
			out(`New: ${plural(teams, 'team')}, ${plural(reps, 'rep')}, ${plural(accounts, 'account')}, ${plural(deals, 'deal')}.`);
		}
	} else {
		out(`Nothing was imported from ${s.files.join(', ')}: ${plural(s.error_count, 'error')} in ${plural(s.rows_read, 'row')} read.`);
	}
	list('Errors', s.errors, s.error_count);
	list('Warnings', s.warnings, s.warning_count);
	return text;
}

// Set, not process.exit(): the process ends once the event loop is empty, after stdout has drained.
process.exitCode = await main();
