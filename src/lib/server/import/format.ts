import type { Binding } from './bind.ts';
import { literal } from './sql.ts';
import type { DateReading } from './dates.ts';
import { recordSql, type FieldSpec, type ParsedFile } from './fields.ts';
import type { StagedFile } from './read.ts';
import type { StageNames } from './stages.ts';
import type { Staging } from './staging.ts';
import type { Transaction } from '../db/database.ts';
import type { Checker } from './validate.ts';
import type { ImportFormat, ImportOptions, ImportPreview } from './types.ts';

/** What a format module gets: the staged files, the rule collector, and where to put its rows. */
export interface FormatContext {
	staging: Staging;
	files: StagedFile[];
	options: ImportOptions;
	checker: Checker;
	stages: StageNames;
	preview: ImportPreview;
	/**
	 * The table every format ends in, one row per deal per snapshot date with text keys:
	 * file_no, record, snapshot_date, deal, owner, owner_name, owner_role, team, stage_id, amount,
	 * probability, close_date, forecast_category, deal_name, account_id, account_name, deal_type,
	 * created_date, currency, source, sourced_by. load.ts writes it to the database.
	 */
	rows: string;
}

export interface FormatModule {
	format: ImportFormat;
	/** Stage names of the CRM this format comes from (see stages.ts). */
	stageAliases: Record<string, string>;
	/** The fields a column may be mapped to with --map (a trailing `:` allows any suffix). */
	mapFields: string[];
	/** Whether the files' headers look like this format. */
	detect(files: StagedFile[]): boolean;
	/** Parses and checks the files; creates `context.rows` unless an error was found. */
	run(context: FormatContext): Promise<void>;
	/**
	 * Formats of facts about reps rather than pipeline snapshots (quotas, activities) write their
	 * checked rows themselves, in the import's transaction, and say how many they read.
	 */
	load?(tx: Transaction, staging: Staging, settings: { reportingCurrency: string }): Promise<{ rowsLoaded: number; created?: { teams: number; reps: number } }>;
}

/** The columns of `rows` and their types, for formats that build it in pieces. */
export const rowColumns = `file_no INTEGER, record BIGINT, snapshot_date DATE, deal VARCHAR, owner VARCHAR, owner_name VARCHAR,
	owner_role VARCHAR, team VARCHAR, stage_id SMALLINT, amount DECIMAL(18, 2), probability DOUBLE, close_date DATE,
	forecast_category VARCHAR, deal_name VARCHAR, account_id VARCHAR, account_name VARCHAR, deal_type VARCHAR,
	created_date DATE, currency VARCHAR, source VARCHAR, sourced_by VARCHAR`;

/** The deal, owner and account fields every format may carry. */
export const dealFieldSpecs: FieldSpec[] = [
	{ name: 'deal_name', kind: 'text' },
	{ name: 'account_id', kind: 'text' },
	{ name: 'account_name', kind: 'text' },
	{ name: 'owner_name', kind: 'text' },
	{ name: 'owner_role', kind: 'role' },
	{ name: 'team', kind: 'text' },
	{ name: 'deal_type', kind: 'deal_type' },
	{ name: 'created_date', kind: 'date' },
	{ name: 'currency', kind: 'currency' },
	{ name: 'source', kind: 'text' },
	// The SDR or BDR who opened the deal (e-mail or name of a rep): the relay credits the opener.
	{ name: 'sourced_by', kind: 'text' }
];

/** Records how a file was understood, for the preview shown before anything is written. */
export function describeFile(
	context: FormatContext,
	file: StagedFile,
	role: string,
	binding: Pick<Binding, 'mapping' | 'ignored'>,
	dates?: DateReading
) {
	const target = context.preview.files[file.no - 1];
	target.role = role;
	target.mapping = binding.mapping;
	target.ignored = binding.ignored;
	target.dateFormats = dates ? Object.fromEntries(dates.formats) : {};
	if (dates?.order && !context.preview.dateOrder && !['ambiguous', 'conflicting'].includes(dates.order.reason)) {
		context.preview.dateOrder = dates.order;
	}
}

/** The date columns among bound fields. */
export function dateColumns(fields: { kind: string; column: string | null }[]): string[] {
	return [...new Set(fields.filter((f) => (f.kind === 'date' || f.kind === 'timestamp') && f.column).map((f) => f.column!))];
}

/**
 * Owners are reps' e-mail addresses, or names where a CRM has none. A name is matched to an
 * existing rep by name; say so once per owner, so nobody is surprised by a placeholder address.
 */
export async function checkOwners(context: FormatContext, table: string, ownerColumn: string) {
	await context.checker.custom(
		'owner_not_email',
		'warning',
		`SELECT arg_min(file_no, (file_no, record)), arg_min(record, (file_no, record)), ${literal(ownerColumn)}, owner, NULL, NULL, NULL
		FROM ${table} WHERE owner IS NOT NULL AND NOT contains(owner, '@')
		GROUP BY owner`
	);
}

/**
 * An open deal without a close date is not dated yet: a warning, counted, and the deal loads with
 * an unknown close date (the forecast's "no close date" bucket). A won or lost deal without one is
 * an error: its close date is the date of its outcome, which dates revenue and win rates, and
 * guessing it (the snapshot date, say) would put revenue into a period it may not belong to. CRMs
 * set it on closing, so a closed deal without it is a broken export, not a gap.
 */
export async function checkCloseDates(context: FormatContext, parsed: ParsedFile, column: string) {
	const v = parsed.value;
	for (const [code, severity, outcome] of [
		['close_date_blank', 'warning', `coalesce(ladder.outcome, 'open') = 'open'`],
		['closed_without_close_date', 'error', `ladder.outcome IN ('won', 'lost')`]
	] as const) {
		await context.checker.custom(
			code,
			severity,
			`SELECT ${parsed.file.no}, ${recordSql}, ${literal(column)}, NULL, NULL, NULL, NULL
			FROM ${parsed.from} LEFT JOIN ${context.stages.ladder} AS ladder ON ladder.id = ${v('stage')}
			WHERE ${parsed.raw('close_date')} IS NULL AND ${outcome}`
		);
	}
}
