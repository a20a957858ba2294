import { appStateTables } from './app-state-migrations.ts';
import type { Database } from './database.ts';

/**
 * The app state's version: how many writes have changed what people write in the app (the
 * `app_state_changes` counter, 012_app_state_changes.ts). Answers that read app state (the 1:1's
 * notes and next steps, forecast calls) are remembered under it beside the data's fingerprint.
 *
 * Why a counter, and not this process's write count or the tables' own rows: with
 * `APP_DATABASE_URL`, other servers write notes and calls to the same PostgreSQL, unseen by this
 * process, so only something read from the store itself can say the app state changed. Notes grow
 * by versions, but next steps, call days and users are updated in place and a user's teams are
 * replaced, so no `max(id)` or `max(updated_at)` of the tables catches every change; and a version
 * per table would have to be kept in step with every query that joins them. One counter, moved on
 * in the same transaction as the change (`Database.write`, for every statement that writes an
 * app-state table), is exact in either store and costs one single-row read per remembered question
 * where other servers may write, none at all where this process is the only writer.
 *
 * Sign-in bookkeeping (sessions, failed sign-ins) is written on nearly every request and read by no
 * remembered answer, so it does not count: it would make every such answer worked out again. Nor
 * does the import log: its latest entry is part of the data's fingerprint already, and a refused
 * import writes nothing but its entry there.
 */
const uncounted = new Set<string>(['sessions', 'sign_in_failures', 'imports', 'app_state_changes']);
const counted = new Set<string>(appStateTables.filter((table) => !uncounted.has(table)));
const known = new Map<string, boolean>();

/** Whether `sql` writes (inserts, updates, deletes) an app-state table whose changes are counted. */
export function changesAppState(sql: string): boolean {
	let changes = known.get(sql);
	if (changes !== undefined) return changes;
	const target = /^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+([A-Za-z_]\w*)/i.exec(sql)?.[1];
	changes = target !== undefined && counted.has(target.toLowerCase());
	if (known.size < 5000) known.set(sql, changes);
	return changes;
}

/** Run in the transaction that changed app state, just before it commits. */
export const countAppStateChangeSql = 'UPDATE app_state_changes SET changes = changes + 1 WHERE id = 1';

const appStateChangesSql = 'SELECT changes FROM app_state_changes WHERE id = 1';

const versions = new WeakMap<Database, { writes: number; known: Promise<number> }>();

/**
 * The app state's version, read from the store that holds it. Where this process is the only writer
 * (app state in its DuckDB file) it can only move with one of this process's writes, so it is read
 * once per write; where other servers write too, on every call.
 */
export function appStateVersion(db: Database): Promise<number> {
	const local = !db.appStateShared;
	const remembered = local ? versions.get(db) : undefined;
	if (remembered && remembered.writes === db.writes) return remembered.known;
	// Read the count before asking: a write committing meanwhile leaves a stale count, never a stale version.
	const writes = db.writes;
	const asked = db.one<{ changes: number }>(appStateChangesSql).then((row) => Number(row?.changes ?? 0));
	if (local) {
		versions.set(db, { writes, known: asked });
		asked.catch(() => {
			if (versions.get(db)?.known === asked) versions.delete(db);
		});
	}
	return asked;
}
