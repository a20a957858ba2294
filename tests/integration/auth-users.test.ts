import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDemoUsers, defaultDemoPassword, demoAccountsHint, isDemoMode } from '../../src/lib/server/auth/demo-users.ts';
import { verifyPassword } from '../../src/lib/server/auth/password.ts';
import { scopeForUser } from '../../src/lib/server/auth/scope.ts';
import { createSession, generateSessionToken, validateSessionToken } from '../../src/lib/server/auth/session.ts';
import {
	changeRole,
	createUser,
	deactivateUser,
	findUserByEmail,
	linkRep,
	listUsers,
	reactivateUser,
	resetPassword,
	sessionUserById,
	updateUser,
	UserInputError,
	verifySignIn
} from '../../src/lib/server/auth/users.ts';
import type { Database } from '../../src/lib/server/db/index.ts';
import { freshDatabase } from './helpers.ts';

let db: Database;
let cleanup: () => void;

/** Two teams and four reps: Anna and Ben sell in Nord, Carla in Süd, Dora in no team yet. */
async function seedTeams(db: Database) {
	await db.write(async (tx) => {
		await tx.run(`INSERT INTO teams (id, name) VALUES (1, 'Nord'), (2, 'Süd'), (3, 'West')`);
		await tx.run(`INSERT INTO reps (id, email, name, role, team_id) VALUES
			(11, 'anna@example.test', 'Anna Albers', 'AE', 1),
			(12, 'ben@example.test', 'Ben Brandt', 'SDR', 1),
			(13, 'carla@example.test', 'Carla Conti', 'AM', 2),
			(14, 'Dora@Example.test', 'Dora Dietz', 'KAM', NULL)`);
	});
}

async function problemsOf(promise: Promise<unknown>) {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(UserInputError);
	return (error as UserInputError).problems;
}

const signIn = (email: string, password: string) =>
	verifySignIn(db, { email, password, clientAddress: '203.0.113.1' });

beforeEach(async () => {
	({ db, cleanup } = await freshDatabase());
	await seedTeams(db);
});
afterEach(() => cleanup());

describe('creating users', () => {
	it('creates a leader with teams, who can then sign in with the initial password', async () => {
		const id = await createUser(db, {
			email: ' Lena@Example.test ',
			name: 'Lena Lang',
			role: 'leader',
			teams: ['Nord', 'Süd'],
			password: 'initial-password'
		});
		expect(await db.read((q) => findUserByEmail(q, 'lena@example.test'))).toMatchObject({
			id,
			email: 'lena@example.test',
			name: 'Lena Lang',
			role: 'leader',
			active: true,
			teams: ['Nord', 'Süd']
		});
		expect(await signIn('LENA@example.test', 'initial-password')).toEqual({ ok: true, userId: id });
	});

	it("a rep user is linked by the rep's e-mail and named after the rep by default", async () => {
		await createUser(db, { email: 'carla@example.test', role: 'rep', repEmail: 'CARLA@example.test', password: 'initial-password' });
		expect(await db.read((q) => findUserByEmail(q, 'carla@example.test'))).toMatchObject({
			name: 'Carla Conti',
			repId: 13,
			repEmail: 'carla@example.test',
			teams: []
		});
	});

	it('reports every problem at once, by field', async () => {
		await createUser(db, { email: 'taken@example.test', role: 'executive', password: 'initial-password' });
		expect(
			await problemsOf(
				createUser(db, { email: 'taken@example.test', role: 'boss', repEmail: 'nobody@example.test', password: 'short' })
			)
		).toEqual({
			email: { code: 'email_taken', detail: 'taken@example.test' },
			role: { code: 'role_invalid', detail: 'boss' },
			repEmail: { code: 'rep_not_found', detail: 'nobody@example.test' },
			password: { code: 'password_too_short' }
		});
		expect(await problemsOf(createUser(db, { email: 'not-an-email', role: 'rep', password: 'initial-password' }))).toEqual({
			email: { code: 'email_invalid', detail: 'not-an-email' },
			repEmail: { code: 'rep_required' }
		});
		expect(await problemsOf(createUser(db, { email: 'l@example.test', role: 'leader', teams: ['Ost'], password: 'initial-password' })))
			.toEqual({ teams: { code: 'team_not_found', detail: 'Ost' } });
		expect(await problemsOf(createUser(db, { email: 'l@example.test', role: 'leader', password: 'initial-password' }))).toEqual({
			teams: { code: 'teams_required' }
		});
		expect(await db.all('SELECT email FROM users')).toEqual([{ email: 'taken@example.test' }]);
	});

	it('the English message names what is wrong, for the command line', async () => {
		const error = await createUser(db, { email: 'x@example.test', role: 'boss', password: 'initial-password' }).catch((e) => e);
		expect(error.message).toBe('"boss" is not a role; use one of admin, executive, leader, rep.');
	});

	it('one rep record has at most one user', async () => {
		await createUser(db, { email: 'anna@example.test', role: 'rep', repEmail: 'anna@example.test', password: 'initial-password' });
		expect(
			await problemsOf(createUser(db, { email: 'anna2@example.test', role: 'rep', repEmail: 'anna@example.test', password: 'initial-password' }))
		).toEqual({ repEmail: { code: 'rep_taken', detail: 'anna@example.test' } });
	});
});

describe('changing users', () => {
	it('changes a role; a leader who becomes executive loses their teams, a rep needs a rep record', async () => {
		const id = await createUser(db, { email: 'lena@example.test', role: 'leader', teams: ['Nord'], password: 'initial-password' });
		await changeRole(db, id, 'executive');
		expect(await db.read((q) => sessionUserById(q, id))).toMatchObject({ role: 'executive', teamIds: [] });
		expect(await db.all('SELECT * FROM user_teams')).toEqual([]);

		expect(await problemsOf(changeRole(db, id, 'rep'))).toEqual({ repEmail: { code: 'rep_required' } });
		await updateUser(db, id, { role: 'rep', repEmail: 'dora@example.test' });
		expect(await db.read((q) => sessionUserById(q, id))).toMatchObject({ role: 'rep', repId: 14, teamIds: [] });
	});

	it('links and unlinks a rep', async () => {
		const id = await createUser(db, { email: 'ben.b@example.test', role: 'executive', password: 'initial-password' });
		await linkRep(db, id, 'ben@example.test');
		expect((await db.read((q) => sessionUserById(q, id)))?.repId).toBe(12);
		await linkRep(db, id, null);
		expect((await db.read((q) => sessionUserById(q, id)))?.repId).toBeNull();
		expect(await problemsOf(linkRep(db, id, 'nobody@example.test'))).toEqual({
			repEmail: { code: 'rep_not_found', detail: 'nobody@example.test' }
		});
	});

	it('a leader keeps their teams when only other things change, and can move to other teams', async () => {
		const id = await createUser(db, { email: 'lena@example.test', role: 'leader', teams: ['Nord'], password: 'initial-password' });
		await linkRep(db, id, 'anna@example.test');
		expect(await db.read((q) => sessionUserById(q, id))).toMatchObject({ repId: 11, teamIds: [1] });
		await updateUser(db, id, { teams: ['Süd', 'West'] });
		expect((await db.read((q) => sessionUserById(q, id)))?.teamIds).toEqual([2, 3]);
	});

	it('resetting a password replaces the old one and signs the user out everywhere', async () => {
		const id = await createUser(db, { email: 'exec@example.test', role: 'executive', password: 'initial-password' });
		const token = generateSessionToken();
		await createSession(db, token, id);
		await resetPassword(db, id, 'brand-new-password');
		expect((await validateSessionToken(db, token)).session).toBeNull();
		expect(await signIn('exec@example.test', 'initial-password')).toEqual({ ok: false, reason: 'invalid' });
		expect(await signIn('exec@example.test', 'brand-new-password')).toEqual({ ok: true, userId: id });
		expect(await problemsOf(resetPassword(db, id, 'short'))).toEqual({ password: { code: 'password_too_short' } });
	});

	it('someone resetting their own password stays signed in where they did it, and only there', async () => {
		const id = await createUser(db, { email: 'root@example.test', role: 'admin', password: 'initial-password' });
		const here = generateSessionToken();
		const elsewhere = generateSessionToken();
		const session = await createSession(db, here, id);
		await createSession(db, elsewhere, id);
		await resetPassword(db, id, 'brand-new-password', { keepSessionId: session.id });
		expect((await validateSessionToken(db, here)).user?.id).toBe(id);
		expect((await validateSessionToken(db, elsewhere)).user).toBeNull();
	});

	it('deactivating a user deletes their sessions and refuses their sign-in until reactivated', async () => {
		const id = await createUser(db, { email: 'exec@example.test', role: 'executive', password: 'initial-password' });
		const token = generateSessionToken();
		await createSession(db, token, id);
		await deactivateUser(db, id);

		expect(await db.all('SELECT id FROM sessions WHERE user_id = $id', { id })).toEqual([]);
		expect((await validateSessionToken(db, token)).user).toBeNull();
		expect(await signIn('exec@example.test', 'initial-password')).toEqual({ ok: false, reason: 'invalid' });

		await reactivateUser(db, id);
		expect(await signIn('exec@example.test', 'initial-password')).toEqual({ ok: true, userId: id });
	});

	it('the last active admin cannot be demoted or deactivated', async () => {
		const first = await createUser(db, { email: 'root@example.test', role: 'admin', password: 'initial-password' });
		expect(await problemsOf(changeRole(db, first, 'executive'))).toEqual({ role: { code: 'last_admin' } });
		expect(await problemsOf(deactivateUser(db, first))).toEqual({ user: { code: 'last_admin' } });

		await createUser(db, { email: 'second@example.test', role: 'admin', password: 'initial-password' });
		await deactivateUser(db, first);
		expect((await db.read((q) => listUsers(q))).map((u) => [u.email, u.active])).toEqual([
			['second@example.test', true],
			['root@example.test', false]
		]);
	});
});

describe('signing in', () => {
	it('an unknown e-mail and a wrong password get the same answer', async () => {
		await createUser(db, { email: 'exec@example.test', role: 'executive', password: 'initial-password' });
		expect(await signIn('nobody@example.test', 'initial-password')).toEqual({ ok: false, reason: 'invalid' });
		expect(await signIn('exec@example.test', 'wrong-password')).toEqual({ ok: false, reason: 'invalid' });
	});

	it('after five failures even the right password waits, with the time to wait', async () => {
		const id = await createUser(db, { email: 'exec@example.test', role: 'executive', password: 'initial-password' });
		const now = new Date();
		for (let i = 0; i < 5; i++) {
			expect(await verifySignIn(db, { email: 'exec@example.test', password: 'guess', clientAddress: '203.0.113.1' }, now)).toEqual({
				ok: false,
				reason: 'invalid'
			});
		}
		expect(
			await verifySignIn(db, { email: 'exec@example.test', password: 'initial-password', clientAddress: '192.0.2.1' }, now)
		).toEqual({ ok: false, reason: 'throttled', retryAfterSeconds: 15 });
		const later = new Date(now.getTime() + 15_000);
		expect(
			await verifySignIn(db, { email: 'exec@example.test', password: 'initial-password', clientAddress: '192.0.2.1' }, later)
		).toEqual({ ok: true, userId: id });
	});
});

describe('who sees what', () => {
	it("a leader's scope covers exactly their teams' reps", async () => {
		const id = await createUser(db, { email: 'lena@example.test', role: 'leader', teams: ['Nord', 'West'], password: 'initial-password' });
		const scope = await db.read(async (q) => scopeForUser(q, (await sessionUserById(q, id))!));
		expect(scope).toEqual({ role: 'leader', repIds: [11, 12], teamIds: [1, 3], ownRepId: null });
	});

	it("a rep's scope is exactly their own rep record, with their team for totals", async () => {
		const id = await createUser(db, { email: 'carla@example.test', role: 'rep', repEmail: 'carla@example.test', password: 'initial-password' });
		const user = await db.read((q) => sessionUserById(q, id));
		expect(user).toMatchObject({ role: 'rep', repId: 13, teamIds: [2] });
		const scope = await db.read((q) => scopeForUser(q, user!));
		expect(scope).toEqual({ role: 'rep', repIds: [13], teamIds: [2], ownRepId: 13 });
	});
});

describe('demo users', () => {
	it('creates admin, executive, one leader per team in id order and one user per rep, all with the demo password', async () => {
		await db.write((tx) => createDemoUsers(tx, defaultDemoPassword));
		const users = await db.read((q) => listUsers(q));
		expect(users.map((u) => [u.email, u.role, u.repId, u.teams]).sort()).toEqual(
			[
				['admin@demo.test', 'admin', null, []],
				['anna@example.test', 'rep', 11, []],
				['ben@example.test', 'rep', 12, []],
				['carla@example.test', 'rep', 13, []],
				['dora@example.test', 'rep', 14, []],
				['exec@demo.test', 'executive', null, []],
				['leader1@demo.test', 'leader', null, ['Nord']],
				['leader2@demo.test', 'leader', null, ['Süd']],
				['leader3@demo.test', 'leader', null, ['West']]
			].sort()
		);
		// One hash shared by all: hashed once.
		expect(await db.all('SELECT count(DISTINCT password_hash)::INTEGER AS n FROM users')).toEqual([{ n: 1 }]);
		const { password_hash } = (await db.one<{ password_hash: string }>('SELECT password_hash FROM users LIMIT 1'))!;
		expect(await verifyPassword(password_hash, defaultDemoPassword)).toBe(true);
		expect(await signIn('leader2@demo.test', defaultDemoPassword)).toMatchObject({ ok: true });
	});

	it('running it again changes nothing', async () => {
		await db.write((tx) => createDemoUsers(tx, defaultDemoPassword));
		const before = await db.all('SELECT id, email, password_hash FROM users ORDER BY email');
		const teamsBefore = await db.all('SELECT * FROM user_teams ORDER BY user_id, team_id');
		await db.write((tx) => createDemoUsers(tx, 'another-password'));
		expect(await db.all('SELECT id, email, password_hash FROM users ORDER BY email')).toEqual(before);
		expect(await db.all('SELECT * FROM user_teams ORDER BY user_id, team_id')).toEqual(teamsBefore);
	});

	it('in demo mode the sign-in page mentions them, with the password only when it is the default (or asked for) and works', async () => {
		const demo = { DEMO: '1' };
		expect(await db.read((q) => demoAccountsHint(q, demo))).toBeNull();
		await db.write((tx) => createDemoUsers(tx, defaultDemoPassword));
		expect(await db.read((q) => demoAccountsHint(q, demo))).toEqual({
			accounts: [
				{ email: 'admin@demo.test', role: 'admin' },
				{ email: 'exec@demo.test', role: 'executive' },
				{ email: 'leader1@demo.test', role: 'leader' },
				{ email: 'anna@example.test', role: 'rep' }
			],
			password: defaultDemoPassword
		});
		expect((await db.read((q) => demoAccountsHint(q, { ...demo, DEMO_PASSWORD: 'secret-pw' })))?.password).toBeNull();
		expect((await db.read((q) => demoAccountsHint(q, { ...demo, DEMO_PASSWORD: 'secret-pw', SHOW_DEMO_PASSWORD: 'true' })))?.password).toBeNull();

		const admin = await db.read((q) => findUserByEmail(q, 'admin@demo.test'));
		await resetPassword(db, admin!.id, 'changed-by-admin');
		expect((await db.read((q) => demoAccountsHint(q, demo)))?.password).toBeNull();
	});

	it('outside demo mode the sign-in page names no account and no password, even when the demo accounts exist with the default password', async () => {
		await db.write((tx) => createDemoUsers(tx, defaultDemoPassword));
		for (const env of [{}, { DEMO: '' }, { DEMO: '0' }, { DEMO: 'false' }, { SHOW_DEMO_PASSWORD: 'true' }]) {
			expect(await db.read((q) => demoAccountsHint(q, env)), JSON.stringify(env)).toBeNull();
		}
	});

	it('demo mode is what the operator says: DEMO=1 or DEMO=true, set by npm run demo', () => {
		expect(isDemoMode({ DEMO: '1' })).toBe(true);
		expect(isDemoMode({ DEMO: 'true' })).toBe(true);
		expect(isDemoMode({ DEMO: ' TRUE ' })).toBe(true);
		expect(isDemoMode({})).toBe(false);
		expect(isDemoMode({ DEMO: '0' })).toBe(false);
		expect(isDemoMode({ DEMO: 'no' })).toBe(false);
		expect(isDemoMode({ DEMO_PASSWORD: 'pipeline-demo' })).toBe(false);
	});
});
