import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBConnection, DuckDBInstance, DuckDBListValue, DuckDBTypeId, LIST, SQLNULL, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { databaseConfigFromEnv, type DatabaseConfig } from './config.ts';
import { lockDownDuckDB, type LockDown } from './lockdown.ts';
import { migrate } from './migrate.ts';
import { Sql } from './sql.ts';

export type SqlParams = Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

/**
 * Turns DuckDB values into plain JSON-safe JavaScript: BIGINT becomes a number (our counts and ids
 * stay far below 2^53), DATE a 'YYYY-MM-DD' string, TIMESTAMP an ISO string.
 */
function plain(value: unknown): unknown {
	if (typeof value === 'bigint') return Number(value);
	if (value instanceof Date) return value.toISOString();
	if (Array.isArray(value)) return value.map(plain);
	return value;
}

/** A DATE as 'YYYY-MM-DD' (DuckDB hands it over as a Date at midnight UTC). */
function isoDate(value: unknown): unknown {
	return value instanceof Date ? value.toISOString().slice(0, 10) : plain(value);
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

async function runOn<T>(connection: DuckDBConnection, statement: Statement, values?: SqlParams): Promise<T[]> {
	const { text: sql, params } = prepared(statement, values);
	const reader = await connection.runAndReadAll(sql, params, paramTypes(params));
	// Column by column, then into rows: faster than DuckDB's row objects on large answers (a movement's
	// deal list).
	const names = reader.columnNames();
	const convert = names.map((_, index) => (reader.columnType(index).typeId === DuckDBTypeId.DATE ? isoDate : plain));
	const columns = reader.getColumnsJS();
	const rows: T[] = new Array(reader.currentRowCount);
	for (let r = 0; r < rows.length; r++) {
		const row: Row = {};
		for (let c = 0; c < names.length; c++) row[names[c]] = convert[c](columns[c][r]);
		rows[r] = row as T;
	}
	return rows;
}

function queryable(connection: DuckDBConnection, database?: Database): Queryable {
	return {
		all: <T>(sql: Statement, params?: SqlParams) => runOn<T>(connection, sql, params),
		one: async <T>(sql: Statement, params?: SqlParams) => (await runOn<T>(connection, sql, params))[0],
		origin: database,
		alongside: database && ((work) => database.read(work))
	};
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

	private constructor(
		readonly instance: DuckDBInstance,
		readonly config: DatabaseConfig
	) {}

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
		await database.write((tx) => migrate(tx));
		if (opening.lockDown) {
			const connection = await instance.connect();
			try {
				await lockDownDuckDB(connection, opening.lockDown);
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
		if (this.idle.length < 8) this.idle.push(connection);
		else connection.closeSync();
	}

	/** Runs read queries on a pooled connection. */
	async read<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
		const connection = await this.acquire();
		try {
			return await work(queryable(connection, this));
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

	/** Runs `work` in one transaction, after every earlier write has finished; rolls back on any error. */
	write<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
		const next = this.writeQueue.then(async () => {
			const connection = await this.instance.connect();
			const tx: Transaction = {
				...queryable(connection),
				connection,
				run: async (statement, values) => {
					const { text, params } = prepared(statement, values);
					await connection.run(text, params, paramTypes(params));
				}
			};
			await connection.run('BEGIN TRANSACTION');
			try {
				const result = await work(tx);
				await connection.run('COMMIT');
				return result;
			} catch (error) {
				await connection.run('ROLLBACK').catch(() => {});
				throw error;
			} finally {
				this.writes++;
				connection.closeSync();
			}
		});
		this.writeQueue = next.catch(() => {});
		return next;
	}

	close() {
		for (const connection of this.idle.splice(0)) connection.closeSync();
		this.instance.closeSync();
	}
}
