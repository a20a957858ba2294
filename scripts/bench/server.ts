import { spawn, type ChildProcess } from 'node:child_process';
import { factsReadyMessage } from '../../src/lib/server/metrics/warm.ts';
import { round } from './seed.ts';
import fs from 'node:fs';
import { serverArgs, serverEnv } from '../server-command.js';

/** The built app (adapter-node) on its own port, with its memory watched for the whole run. */
export interface BenchServer {
	origin: string;
	pid: number;
	/** Highest resident memory seen so far, in MiB (the kernel's high-water mark). */
	maxRssMb(): number;
	/**
	 * Seconds from start until the server said its facts for the first pages are built (the
	 * background warm-up after start and after each import); measuring before would time requests
	 * against that build, not the questions. Null if it did not say so within the time given.
	 */
	factsReady(timeoutMs: number): Promise<number | null>;
	/** Why the server is gone, when it is: its exit code or signal and the end of its stderr. */
	death(): string | null;
	stop(): Promise<void>;
}

export async function startServer(
	databasePath: string,
	port: number,
	log: (line: string) => void,
	env: NodeJS.ProcessEnv = {}
): Promise<BenchServer> {
	if (!fs.existsSync('build/index.js')) {
		log('No build/ yet: npm run build ...');
		await waitFor(spawn('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] }));
	}
	const origin = `http://localhost:${port}`;
	const child = spawn(process.execPath, serverArgs, {
		env: { ...process.env, DATABASE_PATH: databasePath, PORT: String(port), ORIGIN: origin, ...serverEnv, ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const started = performance.now();
	let stderr = '';
	child.stderr!.on('data', (chunk) => (stderr += chunk));
	let readyAfter: number | null = null;
	const ready = new Promise<void>((resolve) => {
		let stdout = '';
		child.stdout!.on('data', (chunk) => {
			stdout = (stdout + chunk).slice(-4096);
			if (readyAfter === null && stdout.includes(factsReadyMessage)) {
				readyAfter = round((performance.now() - started) / 1000, 1);
				resolve();
			}
		});
	});
	let exited = false;
	let death: string | null = null;
	child.on('exit', (code, signal) => {
		exited = true;
		death = `the server exited (${signal ?? `code ${code}`}):\n${stderr.slice(-2000)}`;
	});

	const deadline = Date.now() + 60_000;
	for (;;) {
		if (exited) throw new Error(`The server exited while starting:\n${stderr}`);
		try {
			const response = await fetch(`${origin}/login`);
			if (response.ok) break;
		} catch {
			// Not listening yet.
		}
		if (Date.now() > deadline) throw new Error(`The server did not answer on ${origin} within 60 s:\n${stderr}`);
		await sleep(200);
	}

	let highWater = 0;
	const sample = () => {
		try {
			const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
			highWater = Math.max(highWater, kib(status, 'VmHWM') / 1024);
		} catch {
			// Gone already.
		}
	};
	const sampler = setInterval(sample, 250);
	return {
		origin,
		pid: child.pid!,
		maxRssMb: () => (sample(), Math.round(highWater)),
		async factsReady(timeoutMs) {
			await Promise.race([ready, sleep(timeoutMs)]);
			return readyAfter;
		},
		death: () => death,
		async stop() {
			sample();
			clearInterval(sampler);
			if (!exited) {
				child.kill('SIGTERM');
				await waitFor(child).catch(() => {});
			}
		}
	};
}

/** "VmHWM:   123456 kB" -> 123456 */
export function kib(status: string, field: string): number {
	const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
	return match ? Number(match[1]) : 0;
}

/** Signs in through the login form as a browser would, and returns the session cookie. */
export async function signIn(origin: string, email: string, password: string): Promise<string> {
	const response = await fetch(`${origin}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ email, password })
	});
	const cookie = response.headers.getSetCookie().find((c) => c.startsWith('session='));
	if (response.status !== 303 || !cookie) {
		throw new Error(`Signing in as ${email} answered ${response.status}, not 303 with a session cookie: ${(await response.text()).slice(0, 300)}`);
	}
	return cookie.split(';')[0];
}

/** One request's wall time in ms, body read to the end; throws on anything but 200. */
export async function timedGet(origin: string, path: string, cookie: string): Promise<number> {
	const started = performance.now();
	const response = await fetch(origin + path, { headers: { cookie } });
	const body = await response.text();
	const ms = performance.now() - started;
	if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${body.slice(0, 300)}`);
	return ms;
}

export function sleep(ms: number) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function waitFor(child: ChildProcess): Promise<void> {
	return new Promise((resolve, reject) => {
		child.on('error', reject);
		child.on('exit', (code, signal) => (code === 0 || signal ? resolve() : reject(new Error(`exited with ${code}`))));
	});
}
