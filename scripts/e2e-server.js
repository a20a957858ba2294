// Seeds a fresh demo database for the browser tests, then serves the built app on it.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { serverArgs, serverEnv } from './server-command.js';

const port = process.env.PORT ?? '4173';
const databasePath = path.resolve('.test-output', 'e2e.duckdb');
fs.mkdirSync(path.dirname(databasePath), { recursive: true });
for (const file of [databasePath, `${databasePath}.wal`]) fs.rmSync(file, { force: true });

// Uploads wait in a folder of this run's own, not the temp directory other servers on the machine share.
const env = { ...process.env, DATABASE_PATH: databasePath, UPLOAD_DIR: path.resolve('.test-output', 'uploads') };
// A fixed "until" keeps the demo company identical from run to run.
const seed = spawnSync('npx', ['tsx', 'scripts/seed.ts', '--demo', '--until', '2026-11-23'], { env, stdio: 'inherit' });
if (seed.status !== 0) process.exit(seed.status ?? 1);

const server = spawn(process.execPath, serverArgs, {
	// DEMO=1 as `npm run demo` sets it: the tests sign in as the demo accounts the sign-in page names.
	env: { ...env, PORT: port, ORIGIN: `http://localhost:${port}`, ...serverEnv, DEMO: '1' },
	stdio: 'inherit'
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
