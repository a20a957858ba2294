import { serverImportDirectories } from '../import/directories.ts';
import { databaseConfigFromEnv } from './config.ts';
import { Database } from './database.ts';

export { Database, sideBySide } from './database.ts';
export { AppStateUnavailable } from './postgres.ts';
export { LakeConfigurationError } from './lake-storage.ts';
export type { LockDown } from './lockdown.ts';
export type { DataOrigin, Queryable, Transaction, Row, SqlParams, Statement } from './database.ts';
export { sql, Sql, type SqlValue } from './sql.ts';

// Cached on globalThis so Vite's dev reloads and every route share the single instance per process.
const holder = globalThis as typeof globalThis & { __pipelineCoachDb?: Promise<Database> };

/**
 * The process's database, opened and migrated on first use, then locked down: DuckDB reaches no
 * files but its own and the importer's directories.
 */
export function database(): Promise<Database> {
	// A failed opening (PostgreSQL not up yet) is tried again on the next request, not remembered.
	holder.__pipelineCoachDb ??= Database.open(databaseConfigFromEnv(), { lockDown: { directories: serverImportDirectories() } }).catch((error) => {
		holder.__pipelineCoachDb = undefined;
		throw error;
	});
	return holder.__pipelineCoachDb;
}
