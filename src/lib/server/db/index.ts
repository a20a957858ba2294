import { Database } from './database.ts';

export { Database, sideBySide } from './database.ts';
export type { DataOrigin, Queryable, Transaction, Row, SqlParams } from './database.ts';

// Cached on globalThis so Vite's dev reloads and every route share the single instance per process.
const holder = globalThis as typeof globalThis & { __pipelineCoachDb?: Promise<Database> };

/** The process's database, opened and migrated on first use. */
export function database(): Promise<Database> {
	holder.__pipelineCoachDb ??= Database.open();
	return holder.__pipelineCoachDb;
}
