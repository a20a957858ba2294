import { sha256 } from '@oslojs/crypto/sha2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
	createSession,
	generateSessionToken,
	invalidateSession,
	invalidateUserSessions,
	sessionConfigFromEnv,
	sessionLifetimeMs,
	validateSessionToken
} from '../../src/lib/server/auth/session.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import type { Database } from '../../src/lib/server/db/index.ts';
import { freshDatabase } from './helpers.ts';

const day = 24 * 60 * 60 * 1000;
const start = new Date('2026-03-02T09:00:00Z');
const later = (days: number) => new Date(start.getTime() + days * day);

let db: Database;
let cleanup: () => void;
let userId: string;

beforeEach(async () => {
	({ db, cleanup } = await freshDatabase());
	userId = await createUser(db, { email: 'exec@example.test', role: 'executive', password: 'correct horse' });
});
afterEach(() => cleanup());

describe('sessions', () => {
	it('a new token validates to its session and the signed-in user', async () => {
		const token = generateSessionToken();
		const session = await createSession(db, token, userId, start);
		expect(session.expiresAt).toEqual(new Date(start.getTime() + sessionLifetimeMs));

		const result = await validateSessionToken(db, token, later(1));
		expect(result.session?.id).toBe(session.id);
		expect(result.user).toEqual({
			id: userId,
			email: 'exec@example.test',
			name: 'exec',
			role: 'executive',
			repId: null,
			teamIds: []
		});
	});

	it('tokens are <id>.<secret>, each 24 characters (120 random bits), and never repeat', () => {
		const tokens = new Set(Array.from({ length: 1000 }, generateSessionToken));
		expect(tokens.size).toBe(1000);
		for (const token of tokens) expect(token).toMatch(/^[a-z2-7]{24}\.[a-z2-7]{24}$/);
	});

	it('keeps its expiry while more than 15 days remain, and is renewed to 30 days once fewer do', async () => {
		const token = generateSessionToken();
		const session = await createSession(db, token, userId, start);

		const early = await validateSessionToken(db, token, later(14));
		expect(early.session?.expiresAt).toEqual(session.expiresAt);

		const renewed = await validateSessionToken(db, token, later(16));
		expect(renewed.session?.expiresAt).toEqual(new Date(later(16).getTime() + sessionLifetimeMs));
		// Stored, not just returned: 40 days after the start it is still valid.
		expect((await validateSessionToken(db, token, later(40))).user?.id).toBe(userId);
	});

	it('an expired session is refused and deleted', async () => {
		const token = generateSessionToken();
		await createSession(db, token, userId, start);
		expect(await validateSessionToken(db, token, later(30))).toEqual({ session: null, user: null });
		expect(await db.all('SELECT id FROM sessions')).toEqual([]);
	});

	it('signing out deletes the session, so the same token stops working', async () => {
		const token = generateSessionToken();
		const session = await createSession(db, token, userId, start);
		await invalidateSession(db, session.id);
		expect((await validateSessionToken(db, token, later(1))).session).toBeNull();
	});

	it('signing a user out everywhere ends all of their sessions', async () => {
		const tokens = [generateSessionToken(), generateSessionToken()];
		for (const token of tokens) await createSession(db, token, userId, start);
		await invalidateUserSessions(db, userId);
		for (const token of tokens) expect((await validateSessionToken(db, token, later(1))).session).toBeNull();
	});

	it('a token with a tampered secret is refused, and does not sign the real owner out', async () => {
		const token = generateSessionToken();
		await createSession(db, token, userId, start);
		const [id, secret] = token.split('.');
		const tampered = `${id}.${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
		expect(await validateSessionToken(db, tampered, later(1))).toEqual({ session: null, user: null });
		expect(await validateSessionToken(db, id, later(1))).toEqual({ session: null, user: null });
		expect(await validateSessionToken(db, `${id}.`, later(1))).toEqual({ session: null, user: null });
		expect((await validateSessionToken(db, token, later(1))).user?.id).toBe(userId);
	});

	it('stores only the SHA-256 of the secret: the secret itself is nowhere in the sessions table', async () => {
		const token = generateSessionToken();
		await createSession(db, token, userId, start);
		const [id, secret] = token.split('.');

		const rows = await db.all<{ everything: string; secret_hash: Uint8Array }>(
			`SELECT concat_ws('|', id, hex(secret_hash), secret_hash::VARCHAR, user_id, created_at, expires_at) AS everything,
				secret_hash
			FROM sessions`
		);
		expect(rows).toHaveLength(1);
		expect(rows[0].everything).toContain(id);
		expect(rows[0].everything).not.toContain(secret);
		expect(rows[0].everything.toLowerCase()).not.toContain(Buffer.from(secret).toString('hex'));
		expect(new Uint8Array(rows[0].secret_hash)).toEqual(sha256(new TextEncoder().encode(secret)));
	});

	it('a deactivated user is not signed in, even by a session that somehow survived', async () => {
		const token = generateSessionToken();
		await createSession(db, token, userId, start);
		await db.write((tx) => tx.run('UPDATE users SET active = false WHERE id = $id', { id: userId }));
		expect((await validateSessionToken(db, token, later(1))).user).toBeNull();
	});

	it('ends 90 days after signing in however active it was: renewals stop at the absolute end', async () => {
		const token = generateSessionToken();
		const session = await createSession(db, token, userId, start);
		// Used every week: renewed again and again, but never past day 90.
		for (let d = 7; d < 90; d += 7) expect((await validateSessionToken(db, token, later(d))).user?.id, `day ${d}`).toBe(userId);
		const lastWeek = await validateSessionToken(db, token, later(84));
		expect(lastWeek.session?.expiresAt).toEqual(later(90));
		expect(lastWeek.session?.createdAt).toEqual(session.createdAt);

		expect(await validateSessionToken(db, token, later(90))).toEqual({ session: null, user: null });
		expect(await db.all('SELECT id FROM sessions')).toEqual([]);
	});

	it('the absolute lifetime follows SESSION_MAX_DAYS, and applies to sessions created under a longer one', async () => {
		const token = generateSessionToken();
		// Created under the default of 90 days, then the operator lowers it to 7.
		const session = await createSession(db, token, userId, start);
		expect(session.expiresAt).toEqual(later(30));
		const week = sessionConfigFromEnv({ SESSION_MAX_DAYS: '7' }).maxAgeMs;
		expect((await validateSessionToken(db, token, later(6), week)).session?.expiresAt).toEqual(later(7));
		expect((await validateSessionToken(db, token, later(7), week)).session).toBeNull();

		const short = generateSessionToken();
		expect((await createSession(db, short, userId, start, week)).expiresAt).toEqual(later(7));
	});

	it('the session settings come from ORIGIN and SESSION_MAX_DAYS', () => {
		expect(sessionConfigFromEnv({})).toEqual({ cookieName: 'session', secureCookie: false, maxAgeMs: 90 * day });
		expect(sessionConfigFromEnv({ ORIGIN: 'http://localhost:3000' })).toMatchObject({ cookieName: 'session', secureCookie: false });
		// Over https the cookie is Secure and carries the __Host- prefix (Path=/, no Domain).
		expect(sessionConfigFromEnv({ ORIGIN: 'https://coach.example.com', SESSION_MAX_DAYS: '30' })).toEqual({
			cookieName: '__Host-session',
			secureCookie: true,
			maxAgeMs: 30 * day
		});
		for (const bad of ['0', '-1', 'ninety']) expect(() => sessionConfigFromEnv({ SESSION_MAX_DAYS: bad })).toThrow(/SESSION_MAX_DAYS/);
	});

	it('a validation remembered from an earlier request never outlives a sign-out, a deactivation, a wrong secret or the expiry', async () => {
		const token = generateSessionToken();
		const session = await createSession(db, token, userId, start);
		const [id, secret] = token.split('.');
		// Asked twice: the second answer may come from memory, and must be the same.
		const first = await validateSessionToken(db, token, later(1));
		expect(await validateSessionToken(db, token, later(2))).toEqual(first);
		expect(await validateSessionToken(db, `${id}.${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`, later(2))).toEqual({
			session: null,
			user: null
		});
		// No write in between, only time: past the expiry it is refused all the same.
		expect((await validateSessionToken(db, token, new Date(session.expiresAt.getTime() + 1))).session).toBeNull();

		const other = generateSessionToken();
		await createSession(db, other, userId, later(3));
		expect((await validateSessionToken(db, other, later(4))).user?.id).toBe(userId);
		await db.write((tx) => tx.run('UPDATE users SET active = false WHERE id = $id', { id: userId }));
		expect((await validateSessionToken(db, other, later(4))).user).toBeNull();

		await db.write((tx) => tx.run('UPDATE users SET active = true WHERE id = $id', { id: userId }));
		const third = generateSessionToken();
		const thirdSession = await createSession(db, third, userId, later(5));
		expect((await validateSessionToken(db, third, later(6))).session?.id).toBe(thirdSession.id);
		await invalidateSession(db, thirdSession.id);
		expect((await validateSessionToken(db, third, later(6))).session).toBeNull();
	});
});
