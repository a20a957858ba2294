import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { headersDirectory } from './directories.ts';
import { headerBytes, mapLines, type LineMap } from './lines.ts';
import { problem } from './problems.ts';
import { ident, literal } from './sql.ts';
import type { Staging } from './staging.ts';
import type { ImportProblem } from './types.ts';

/** One input file, read by DuckDB into the staging database with every value as text. */
export interface StagedFile {
	/** 1-based position among the import's files. */
	no: number;
	name: string;
	path: string;
	kind: 'csv' | 'parquet';
	/** Qualified table name; its rowid + 1 is the record number `lines` maps to a line. */
	table: string;
	columns: string[];
	rows: number;
	rejected: number;
	lines: LineMap;
}

export interface ReadResult {
	file: StagedFile | null;
	problems: ImportProblem[];
}

const identityLines: LineMap = { lineOf: (record) => record, lineAtByte: () => 1 };

/**
 * Reads a CSV or Parquet file into `staging` as VARCHAR columns, so that every value is checked by
 * our rules (with its line) rather than rejected or coerced by a type guess. Structural faults
 * DuckDB finds (a cut-off last line, bytes that are not UTF-8, an unclosed quote) come back as
 * problems on their lines.
 */
export async function readFile(
	staging: Staging,
	file: { path: string; name: string },
	no: number,
	options: { encoding?: 'utf-8' | 'latin-1'; onProgress?: (fraction: number) => void }
): Promise<ReadResult> {
	const at = { file: file.name };
	let stat: fs.Stats;
	try {
		stat = await fs.promises.stat(file.path);
	} catch {
		return { file: null, problems: [problem('error', 'file_missing', { ...at, value: file.path })] };
	}
	if (stat.size === 0) return { file: null, problems: [problem('error', 'file_empty', at)] };

	const magic = Buffer.alloc(4);
	const handle = await fs.promises.open(file.path, 'r');
	await handle.read(magic, 0, 4, 0);
	await handle.close();
	if (magic.toString('latin1') === 'PAR1') return readParquet(staging, file, no, options.onProgress);
	if (magic[0] === 0x50 && magic[1] === 0x4b && magic[2] === 0x03 && magic[3] === 0x04) {
		return { file: null, problems: [problem('error', 'file_excel', at)] };
	}
	if (magic[0] === 0xd0 && magic[1] === 0xcf && magic[2] === 0x11 && magic[3] === 0xe0) {
		return { file: null, problems: [problem('error', 'file_excel', at)] };
	}
	if ((magic[0] === 0xff && magic[1] === 0xfe) || (magic[0] === 0xfe && magic[1] === 0xff)) {
		return { file: null, problems: [problem('error', 'file_utf16', at)] };
	}
	return readCsv(staging, file, no, options);
}

async function readCsv(
	staging: Staging,
	file: { path: string; name: string },
	no: number,
	options: { encoding?: 'utf-8' | 'latin-1'; onProgress?: (fraction: number) => void }
): Promise<ReadResult> {
	const at = { file: file.name };
	const encoding = options.encoding ?? 'utf-8';
	const header = await headerBytes(file.path);
	if (!header) return { file: null, problems: [problem('error', 'no_header', { ...at, line: 1 })] };

	// DuckDB reads the column names (quoted names with commas included) and picks the delimiter
	// from the header alone, so a broken row further down cannot derail the sniffing.
	const headerFile = path.join(await headersDirectory(), `${process.pid}-${Date.now()}-${randomBytes(4).toString('hex')}-${no}.csv`);
	await fs.promises.writeFile(headerFile, header, { flag: 'wx', mode: 0o600 });
	let delimiter: string;
	let columns: string[];
	try {
		const sniffed = await staging.one<{ Delimiter: string; Columns: { name: string }[] }>(
			`SELECT Delimiter, Columns FROM sniff_csv(${literal(headerFile)}, header = true, quote = '"', escape = '"',
				encoding = ${literal(encoding)})`
		);
		delimiter = sniffed!.Delimiter;
		columns = sniffed!.Columns.map((c) => c.name);
	} catch (error) {
		const text = firstLine(error);
		return {
			file: null,
			problems: [
				/unicode|utf-8|encod/i.test(text)
					? problem('error', 'invalid_encoding', { ...at, line: 1 })
					: problem('error', 'file_unreadable', { ...at, line: 1 }, { value: text, expected: 'CSV' })
			]
		};
	} finally {
		await fs.promises.rm(headerFile, { force: true });
	}

	const table = staging.table(`file_${no}`);
	const rejects = `rejects_${no}`;
	const columnTypes = `{${columns.map((c) => `${literal(c)}: 'VARCHAR'`).join(', ')}}`;
	try {
		await staging.tracked(
			() =>
				staging.run(
					`CREATE TABLE ${table} AS
					SELECT * FROM read_csv(${literal(file.path)},
						auto_detect = false, header = true, delim = ${literal(delimiter)}, quote = '"', escape = '"',
						columns = ${columnTypes}, encoding = ${literal(encoding)},
						store_rejects = true, rejects_table = ${literal(rejects)}, rejects_scan = ${literal(`${rejects}_scan`)})`
				),
			options.onProgress
		);
	} catch (error) {
		return {
			file: null,
			problems: [problem('error', 'file_unreadable', at, { value: firstLine(error), expected: 'CSV' })]
		};
	}

	// DuckDB may report several faults of one line (each missing column); one per line is enough.
	const rejected = await staging.all<{
		position: number;
		column_name: string | null;
		error_type: string;
		csv_line: string | null;
		error_message: string;
	}>(
		`SELECT line_byte_position AS position, column_name, error_type, csv_line, error_message
		FROM ${rejects}
		QUALIFY row_number() OVER (PARTITION BY line_byte_position ORDER BY column_idx) = 1
		ORDER BY line_byte_position`
	);
	const lines = await mapLines(file.path, delimiter, rejected.map((r) => r.position));
	const { rows } = (await staging.one<{ rows: number }>(`SELECT count(*) AS rows FROM ${table}`))!;

	const problems: ImportProblem[] = rejected.slice(0, 100).map((r) => {
		const where = {
			...at,
			line: lines.lineAtByte(r.position),
			column: r.column_name,
			value: r.csv_line?.replace(/^\r?\n/, '').slice(0, 200) ?? null
		};
		const counts = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(r.error_message);
		switch (r.error_type) {
			case 'INVALID ENCODING':
				return problem('error', 'invalid_encoding', where);
			case 'MISSING COLUMNS':
				return problem('error', 'missing_columns', where, { expected: counts?.[1] ?? '?', other: counts?.[2] ?? '?' });
			case 'TOO MANY COLUMNS':
				return problem('error', 'too_many_columns', where, { expected: counts?.[1] ?? '?', other: counts?.[2] ?? '?' });
			case 'UNQUOTED VALUE':
				return problem('error', 'unquoted_value', where);
			default:
				return problem('error', 'csv_error', where, { expected: r.error_message.split('\n')[0] });
		}
	});
	if (rejected.length > 100) {
		problems.push(problem('error', 'too_many', at, { count: String(rejected.length - 100) }));
	}
	if (rows === 0 && rejected.length === 0) problems.push(problem('error', 'file_no_rows', { ...at, line: 1 }));
	await staging.run(`DROP TABLE ${rejects}`);
	await staging.run(`DROP TABLE ${rejects}_scan`);

	return {
		file: { no, name: file.name, path: file.path, kind: 'csv', table, columns, rows, rejected: rejected.length, lines },
		problems
	};
}

async function readParquet(
	staging: Staging,
	file: { path: string; name: string },
	no: number,
	onProgress?: (fraction: number) => void
): Promise<ReadResult> {
	const at = { file: file.name };
	const table = staging.table(`file_${no}`);
	try {
		const described = await staging.all<{ column_name: string }>(
			`DESCRIBE SELECT * FROM read_parquet(${literal(file.path)})`
		);
		const columns = described.map((c) => c.column_name);
		// Typed Parquet values become text too, so one set of rules checks both kinds of file.
		await staging.tracked(
			() =>
				staging.run(
					`CREATE TABLE ${table} AS
					SELECT ${columns.map((c) => `CAST(${ident(c)} AS VARCHAR) AS ${ident(c)}`).join(', ')}
					FROM read_parquet(${literal(file.path)})`
				),
			onProgress
		);
		const { rows } = (await staging.one<{ rows: number }>(`SELECT count(*) AS rows FROM ${table}`))!;
		const problems = rows === 0 ? [problem('error', 'file_no_rows', at)] : [];
		return {
			file: { no, name: file.name, path: file.path, kind: 'parquet', table, columns, rows, rejected: 0, lines: identityLines },
			problems
		};
	} catch (error) {
		return { file: null, problems: [problem('error', 'file_unreadable', at, { value: firstLine(error), expected: 'Parquet' })] };
	}
}

function firstLine(error: unknown): string {
	const text = error instanceof Error ? error.message : String(error);
	return text
		.split('\n')
		.map((line) => line.trim())
		.filter(Boolean)
		.slice(0, 2)
		.join(' ')
		.slice(0, 300);
}
