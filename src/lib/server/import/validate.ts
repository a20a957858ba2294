import { recordSql, type ParsedFile, type Rule } from './fields.ts';
import { problem } from './problems.ts';
import type { StagedFile } from './read.ts';
import { literal } from './sql.ts';
import type { Staging } from './staging.ts';
import type { ImportProblem } from './types.ts';

/** How many problems of one kind in one column are listed; the rest are counted. */
export const listedPerRule = 100;

/**
 * Collects problems found by SQL rules. Each rule is one INSERT ... SELECT over a whole parsed
 * table, so checking a million rows is a handful of scans, not a million JavaScript calls. Rows
 * are identified by (file, record); lines are attached when the problems are listed.
 */
export class Checker {
	readonly table: string;
	private readonly fileProblems: ImportProblem[] = [];

	private constructor(private readonly staging: Staging) {
		this.table = staging.table('problems');
	}

	static async create(staging: Staging): Promise<Checker> {
		const checker = new Checker(staging);
		await staging.run(`CREATE TABLE ${checker.table} (
			code VARCHAR, severity VARCHAR, file_no INTEGER, record BIGINT, column_name VARCHAR, value VARCHAR,
			expected VARCHAR, other_file_no INTEGER, other_record BIGINT
		)`);
		return checker;
	}

	/** Problems about a file or the import as a whole (missing columns, unreadable files). */
	add(...problems: ImportProblem[]) {
		this.fileProblems.push(...problems);
	}

	/** Runs field rules over a parsed file; each rule is one query (two for a value rule that finds something). */
	async apply(rules: Rule[], parsed: ParsedFile): Promise<void> {
		const file = parsed.file;
		// One scan answers "does any row break this rule?" for all row rules at once; only the
		// rules that do are then run to list their rows. A clean file costs a single pass.
		const rowRules = rules.filter((r) => r.on === 'row');
		const broken = new Set<Rule>();
		if (rowRules.length > 0) {
			const flags = await this.staging.one<Record<string, boolean | null>>(
				`SELECT ${rowRules.map((r, i) => `bool_or(${r.where}) AS r${i}`).join(', ')} FROM ${file.table} AS s`
			);
			rowRules.forEach((rule, i) => flags?.[`r${i}`] && broken.add(rule));
		}
		for (const rule of rules) {
			if (rule.on === 'row' && !broken.has(rule)) continue;
			const head = `INSERT INTO ${this.table}
				SELECT ${literal(rule.code)}, ${literal(rule.severity)}, ${file.no}, ${recordSql}, ${literal(rule.field.column ?? rule.field.name)}`;
			const raw = parsed.raw(rule.field.name);
			if (rule.on === 'row') {
				await this.staging.run(`${head}, ${raw}, ${rule.expected ?? 'NULL'}, NULL, NULL FROM ${file.table} AS s WHERE ${rule.where}`);
				continue;
			}
			const lookup = parsed.lookups.get(rule.field.name);
			if (!lookup) continue;
			const bad = await this.staging.one<{ n: number }>(`SELECT count(*) AS n FROM ${lookup} WHERE ${rule.where}`);
			if (!bad?.n) continue;
			await this.staging.run(
				`${head}, bad.v, ${rule.expected ?? 'NULL'}, NULL, NULL
				FROM ${file.table} AS s JOIN (SELECT * FROM ${lookup} WHERE ${rule.where}) AS bad ON bad.v = ${raw}`
			);
		}
	}

	/**
	 * A rule in its own SQL: `select` must yield the problems table's columns after `code` and
	 * `severity` (file_no, record, column_name, value, expected, other_file_no, other_record).
	 */
	async custom(code: string, severity: 'error' | 'warning', select: string): Promise<void> {
		await this.staging.run(`INSERT INTO ${this.table} SELECT ${literal(code)}, ${literal(severity)}, * FROM (${select})`);
	}

	async errorCount(): Promise<number> {
		const row = await this.staging.one<{ n: number }>(`SELECT count(*) AS n FROM ${this.table} WHERE severity = 'error'`);
		return (row?.n ?? 0) + this.fileProblems.filter((p) => p.severity === 'error').length;
	}

	/** The problems, in file and line order, at most `listedPerRule` per kind and column. */
	async collect(files: StagedFile[]): Promise<{
		errors: ImportProblem[];
		warnings: ImportProblem[];
		errorCount: number;
		warningCount: number;
		rejectedRows: number;
	}> {
		const byNo = new Map(files.map((f) => [f.no, f]));
		const rows = await this.staging.all<{
			code: string;
			severity: 'error' | 'warning';
			file_no: number | null;
			record: number | null;
			column_name: string | null;
			value: string | null;
			expected: string | null;
			other_file_no: number | null;
			other_record: number | null;
		}>(
			`SELECT * FROM ${this.table}
			QUALIFY row_number() OVER (PARTITION BY code, column_name ORDER BY file_no, record) <= ${listedPerRule}
			ORDER BY file_no, record, code`
		);
		const listed = rows.map((r) => {
			const file = r.file_no != null ? byNo.get(r.file_no) : undefined;
			const other = r.other_file_no != null ? byNo.get(r.other_file_no) : undefined;
			const otherText =
				other && r.other_record != null
					? `${other.no !== file?.no ? `${other.name} ` : ''}line ${other.lines.lineOf(r.other_record)}`
					: undefined;
			return problem(
				r.severity,
				r.code,
				{
					file: file?.name ?? null,
					line: file && r.record != null ? file.lines.lineOf(r.record) : null,
					column: r.column_name,
					value: r.value
				},
				{ ...(r.expected != null ? { expected: r.expected } : {}), ...(otherText ? { other: otherText } : {}) }
			);
		});
		const overflow = await this.staging.all<{ code: string; severity: 'error' | 'warning'; column_name: string | null; n: number }>(
			`SELECT code, severity, column_name, count(*) - ${listedPerRule} AS n FROM ${this.table}
			GROUP BY ALL HAVING count(*) > ${listedPerRule} ORDER BY code`
		);
		for (const o of overflow) {
			listed.push(problem(o.severity, 'too_many', { column: o.column_name }, { count: String(o.n), other: o.code }));
		}
		const counts = await this.staging.one<{ errors: number; warnings: number; rejected: number }>(
			`SELECT count(*) FILTER (WHERE severity = 'error') AS errors,
				count(*) FILTER (WHERE severity = 'warning') AS warnings,
				(SELECT count(*) FROM (SELECT DISTINCT file_no, record FROM ${this.table} WHERE severity = 'error' AND record IS NOT NULL)) AS rejected
			FROM ${this.table}`
		);
		const order = new Map(files.map((f) => [f.name, f.no]));
		// Whole-import problems first, then file by file and line by line, the counts of unlisted ones last.
		const rank = (p: ImportProblem) => (p.code === 'too_many' ? 1e9 : p.file === null ? 0 : (order.get(p.file) ?? 0));
		const columnsOf = new Map(files.map((f) => [f.name, f.columns]));
		const position = (p: ImportProblem) => (p.column && p.file ? (columnsOf.get(p.file)?.indexOf(p.column) ?? -1) : -1);
		const all = [...this.fileProblems, ...listed].sort(
			(a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || position(a) - position(b)
		);
		const structural = files.reduce((sum, f) => sum + f.rejected, 0);
		return {
			errors: all.filter((p) => p.severity === 'error'),
			warnings: all.filter((p) => p.severity === 'warning'),
			errorCount: (counts?.errors ?? 0) + this.fileProblems.filter((p) => p.severity === 'error').length,
			warningCount: (counts?.warnings ?? 0) + this.fileProblems.filter((p) => p.severity === 'warning').length,
			rejectedRows: (counts?.rejected ?? 0) + structural
		};
	}
}
