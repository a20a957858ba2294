/**
 * Manage sign-ins from the command line, for the first admin and for scripts:
 *
 *   npm run user -- add --email E --role R [--name N] [--rep REP_EMAIL] [--team TEAM_NAME]...
 *   npm run user -- list
 *   npm run user -- deactivate --email E
 *   npm run user -- reset-password --email E
 *
 * Passwords come from standard input, never from arguments (those end up in shell history and
 * `ps`): typed without echo at a terminal, or piped, e.g. `printf '%s\n' "$PW" | npm run user -- add ...`.
 * The database is DATABASE_PATH (default data/pipeline.duckdb); stop the server first, because
 * DuckDB lets only one process open the file.
 */
import { parseArgs } from 'node:util';
import { Database } from '../src/lib/server/db/database.ts';
import { databaseConfigFromEnv } from '../src/lib/server/db/config.ts';
import { userRoles } from '../src/lib/domain/roles.ts';
import {
	createUser,
	deactivateUser,
	findUserByEmail,
	listUsers,
	resetPassword,
	UserInputError
} from '../src/lib/server/auth/users.ts';

const usage = `Usage:
  npm run user -- add --email E --role ROLE [--name N] [--rep REP_EMAIL] [--team TEAM_NAME]...
  npm run user -- list
  npm run user -- deactivate --email E
  npm run user -- reset-password --email E

ROLE is one of: ${userRoles.join(', ')}.
The password is read from standard input (typed without echo, or piped).`;

/** A mistake by whoever ran the command: print the message, exit 1, no stack trace. */
class CommandError extends Error {}

async function main(argv: string[]): Promise<void> {
	const [command, ...rest] = argv;
	if (!command || command === 'help' || command === '--help' || command === '-h') {
		console.log(usage);
		return;
	}
	let parsed;
	try {
		parsed = parseArgs({
			args: rest,
			options: {
				email: { type: 'string' },
				role: { type: 'string' },
				name: { type: 'string' },
				rep: { type: 'string' },
				team: { type: 'string', multiple: true }
			},
			strict: true,
			allowPositionals: false
		});
	} catch (error) {
		throw new CommandError(`${(error as Error).message}\n\n${usage}`);
	}
	const options = parsed.values;
	const requireEmail = () => {
		if (!options.email) throw new CommandError(`${command} needs --email.\n\n${usage}`);
		return options.email;
	};

	switch (command) {
		case 'add': {
			const email = requireEmail();
			if (!options.role) throw new CommandError(`add needs --role (one of ${userRoles.join(', ')}).`);
			// Check the role before asking for a password, so a typo does not cost a round of typing.
			if (!(userRoles as readonly string[]).includes(options.role)) {
				throw new CommandError(`"${options.role}" is not a role; use one of ${userRoles.join(', ')}.`);
			}
			const password = await readPassword(`Password for ${email}: `);
			await withDatabase(async (db) => {
				await createUser(db, {
					email,
					name: options.name,
					role: options.role!,
					repEmail: options.rep,
					teams: options.team ?? [],
					password
				});
				const user = await db.read((q) => findUserByEmail(q, email));
				console.log(`Added ${user!.role} ${user!.email} (${user!.name}).`);
			});
			return;
		}
		case 'list': {
			await withDatabase(async (db) => {
				const users = await db.read((q) => listUsers(q));
				if (users.length === 0) {
					console.log('No users yet. Add the first admin with: npm run user -- add --email E --role admin');
					return;
				}
				const rows = users.map((u) => [
					u.email,
					u.role,
					u.name,
					u.repEmail ?? '',
					u.teams.join(', '),
					u.active ? 'active' : 'deactivated'
				]);
				printTable(['e-mail', 'role', 'name', 'rep', 'teams', 'status'], rows);
			});
			return;
		}
		case 'deactivate': {
			const email = requireEmail();
			await withDatabase(async (db) => {
				const user = await existingUser(db, email);
				await deactivateUser(db, user.id);
				console.log(`Deactivated ${user.email}; their sessions are signed out.`);
			});
			return;
		}
		case 'reset-password': {
			const email = requireEmail();
			await withDatabase(async (db) => {
				// Look the user up first: asking for a password for nobody would waste the typing.
				const user = await existingUser(db, email);
				const password = await readPassword(`New password for ${user.email}: `);
				await resetPassword(db, user.id, password);
				console.log(`New password set for ${user.email}; their sessions are signed out.`);
			});
			return;
		}
		default:
			throw new CommandError(`Unknown command "${command}".\n\n${usage}`);
	}
}

async function existingUser(db: Database, email: string) {
	const user = await db.read((q) => findUserByEmail(q, email));
	if (!user) throw new CommandError(`No user has the e-mail ${email}. See them with: npm run user -- list`);
	return user;
}

async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
	let db: Database;
	try {
		db = await Database.open(databaseConfigFromEnv());
	} catch (error) {
		throw new CommandError((error as Error).message);
	}
	try {
		return await work(db);
	} finally {
		db.close();
	}
}

/** Standard input's first line; at a terminal, typed without echo and asked twice. */
async function readPassword(prompt: string): Promise<string> {
	if (!process.stdin.isTTY) {
		const text = await readAll(process.stdin);
		const password = text.split(/\r?\n/)[0] ?? '';
		if (!password) throw new CommandError('No password on standard input: pipe one in, or run this at a terminal.');
		return password;
	}
	const password = await promptHidden(prompt);
	if (!password) throw new CommandError('No password given.');
	const again = await promptHidden('Repeat it: ');
	if (again !== password) throw new CommandError('The two passwords differ; nothing was changed.');
	return password;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
	return Buffer.concat(chunks).toString('utf8');
}

function promptHidden(prompt: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const stdin = process.stdin;
		process.stderr.write(prompt);
		stdin.setRawMode(true);
		stdin.resume();
		stdin.setEncoding('utf8');
		let typed = '';
		const finish = (error?: Error) => {
			stdin.setRawMode(false);
			stdin.pause();
			stdin.off('data', onData);
			process.stderr.write('\n');
			if (error) reject(error);
			else resolve(typed);
		};
		const onData = (chunk: string) => {
			for (const character of chunk) {
				if (character === '\r' || character === '\n' || character === '\u0004') return finish();
				if (character === '\u0003') return finish(new CommandError('Cancelled; nothing was changed.'));
				if (character === '\u007f' || character === '\b') typed = typed.slice(0, -1);
				else typed += character;
			}
		};
		stdin.on('data', onData);
	});
}

function printTable(header: string[], rows: string[][]) {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
	const line = (cells: string[]) =>
		cells
			.map((cell, i) => cell.padEnd(widths[i]))
			.join('  ')
			.trimEnd();
	console.log(line(header));
	console.log(line(widths.map((w) => '-'.repeat(w))));
	for (const row of rows) console.log(line(row));
}

// process.exitCode, not process.exit(): the process ends once stdout has drained, so a long user
// list piped into a slower reader arrives whole.
main(process.argv.slice(2)).then(
	() => {
		process.exitCode = 0;
	},
	(error: unknown) => {
		if (error instanceof CommandError || error instanceof UserInputError) {
			console.error(`Error: ${error.message}`);
			process.exitCode = 1;
			return;
		}
		// A bug rather than a mistake: still one readable line, with the stack only on request.
		console.error(`Unexpected error: ${error instanceof Error ? error.message : String(error)}`);
		if (process.env.DEBUG) console.error(error);
		else console.error('Run again with DEBUG=1 to see the details.');
		process.exitCode = 2;
	}
);
