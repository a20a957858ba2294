import { defaultAnswerMemoryMb } from '../db/config.ts';
import type { Scope } from '../auth/scope.ts';
import type { Database, DataOrigin, Queryable } from '../db/index.ts';

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
			(SELECT string_agg(id || ':' || role || ':' || coalesce(team_id, 0) || ':' || active, ',' ORDER BY id) FROM reps)
		) AS fingerprint`;

/** The latest import, asked on its own: the import log may live in PostgreSQL (`APP_DATABASE_URL`). */
const latestImportSql = 'SELECT max(id) AS id FROM imports';

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
	const asked = Promise.all([db.one<{ database: string; fingerprint: string }>(dataFingerprintSql), db.one<{ id: number | null }>(latestImportSql)]).then(([row, latest]) => ({
		database: origin ? `${row!.database}#${origin.id}` : row!.database,
		fingerprint: `${row!.fingerprint}|${latest?.id ?? ''}`
	}));
	if (origin) {
		fingerprints.set(origin, { writes, known: asked });
		asked.catch(() => {
			if (fingerprints.get(origin)?.known === asked) fingerprints.delete(origin);
		});
	}
	return asked;
}

/**
 * Answers kept by key while their version holds; past `limit` (in the units of `weigh`), the answer
 * asked for least recently goes first. A failed question is asked again next time, not remembered.
 */
class Remembered {
	private readonly entries = new Map<string, { version: string; answer: Promise<unknown>; weight: number }>();
	private total = 0;

	constructor(
		private readonly limit: number,
		private readonly weigh: (answer: unknown) => number
	) {}

	answer<T>(key: string, version: string, ask: () => Promise<T>): Promise<T> {
		const known = this.entries.get(key);
		if (known?.version === version) {
			this.entries.delete(key);
			this.entries.set(key, known);
			return known.answer as Promise<T>;
		}
		this.forget(key);
		const answer = ask();
		const entry = { version, answer, weight: 0 };
		this.entries.set(key, entry);
		answer.then(
			(value) => {
				if (this.entries.get(key) !== entry) return;
				const weight = this.weigh(value);
				if (weight > this.limit) return this.forget(key);
				entry.weight = weight;
				this.total += weight;
				for (const oldest of this.entries.keys()) {
					if (this.total <= this.limit) break;
					this.forget(oldest);
				}
			},
			() => {
				if (this.entries.get(key) === entry) this.forget(key);
			}
		);
		return answer;
	}

	private forget(key: string) {
		const entry = this.entries.get(key);
		if (!entry) return;
		this.total -= entry.weight;
		this.entries.delete(key);
	}
}

/** Enough whole-history facts for every scope and period of a busy morning. */
const wholeHistoryFacts = new Remembered(500, () => 1);

export async function rememberedWhileDataUnchanged<T>(db: Queryable, question: string, ask: () => Promise<T>): Promise<T> {
	const { database, fingerprint } = await dataFingerprint(db);
	return wholeHistoryFacts.answer(`${database}\n${question}`, fingerprint, ask);
}

/**
 * The views' answers (a page's data, an endpoint's JSON) for one scope and one set of filters, kept
 * while the data is unchanged. The snapshots change only on import, once a week or so, while a
 * Monday's leaders, reps and executives ask the same few questions over and over: an answer worked
 * out once serves them all, exactly as fresh, and twenty people at once cost the machine what one
 * does (npm run bench, README "Performance"). The question must name everything the answer depends
 * on: the view, the scope (which decides whose data is in it) and every filter or preference.
 *
 * An answer that also reads what people write in the app (coaching notes, next steps) is asked with
 * `untilAnyWrite`, so that it is worked out again after any write at all.
 *
 * Each database keeps its own, within its config's `answerMemoryMb` (measured as the answer's JSON,
 * a fair proxy for what it holds); 0 turns remembering off, which the bench uses to time the work.
 */
export async function answeredOnce<T>(
	db: Database,
	question: readonly unknown[],
	ask: () => Promise<T>,
	{ untilAnyWrite = false }: { untilAnyWrite?: boolean } = {}
): Promise<T> {
	const megabytes = db.config.answerMemoryMb ?? defaultAnswerMemoryMb;
	// Other servers write notes too when app state is shared, unseen by this process's write count.
	if (megabytes === 0 || (untilAnyWrite && db.appStateShared)) return ask();
	let memory = answerMemories.get(db);
	if (!memory) answerMemories.set(db, (memory = new Remembered(megabytes * 2 ** 20, jsonBytes)));
	// Read the count before the fingerprint: a write committing meanwhile leaves a stale version, never a stale answer.
	const writes = db.writes;
	const { fingerprint } = await db.read((q) => dataFingerprint(q));
	return memory.answer(JSON.stringify(question), untilAnyWrite ? `${fingerprint}#${writes}` : fingerprint, ask);
}

const answerMemories = new WeakMap<Database, Remembered>();

/** UTF-16 bytes of the answer as JSON; one that cannot be written as JSON is too odd to keep. */
function jsonBytes(answer: unknown): number {
	try {
		return 2 * (typeof answer === 'string' ? answer : JSON.stringify(answer)).length;
	} catch {
		return Infinity;
	}
}

/**
 * A page's questions, each remembered on its own (`answeredOnce`) for one scope: opening a bar of the
 * waterfall or another period then works out only what changed, not the whole page again. `name`
 * says which question (bundlers may rename functions); `args` are everything else it depends on.
 */
export function scopedAnswers(db: Database, scope: Scope) {
	return <A, T>(name: string, question: (q: Queryable, scope: Scope, args: A) => Promise<T>, args: A): Promise<T> =>
		answeredOnce(db, [name, scope, args], () => db.read((q) => question(q, scope, args)));
}
