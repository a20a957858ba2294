import pg from 'pg';
import { DuckDBBlobValue, DuckDBListValue } from '@duckdb/node-api';
import type { Row, SqlParams } from './database.ts';
import { appStateMigrations } from './app-state-migrations.ts';

/**
 * The app's own records (users, sessions, throttling, notes, next steps, calls, scenarios,
 * preferences, the import log) in PostgreSQL, when `APP_DATABASE_URL` says where: several app
 * servers then share one set of people and what they wrote, which one DuckDB file held by one
 * process cannot give them.
 *
 * The modules keep their SQL as written for DuckDB. What differs is bridged here, once: named
 * `$params` become positional ones, DuckDB's values (blobs, lists) become node-postgres's, the few
 * DuckDB functions the modules use exist in PostgreSQL as SQL functions of the same name (see the
 * first app-state migration), and rows come back shaped as DuckDB's do (numbers, not strings, for
 * BIGINT and DECIMAL; 'YYYY-MM-DD' dates; ISO timestamps; JSON as its text).
 */

/** PostgreSQL could not be reached or dropped the connection: the request cannot be answered now. */
export class AppStateUnavailable extends Error {
	constructor(cause: unknown) {
		super('The app\'s database (PostgreSQL) cannot be reached just now. Try again in a moment.', { cause });
		this.name = 'AppStateUnavailable';
	}
}

// Connection-level failures only: a constraint violation or a bad query must stay what it is.
const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

function unavailable(error: unknown): boolean {
	if (!(error instanceof Error)) return false;
	const code = (error as { code?: string }).code;
	if (code && unavailableCodes.has(code)) return true;
	return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(error.message);
}

function translateError(error: unknown): unknown {
	return unavailable(error) ? new AppStateUnavailable(error) : error;
}

const timestamp = (text: string) => new Date(text.replace(' ', 'T') + 'Z').toISOString();

/** Rows as DuckDB's side of `Database` returns them (see `plain` there). */
const parsers: Record<number, (text: string) => unknown> = {
	20: Number, // BIGINT: counts and ids stay far below 2^53
	1700: Number, // NUMERIC: amounts, as DuckDB's DECIMAL comes back as a number
	1082: (text) => text, // DATE: 'YYYY-MM-DD'
	1114: timestamp, // TIMESTAMP (stored as UTC)
	1184: (text) => new Date(text).toISOString(),
	114: (text) => text, // JSON: its text, which the modules parse themselves
	3802: (text) => text
};
const types = {
	getTypeParser: ((oid: number, format?: string) => parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser
};

function value(param: unknown): unknown {
	if (param instanceof DuckDBBlobValue) return Buffer.from(param.bytes);
	if (param instanceof DuckDBListValue) return param.items.map(value);
	if (param instanceof Uint8Array) return Buffer.from(param);
	if (param !== null && typeof param === 'object' && !Array.isArray(param)) return String(param);
	return param;
}

const translated = new Map<string, { text: string; names: string[] }>();

/**
 * DuckDB's SQL as PostgreSQL runs it. Besides positional parameters: JSON paths (`->>'$.a[0].b'`)
 * become PostgreSQL's path operators, and `json_object` its `json_build_object`.
 */
export function postgresSql(sql: string): { text: string; names: string[] } {
	let known = translated.get(sql);
	if (known) return known;
	const names: string[] = [];
	const text = sql
		.replace(/(->>|->)\s*'\$\.([^']*)'/g, (_, arrow: string, path: string) => {
			const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean);
			return `${arrow === '->>' ? '#>>' : '#>'} '{${parts.join(',')}}'`;
		})
		.replace(/\bjson_object\(/g, 'json_build_object(')
		.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
			let index = names.indexOf(name);
			if (index < 0) index = names.push(name) - 1;
			return `$${index + 1}`;
		});
	known = { text, names };
	if (translated.size < 2000) translated.set(sql, known);
	return known;
}

async function runOn<T>(client: pg.Pool | pg.PoolClient, sql: string, params?: SqlParams): Promise<T[]> {
	const { text, names } = postgresSql(sql);
	const values = names.map((name) => {
		if (!params || !(name in params)) throw new Error(`No value for the parameter $${name}.`);
		return value(params[name]);
	});
	try {
		return (await client.query({ text, values, types })).rows as T[];
	} catch (error) {
		throw translateError(error);
	}
}

/** Queries and statements on PostgreSQL, in the shape of DuckDB's `Queryable` and `Transaction.run`. */
export interface AppStateQueries {
	all<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
	one<T = Row>(sql: string, params?: SqlParams): Promise<T | undefined>;
	run(sql: string, params?: SqlParams): Promise<void>;
}

function queries(client: pg.Pool | pg.PoolClient): AppStateQueries {
	return {
		all: (sql, params) => runOn(client, sql, params),
		one: async (sql, params) => (await runOn(client, sql, params))[0] as never,
		run: async (sql, params) => {
			await runOn(client, sql, params);
		}
	};
}

/** One transaction on one connection; `finish` commits or rolls back and gives the connection back. */
export interface AppStateTransaction extends AppStateQueries {
	finish(commit: boolean): Promise<void>;
}

/** The shared PostgreSQL: a pool of connections, migrated on opening. */
export class AppStateStore {
	private constructor(readonly pool: pg.Pool) {}

	static async open(url: string): Promise<AppStateStore> {
		const pool = new pg.Pool({
			connectionString: url,
			max: 8,
			connectionTimeoutMillis: 5000,
			// Timestamps are stored and read as UTC, as DuckDB's `epoch_ms` makes them.
			options: '-c TimeZone=UTC'
		});
		// An idle connection that drops (PostgreSQL restarted) must not bring the server down; the pool
		// opens a new one on the next query.
		pool.on('error', () => {});
		const store = new AppStateStore(pool);
		const tx = await store.begin();
		let ok = false;
		try {
			// Two servers starting at once: one migrates, the other waits and then finds nothing to do.
			await tx.run('SELECT pg_advisory_xact_lock(22001)');
			await migrateAppState(tx);
			ok = true;
		} finally {
			await tx.finish(ok);
		}
		return store;
	}

	all<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
		return runOn<T>(this.pool, sql, params);
	}

	async one<T = Row>(sql: string, params?: SqlParams): Promise<T | undefined> {
		return (await runOn<T>(this.pool, sql, params))[0];
	}

	async begin(): Promise<AppStateTransaction> {
		let client: pg.PoolClient;
		try {
			client = await this.pool.connect();
		} catch (error) {
			throw translateError(error);
		}
		try {
			await client.query('BEGIN');
		} catch (error) {
			client.release(true);
			throw translateError(error);
		}
		let broken = false;
		return {
			...queries(client),
			finish: async (commit) => {
				try {
					await client.query(commit ? 'COMMIT' : 'ROLLBACK');
				} catch (error) {
					broken = true;
					if (commit) throw translateError(error);
				} finally {
					client.release(broken);
				}
			}
		};
	}

	/**
	 * Holds a session-level advisory lock on a connection of its own until the returned function
	 * is called: the same `key` taken on another server waits. Used to publish to the lake one
	 * server at a time.
	 */
	async lock(key: number): Promise<() => Promise<void>> {
		let client: pg.PoolClient;
		try {
			client = await this.pool.connect();
			await client.query('SELECT pg_advisory_lock($1)', [key]);
		} catch (error) {
			throw translateError(error);
		}
		return async () => {
			try {
				await client.query('SELECT pg_advisory_unlock($1)', [key]);
				client.release();
			} catch {
				// The connection broke, and with it the lock: PostgreSQL released it when the session ended.
				client.release(true);
			}
		};
	}

	async close(): Promise<void> {
		await this.pool.end();
	}
}

/** As `migrate` does for DuckDB: every pending app-state migration in the caller's transaction, or none. */
export async function migrateAppState(tx: AppStateQueries, migrations = appStateMigrations): Promise<number> {
	await tx.run(`CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY,
		name VARCHAR NOT NULL,
		applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
	)`);
	const current = (await tx.one<{ version: number | null }>('SELECT max(version) AS version FROM schema_version'))?.version ?? 0;
	const newest = migrations.at(-1)?.version ?? 0;
	if (current > newest) {
		throw new Error(`The app's PostgreSQL database is at schema version ${current}, newer than this app (${newest}). Upgrade the app.`);
	}
	for (const migration of migrations.filter((m) => m.version > current)) {
		// Whole, not split: PostgreSQL runs several statements in one simple query, and the function
		// bodies hold semicolons. No parameters, so no translation either.
		if (migration.sql.trim()) await tx.run(migration.sql);
		await tx.run('INSERT INTO schema_version (version, name) VALUES ($version, $name)', { version: migration.version, name: migration.name });
	}
	return newest;
}
