import { exampleDates, readDates, timestampSql, type DateReading } from './dates.ts';
import type { StagedFile } from './read.ts';
import { ident, literal } from './sql.ts';
import type { Staging } from './staging.ts';

/**
 * The fields an import understands, how each is read from text, and the rules its values must
 * pass. Every format binds its files' columns to these fields; the parsing and checking is then
 * the same SQL for all of them, run over the whole staged table at once.
 */

export type FieldKind =
	| 'text'
	| 'date'
	| 'timestamp'
	| 'amount'
	| 'probability'
	| 'stage'
	| 'deal_type'
	| 'forecast_category'
	| 'role'
	| 'currency'
	| 'flag';

export interface FieldSpec {
	name: string;
	kind: FieldKind;
	/** The file must have this column. */
	required?: boolean;
	/**
	 * What a blank value is: an error (the default for required fields), fine (the default for
	 * optional ones), or a warning with this code (the amount of a deal nobody has priced yet).
	 */
	blank?: 'error' | 'ok' | { warning: string };
}

/** A field and the file column it is read from (null: the file does not have it). */
export interface BoundField extends FieldSpec {
	column: string | null;
}

/** How a header is compared with field names: case, spaces, hyphens and dots do not matter. */
export function normaliseHeader(name: string): string {
	return name
		.trim()
		.toLowerCase()
		.replace(/[\s\-.]+/g, '_');
}

const number = String.raw`[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`;

/**
 * CRM spellings of our four deal types, compared with letters only and lower-case. HubSpot's
 * "Existing Business" and Salesforce's "Existing Customer - Upgrade" are more revenue from a
 * current customer: upsell is the nearest of our types, and the distinction the dashboard weighs
 * (new business against existing customers) is kept exactly. The HubSpot preset tells its
 * renewals apart by a rule of its own (formats/hubspot.ts).
 */
const dealTypeSql = (raw: string) => `CASE lower(regexp_replace(${raw}, '[^A-Za-z]', '', 'g'))
	WHEN 'newbusiness' THEN 'new_business' WHEN 'new' THEN 'new_business' WHEN 'newcustomer' THEN 'new_business'
	WHEN 'newlogo' THEN 'new_business' WHEN 'newbiz' THEN 'new_business'
	WHEN 'upsell' THEN 'upsell' WHEN 'upgrade' THEN 'upsell' WHEN 'expansion' THEN 'upsell'
	WHEN 'existingbusiness' THEN 'upsell' WHEN 'existingcustomer' THEN 'upsell' WHEN 'existingcustomerupgrade' THEN 'upsell'
	WHEN 'crosssell' THEN 'cross_sell' WHEN 'existingcustomercrosssell' THEN 'cross_sell'
	WHEN 'renewal' THEN 'renewal' WHEN 'renew' THEN 'renewal' WHEN 'existingcustomerrenewal' THEN 'renewal'
	WHEN 'existingcustomerreplacement' THEN 'renewal' WHEN 'existingcustomerdowngrade' THEN 'renewal'
END`;

/** Salesforce and HubSpot forecast categories in our spelling. */
const forecastSql = (raw: string) => `CASE lower(regexp_replace(${raw}, '[^A-Za-z]', '', 'g'))
	WHEN 'pipeline' THEN 'pipeline' WHEN 'bestcase' THEN 'best_case' WHEN 'commit' THEN 'commit'
	WHEN 'closed' THEN 'closed' WHEN 'closedwon' THEN 'closed' WHEN 'omitted' THEN 'omitted' WHEN 'notforecasted' THEN 'omitted'
END`;

const roleSql = (raw: string) => `CASE lower(regexp_replace(${raw}, '[^A-Za-z]', '', 'g'))
	WHEN 'sdr' THEN 'SDR' WHEN 'salesdevelopmentrep' THEN 'SDR' WHEN 'salesdevelopmentrepresentative' THEN 'SDR'
	WHEN 'bdr' THEN 'BDR' WHEN 'businessdevelopmentrep' THEN 'BDR' WHEN 'businessdevelopmentrepresentative' THEN 'BDR'
	WHEN 'ae' THEN 'AE' WHEN 'accountexecutive' THEN 'AE'
	WHEN 'am' THEN 'AM' WHEN 'accountmanager' THEN 'AM'
	WHEN 'kam' THEN 'KAM' WHEN 'keyaccountmanager' THEN 'KAM'
END`;

export interface ParseContext {
	/** Qualified name of the stage lookup table (see stages.ts). */
	stageNames: string;
	/** The dateFormat option: 'mdy', 'dmy' or a strptime pattern. */
	dateFormat?: string;
	/**
	 * Stage texts may end in their pipeline, `Closed Won (Sales Pipeline)`, as HubSpot writes them
	 * when a portal has several pipelines: a text that is not a stage as a whole is read without it.
	 */
	pipelineSuffix?: boolean;
}

/** SQL reading the text `v` as a field of `kind` (dates and stages are handled apart). */
function valueSql(kind: FieldKind, v: string, percentScale: boolean): string {
	switch (kind) {
		case 'amount':
			return `CASE WHEN regexp_full_match(${v}, '${number}') THEN try_cast(${v} AS DECIMAL(18, 2)) END`;
		case 'probability':
			return `CASE
				WHEN regexp_full_match(${v}, '(${number})\\s*%') THEN try_cast(rtrim(${v}, '% ') AS DOUBLE) / 100
				WHEN regexp_full_match(${v}, '${number}') THEN try_cast(${v} AS DOUBLE) / ${percentScale ? 100 : 1}
			END`;
		case 'deal_type':
			return dealTypeSql(v);
		case 'forecast_category':
			return forecastSql(v);
		case 'role':
			return roleSql(v);
		case 'currency':
			return `CASE WHEN regexp_full_match(upper(${v}), '[A-Z]{3}') THEN upper(${v}) END`;
		case 'flag':
			return `lower(${v}) IN ('true', '1', 'yes', 'y', 'x')`;
		default:
			return v;
	}
}

/**
 * A staged file with its fields read: SQL expressions for each field's text and value, valid in
 * `SELECT ... FROM ${from}`, where `s` is the staged row and `record` its number.
 */
export interface ParsedFile {
	file: StagedFile;
	fields: BoundField[];
	dates: DateReading;
	from: string;
	/** The trimmed text, NULL when blank. */
	raw(field: string): string;
	/** The value read (NULL when blank or unreadable), typed by the field's kind. */
	value(field: string): string;
	/** Per field read through a lookup: the table of its distinct texts `v` and values `parsed`. */
	lookups: Map<string, string>;
}

export const recordSql = 's.rowid + 1';

/**
 * Reads every bound field of `file`. Each distinct text is parsed once, in a small lookup table
 * joined back to the rows when they are used: a million rows hold a few hundred dates, stages and
 * probabilities, so parsing is nearly free, and a rule can look for bad values among the distinct
 * ones first and only then find the rows that hold them.
 */
export async function parseFields(
	staging: Staging,
	file: StagedFile,
	fields: BoundField[],
	context: ParseContext,
	prefix: string
): Promise<ParsedFile> {
	// Every distinct text of every non-text column, with the first record holding it, in one scan
	// (GROUPING SETS computes all the per-column DISTINCTs in a single pass).
	const columns = [...new Set(fields.filter((f) => f.column && f.kind !== 'text').map((f) => f.column!))];
	const distinctTable = `${prefix}_distinct`;
	const distinctValues = (column: string) => {
		const i = columns.indexOf(column);
		const mask = 2 ** columns.length - 1 - 2 ** (columns.length - 1 - i);
		return `(SELECT t${i} AS v, record FROM ${distinctTable} WHERE gid = ${mask} AND t${i} IS NOT NULL)`;
	};
	if (columns.length > 0) {
		const names = columns.map((_, i) => `t${i}`).join(', ');
		await staging.run(
			`CREATE TABLE ${distinctTable} AS
			SELECT ${names}, min(record) AS record, GROUPING(${names}) AS gid
			FROM (SELECT ${columns.map((c, i) => `nullif(trim(${ident(c)}), '') AS t${i}`).join(', ')}, rowid + 1 AS record FROM ${file.table})
			GROUP BY GROUPING SETS (${columns.map((_, i) => `(t${i})`).join(', ')})`
		);
	}

	const dateColumns = new Set(fields.filter((f) => f.column && (f.kind === 'date' || f.kind === 'timestamp')).map((f) => f.column!));
	const dateSources = [...dateColumns].map((column) => ({ column, values: distinctValues(column) }));
	const dates = await readDates(staging, file, dateSources, context.dateFormat);

	const joins: string[] = [];
	const raws = new Map<string, string>();
	const values = new Map<string, string>();
	const lookups = new Map<string, string>();
	for (const [index, field] of fields.entries()) {
		if (!field.column) {
			raws.set(field.name, 'NULL::VARCHAR');
			values.set(field.name, nullOf(field.kind));
			continue;
		}
		const raw = `nullif(trim(s.${ident(field.column)}), '')`;
		raws.set(field.name, raw);
		if (field.kind === 'text') {
			values.set(field.name, raw);
			continue;
		}
		const lookup = `${prefix}_lookup_${index}`;
		if (field.kind === 'date' || field.kind === 'timestamp') {
			const read = timestampSql('v', dates.formats.get(field.column) ?? ['%Y-%m-%d']);
			await staging.run(
				`CREATE TABLE ${lookup} AS SELECT v, ${field.kind === 'date' ? `CAST(${read} AS DATE)` : read} AS parsed
				FROM ${distinctValues(field.column)}`
			);
		} else if (field.kind === 'stage') {
			// The whole text first, so that a --stages mapping naming the pipeline still wins.
			const withoutPipeline = context.pipelineSuffix
				? `LEFT JOIN ${context.stageNames} p ON p.key = lower(regexp_replace(d.v, '\\s*\\([^()]*\\)\\s*$', ''))`
				: '';
			await staging.run(
				`CREATE TABLE ${lookup} AS SELECT d.v, ${context.pipelineSuffix ? 'coalesce(n.stage_id, p.stage_id)' : 'n.stage_id'} AS parsed
				FROM ${distinctValues(field.column)} d LEFT JOIN ${context.stageNames} n ON n.key = lower(d.v) ${withoutPipeline}`
			);
		} else {
			let percentScale = false;
			if (field.kind === 'probability') {
				// A column whose values never exceed 1 holds fractions (0.6); any value above 1 makes
				// the whole column percent (60). Decided per column, because "1" alone could be either.
				const row = await staging.one<{ high: number | null }>(
					`SELECT max(try_cast(v AS DOUBLE)) AS high FROM ${distinctValues(field.column)} WHERE regexp_full_match(v, '${number}')`
				);
				percentScale = (row?.high ?? 0) > 1;
			}
			await staging.run(
				`CREATE TABLE ${lookup} AS SELECT v, ${valueSql(field.kind, 'v', percentScale)} AS parsed FROM ${distinctValues(field.column)}`
			);
		}
		lookups.set(field.name, lookup);
		joins.push(`LEFT JOIN ${lookup} AS j${index} ON j${index}.v = ${raw}`);
		values.set(field.name, `j${index}.parsed`);
	}
	return {
		file,
		fields,
		dates,
		from: `${file.table} AS s ${joins.join(' ')}`,
		raw: (name) => raws.get(name) ?? 'NULL::VARCHAR',
		value: (name) => values.get(name) ?? 'NULL',
		lookups
	};
}

function nullOf(kind: FieldKind): string {
	switch (kind) {
		case 'date':
			return 'NULL::DATE';
		case 'timestamp':
			return 'NULL::TIMESTAMP';
		case 'amount':
			return 'NULL::DECIMAL(18, 2)';
		case 'probability':
			return 'NULL::DOUBLE';
		case 'stage':
			return 'NULL::SMALLINT';
		case 'flag':
			return 'NULL::BOOLEAN';
		default:
			return 'NULL::VARCHAR';
	}
}

/**
 * One check. A `value` rule is a condition on a field's lookup table (`v` the text, `parsed` the
 * value): bad values are found among the distinct ones, and only if there are any are the rows
 * holding them looked up. A `row` rule is a condition on the staged row (`s`).
 */
export type Rule = {
	code: string;
	severity: 'error' | 'warning';
	field: BoundField;
	/** SQL for the message's "expected" parameter (a constant, or an expression over `v` / the row). */
	expected?: string;
} & ({ on: 'value'; where: string } | { on: 'row'; where: string });

/** The checks every value of a field must pass, from its kind. */
export function fieldRules(parsed: ParsedFile, context: { stageList: string }): Rule[] {
	const rules: Rule[] = [];
	for (const field of parsed.fields) {
		if (!field.column) continue;
		const raw = parsed.raw(field.name);
		const blank = field.blank ?? (field.required ? 'error' : 'ok');
		if (blank === 'error') rules.push({ on: 'row', code: 'required_blank', severity: 'error', field, where: `${raw} IS NULL` });
		else if (blank !== 'ok') rules.push({ on: 'row', code: blank.warning, severity: 'warning', field, where: `${raw} IS NULL` });
		switch (field.kind) {
			case 'text':
				// A value a spreadsheet would run ("=HYPERLINK(...)") is refused outright: these
				// names end up in CSV downloads that leaders open in Excel.
				rules.push({
					on: 'row',
					code: 'formula',
					severity: 'error',
					field,
					where: `left(${raw}, 1) IN ('=', '+', '-', '@', chr(9), chr(13))`,
					expected: `left(${raw}, 1)`
				});
				break;
			case 'date':
			case 'timestamp':
				rules.push({
					on: 'value',
					code: 'not_a_date',
					severity: 'error',
					field,
					where: 'parsed IS NULL',
					expected: literal(exampleDates(parsed.dates.order?.order ?? null))
				});
				rules.push({ on: 'value', code: 'date_out_of_range', severity: 'error', field, where: 'year(parsed) NOT BETWEEN 1900 AND 2199' });
				break;
			case 'amount':
				rules.push({ on: 'value', code: 'not_a_number', severity: 'error', field, where: `NOT regexp_full_match(v, '${number}')` });
				rules.push({
					on: 'value',
					code: 'amount_too_large',
					severity: 'error',
					field,
					where: `regexp_full_match(v, '${number}') AND parsed IS NULL`
				});
				rules.push({ on: 'value', code: 'negative_amount', severity: 'error', field, where: 'parsed < 0' });
				break;
			case 'probability':
				rules.push({
					on: 'value',
					code: 'bad_probability',
					severity: 'error',
					field,
					where: 'parsed IS NULL OR parsed < 0 OR parsed > 1 OR isnan(parsed)'
				});
				break;
			case 'stage':
				rules.push({
					on: 'value',
					code: 'unknown_stage',
					severity: 'error',
					field,
					where: 'parsed IS NULL',
					expected: literal(context.stageList)
				});
				break;
			case 'deal_type':
			case 'forecast_category':
			case 'role':
			case 'currency':
				rules.push({ on: 'value', code: `unknown_${field.kind}`, severity: 'error', field, where: 'parsed IS NULL' });
				break;
		}
	}
	return rules;
}
