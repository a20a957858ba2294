// `npm run demo`: build, seed the demo company into an empty database, and serve it.
import { spawn, spawnSync } from 'node:child_process';
import { serverArgs, serverEnv } from './server-command.js';

const port = process.env.PORT ?? '3000';
const env = {
	...process.env,
	PORT: port,
	ORIGIN: process.env.ORIGIN ?? `http://localhost:${port}`,
	// Demo mode: the sign-in page names the demo accounts and their password (never outside it).
	DEMO: '1',
	UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? serverEnv.UV_THREADPOOL_SIZE
};
const run = (command, args) => spawnSync(command, args, { stdio: 'inherit', env }).status ?? 1;

if (run('npm', ['run', 'build']) !== 0) process.exit(1);
// --if-empty leaves a database that already holds data (demo or imported) untouched.
if (run('npx', ['tsx', 'scripts/seed.ts', '--demo', '--if-empty']) !== 0) process.exit(1);

const password = process.env.DEMO_PASSWORD ?? 'pipeline-demo';
console.log(`
Pipeline Coach is starting on ${env.ORIGIN}
Sign in with a demo account (password: ${password}):
  leader1@demo.test   sales leader of the first team (leader2, leader3 for the others)
  exec@demo.test      executive, all teams, read-only
  admin@demo.test     administrator (users and imports)
  any rep's e-mail    a rep sees only their own pipeline (listed on the Users page)
`);
const server = spawn(process.execPath, serverArgs, { env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
