import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL for tests: Debian's `postgresql` package, a cluster in a temporary directory
 * on a local port, stopped and removed by `stop`. PostgreSQL refuses to run as root, so as root the
 * cluster belongs to the `postgres` user (stack notes, item 11).
 */
export interface TestPostgres {
	/** The cluster's `postgres` database, for creating and dropping others. */
	url: string;
	port: number;
	dir: string;
	/** Stops the server (it can be started again with `start`, the data kept). */
	halt(): void;
	start(): void;
	stop(): void;
}

export const postgresBin = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

function asOwner(command: string, args: string[]) {
	const full = path.join(postgresBin, command);
	const asRoot = process.getuid?.() === 0;
	execFileSync(asRoot ? 'runuser' : full, asRoot ? ['-u', 'postgres', '--', full, ...args] : args, { stdio: 'pipe' });
}

export function startPostgres(port: number): TestPostgres {
	if (!fs.existsSync(path.join(postgresBin, 'initdb'))) {
		throw new Error(`PostgreSQL is not installed at ${postgresBin} (apt-get install -y postgresql, or set POSTGRES_BIN).`);
	}
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-coach-pg-'));
	if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
	asOwner('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'app', '--no-sync']);
	const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
	const start = () => asOwner('pg_ctl', ['-D', path.join(dir, 'data'), '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
	const halt = () => asOwner('pg_ctl', ['-D', path.join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
	start();
	return {
		url: `postgres://app@127.0.0.1:${port}/postgres`,
		port,
		dir,
		halt,
		start,
		stop: () => {
			try {
				halt();
			} finally {
				fs.rmSync(dir, { recursive: true, force: true });
			}
		}
	};
}

/** A new, empty database in the cluster at `serverUrl`; `drop` removes it, ending its connections. */
export async function freshPostgresDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
	const name = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
	const admin = new pg.Client({ connectionString: serverUrl });
	await admin.connect();
	try {
		await admin.query(`CREATE DATABASE ${name}`);
	} finally {
		await admin.end();
	}
	const url = new URL(serverUrl);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		drop: async () => {
			const client = new pg.Client({ connectionString: serverUrl });
			await client.connect();
			try {
				await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
			} finally {
				await client.end();
			}
		}
	};
}
