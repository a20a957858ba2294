import { createHash } from 'node:crypto';
import { sql, type DataOrigin, type Queryable, type Sql } from '../../db/index.ts';
import { dataFingerprint } from './version.ts';

/**
 * Facts: the part of a question that does not depend on who asks. Which deals moved between two
 * snapshots, and how, is the same for every leader; only the filter to their team differs. So that
 * part is worked out once per data version and key (snapshot pair, window, period, or none for facts
 * about whole histories) into tables of an in-memory database attached to the DuckDB instance
 * (`facts`), and each scope's question reads those few thousand rows instead of the snapshots. A page
 * asking ten questions about one snapshot pair builds each kind of fact once; the next leader's page
 * only filters.
 *
 * Every derived table is declared the same way, one definition per kind in this folder, and built
 * here: when the data's version (version.ts) changes, and only the most recently built `keep` keys of
 * each kind are kept, so picking many snapshot pairs cannot fill the memory. Being in memory, nothing
 * here survives a restart, and nothing is ever written to the file.
 */
export interface FactsDefinition<K extends FactsKey, T extends string> {
	/** A short identifier, part of the table names. */
	kind: string;
	/** How many keys of this kind stay built. */
	keep: number;
	/**
	 * The tables, in build order, each the query it is made of: given the key (its values written into
	 * the query become its parameters) and the tables of the same key, so it may read one built before it.
	 */
	tables: readonly (readonly [T, (key: K, tables: Record<T, Sql>) => Sql])[];
}

/** What a kind's facts depend on besides the data: snapshot dates, a window, a period. */
export type FactsKey = Record<string, string | number | boolean | null>;

/** The table names of a kind's definition. */
export type FactTables<D> = D extends { tables: readonly (readonly [infer T extends string, unknown])[] } ? Record<T, Sql> : never;

const registry = sql.id('facts', 'registry');
const attached = new WeakMap<DataOrigin, Promise<void>>();
const builds = new Map<string, Promise<void>>();
/** Per database: which facts it holds for which fingerprint, so a known key costs no query at all. */
const built = new WeakMap<DataOrigin, Map<string, string>>();

function attach(db: Queryable): Promise<void> {
	const setup = async () => {
		await db.all(`ATTACH IF NOT EXISTS ':memory:' AS facts`);
		await db.all(
			sql`CREATE TABLE IF NOT EXISTS ${registry} (name VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL, built_at TIMESTAMP NOT NULL)`
		);
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

/** The name of the facts of one key: the kind and a hash of the key, whatever order it was written in. */
function factsName(kind: string, key: FactsKey): string {
	const canonical = JSON.stringify(Object.entries(key).sort(([a], [b]) => a.localeCompare(b)));
	return `${kind}_${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
}

function tablesOf<K extends FactsKey, T extends string>(definition: FactsDefinition<K, T>, name: string): Record<T, Sql> {
	return Object.fromEntries(definition.tables.map(([table]) => [table, sql.id('facts', `${name}__${table}`)])) as Record<T, Sql>;
}

/**
 * The tables of `key`'s facts, built or not: for SQL written once, such as a shared CTE over facts that
 * have no key. Ask `facts` (or `withFacts`) before reading them.
 */
export function factTableNames<K extends FactsKey, T extends string>(definition: FactsDefinition<K, T>, key: K): Record<T, Sql> {
	return tablesOf(definition, factsName(definition.kind, key));
}

/** Builds the facts for `name`; gives the names of the older keys it dropped. */
async function build<K extends FactsKey, T extends string>(
	db: Queryable,
	definition: FactsDefinition<K, T>,
	name: string,
	key: K,
	fingerprint: string
): Promise<string[]> {
	const tables = tablesOf(definition, name);
	await db.all('BEGIN TRANSACTION');
	try {
		for (const [table, query] of definition.tables) {
			await db.all(sql`CREATE OR REPLACE TABLE ${tables[table]} AS ${query(key, tables)}`);
		}
		await db.all(sql`INSERT OR REPLACE INTO ${registry} VALUES (${name}, ${definition.kind}, ${fingerprint}, current_localtimestamp())`);
		// Keys of the old data are of no further use; of the rest, the oldest go beyond `keep`.
		const dropped = await db.all<{ name: string }>(
			sql`SELECT name FROM ${registry} WHERE kind = ${definition.kind} AND name <> ${name}
				QUALIFY fingerprint <> ${fingerprint} OR row_number() OVER (ORDER BY built_at DESC) >= ${definition.keep}`
		);
		for (const old of dropped) {
			const oldTables = tablesOf(definition, old.name);
			for (const [table] of definition.tables) await db.all(sql`DROP TABLE IF EXISTS ${oldTables[table]}`);
			await db.all(sql`DELETE FROM ${registry} WHERE name = ${old.name}`);
		}
		await db.all('COMMIT');
		return dropped.map((old) => old.name);
	} catch (error) {
		await db.all('ROLLBACK').catch(() => {});
		throw error;
	}
}

/** Makes sure the facts for `key` describe the data as it is now; gives their tables. */
export async function facts<K extends FactsKey, T extends string>(db: Queryable, definition: FactsDefinition<K, T>, key: K): Promise<Record<T, Sql>> {
	await attach(db);
	const name = factsName(definition.kind, key);
	const tables = tablesOf(definition, name);
	const known = db.origin && (built.get(db.origin) ?? built.set(db.origin, new Map()).get(db.origin)!);
	const stale = async () => {
		const { database, fingerprint } = await dataFingerprint(db);
		if (known?.get(name) === fingerprint) return null;
		const stored = await db.one<{ fingerprint: string }>(sql`SELECT fingerprint FROM ${registry} WHERE name = ${name}`);
		if (stored?.fingerprint !== fingerprint) return { database, fingerprint };
		known?.set(name, fingerprint);
		return null;
	};
	const first = await stale();
	if (!first) return tables;
	// One build at a time per database and kind: two transactions replacing the same old tables would
	// conflict, and whoever waited for the same key finds it built. Kinds build side by side, so a
	// snapshot pair's facts never wait behind the whole histories' much longer build.
	const queue = `${first.database}\n${definition.kind}`;
	const previous = builds.get(queue) ?? Promise.resolve();
	const turn = previous.then(async () => {
		const now = await stale();
		if (!now) return;
		const dropped = await build(db, definition, name, key, now.fingerprint);
		for (const old of dropped) known?.delete(old);
		known?.set(name, now.fingerprint);
	});
	builds.set(queue, turn.catch(() => {}));
	await turn;
	return tables;
}

/**
 * Forgets every fact of the database, so the next question builds its facts again. The fingerprint
 * sees every import; this is for a write it cannot see (an UPDATE of snapshot rows in place).
 */
export async function forgetFacts(db: Queryable): Promise<void> {
	await attach(db);
	if (db.origin) built.get(db.origin)?.clear();
	await db.all(sql`DELETE FROM ${registry}`);
}

/**
 * Runs `question` on the facts for `key`. Should another request drop these tables between the two
 * steps (it built `keep` newer keys meanwhile), they are built again and the question asked once more.
 */
export async function withFacts<K extends FactsKey, T extends string, R>(
	db: Queryable,
	definition: FactsDefinition<K, T>,
	key: K,
	question: (tables: Record<T, Sql>) => Promise<R>
): Promise<R> {
	try {
		return await question(await facts(db, definition, key));
	} catch (error) {
		if (!(error instanceof Error && /\w+__\w+ does not exist/.test(error.message))) throw error;
		if (db.origin) built.get(db.origin)?.clear();
		return question(await facts(db, definition, key));
	}
}
