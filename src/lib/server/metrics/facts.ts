import { createHash } from 'node:crypto';
import type { DataOrigin, Queryable, SqlParams } from '../db/index.ts';
import { dataFingerprint } from './remembered.ts';

/**
 * Facts: the part of a question that does not depend on who asks. Which deals moved between two
 * snapshots, and how, is the same for every leader; only the filter to their team differs. So that
 * part is worked out once per data version and key (snapshot pair, window, period) into tables of an
 * in-memory database attached to the DuckDB instance (`facts`), and each scope's question reads those
 * few thousand rows instead of the snapshots. A page asking ten questions about one snapshot pair
 * builds each kind of fact once; the next leader's page only filters.
 *
 * The tables are rebuilt when the data's fingerprint changes (remembered.ts), and only the most
 * recently built `keep` keys of each kind are kept, so picking many snapshot pairs cannot fill the
 * memory. Being in memory, nothing here survives a restart, and nothing is ever written to the file.
 */
export interface FactsDefinition<T extends string> {
	/** A short identifier, part of the table names. */
	kind: string;
	/** How many keys of this kind stay built. */
	keep: number;
	/**
	 * The tables, in build order. Their SQL reads `$params` and may read a table built before it as
	 * `{name}`.
	 */
	tables: readonly (readonly [T, string])[];
}

const registry = 'facts.registry';
const attached = new WeakMap<DataOrigin, Promise<void>>();
const builds = new Map<string, Promise<void>>();
/** Per database: which facts it holds for which fingerprint, so a known key costs no query at all. */
const built = new WeakMap<DataOrigin, Map<string, string>>();

function attach(db: Queryable): Promise<void> {
	const setup = async () => {
		await db.all(`ATTACH IF NOT EXISTS ':memory:' AS facts`);
		await db.all(`CREATE TABLE IF NOT EXISTS ${registry} (name VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL, built_at TIMESTAMP NOT NULL)`);
	};
	if (!db.origin) return setup();
	let done = attached.get(db.origin);
	if (!done) {
		done = setup();
		attached.set(db.origin, done);
		done.catch(() => attached.delete(db.origin!));
	}
	return done;
}

function tableName(name: string, table: string): string {
	return `facts.${name}__${table}`;
}

/** Only the parameters a statement names: DuckDB refuses values for parameters it does not have. */
function paramsOf(sql: string, params: SqlParams): SqlParams {
	return Object.fromEntries(Object.entries(params).filter(([key]) => new RegExp(`\\$${key}\\b`).test(sql)));
}

/** Builds the facts for `name`; gives the names of the older keys it dropped. */
async function build<T extends string>(
	db: Queryable,
	definition: FactsDefinition<T>,
	name: string,
	params: SqlParams,
	fingerprint: string
): Promise<string[]> {
	await db.all('BEGIN TRANSACTION');
	try {
		for (const [table, sql] of definition.tables) {
			const body = sql.replace(/\{(\w+)\}/g, (_, other: string) => tableName(name, other));
			await db.all(`CREATE OR REPLACE TABLE ${tableName(name, table)} AS ${body}`, paramsOf(body, params));
		}
		await db.all(`INSERT OR REPLACE INTO ${registry} VALUES ($name, $kind, $fingerprint, current_localtimestamp())`, {
			name,
			kind: definition.kind,
			fingerprint
		});
		// Keys of the old data are of no further use; of the rest, the oldest go beyond `keep`.
		const dropped = await db.all<{ name: string }>(
			`SELECT name FROM ${registry} WHERE kind = $kind AND name <> $name
				QUALIFY fingerprint <> $fingerprint OR row_number() OVER (ORDER BY built_at DESC) >= $keep`,
			{ kind: definition.kind, name, fingerprint, keep: definition.keep }
		);
		for (const old of dropped) {
			for (const [table] of definition.tables) await db.all(`DROP TABLE IF EXISTS ${tableName(old.name, table)}`);
			await db.all(`DELETE FROM ${registry} WHERE name = $name`, { name: old.name });
		}
		await db.all('COMMIT');
		return dropped.map((old) => old.name);
	} catch (error) {
		await db.all('ROLLBACK').catch(() => {});
		throw error;
	}
}

/** Makes sure the facts for `params` describe the data as it is now; gives their table names. */
async function factTables<T extends string>(db: Queryable, definition: FactsDefinition<T>, params: SqlParams): Promise<Record<T, string>> {
	await attach(db);
	const key = JSON.stringify(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));
	const name = `${definition.kind}_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
	const tables = Object.fromEntries(definition.tables.map(([table]) => [table, tableName(name, table)])) as Record<T, string>;
	const known = db.origin && (built.get(db.origin) ?? built.set(db.origin, new Map()).get(db.origin)!);
	const stale = async () => {
		const { database, fingerprint } = await dataFingerprint(db);
		if (known?.get(name) === fingerprint) return null;
		const stored = await db.one<{ fingerprint: string }>(`SELECT fingerprint FROM ${registry} WHERE name = $name`, { name });
		if (stored?.fingerprint !== fingerprint) return { database, fingerprint };
		known?.set(name, fingerprint);
		return null;
	};
	const first = await stale();
	if (!first) return tables;
	// One build at a time per database: two transactions replacing the same old tables would conflict,
	// and whoever waited for the same key finds it built.
	const previous = builds.get(first.database) ?? Promise.resolve();
	const turn = previous.then(async () => {
		const now = await stale();
		if (!now) return;
		const dropped = await build(db, definition, name, params, now.fingerprint);
		for (const old of dropped) known?.delete(old);
		known?.set(name, now.fingerprint);
	});
	builds.set(first.database, turn.catch(() => {}));
	await turn;
	return tables;
}

/**
 * Runs `question` on the facts for `params`. Should another request drop these tables between the
 * two steps (it built `keep` newer keys meanwhile), they are built again and the question asked once
 * more.
 */
export async function withFacts<T extends string, R>(
	db: Queryable,
	definition: FactsDefinition<T>,
	params: SqlParams,
	question: (tables: Record<T, string>) => Promise<R>
): Promise<R> {
	try {
		return await question(await factTables(db, definition, params));
	} catch (error) {
		if (!(error instanceof Error && /\w+__\w+ does not exist/.test(error.message))) throw error;
		if (db.origin) built.get(db.origin)?.clear();
		return question(await factTables(db, definition, params));
	}
}
