import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseConfig } from '../../src/lib/server/db/config.ts';
import { Database } from '../../src/lib/server/db/database.ts';
import type { LockDown } from '../../src/lib/server/db/lockdown.ts';
import { serverImportDirectories } from '../../src/lib/server/import/directories.ts';
import { inject } from 'vitest';
import { isHttpError, type RequestEvent } from '@sveltejs/kit';
import type { SessionUser } from '../../src/lib/server/auth/session.ts';
import { fixture } from '../fixtures/import/helpers.ts';
import { freshPostgresDatabase } from '../support/postgres.ts';

/**
 * In the `postgres` Vitest project (vitest.config.ts), every database a test opens keeps its app
 * state (users, sessions, notes, calls, ...) in a fresh PostgreSQL database: the same tests then
 * specify both stores.
 */
export const appStateOnPostgres = (): string | undefined => inject('appStatePostgresUrl');

/**
 * A fresh DuckDB file in a temp folder, migrated; removed by `cleanup`. Locked down as the server's
 * is, so tests see what the server allows; DuckDB may also reach the temp folder (where tests write
 * their files) and tests/fixtures/.
 */
export async function freshDatabase(
	config: Partial<DatabaseConfig> = {},
	options: { lockDown?: LockDown | false } = {}
): Promise<{ db: Database; dir: string; file: string; cleanup: () => Promise<void> }> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-coach-'));
	const file = path.join(dir, 'test.duckdb');
	const lockDown = options.lockDown ?? { directories: [dir, fixture(), ...serverImportDirectories()] };
	const server = appStateOnPostgres();
	const appState = server && !config.appDatabaseUrl ? await freshPostgresDatabase(server) : null;
	const db = await Database.open(
		{ path: file, threads: 2, memoryLimit: '1GB', ...(appState && { appDatabaseUrl: appState.url }), ...config },
		{ lockDown }
	);
	return {
		db,
		dir,
		file,
		cleanup: async () => {
			db.close();
			fs.rmSync(dir, { recursive: true, force: true });
			await appState?.drop();
		}
	};
}

/** What an endpoint answered: its status and JSON body (an `error(4xx)` thrown by it is an answer too). */
export interface EndpointAnswer<B = Record<string, unknown>> {
	status: number;
	body: B;
}

/**
 * Calls an endpoint's GET as SvelteKit would, with `user` signed in on `locals`, and reads its JSON.
 * `route` is the route id (default: the path), `params` the route's parameters.
 */
export async function askEndpoint<B = Record<string, unknown>>(
	handler: (event: never) => Promise<Response> | Response,
	path: string,
	user: SessionUser,
	{ route, params = {} }: { route?: string; params?: Record<string, string> } = {}
): Promise<EndpointAnswer<B>> {
	const url = new URL(`http://localhost${path}`);
	const event = { url, params, locals: { user, session: null }, route: { id: route ?? url.pathname }, request: new Request(url) };
	try {
		const response = await handler(event as unknown as RequestEvent as never);
		return { status: response.status, body: await response.json() };
	} catch (caught) {
		if (isHttpError(caught)) return { status: caught.status, body: caught.body as unknown as B };
		throw caught;
	}
}
