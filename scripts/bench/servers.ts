import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Database } from '../../src/lib/server/db/index.ts';
import { freshPostgresDatabase, startPostgres } from '../../tests/support/postgres.ts';
import { startServer, type BenchServer } from './server.ts';

/**
 * Several built servers as issue 22 deploys them: app state in one PostgreSQL (a throwaway cluster
 * from Debian's package), the seeded snapshots published once to a Parquet lake that every server
 * loads from. The seeded file itself is left as it was.
 */
export interface BenchServers {
	origins: string[];
	maxRssMb(): number;
	stop(): Promise<void>;
}

export async function startServers(seededPath: string, count: number, firstPort: number, log: (line: string) => void): Promise<BenchServers> {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-coach-bench-servers-'));
	const cluster = startPostgres(Number(process.env.BENCH_POSTGRES_PORT ?? 55442));
	const started: BenchServer[] = [];
	const stop = async () => {
		for (const server of started.splice(0)) await server.stop();
		cluster.stop();
		fs.rmSync(root, { recursive: true, force: true });
	};
	try {
		const appState = await freshPostgresDatabase(cluster.url);
		const lake = path.join(root, 'lake');
		log(`Publishing the seeded data to a lake and its sign-ins to PostgreSQL (${count} servers) ...`);
		// A copy, so the seeded file stays a plain single-server database for the other sections.
		const copy = path.join(root, 'publisher.duckdb');
		fs.copyFileSync(seededPath, copy);
		const seeded = await Database.open({ path: copy, threads: null, memoryLimit: '1GB' });
		const users = await seeded.all('SELECT id, email, name, password_hash, role, rep_id, active FROM users');
		const teams = await seeded.all('SELECT user_id, team_id FROM user_teams');
		seeded.close();
		const publisher = await Database.open({ path: copy, threads: null, memoryLimit: '1GB', appDatabaseUrl: appState.url, lakePath: lake });
		try {
			await publisher.writeSnapshots(async (tx) => {
				await tx.run(
					`INSERT INTO users (id, email, name, password_hash, role, rep_id, active)
					SELECT id, email, name, password_hash, role, rep_id, active FROM json_populate_recordset(NULL::users, $rows::json)`,
					{ rows: JSON.stringify(users) }
				);
				await tx.run(`INSERT INTO user_teams SELECT * FROM json_populate_recordset(NULL::user_teams, $rows::json)`, { rows: JSON.stringify(teams) });
			});
		} finally {
			publisher.close();
		}
		for (let index = 0; index < count; index++) {
			const port = firstPort + index;
			log(`Starting server ${index + 1} of ${count} on port ${port} (it loads the lake) ...`);
			started.push(
				await startServer(path.join(root, `server-${index}.duckdb`), port, log, {
					APP_DATABASE_URL: appState.url,
					LAKE_PATH: lake,
					UPLOAD_DIR: path.join(root, `uploads-${index}`)
				})
			);
		}
	} catch (error) {
		await stop();
		throw error;
	}
	return {
		origins: started.map((server) => server.origin),
		maxRssMb: () => Math.max(...started.map((server) => server.maxRssMb())),
		stop
	};
}
