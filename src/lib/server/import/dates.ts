import { problem } from './problems.ts';
import type { StagedFile } from './read.ts';
import { literal, literalList } from './sql.ts';
import type { Staging } from './staging.ts';
import type { ImportProblem } from './types.ts';

/**
 * Dates are read with an explicit list of strptime formats per column, never by guessing.
 *
 * ISO dates (2024-03-01, with or without a time) are unambiguous. Numeric dates such as 03/01/2024
 * are not: March 1st in the US, 3 January in Europe. The order is settled per file by evidence (a
 * value like 02/23/26 can only be month first) or by the `dateFormat` option; a file with only
 * ambiguous values, or with evidence both ways, is an error that names the values.
 */

export type DateOrder = 'mdy' | 'dmy';

const isoFormats = [
	'%Y-%m-%d',
	'%Y-%m-%d %H:%M',
	'%Y-%m-%d %H:%M:%S',
	'%Y-%m-%d %H:%M:%S.%f',
	'%Y-%m-%dT%H:%M',
	'%Y-%m-%dT%H:%M:%S',
	'%Y-%m-%dT%H:%M:%SZ',
	'%Y-%m-%dT%H:%M:%S.%f',
	'%Y-%m-%dT%H:%M:%S.%fZ',
	'%Y/%m/%d'
];

const timeSuffixes = ['', ' %H:%M', ' %H:%M:%S', ' %I:%M %p', ' %I:%M:%S %p', ' %I:%M%p'];

/**
 * Two-digit years come before four-digit ones: strptime's %Y would read "26" as the year 26, while
 * %y rejects "2026".
 */
function numericFormats(order: DateOrder): string[] {
	const formats: string[] = [];
	for (const separator of ['/', '.', '-']) {
		const dayMonth = order === 'mdy' ? `%m${separator}%d` : `%d${separator}%m`;
		for (const year of ['%y', '%Y']) {
			for (const time of timeSuffixes) formats.push(`${dayMonth}${separator}${year}${time}`);
		}
	}
	return formats;
}

/**
 * The digit layout a format's date part needs. strptime's %Y accepts one to four digits, so
 * without this "02/03/24" would pass as 24 March of the year 2 under %Y/%m/%d.
 */
function shapeOf(format: string): string {
	if (format.startsWith('%Y')) return '^9999[-/]';
	const year = format.slice(6, 8) === '%Y' ? '9999' : '99([^9]|$)';
	return `^9{1,2}[/.-]9{1,2}[/.-]${year}`;
}

/** Examples people recognise, for "expected one of ..." messages. */
export function exampleDates(order: DateOrder | null): string {
	const examples = ['2024-03-01', '2024-03-01 14:30'];
	if (order === 'mdy') examples.push('03/01/2024', '03/01/24 02:30 PM');
	if (order === 'dmy') examples.push('01/03/2024', '01.03.2024');
	return examples.join(', ');
}

const numericDate = String.raw`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(\D.*)?$`;

export interface DateReading {
	/** Source column -> the formats its values are read with, in the order tried. */
	formats: Map<string, string[]>;
	order: { order: DateOrder; reason: string } | null;
	problems: ImportProblem[];
}

/** `dateFormat` may be 'mdy', 'dmy' or a strptime pattern. */
export function parseDateFormatOption(option: string | undefined): { order: DateOrder | null; pattern: string | null } {
	if (!option) return { order: null, pattern: null };
	const lower = option.trim().toLowerCase();
	if (lower === 'mdy' || lower === 'dmy') return { order: lower, pattern: null };
	if (option.includes('%')) return { order: null, pattern: option };
	throw new Error(`--date-format ${option} is not mdy, dmy or a strptime pattern such as %d.%m.%Y.`);
}

/**
 * `sources`: per date column, a table of its distinct non-blank values `v` (trimmed) with the
 * first `record` each appears in. Working on distinct values keeps this cheap: a million rows
 * hold a few hundred distinct dates.
 */
export async function readDates(
	staging: Staging,
	file: StagedFile,
	sources: { column: string; values: string }[],
	option: string | undefined
): Promise<DateReading> {
	const formats = new Map<string, string[]>();
	const problems: ImportProblem[] = [];
	const columns = sources.map((s) => s.column);
	if (columns.length === 0) return { formats, order: null, problems };
	const { order: givenOrder, pattern } = parseDateFormatOption(option);

	if (pattern) {
		for (const column of columns) formats.set(column, [pattern, ...isoFormats]);
		return { formats, order: null, problems };
	}

	const values = sources.map((source, i) => `SELECT ${i} AS col, record, v FROM ${source.values}`).join(' UNION ALL ');
	const evidence = await staging.one<{
		numeric_record: number | null;
		numeric_col: number | null;
		numeric_value: string | null;
		day_first: { record: number; col: number; v: string } | null;
		month_first: { record: number; col: number; v: string } | null;
	}>(
		`WITH numeric_dates AS (
			SELECT col, record, v,
				CAST(regexp_extract(v, '${numericDate}', 1) AS INTEGER) AS first_part,
				CAST(regexp_extract(v, '${numericDate}', 2) AS INTEGER) AS second_part
			FROM (${values})
			WHERE regexp_matches(v, '${numericDate}')
		)
		SELECT
			min(record) AS numeric_record,
			arg_min(col, place) AS numeric_col,
			arg_min(v, place) AS numeric_value,
			arg_min({'record': record, 'col': col, 'v': v}, place) FILTER (WHERE first_part > 12) AS day_first,
			arg_min({'record': record, 'col': col, 'v': v}, place) FILTER (WHERE second_part > 12) AS month_first
		-- The first line, and on it the first date column: two dates on one line must not make the
		-- evidence (and so the preview) depend on which one DuckDB happens to meet first.
		FROM (SELECT *, record::BIGINT * 10000 + col AS place FROM numeric_dates)`
	);

	let order: DateReading['order'] = null;
	if (evidence?.numeric_record != null) {
		const line = (record: number) => file.lines.lineOf(record);
		const describe = (e: { record: number; col: number; v: string }) => `${e.v} (${columns[e.col]}, line ${line(e.record)})`;
		if (givenOrder) {
			order = { order: givenOrder, reason: 'option' };
		} else if (evidence.day_first && evidence.month_first) {
			const later = evidence.day_first.record > evidence.month_first.record ? evidence.day_first : evidence.month_first;
			problems.push(
				problem(
					'error',
					'conflicting_dates',
					{ file: file.name, line: line(later.record), column: columns[later.col], value: evidence.day_first.v },
					{ other: evidence.month_first.v }
				)
			);
			order = { order: 'mdy', reason: 'conflicting' };
		} else if (evidence.month_first) {
			order = { order: 'mdy', reason: describe(evidence.month_first) };
		} else if (evidence.day_first) {
			order = { order: 'dmy', reason: describe(evidence.day_first) };
		} else {
			problems.push(
				problem('error', 'ambiguous_dates', {
					file: file.name,
					line: line(evidence.numeric_record),
					column: columns[evidence.numeric_col!],
					value: evidence.numeric_value
				})
			);
			// Read them one way only so the ambiguity is reported once, not again as unreadable dates.
			order = { order: 'mdy', reason: 'ambiguous' };
		}
	}

	const candidates = [...isoFormats, ...(order ? numericFormats(order.order) : [])];
	// Which candidates each column needs: tried on a few values per "shape" (digits masked), so a
	// million distinct timestamps cost a handful of strptime calls here.
	const matched = await staging.all<{ col: number; formats: string[] }>(
		`WITH shapes AS (
			SELECT col, translate(v, '0123456789', '9999999999') AS shape, min(v) AS a, max(v) AS b, any_value(v) AS c
			FROM (${values})
			GROUP BY ALL
		),
		matches AS (
			${candidates
				// strptime wants a constant format, hence one branch per candidate.
				.map(
					(format, rank) => `SELECT DISTINCT col, ${rank} AS rank, ${literal(format)} AS format FROM shapes
					WHERE regexp_matches(shape, ${literal(shapeOf(format))})
						AND (try_strptime(a, ${literal(format)}) IS NOT NULL OR try_strptime(b, ${literal(format)}) IS NOT NULL
							OR try_strptime(c, ${literal(format)}) IS NOT NULL)`
				)
				.join('\nUNION ALL\n')}
		)
		SELECT col, list(format ORDER BY rank) AS formats FROM matches GROUP BY col`
	);
	for (const [index, column] of columns.entries()) {
		formats.set(column, matched.find((m) => m.col === index)?.formats ?? ['%Y-%m-%d']);
	}
	return { formats, order, problems };
}

/** SQL reading the text `valueSql` as a TIMESTAMP with `formats`; NULL when unreadable. */
export function timestampSql(valueSql: string, formats: string[]): string {
	return `try_strptime(${valueSql}, ${literalList(formats)})`;
}
