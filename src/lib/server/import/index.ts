import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../db/index.ts';
import { unknownMapColumns } from './bind.ts';
import { parseDateFormatOption } from './dates.ts';
import { normaliseHeader } from './fields.ts';
import type { FormatContext, FormatModule } from './format.ts';
import { deals } from './formats/deals.ts';
import { hubspot } from './formats/hubspot.ts';
import { native, requiredNativeColumns } from './formats/native.ts';
import { salesforce } from './formats/salesforce.ts';
import { quotas } from './formats/quotas.ts';
import { activities } from './formats/activities.ts';
import { roster } from './formats/roster.ts';
import { accounts } from './formats/accounts.ts';
import { adminImporter, checkImporterScope, droppedOpenDeals, replacedSnapshots } from './importer.ts';
import { loadRows, prepareReferenceData } from './load.ts';
import { checkSourcedBy } from './sourced-by.ts';
import { checkRates, settleCurrencies } from './currencies.ts';
import { reportingCurrencyFromEnv } from '../db/config.ts';
import { rates } from './formats/rates.ts';
import { writeLogEntry } from './log.ts';
import { describeProblem, problem } from './problems.ts';
import { readFile, type StagedFile } from './read.ts';
import { stageNames } from './stages.ts';
import { ladderFromOrder, LadderError, replaceEmptyLadder, type LadderStage } from '../stage-ladder.ts';
import { Staging } from './staging.ts';
import type { ImportFile, ImportOptions, ImportPreview, ImportProblem, ImportProgress, ImportSummary } from './types.ts';
import { Checker } from './validate.ts';

export type * from './types.ts';
export type { Importer } from './importer.ts';
export { importFormats, weekdays } from './types.ts';
export { importLog, type ImportLogEntry } from './log.ts';
export { describeProblem, problemText } from './problems.ts';

const formats: FormatModule[] = [salesforce, hubspot, native, deals, quotas, activities, roster, rates, accounts];

/** Progress is reported as one fraction over these phases, weighted by their typical cost. */
const phaseSpan: Record<ImportProgress['phase'], [number, number]> = {
	reading: [0, 0.45],
	checking: [0.45, 0.7],
	building: [0.7, 0.8],
	loading: [0.8, 1],
	done: [1, 1]
};

/**
 * Imports CRM files into the pipeline: reads them with DuckDB, checks every value, reshapes them
 * into weekly snapshots and writes them in one transaction, or writes nothing and says why.
 * Never throws for bad input: problems come back in the summary (status 'error'), and the attempt
 * is logged in `imports` unless `options.log` is false.
 */
export async function importFiles(
	db: Database,
	files: (string | ImportFile)[],
	options: ImportOptions = {}
): Promise<ImportSummary> {
	const started = new Date();
	const inputs = files.map((f) => (typeof f === 'string' ? { path: f } : f)).map((f) => ({ path: f.path, name: f.name ?? path.basename(f.path) }));
	const report = (phase: ImportProgress['phase'], within = 0, file?: string, step?: string) => {
		const [from, to] = phaseSpan[phase];
		options.onProgress?.({ phase, fraction: from + (to - from) * Math.min(1, Math.max(0, within)), file, step });
	};

	const summary: ImportSummary = {
		status: 'error',
		dry_run: options.dryRun ?? false,
		format: options.format ?? null,
		files: inputs.map((f) => f.name),
		rows_read: 0,
		rows_loaded: 0,
		rows_rejected: 0,
		snapshots: [],
		snapshots_replaced: [],
		created: { teams: 0, reps: 0, accounts: 0, deals: 0 },
		errors: [],
		warnings: [],
		error_count: 0,
		warning_count: 0,
		preview: { format: options.format ?? null, files: [], dateOrder: null, weekday: null },
		import_id: null,
		seconds: 0
	};
	const finish = async (write: boolean) => {
		summary.seconds = Math.round((Date.now() - started.getTime()) / 100) / 10;
		if (write && options.log !== false) {
			// After a rollback: the failure is recorded in a small transaction of its own.
			summary.import_id = await db.write((tx) => writeLogEntry(tx, summary, started, options.user)).catch(() => null);
		}
		report('done', 1);
		return summary;
	};
	const fail = (problems: ImportProblem[]) => {
		summary.errors.push(...problems);
		summary.error_count += problems.length;
		return finish(true);
	};

	const importer = options.importer ?? adminImporter;
	const replaceDates = options.replaceDates ?? false;
	const reportingCurrency = options.reportingCurrency ?? reportingCurrencyFromEnv();
	if (inputs.length === 0) return fail([problem('error', 'no_files', {})]);
	if (replaceDates && importer.role !== 'admin') return fail([problem('error', 'replace_dates_admin_only', {})]);
	try {
		parseDateFormatOption(options.dateFormat);
	} catch {
		return fail([problem('error', 'date_format_invalid', { value: options.dateFormat ?? '' })]);
	}

	let newLadder: LadderStage[] | undefined;
	if (options.ladderFromOrder) {
		try {
			newLadder = ladderFromOrder(options.ladderFromOrder);
		} catch (error) {
			if (!(error instanceof LadderError)) throw error;
			return fail([problem('error', 'ladder_order_invalid', {}, { value: error.message })]);
		}
		// The ladder gives the snapshots their meaning: it is only taken from a file before there are any.
		const deals = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM deals');
		if ((deals?.n ?? 0) > 0) return fail([problem('error', 'ladder_not_empty', {}, { count: String(deals?.n ?? 0) })]);
	}

	const staging = await Staging.open(db);
	try {
		// Reading: each file into staging, progress weighted by file size.
		const sizes = inputs.map((f) => fs.statSync(f.path, { throwIfNoEntry: false })?.size ?? 0);
		const total = sizes.reduce((a, b) => a + b, 0) || 1;
		let done = 0;
		const staged: StagedFile[] = [];
		const readProblems: ImportProblem[] = [];
		for (const [index, input] of inputs.entries()) {
			report('reading', done / total, input.name);
			const result = await readFile(staging, input, index + 1, {
				encoding: options.encoding,
				onProgress: (fraction) => report('reading', (done + fraction * sizes[index]) / total, input.name)
			});
			done += sizes[index];
			readProblems.push(...result.problems);
			if (result.file) staged.push(result.file);
		}
		summary.rows_read = staged.reduce((sum, f) => sum + f.rows + f.rejected, 0);
		summary.preview.files = await Promise.all(
			staged.map(async (file) => ({
				name: file.name,
				role: '',
				kind: file.kind,
				rows: file.rows,
				columns: file.columns,
				mapping: {},
				ignored: [],
				dateFormats: {},
				sample: await staging.all<Record<string, string | null>>(`SELECT * FROM ${file.table} ORDER BY rowid LIMIT 5`)
			}))
		);
		// A file that could not be read at all stops the import here; rows of readable files with
		// structural faults are still checked, so one run reports as much as possible.
		if (staged.length < inputs.length || staged.length === 0) {
			summary.rows_rejected = summary.rows_read;
			return fail(readProblems);
		}

		report('checking', 0);
		const format = options.format ? formats.find((f) => f.format === options.format)! : detectFormat(staged, options);
		if (!format) {
			return fail([...readProblems, problem('error', 'format_unknown', {}, { expected: requiredNativeColumns.join(', ') })]);
		}
		summary.format = summary.preview.format = format.format;
		if (format.format === 'salesforce' || format.format === 'hubspot' || format.format === 'deals') {
			summary.preview.weekday = options.weekday ?? 'monday';
		}

		const checker = await Checker.create(staging);
		checker.add(...readProblems, ...unknownMapColumns(staged, options.map), ...unknownMapFields(format, options.map));
		const stages = await stageNames(staging, format.stageAliases, options.stageMap, newLadder);
		checker.add(...stages.problems);
		const context: FormatContext = {
			staging,
			files: staged,
			options: { ...options, reportingCurrency },
			checker,
			stages,
			preview: summary.preview,
			rows: staging.table('rows')
		};
		await format.run(context);
		report('building', 0);

		// A format of rep facts (quotas, activities) has no snapshots: nothing of the snapshot path applies.
		const rowsBuilt =
			format.load !== undefined ||
			(await staging.one(`SELECT 1 FROM information_schema.tables WHERE table_catalog = $schema AND table_name = 'rows'`, {
				schema: staging.schema
			})) !== undefined;
		if (rowsBuilt && !format.load) {
			const dates = await staging.all<{ d: string }>(
				`SELECT DISTINCT snapshot_date AS d FROM ${context.rows} WHERE snapshot_date IS NOT NULL ORDER BY 1`
			);
			summary.snapshots = dates.map((r) => r.d);
			await checkImporterScope(staging, checker, context.rows, importer);
			await checkSourcedBy(checker, context.rows, importer);
			await settleCurrencies(staging, context.rows, reportingCurrency);
			await checkRates(checker, context.rows, reportingCurrency);
			summary.snapshots_replaced = await replacedSnapshots(staging, context.rows, replaceDates);
			checker.add(...(await droppedOpenDeals(staging, context.rows, replaceDates)));
		}

		const found = await checker.collect(staged);
		if (newLadder && found.errors.some((e) => e.code === 'unknown_stage')) {
			// Say what to do in the words of the options used: the stage belongs in --stages-order.
			const missing = [...new Set(found.errors.filter((e) => e.code === 'unknown_stage').map((e) => e.value ?? ''))];
			found.errors.unshift(problem('error', 'ladder_order_missing', {}, { value: missing.join(', '), expected: stages.list }));
			found.errorCount += 1;
		}
		summary.errors = found.errors;
		summary.warnings = found.warnings;
		summary.error_count = found.errorCount;
		summary.warning_count = found.warningCount;
		if (found.errorCount > 0 || !rowsBuilt) {
			summary.rows_rejected = found.rejectedRows;
			if (!rowsBuilt && found.errorCount === 0) summary.errors.push(problem('error', 'no_rows', {}));
			return finish(true);
		}
		if (summary.dry_run) {
			summary.status = 'ok';
			return finish(true);
		}

		report('building', 0.5);
		const loadFacts = format.load;
		if (!loadFacts) await prepareReferenceData(staging, context.rows);
		report('loading', 0);
		try {
			const outcome = await db.writeSnapshots(async (tx) => {
				if (newLadder) await replaceEmptyLadder(tx, newLadder);
				const facts = loadFacts ? await loadFacts(tx, staging, { reportingCurrency }) : null;
				const loaded = facts
					? { rowsLoaded: facts.rowsLoaded, created: { teams: 0, reps: 0, accounts: 0, deals: 0, ...facts.created } }
					: await loadRows(tx, staging, { importer, replaceDates, reportingCurrency }, (step, fraction) => report('loading', fraction, undefined, step));
				summary.status = 'ok';
				summary.rows_loaded = loaded.rowsLoaded;
				summary.created = loaded.created;
				summary.seconds = Math.round((Date.now() - started.getTime()) / 100) / 10;
				// Logged in the import's own transaction: the entry exists exactly when the rows do.
				const id = options.log === false ? null : await writeLogEntry(tx, summary, started, options.user);
				return { id };
			});
			summary.import_id = outcome.id;
		} catch (error) {
			summary.status = 'error';
			summary.rows_loaded = 0;
			summary.created = { teams: 0, reps: 0, accounts: 0, deals: 0 };
			return fail([problem('error', 'load_failed', {}, { value: error instanceof Error ? error.message.split('\n')[0] : String(error) })]);
		}
		report('done', 1);
		return summary;
	} finally {
		await staging.close();
	}
}

/**
 * Reads and checks the files exactly as an import would, and shows how they were understood,
 * without writing anything (not even a log entry): the upload page's preview.
 */
export function checkFiles(db: Database, files: (string | ImportFile)[], options: ImportOptions = {}): Promise<ImportSummary> {
	return importFiles(db, files, { ...options, dryRun: true, log: false });
}

function detectFormat(files: StagedFile[], options: ImportOptions): FormatModule | undefined {
	if (salesforce.detect(files)) return salesforce;
	if (hubspot.detect(files)) return hubspot;
	if (native.detect(files)) return native;
	if (quotas.detect(files)) return quotas;
	if (activities.detect(files)) return activities;
	if (accounts.detect(files)) return accounts;
	if (roster.detect(files)) return roster;
	if (rates.detect(files)) return rates;
	if (options.map && Object.keys(options.map).length > 0) return deals;
	if (deals.detect(files)) return deals;
	// Most of the snapshot columns: a snapshot file with a column missing, which is worth saying
	// exactly, rather than "unknown format".
	const nearlyNative = files.every((file) => {
		const headers = new Set(file.columns.map(normaliseHeader));
		return requiredNativeColumns.filter((name) => headers.has(name)).length >= requiredNativeColumns.length / 2;
	});
	return nearlyNative ? native : undefined;
}

/** Map entries naming a field the format does not have. */
function unknownMapFields(format: FormatModule, map: Record<string, string> = {}): ImportProblem[] {
	const known = (field: string) => format.mapFields.some((f) => (f.endsWith(':') ? field.startsWith(f) : field === f));
	return Object.values(map)
		.filter((field) => !known(field))
		.map((field) =>
			problem('error', 'map_unknown_field', { value: field }, { expected: format.mapFields.map((f) => (f.endsWith(':') ? `${f}<stage>` : f)).join(', ') })
		);
}
