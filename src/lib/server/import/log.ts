import type { Queryable, Transaction } from '../db/index.ts';
import type { ImportSummary } from './types.ts';

/** One line of the import log, as the Imports page lists it. Times are UTC, ISO 8601. */
export interface ImportLogEntry {
	id: number;
	started_at: string;
	finished_at: string | null;
	user_email: string | null;
	file_name: string;
	format: string;
	status: 'ok' | 'error' | 'dry_run';
	rows_read: number;
	rows_loaded: number;
	rows_rejected: number;
	snapshots_replaced: string[];
	/** The first error's text, for a failed import. */
	first_error: string | null;
	/** The same error as code and parameters, so a page can say it in the reader's language. */
	first_problem: { code: string; params: Record<string, string> } | null;
}

/** Writes the log entry inside `tx`; for a successful import, the import's own transaction. */
export async function writeLogEntry(
	tx: Transaction,
	summary: ImportSummary,
	started: Date,
	user: string | null | undefined
): Promise<number> {
	const status = summary.status === 'error' ? 'error' : summary.dry_run ? 'dry_run' : 'ok';
	// The stored summary keeps the problems but not the sample rows, which may hold customer data
	// nobody asked to keep.
	const { preview, ...rest } = summary;
	const stored = { ...rest, preview: { ...preview, files: preview.files.map(({ sample: _sample, ...file }) => file) } };
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

/** The newest entries first. */
export async function importLog(db: Queryable, limit = 50): Promise<ImportLogEntry[]> {
	const rows = await db.all<Omit<ImportLogEntry, 'first_problem'> & { first_problem: string | null }>(
		`SELECT id, strftime(started_at, '%Y-%m-%dT%H:%M:%SZ') AS started_at, strftime(finished_at, '%Y-%m-%dT%H:%M:%SZ') AS finished_at,
			user_email, file_name, format, status, rows_read, rows_loaded, rows_rejected,
			coalesce(snapshots_replaced, []) AS snapshots_replaced,
			summary->>'$.errors[0].message' AS first_error,
			json_object('code', summary->>'$.errors[0].code', 'params', summary->'$.errors[0].params')::VARCHAR AS first_problem
		FROM imports ORDER BY id DESC LIMIT $limit`,
		{ limit }
	);
	return rows.map((row) => {
		const problem = row.first_problem ? (JSON.parse(row.first_problem) as { code: string | null; params: Record<string, string> | null }) : null;
		return { ...row, first_problem: problem?.code ? { code: problem.code, params: problem.params ?? {} } : null };
	});
}
