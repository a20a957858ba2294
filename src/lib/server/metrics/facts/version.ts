import type { DataOrigin, Queryable } from '../../db/index.ts';

/**
 * The data's version: a fingerprint of everything facts and answers are worked out from. The
 * snapshots' and activities' row counts and highest rowids (new rows always get a higher one, so a
 * replaced snapshot date shows even with as many rows), the deals' and accounts' likewise (names and
 * types are carried into facts), the snapshot dates, the stage ladder, the reps, and the latest
 * import. A write that UPDATEs snapshot rows in place would not change it; imports replace rows
 * instead. The database file's path is part of it, so two databases in one process never share a fact
 * or an answer.
 */
export const dataFingerprintSql = /* sql */ `
	SELECT
		(SELECT coalesce(path, database_name) FROM duckdb_databases() WHERE database_name = current_database()) AS database,
		concat_ws('|',
			(SELECT count(*) FROM snapshots),
			(SELECT max(rowid) FROM snapshots),
			(SELECT min(snapshot_date) FROM snapshots),
			(SELECT max(snapshot_date) FROM snapshots),
			(SELECT count(*) FROM deals),
			(SELECT max(rowid) FROM deals),
			(SELECT count(*) FROM accounts),
			(SELECT max(rowid) FROM accounts),
			(SELECT count(*) FROM activities),
			(SELECT max(rowid) FROM activities),
			(SELECT string_agg(id || ':' || outcome || ':' || position || ':' || default_probability || ':' || name, ',' ORDER BY id) FROM stages),
			(SELECT count(*) || ':' || coalesce(max(rowid), 0) FROM rep_team_history),
			(SELECT string_agg(id || ':' || role || ':' || coalesce(team_id, 0) || ':' || active, ',' ORDER BY id) FROM reps)
		) AS fingerprint`;

/** The latest import, asked on its own: the import log may live in PostgreSQL (`APP_DATABASE_URL`). */
const latestImportSql = 'SELECT max(id) AS id FROM imports';

/**
 * Working the fingerprint out reads columns of the largest table, too much to pay for every question
 * of a page. It can only change with a write (this process holds the file's lock), so it is worked
 * out once per write the database has committed.
 */
const fingerprints = new WeakMap<DataOrigin, { writes: number; known: Promise<{ database: string; fingerprint: string }> }>();

export function dataFingerprint(db: Queryable): Promise<{ database: string; fingerprint: string }> {
	const origin = db.origin;
	const known = origin && fingerprints.get(origin);
	if (origin && known && known.writes === origin.writes) return known.known;
	// Read the count before asking: a write committing meanwhile leaves a stale count, never a stale answer.
	const writes = origin?.writes ?? 0;
	const asked = Promise.all([db.one<{ database: string; fingerprint: string }>(dataFingerprintSql), db.one<{ id: number | null }>(latestImportSql)]).then(
		([row, latest]) => ({
			database: origin ? `${row!.database}#${origin.id}` : row!.database,
			fingerprint: `${row!.fingerprint}|${latest?.id ?? ''}`
		})
	);
	if (origin) {
		fingerprints.set(origin, { writes, known: asked });
		asked.catch(() => {
			if (fingerprints.get(origin)?.known === asked) fingerprints.delete(origin);
		});
	}
	return asked;
}
