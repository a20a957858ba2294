import type { DataOrigin, Queryable } from '../db/index.ts';

/**
 * Answers to questions that read every deal's whole history (the strengths profiles, about a second
 * at ten times the demo), kept in this process while the data they read stays as it is. A leader
 * opening the team page, then a rep's detail, then the 1:1 asks the same question three times; the
 * snapshots change only when someone imports.
 *
 * "As it is" is a fingerprint of what such questions read: the snapshots' and activities' row counts
 * and highest rowids (new rows always get a higher one, so a replaced snapshot date shows even with
 * as many rows), the deals' and accounts' likewise (names and types are carried into facts), the snapshot dates, the stage ladder, the reps, and the latest import. The database
 * file's path is part of the key, so two databases in one process never share an answer.
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
			(SELECT string_agg(id || ':' || outcome || ':' || position || ':' || name, ',' ORDER BY id) FROM stages),
			(SELECT string_agg(id || ':' || role || ':' || coalesce(team_id, 0) || ':' || active, ',' ORDER BY id) FROM reps),
			(SELECT max(id) FROM imports)
		) AS fingerprint`;

/**
 * The fingerprint takes about 40 ms at forty times the demo (max(rowid) reads a column), too much to
 * pay for every question of a page. It can only change with a write, so it is worked out once per
 * write the database has committed.
 */
const fingerprints = new WeakMap<DataOrigin, { writes: number; known: Promise<{ database: string; fingerprint: string }> }>();

export function dataFingerprint(db: Queryable): Promise<{ database: string; fingerprint: string }> {
	const origin = db.origin;
	const known = origin && fingerprints.get(origin);
	if (origin && known && known.writes === origin.writes) return known.known;
	// Read the count before asking: a write committing meanwhile leaves a stale count, never a stale answer.
	const writes = origin?.writes ?? 0;
	const asked = db.one<{ database: string; fingerprint: string }>(dataFingerprintSql).then((row) => ({
		database: origin ? `${row!.database}#${origin.id}` : row!.database,
		fingerprint: row!.fingerprint
	}));
	if (origin) {
		fingerprints.set(origin, { writes, known: asked });
		asked.catch(() => {
			if (fingerprints.get(origin)?.known === asked) fingerprints.delete(origin);
		});
	}
	return asked;
}

const answers = new Map<string, { fingerprint: string; answer: Promise<unknown> }>();
/** Enough for every scope and period of a busy morning; the oldest answer goes first. */
const maxAnswers = 500;

export async function rememberedWhileDataUnchanged<T>(db: Queryable, question: string, ask: () => Promise<T>): Promise<T> {
	const { database, fingerprint } = await dataFingerprint(db);
	const key = `${database}\n${question}`;
	const known = answers.get(key);
	if (known && known.fingerprint === fingerprint) return known.answer as Promise<T>;

	const answer = ask();
	answers.delete(key);
	answers.set(key, { fingerprint, answer });
	if (answers.size > maxAnswers) answers.delete(answers.keys().next().value!);
	// A failed question is asked again next time, not remembered.
	answer.catch(() => {
		if (answers.get(key)?.answer === answer) answers.delete(key);
	});
	return answer;
}
