import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.ts';

declare module 'vitest' {
	export interface ProvidedContext {
		/** The test cluster's admin URL, in the `postgres` project: app state then lives in PostgreSQL. */
		appStatePostgresUrl: string;
	}
}

/** One PostgreSQL for the whole `postgres` project; each test's database is a fresh one in it. */
export default function setup(project: TestProject) {
	const server = startPostgres(Number(process.env.TEST_POSTGRES_PORT ?? 55432));
	project.provide('appStatePostgresUrl', server.url);
	return () => server.stop();
}
