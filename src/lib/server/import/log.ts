import type { UserRole } from '../../domain/roles.ts';
import type { Queryable, Transaction } from '../db/index.ts';
import { problemText } from './problems.ts';
import type { ImportProblem, ImportSummary } from './types.ts';
import type { ImportLogEntry } from '../../domain/imports.ts';

export type { ImportLogEntry } from '../../domain/imports.ts';

/** Writes the log entry inside `tx`; for a successful import, the import's own transaction. */
export async function writeLogEntry(
	tx: Transaction,
	summary: ImportSummary,
	started: Date,
	user: string | null | undefined
): Promise<number> {
	const status = summary.status === 'error' ? 'error' : summary.dry_run ? 'dry_run' : 'ok';
	// The stored summary keeps where the problems were and what kind they were, but no values
	// from the rows and not the sample rows: the log outlives the import, is read by people the
	// file's customer data was never meant for, and nobody asked to keep that data.
	const { preview, errors, warnings, ...rest } = summary;
	const stored = {
		...rest,
		errors: errors.map(withoutRowValues),
		warnings: warnings.map(withoutRowValues),
		preview: {
			...preview,
			files: preview.files.map(({ sample: _sample, ...file }) => file),
			// "13/02/2026 (close_date, line 5)" quotes a row; the order itself is what matters later.
			dateOrder: preview.dateOrder ? { order: preview.dateOrder.order, reason: withheld } : null
		}
	};
	const row = await tx.one<{ id: number }>(
		`INSERT INTO imports (started_at, finished_at, user_email, file_name, format, status, rows_read, rows_loaded,
			rows_rejected, snapshots_replaced, summary)
		VALUES (epoch_ms($started::BIGINT), epoch_ms($finished::BIGINT), $user, $files, $format, $status, $read, $loaded,
			$rejected, from_json($replaced, '["VARCHAR"]'), $summary::JSON)
		RETURNING id`,
		{
			started: started.getTime(),
			finished: Date.now(),
			user: user ?? null,
			files: summary.files.join(', '),
			format: summary.format ?? 'unknown',
			status,
			read: summary.rows_read,
			loaded: summary.rows_loaded,
			rejected: summary.rows_rejected,
			replaced: JSON.stringify(summary.snapshots_replaced.map((s) => s.date)),
			summary: JSON.stringify(stored)
		}
	);
	return row!.id;
}

/** Stands in the log where a value from the file was. */
const withheld = '…';

/**
 * Problem parameters that never carry a value from the file's rows, by problem code. Everything
 * else (the `value`, a DuckDB error that quotes a line, a date or amount given as `expected` or
 * `other`) is replaced by `withheld`. A list of what is known to be safe, so that a new problem
 * code stays out of the log until someone has looked at what its parameters hold.
 */
const valueFree: Record<string, readonly string[]> = {
	// Column names and how many: the header, not the rows.
	missing_column: ['expected'],
	map_unknown_column: ['expected'],
	format_unknown: ['expected'],
	missing_columns: ['expected', 'other'],
	too_many_columns: ['expected', 'other'],
	// The person's own options and our lists of what is allowed.
	map_unknown_field: ['value', 'expected'],
	stage_map_unknown: ['value', 'expected'],
	date_format_invalid: ['value'],
	unknown_stage: ['expected'],
	ladder_order_invalid: ['value'],
	ladder_order_missing: ['expected'],
	not_a_date: ['expected'],
	sf_missing_file: ['value'],
	file_unreadable: ['expected'],
	// One of = + - @ by the rule's own definition.
	formula: ['expected'],
	// Where the first one was ("line 12"), or which rule.
	duplicate_deal: ['other'],
	duplicate_id: ['other'],
	too_many: ['other']
};

/** A problem as the log keeps it: code, file, line and column, and a message built without row values. */
export function withoutRowValues(problem: ImportProblem): ImportProblem {
	const safe = valueFree[problem.code] ?? [];
	const params = Object.fromEntries(
		Object.entries(problem.params).map(([name, text]) => [name, name === 'column' || name === 'count' || safe.includes(name) ? text : withheld])
	);
	return {
		severity: problem.severity,
		code: problem.code,
		file: problem.file,
		line: problem.line,
		column: problem.column,
		value: null,
		message: problemText(problem.code, params),
		params
	};
}

/** Whose imports someone may read in the log: admins everyone's, leaders their own. */
export interface LogReader {
	email: string;
	role: UserRole;
}

/** The newest entries first, of those `reader` may see. */
export async function importLog(db: Queryable, reader: LogReader, limit = 50): Promise<ImportLogEntry[]> {
	const rows = await db.all<Omit<ImportLogEntry, 'first_problem'> & { first_problem: string | null }>(
		`SELECT id, strftime(started_at, '%Y-%m-%dT%H:%M:%SZ') AS started_at, strftime(finished_at, '%Y-%m-%dT%H:%M:%SZ') AS finished_at,
			user_email, file_name, format, status, rows_read, rows_loaded, rows_rejected,
			coalesce(snapshots_replaced, ARRAY[]::VARCHAR[]) AS snapshots_replaced,
			summary->>'$.errors[0].message' AS first_error,
			json_object('code', summary->>'$.errors[0].code', 'params', summary->'$.errors[0].params')::VARCHAR AS first_problem
		FROM imports
		WHERE $everyone OR user_email = $email
		ORDER BY id DESC LIMIT $limit`,
		{ limit, everyone: reader.role === 'admin', email: reader.email }
	);
	return rows.map((row) => {
		const problem = row.first_problem ? (JSON.parse(row.first_problem) as { code: string | null; params: Record<string, string> | null }) : null;
		return { ...row, first_problem: problem?.code ? { code: problem.code, params: problem.params ?? {} } : null };
	});
}
