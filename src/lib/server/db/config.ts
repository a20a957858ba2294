import path from 'node:path';

/** Where the database lives and how much of the machine DuckDB may use, from the environment. */
export interface DatabaseConfig {
	path: string;
	threads: number | null;
	memoryLimit: string;
}

export function databaseConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
	return {
		path: env.DATABASE_PATH ?? path.join('data', 'pipeline.duckdb'),
		threads: env.DUCKDB_THREADS ? Number(env.DUCKDB_THREADS) : null,
		// DuckDB defaults to 80% of RAM. 512 MB for DuckDB leaves room for Node's heap and large answers
		// within 1 GB for the whole process, at forty times the demo (npm run bench).
		memoryLimit: env.DUCKDB_MEMORY_LIMIT ?? '512MB'
	};
}
