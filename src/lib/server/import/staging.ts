import { randomBytes } from 'node:crypto';
import { DuckDBConnection, DuckDBTypeId, type DuckDBValue } from '@duckdb/node-api';
import type { Database } from '../db/index.ts';

/** BIGINT as number (counts and record numbers stay far below 2^53), timestamps as ISO text, nested too. */
function plain(value: unknown): unknown {
	if (typeof value === 'bigint') return Number(value);
	if (value instanceof Date) return value.toISOString();
	if (Array.isArray(value)) return value.map(plain);
	if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
	return value;
}

/**
 * The scratch space of one import: an in-memory database attached to the process's DuckDB
 * instance. Files are read, checked and reshaped here, outside the write queue, so a 1 GB file
 * does not hold up everyone else's writes while it is parsed; only the final load runs in the
 * import's transaction. Being in memory, nothing of it survives a crash, and DuckDB spills it to
 * its temp directory when it outgrows the memory limit.
 */
export class Staging {
	private constructor(
		readonly connection: DuckDBConnection,
		/** The attached database's name; tables are `${schema}.name`. */
		readonly schema: string
	) {}

	static async open(db: Database): Promise<Staging> {
		const connection = await db.instance.connect();
		const schema = `import_${randomBytes(6).toString('hex')}`;
		await connection.run(`ATTACH ':memory:' AS ${schema}`);
		// Progress of long reads is polled from the connection; the bar itself is ours. PRAGMAs, as a
		// locked-down configuration refuses SET even for these settings of one connection.
		await connection.run('PRAGMA enable_progress_bar');
		await connection.run('PRAGMA disable_print_progress_bar');
		return new Staging(connection, schema);
	}

	table(name: string): string {
		return `${this.schema}.${name}`;
	}

	async run(sql: string, params?: Record<string, DuckDBValue>): Promise<void> {
		const t = Date.now();
		await this.connection.run(sql, params);
		if (process.env.IMPORT_DEBUG) console.error(`${Date.now() - t}ms ${sql.replace(/\s+/g, ' ').slice(0, 150)}`);
	}

	async all<T = Record<string, unknown>>(sql: string, params?: Record<string, DuckDBValue>): Promise<T[]> {
		const t = Date.now();
		const reader = await this.connection.runAndReadAll(sql, params);
		if (process.env.IMPORT_DEBUG) console.error(`${Date.now() - t}ms ${sql.replace(/\s+/g, ' ').slice(0, 150)}`);
		const dates = new Set<number>();
		reader.columnNames().forEach((_, index) => {
			if (reader.columnType(index).typeId === DuckDBTypeId.DATE) dates.add(index);
		});
		const names = reader.columnNames();
		return reader.getRowsJS().map((row) => {
			const object: Record<string, unknown> = {};
			row.forEach((value, index) => {
				object[names[index]] = dates.has(index) && value instanceof Date ? value.toISOString().slice(0, 10) : plain(value);
			});
			return object as T;
		});
	}

	async one<T = Record<string, unknown>>(sql: string, params?: Record<string, DuckDBValue>): Promise<T | undefined> {
		return (await this.all<T>(sql, params))[0];
	}

	/** Runs `work` and reports DuckDB's own progress of it (0..1) every 200 ms. */
	async tracked<T>(work: () => Promise<T>, report?: (fraction: number) => void): Promise<T> {
		if (!report) return work();
		const timer = setInterval(() => {
			const { percentage } = this.connection.progress;
			if (percentage >= 0) report(Math.min(1, percentage / 100));
		}, 200);
		try {
			return await work();
		} finally {
			clearInterval(timer);
		}
	}

	async close(): Promise<void> {
		try {
			await this.connection.run(`DETACH ${this.schema}`);
		} finally {
			this.connection.closeSync();
		}
	}
}
