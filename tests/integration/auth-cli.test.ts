import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/lib/server/auth/password.ts';
import { Database } from '../../src/lib/server/db/database.ts';

const root = path.resolve(import.meta.dirname, '../..');
let dir: string;
let file: string;

/** `npm run user -- ...` as a script would run it: a child process, the password piped in. */
function user(args: string[], stdin = '') {
	const result = spawnSync('npx', ['tsx', 'scripts/user.ts', ...args], {
		cwd: root,
		input: stdin,
		encoding: 'utf8',
		env: { ...process.env, DATABASE_PATH: file, DUCKDB_THREADS: '1' },
		timeout: 60_000
	});
	// npx itself may warn about the machine's npm configuration; that is not the script talking.
	const stderr = result.stderr
		.split('\n')
		.filter((line) => !line.startsWith('npm warn'))
		.join('\n');
	return { status: result.status, stdout: result.stdout, stderr };
}

async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
	const db = await Database.open({ path: file, threads: 1, memoryLimit: '512MB' });
	try {
		return await work(db);
	} finally {
		db.close();
	}
}

beforeEach(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-user-cli-'));
	file = path.join(dir, 'cli.duckdb');
	await withDatabase((db) =>
		db.write(async (tx) => {
			await tx.run(`INSERT INTO teams (id, name) VALUES (1, 'Nord')`);
			await tx.run(`INSERT INTO reps (id, email, name, role, team_id) VALUES (11, 'anna@example.test', 'Anna Albers', 'AE', 1)`);
		})
	);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npm run user', () => {
	it('adds a leader with the password from standard input, who can then be verified', async () => {
		const added = user(['add', '--email', 'Lena@Example.test', '--role', 'leader', '--name', 'Lena Lang', '--team', 'Nord'], 'piped-password\n');
		expect(added.stderr).toBe('');
		expect(added.stdout).toBe('Added leader lena@example.test (Lena Lang).\n');
		expect(added.status).toBe(0);

		const stored = await withDatabase((db) =>
			db.one<{ password_hash: string; role: string; teams: string[] }>(
				`SELECT password_hash, role, (SELECT list(t.name) FROM user_teams ut JOIN teams t ON t.id = ut.team_id WHERE ut.user_id = u.id) AS teams
				FROM users u WHERE email = 'lena@example.test'`
			)
		);
		expect(stored).toMatchObject({ role: 'leader', teams: ['Nord'] });
		expect(await verifyPassword(stored!.password_hash, 'piped-password')).toBe(true);
	});

	it('lists, resets a password and deactivates', async () => {
		expect(user(['add', '--email', 'anna@example.test', '--role', 'rep', '--rep', 'anna@example.test'], 'first-password').status).toBe(0);
		const listed = user(['list']);
		expect(listed.status).toBe(0);
		expect(listed.stdout).toMatch(/anna@example\.test\s+rep\s+Anna Albers\s+anna@example\.test\s+active/);

		const reset = user(['reset-password', '--email', 'anna@example.test'], 'second-password\n');
		expect(reset.stdout).toContain('New password set for anna@example.test');
		expect(reset.status).toBe(0);
		const deactivated = user(['deactivate', '--email', 'anna@example.test']);
		expect(deactivated.status).toBe(0);

		const row = await withDatabase((db) =>
			db.one<{ password_hash: string; active: boolean }>(`SELECT password_hash, active FROM users WHERE email = 'anna@example.test'`)
		);
		expect(row?.active).toBe(false);
		expect(await verifyPassword(row!.password_hash, 'second-password')).toBe(true);
	});

	it('a bad role is a clear one-line error and a non-zero exit, before any password is read', () => {
		const result = user(['add', '--email', 'x@example.test', '--role', 'boss']);
		expect(result.status).toBe(1);
		expect(result.stderr).toBe('Error: "boss" is not a role; use one of admin, executive, leader, rep.\n');
	});

	it('mistakes are explained without a stack trace', () => {
		const cases = [
			{ args: ['add', '--email', 'x@example.test', '--role', 'rep', '--rep', 'nobody@example.test'], stdin: 'long-enough', message: 'No rep has the e-mail nobody@example.test.' },
			{ args: ['add', '--email', 'x@example.test', '--role', 'executive'], stdin: '', message: 'No password on standard input' },
			{ args: ['add', '--email', 'x@example.test', '--role', 'executive'], stdin: 'short\n', message: 'at least 8 characters' },
			{ args: ['deactivate', '--email', 'nobody@example.test'], stdin: '', message: 'No user has the e-mail nobody@example.test' },
			{ args: ['promote'], stdin: '', message: 'Unknown command "promote"' },
			{ args: ['add', '--mail', 'x'], stdin: '', message: "Unknown option '--mail'" }
		];
		for (const { args, stdin, message } of cases) {
			const result = user(args, stdin);
			expect(result.status, args.join(' ')).toBe(1);
			expect(result.stderr).toContain(message);
			expect(result.stderr).not.toMatch(/\n\s+at /);
		}
	});
});
