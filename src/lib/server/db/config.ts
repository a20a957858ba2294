import path from 'node:path';
import { lakeCredentialsFromEnv, type LakeCredentials } from './lake-storage.ts';

/** Where the database lives and how much of the machine DuckDB may use, from the environment. */
export interface DatabaseConfig {
	path: string;
	threads: number | null;
	memoryLimit: string;
	/** How much the views' remembered answers may hold, in MB; 0 remembers none (see `answeredOnce`). */
	answerMemoryMb?: number;
	/** How many questions are worked out at once; the rest wait their turn (`QUESTIONS_AT_ONCE`, see questions.ts). */
	questionsAtOnce?: number;
	/**
	 * PostgreSQL for the app state (users, sessions, notes, calls, ...), shared by every app server;
	 * unset keeps it in the DuckDB file (`APP_DATABASE_URL`).
	 */
	appDatabaseUrl?: string;
	/**
	 * A directory, or an object-storage URL (s3://, r2://, gs://, az://, https://), holding the
	 * snapshots as a Parquet lake shared by every app server (`LAKE_PATH`); unset keeps them only in
	 * the DuckDB file. See `lake.ts` and `lake-storage.ts`.
	 */
	lakePath?: string;
	/** Credentials for an S3-API lake URL (`LAKE_S3_*`); see `lake-storage.ts`. */
	lakeCredentials?: LakeCredentials;
	/** How often, at most, a server looks at the lake's manifest for a new version (`LAKE_CHECK_MS`). */
	lakeCheckMs?: number;
}

export const defaultAnswerMemoryMb = 64;
export const defaultQuestionsAtOnce = 4;

export function databaseConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
	return {
		path: env.DATABASE_PATH ?? path.join('data', 'pipeline.duckdb'),
		threads: env.DUCKDB_THREADS ? Number(env.DUCKDB_THREADS) : null,
		// DuckDB defaults to 80% of RAM. 400 MB for DuckDB beside Node's capped heap (scripts/server-command.js)
		// keeps the whole server within 1 GB at forty times the demo over two years (npm run bench).
		memoryLimit: env.DUCKDB_MEMORY_LIMIT ?? '400MB',
		answerMemoryMb: megabytes(env, 'ANSWER_MEMORY_MB', defaultAnswerMemoryMb),
		questionsAtOnce: env.QUESTIONS_AT_ONCE?.trim() ? atLeastOne('QUESTIONS_AT_ONCE', env.QUESTIONS_AT_ONCE) : defaultQuestionsAtOnce,
		appDatabaseUrl: env.APP_DATABASE_URL?.trim() || undefined,
		lakePath: env.LAKE_PATH?.trim() || undefined,
		lakeCredentials: lakeCredentialsFromEnv(env),
		lakeCheckMs: env.LAKE_CHECK_MS?.trim() ? Number(env.LAKE_CHECK_MS) : undefined
	};
}

function atLeastOne(name: string, raw: string): number {
	const value = Number(raw.trim());
	if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number, 1 or more; got "${raw.trim()}".`);
	return value;
}

function megabytes(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
	const raw = env[name]?.trim();
	if (!raw) return fallback;
	const value = Number(raw);
	if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of megabytes, 0 or more; got "${raw}".`);
	return value;
}

/**
 * The company's reporting currency (ISO 4217, default EUR): every amount on screen is in it, and the
 * rates imported with `--format rates` are units of it for one unit of another currency.
 */
export function reportingCurrencyFromEnv(env: NodeJS.ProcessEnv = process.env): string {
	const raw = env.REPORTING_CURRENCY?.trim();
	if (!raw) return 'EUR';
	if (!/^[A-Za-z]{3}$/.test(raw)) throw new Error(`REPORTING_CURRENCY must be a three-letter currency code such as EUR or USD; got "${raw}".`);
	return raw.toUpperCase();
}

/** The month (1-12, default 1) the company's fiscal year starts in: it decides every quarter. */
export function fiscalYearStartFromEnv(env: NodeJS.ProcessEnv = process.env): number {
	const raw = env.FISCAL_YEAR_START?.trim();
	if (!raw) return 1;
	const month = Number(raw);
	if (!Number.isInteger(month) || month < 1 || month > 12) throw new Error(`FISCAL_YEAR_START must be a month from 1 to 12; got "${raw}".`);
	return month;
}
