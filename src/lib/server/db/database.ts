import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
	DuckDBConnection,
	DuckDBDateValue,
	DuckDBInstance,
	DuckDBListValue,
	DuckDBPreparedStatement,
	DuckDBResultReader,
	DuckDBTypeId,
	JSDuckDBValueConverter,
	LIST,
	SQLNULL,
	type DuckDBType,
	type DuckDBValue,
	type DuckDBValueConverter,
	type JS
} from '@duckdb/node-api';
import { databaseConfigFromEnv, type DatabaseConfig } from './config.ts';
import { lockDownDuckDB, type LockDown } from './lockdown.ts';
import { migrate } from './migrate.ts';
import { Sql } from './sql.ts';
import { appStateTables, dimensionTables } from './app-state-migrations.ts';
import { changesAppState, countAppStateChangeSql } from './app-state-changes.ts';
import { AppStateStore, type AppStateQueries, type AppStateTransaction } from './postgres.ts';
import { loadLakeVersion, publishLake } from './lake.ts';
import { openLakeStorage, type LakeStorage } from './lake-storage.ts';

export type SqlParams = Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

/**
 * DuckDB values as plain JSON-safe JavaScript, in one pass over each column: BIGINT becomes a number
 * (our counts and ids stay far below 2^53), DATE a 'YYYY-MM-DD' string, TIMESTAMP an ISO string.
 * Inside a list a DATE is an ISO timestamp string, as it always was. A result's dates repeat a few
 * hundred days over thousands of rows, so each day's string is made once.
 */
const plainValue: DuckDBValueConverter<unknown> = (value, type) =>
	type.typeId === DuckDBTypeId.DATE && value instanceof DuckDBDateValue ? isoDay(value.days) : nestedValue(value, type, nestedValue);

const nestedValue: DuckDBValueConverter<JS> = (value, type, converter) => {
	const js = JSDuckDBValueConverter(value, type, converter);
	if (typeof js === 'bigint') return Number(js);
	if (js instanceof Date) return js.toISOString();
	return js;
};

const isoDays = new Map<number, string>();
function isoDay(days: number): string {
	let iso = isoDays.get(days);
	if (iso === undefined) {
		iso = new Date(days * 86_400_000).toISOString().slice(0, 10);
		// Only real calendars' days are kept; a file of made-up dates cannot grow this without end.
		if (isoDays.size < 100_000) isoDays.set(days, iso);
	}
	return iso;
}

/** A statement: SQL text with its named parameters, or a `sql`…`` fragment carrying its own. */
export type Statement = string | Sql;

/** A read-only view of the database, the only thing metric functions receive. */
export interface Queryable {
	all<T = Row>(sql: Statement, params?: SqlParams): Promise<T[]>;
	one<T = Row>(sql: Statement, params?: SqlParams): Promise<T | undefined>;
	/** The database this reads from, when it is one this process opened (see `DataOrigin`). */
	readonly origin?: DataOrigin;
	/** Runs `work` on another connection of the same database, so that it can run beside this one. */
	readonly alongside?: <T>(work: (db: Queryable) => Promise<T>) => Promise<T>;
}

type Answers<W extends readonly ((db: Queryable) => Promise<unknown>)[]> = { -readonly [K in keyof W]: Awaited<ReturnType<W[K]>> };

/**
 * Asks independent questions side by side, each on its own connection, where `db` can (a pooled
 * read); one after another on `db` itself otherwise (a transaction), as one connection runs one
 * query at a time.
 */
export async function sideBySide<const W extends readonly ((db: Queryable) => Promise<unknown>)[]>(db: Queryable, works: W): Promise<Answers<W>> {
	const alongside = db.alongside;
	if (alongside) return (await Promise.all(works.map((work) => alongside(work)))) as Answers<W>;
	const answers: unknown[] = [];
	for (const work of works) answers.push(await work(db));
	return answers as Answers<W>;
}

/**
 * Which open database a query reads, and how many writes it has committed so far. This process holds
 * DuckDB's lock on the file, so every change to the data is one of those writes: an answer worked out
 * at one write count still describes the data while the count is the same.
 */
export interface DataOrigin {
	readonly id: string;
	readonly writes: number;
}

/**
 * The types to bind `params` with, where their values do not say it. DuckDB's client infers a
 * list's type from its first item, so an empty list (a scope with no reps, a rep without a team)
 * would be a list of ANY, which DuckDB refuses ("Cannot create lists with item type of ANY"). A list
 * of NULLs casts to any list type (`$reps::INTEGER[]`) and contains nothing, which is what it means.
 */
export function paramTypes(params?: SqlParams): Record<string, DuckDBType> | undefined {
	if (!params) return undefined;
	let types: Record<string, DuckDBType> | undefined;
	for (const [name, value] of Object.entries(params)) {
		if (value instanceof DuckDBListValue && value.items.length === 0) (types ??= {})[name] = LIST(SQLNULL);
	}
	return types;
}

/** The text and parameters to send; a fragment's own parameters, never mixed with others. */
function prepared(statement: Statement, params?: SqlParams): { text: string; params?: SqlParams } {
	if (!(statement instanceof Sql)) return { text: statement, params };
	if (params) throw new Error('A sql`…` fragment carries its own parameters; pass none beside it');
	const query = statement.toQuery();
	return { text: query.text, params: Object.keys(query.params).length > 0 ? query.params : undefined };
}

/**
 * Each connection's prepared reads, by their text. Parsing, binding and planning a question's larger
 * statements costs a fifth of running them, and the same texts come back on every request (a scope's
 * values are parameters; a facts table's name changes only with the data), so each connection keeps
 * its last few plans, until the data changes: DuckDB plans with the data's statistics (it packs an
 * ORDER BY's columns into the ranges it saw, for one), so a plan made before a change can misread
 * rows written after it. Every write, and every statement that is not a read, starts a new
 * generation of plans.
 */
const statementsOf = new WeakMap<DuckDBConnection, { generation: number; statements: Map<string, KeptStatement> }>();
interface KeptStatement {
	statement: DuckDBPreparedStatement;
	busy: boolean;
}
const statementsPerConnection = 64;
let planGeneration = 0;

/** Plans made so far are not used again (see `statementsOf`). */
function dataChanged() {
	planGeneration++;
}

const isRead = (sql: string) => /^\s*(SELECT|WITH)\b/i.test(sql);

function keptStatements(connection: DuckDBConnection): Map<string, KeptStatement> {
	const kept = statementsOf.get(connection);
	if (kept?.generation === planGeneration) return kept.statements;
	for (const entry of kept?.statements.values() ?? []) if (!entry.busy) entry.statement.destroySync();
	const statements = new Map<string, KeptStatement>();
	statementsOf.set(connection, { generation: planGeneration, statements });
	return statements;
}

/** Runs a statement, planned for this once, and turns its answer into rows. */
async function rowsFrom<T>(connection: DuckDBConnection, sql: string, params?: SqlParams): Promise<T[]> {
	try {
		return rowsOf<T>(await connection.runAndReadAll(sql, params, paramTypes(params)));
	} finally {
		if (!isRead(sql)) dataChanged();
	}
}

/**
 * Runs a read on the connection's kept plan of it, and turns its answer into rows. A kept statement
 * stays taken until its answer is read: DuckDB's answer may point into the values it was bound with,
 * which the next bind replaces.
 */
async function keptRows<T>(connection: DuckDBConnection, sql: string, params?: SqlParams): Promise<T[]> {
	const statements = keptStatements(connection);
	let kept = statements.get(sql);
	// Taken by a read still running on this connection: this one prepares its own.
	if (kept?.busy) return rowsFrom<T>(connection, sql, params);
	if (kept) {
		statements.delete(sql);
	} else {
		kept = { statement: await connection.prepare(sql), busy: false };
		if (statements.size >= statementsPerConnection) {
			const [oldest, entry] = statements.entries().next().value!;
			statements.delete(oldest);
			if (!entry.busy) entry.statement.destroySync();
		}
	}
	// Most recently used last, so that the first is the one to let go.
	statements.set(sql, kept);
	kept.busy = true;
	try {
		if (params) kept.statement.bind(params, paramTypes(params));
		else kept.statement.clearBindings();
		const reader = new DuckDBResultReader(await kept.statement.run());
		await reader.readAll();
		return rowsOf<T>(reader);
	} finally {
		kept.busy = false;
		// Let go while it ran (a new generation, or pushed out by others): nobody will ask it again.
		if (statementsOf.get(connection)?.statements.get(sql) !== kept) kept.statement.destroySync();
	}
}

/** Column by column, then into rows: faster than DuckDB's row objects on large answers (a movement's deal list). */
function rowsOf<T>(reader: DuckDBResultReader): T[] {
	const names = reader.columnNames();
	const columns = reader.convertColumns(plainValue);
	const rows: T[] = new Array(reader.currentRowCount);
	for (let r = 0; r < rows.length; r++) {
		const row: Row = {};
		for (let c = 0; c < names.length; c++) row[names[c]] = columns[c][r];
		rows[r] = row as T;
	}
	return rows;
}

/** `keep`: a pooled read connection, whose reads may keep their plans; a write's never do. */
function runOn<T>(connection: DuckDBConnection, statement: Statement, values?: SqlParams, keep = false): Promise<T[]> {
	const { text: sql, params } = prepared(statement, values);
	return keep && isRead(sql) ? keptRows<T>(connection, sql, params) : rowsFrom<T>(connection, sql, params);
}

const appStateTableSet = new Set<string>(appStateTables);
const sharedTableSet = new Set<string>([...appStateTables, ...Object.keys(dimensionTables)]);
const storeOf = new Map<string, 'app' | 'snapshots'>();

/**
 * Which store a statement runs on, when app state lives in PostgreSQL: the one holding the tables it
 * names. A statement naming an app-state table runs on PostgreSQL, which also holds copies of the
 * dimension tables such statements join; anything else runs on DuckDB. A statement that would need
 * both (an app-state table and the snapshots) cannot run anywhere and says so.
 */
export function storeFor(sql: string): 'app' | 'snapshots' {
	let known = storeOf.get(sql);
	if (known) return known;
	const ctes = new Set([...sql.matchAll(/\b([A-Za-z_]\w*)\s+AS\s*(?:MATERIALIZED\s*)?\(/gi)].map((m) => m[1].toLowerCase()));
	const tables = [...sql.matchAll(/\b(?:(?<!DISTINCT\s+)FROM|JOIN|INTO|(?<!DO\s+)UPDATE|TABLE)\s+([A-Za-z_][\w.]*)(?![\w.(])/gi)]
		.map((m) => m[1].toLowerCase())
		.filter((name) => !ctes.has(name) && name !== 'if');
	known = tables.some((name) => appStateTableSet.has(name)) ? 'app' : 'snapshots';
	if (known === 'app') {
		const elsewhere = tables.filter((name) => !sharedTableSet.has(name));
		if (elsewhere.length) {
			throw new Error(`This statement joins app state (PostgreSQL) with ${elsewhere.join(', ')} (DuckDB); ask each store on its own.`);
		}
	}
	if (storeOf.size < 5000) storeOf.set(sql, known);
	return known;
}

function queryable(connection: DuckDBConnection, database?: Database, appState?: Pick<AppStateQueries, 'all'> | null): Queryable {
	const onDuckDB = <T>(sql: Statement, params?: SqlParams) => runOn<T>(connection, sql, params, true);
	const all = appState
		? <T>(statement: Statement, values?: SqlParams) => {
				const { text, params } = prepared(statement, values);
				return storeFor(text) === 'app' ? appState.all<T>(text, params) : onDuckDB<T>(text, params);
			}
		: onDuckDB;
	return {
		all,
		one: async <T>(sql: Statement, params?: SqlParams) => (await all<T>(sql, params))[0],
		origin: database,
		alongside: database && ((work) => database.read(work))
	};
}

/**
 * Connections kept open between reads. Each keeps its prepared statements, so one closed is plans
 * lost: twenty leaders at once, four questions at a time, each reading side by side, use about
 * twenty, and with 8 kept the server answered 8% fewer of them.
 */
const idleConnections = 32;

/** The advisory lock that makes one server at a time publish to the lake. */
const lakeLockKey = 22_002;

/**
 * PostgreSQL's copies of the dimension tables, replaced by DuckDB's inside PostgreSQL's transaction.
 * They are small (teams, reps, accounts, deals: no snapshots), and JSON carries each table over in
 * one statement.
 */
async function mirrorDimensions(connection: DuckDBConnection, app: AppStateQueries): Promise<void> {
	for (const [table, columns] of Object.entries(dimensionTables)) {
		const rows = await runOn<Row>(connection, `SELECT ${columns.join(', ')} FROM ${table}`);
		await app.run(`DELETE FROM ${table}`);
		if (rows.length) await app.run(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $rows::json)`, { rows: JSON.stringify(rows) });
	}
}

/** Inside a write transaction: queries plus the raw connection for appenders. */
export interface Transaction extends Queryable {
	run(sql: Statement, params?: SqlParams): Promise<void>;
	connection: DuckDBConnection;
}

/**
 * One DuckDB instance per process (DuckDB locks its file per process, and two instances on one file in
 * one process corrupt each other's view). Reads take a pooled connection; writes go through a single
 * queue so two imports never interleave and readers only ever see committed transactions.
 */
export class Database implements DataOrigin {
	private readonly idle: DuckDBConnection[] = [];
	private writeQueue: Promise<unknown> = Promise.resolve();
	readonly id = randomUUID();
	/** Writes committed (or rolled back: counting those too costs one recomputed fingerprint). */
	writes = 0;
	/**
	 * Where users, sessions, notes and the other app state live when `APP_DATABASE_URL` is set; null
	 * when they are in this DuckDB file. Other servers write there too, so this process's write count
	 * does not tell whether app state changed (see `appStateShared`).
	 */
	appState: AppStateStore | null = null;

	/** True when other servers may change app state: what is kept from it must be checked against the store. */
	get appStateShared(): boolean {
		return this.appState !== null;
	}

	/** Where the lake is (`LAKE_PATH`), null without one. */
	lake: LakeStorage | null = null;
	/** The lake's version this file holds a copy of (`LAKE_PATH`); null before the first import. */
	lakeVersion: string | null = null;
	private lakeCheckedAt = 0;
	private lakeLoading: Promise<void> | null = null;
	private lakeQueue: Promise<unknown> = Promise.resolve();
	/** True while a write's work runs: a read it makes must not wait for a lake load queued behind it. */
	private writing = false;

	private constructor(
		readonly instance: DuckDBInstance,
		readonly config: DatabaseConfig
	) {}

	/**
	 * Makes this file hold the lake's current version, looking at the manifest at most every
	 * `lakeCheckMs` (always with `force`). A new version is loaded in one write, so readers see the
	 * old data or the new, and every fingerprint (and so every remembered answer and fact) moves on.
	 */
	async lakeUpToDate(force = false): Promise<void> {
		const lake = this.lake;
		if (!lake) return;
		if (this.lakeLoading) return this.lakeLoading;
		const now = Date.now();
		if (!force && now - this.lakeCheckedAt < (this.config.lakeCheckMs ?? 1000)) return;
		this.lakeCheckedAt = now;
		const connection = await this.acquire();
		const manifest = await lake.readManifest(connection).finally(() => this.release(connection));
		if (this.lakeLoading) return this.lakeLoading;
		if (!manifest || manifest.version === this.lakeVersion) return;
		this.lakeLoading = this.write(
			async (tx) => {
				await loadLakeVersion(tx.connection, lake, manifest);
				this.lakeVersion = manifest.version;
			},
			{ mirror: false }
		).finally(() => (this.lakeLoading = null));
		return this.lakeLoading;
	}

	/**
	 * A write that changes the snapshots, published to the lake when there is one: one server at a
	 * time (an advisory lock in PostgreSQL when app state is there, else within this process), on
	 * top of the lake's latest version, then written as the next version. Without a lake, a write.
	 */
	async writeSnapshots<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
		const lake = this.lake;
		if (!lake) return this.write(work);
		const turn = this.lakeQueue.then(async () => {
			const started = Date.now();
			const release = this.appState ? await this.appState.lock(lakeLockKey) : async () => {};
			try {
				const waited = Date.now() - started;
				if (waited > 100) console.log(`Lake: waited ${waited} ms for another server's import to finish.`);
				await this.lakeUpToDate(true);
				return await this.write(async (tx) => {
					const result = await work(tx);
					const manifest = await publishLake(tx.connection, lake);
					this.lakeVersion = manifest.version;
					console.log(`Lake: published version ${manifest.version}.`);
					return result;
				});
			} finally {
				await release();
			}
		});
		this.lakeQueue = turn.catch(() => {});
		return turn;
	}

	/**
	 * Opens the database and brings its schema up to date. With `lockDown`, DuckDB then reads and
	 * writes no files but the database's own and those under `lockDown.directories`, installs and
	 * loads no extensions, and refuses every further configuration change (see `lockDownDuckDB`).
	 */
	static async open(config: DatabaseConfig = databaseConfigFromEnv(), opening: { lockDown?: LockDown | false } = {}): Promise<Database> {
		if (config.path !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(config.path)), { recursive: true });
		const options: Record<string, string> = { memory_limit: config.memoryLimit };
		if (config.threads) options.threads = String(config.threads);
		let instance: DuckDBInstance;
		try {
			instance = await DuckDBInstance.create(config.path, options);
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			if (/lock/i.test(message)) {
				throw new Error(
					`The database ${config.path} is in use by another process (is the server running?). ` +
						`Stop it, or point DATABASE_PATH at another file.`
				);
			}
			throw error;
		}
		const database = new Database(instance, config);
		// DuckDB's own schema first, before any statement is routed elsewhere.
		await database.write((tx) => migrate(tx));
		if (config.lakePath) {
			const connection = await instance.connect();
			try {
				database.lake = await openLakeStorage(connection, config.lakePath, config.lakeCredentials);
			} catch (error) {
				connection.closeSync();
				database.close();
				throw error;
			}
			connection.closeSync();
			await database.lakeUpToDate(true);
		}
		if (config.appDatabaseUrl) {
			database.appState = await AppStateStore.open(config.appDatabaseUrl);
			// PostgreSQL's copies of the dimension tables follow this database's.
			await database.write(async (tx) => void tx.connection);
		}
		if (opening.lockDown) {
			const connection = await instance.connect();
			try {
				const lake = database.lake ? [database.lake.root] : [];
				await lockDownDuckDB(connection, { ...opening.lockDown, directories: [...opening.lockDown.directories, ...lake] });
			} finally {
				connection.closeSync();
			}
		}
		return database;
	}

	private async acquire(): Promise<DuckDBConnection> {
		return this.idle.pop() ?? (await this.instance.connect());
	}

	private release(connection: DuckDBConnection) {
		if (this.idle.length < idleConnections) this.idle.push(connection);
		else connection.closeSync();
	}

	/** Runs read queries on a pooled connection. */
	async read<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
		if (this.lake && !this.writing) await this.lakeUpToDate();
		const connection = await this.acquire();
		try {
			return await work(queryable(connection, this, this.appState));
		} finally {
			this.release(connection);
		}
	}

	all<T = Row>(sql: Statement, params?: SqlParams): Promise<T[]> {
		return this.read((db) => db.all<T>(sql, params));
	}

	one<T = Row>(sql: Statement, params?: SqlParams): Promise<T | undefined> {
		return this.read((db) => db.one<T>(sql, params));
	}

	/**
	 * Runs `work` in one transaction, after every earlier write has finished; rolls back on any error.
	 * With app state in PostgreSQL, statements go to the store holding their tables (`storeFor`),
	 * each store in its own transaction, PostgreSQL's committed first: should DuckDB's commit then
	 * fail, what people wrote is kept and the snapshots are as before. A write that changed the
	 * snapshots' side refreshes PostgreSQL's copies of the dimension tables in the same transaction.
	 */
	write<T>(work: (tx: Transaction) => Promise<T>, { mirror = true }: { mirror?: boolean } = {}): Promise<T> {
		const next = this.writeQueue.then(async () => {
			const connection = await this.instance.connect();
			const store = this.appState;
			// Begun on the first app-state statement (held in an object: TypeScript does not follow closures).
			const app: { tx: Promise<AppStateTransaction> | null } = { tx: null };
			// Whether PostgreSQL's dimension copies lag behind what this transaction wrote to DuckDB:
			// refreshed before the next app-state statement (it may join them) and before committing.
			let snapshotsWritten = false;
			// Whether this transaction changed app state: if so it moves the app state's version on as it
			// commits (see app-state-changes.ts).
			let appStateChanged = false;
			const onApp = async () => {
				const tx = await (app.tx ??= store!.begin());
				if (snapshotsWritten) {
					snapshotsWritten = false;
					await mirrorDimensions(connection, tx);
				}
				return tx;
			};
			const all = async <R>(statement: Statement, values?: SqlParams): Promise<R[]> => {
				const { text: sql, params } = prepared(statement, values);
				if (changesAppState(sql)) appStateChanged = true;
				if (store && storeFor(sql) === 'app') return (await onApp()).all<R>(sql, params);
				if (mirror && !/^\s*(SELECT|WITH)\b/i.test(sql)) snapshotsWritten = true;
				return runOn<R>(connection, sql, params);
			};
			const tx: Transaction = {
				all,
				one: async (sql, params) => (await all(sql, params))[0] as never,
				get connection() {
					// Appenders write through the connection itself.
					snapshotsWritten = mirror;
					return connection;
				},
				run: async (statement, values) => {
					const { text: sql, params } = prepared(statement, values);
					if (changesAppState(sql)) appStateChanged = true;
					if (store && storeFor(sql) === 'app') return (await onApp()).run(sql, params);
					snapshotsWritten = mirror;
					await connection.run(sql, params, paramTypes(params));
				}
			};
			await connection.run('BEGIN TRANSACTION');
			try {
				this.writing = true;
				const result = await work(tx).finally(() => (this.writing = false));
				if (appStateChanged) await tx.run(countAppStateChangeSql);
				if (store && snapshotsWritten) await onApp();
				const begun = app.tx;
				app.tx = null;
				if (begun) await (await begun).finish(true);
				await connection.run('COMMIT');
				return result;
			} catch (error) {
				if (app.tx) await (await app.tx.catch(() => null))?.finish(false).catch(() => {});
				await connection.run('ROLLBACK').catch(() => {});
				throw error;
			} finally {
				this.writes++;
				dataChanged();
				connection.closeSync();
			}
		});
		this.writeQueue = next.catch(() => {});
		return next;
	}

	close() {
		for (const connection of this.idle.splice(0)) connection.closeSync();
		this.instance.closeSync();
		this.appState?.close().catch(() => {});
	}
}
