import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { blobValue } from '@duckdb/node-api';
import type { Cookies } from '@sveltejs/kit';
import type { Database } from '../db/index.ts';
import type { UserRole } from '../../domain/roles.ts';
import { sessionUserById } from './users.ts';

/**
 * Sessions after lucia-auth.com's guide (2025): the browser holds a token `<id>.<secret>`, the
 * database holds the id and only the SHA-256 of the secret.
 *
 * - A leaked database file (a backup, a copied demo) signs nobody in: the secret is not in it, and
 *   120 random bits cannot be recovered from their hash.
 * - The id finds the row; looking it up by index is not constant-time, which is why it is not the
 *   secret. The secret is compared in constant time, so response times reveal nothing about it.
 * - A plain hash, not argon2, is right here: the secret is random with 120 bits of entropy, so there
 *   is nothing to brute-force, and every request validates a session.
 */

/** The signed-in person as every route sees it (`event.locals.user`). */
export interface SessionUser {
	id: string;
	email: string;
	name: string;
	role: UserRole;
	/** The rep record this user is, for a rep (and for a leader who also sells). */
	repId: number | null;
	/** A leader's teams; for a rep, their rep's team; empty for admin and executive. */
	teamIds: number[];
}

export interface Session {
	id: string;
	userId: string;
	createdAt: Date;
	expiresAt: Date;
}

export type SessionValidationResult = { session: Session; user: SessionUser } | { session: null; user: null };

const dayMs = 24 * 60 * 60 * 1000;
/** Sliding expiry: a session lives 30 days after it was last renewed... */
export const sessionLifetimeMs = 30 * dayMs;
/** ...and is renewed only when under 15 days remain, so an active user writes once a fortnight, not per request. */
export const sessionRenewalThresholdMs = 15 * dayMs;
/** ...but never beyond this long after signing in (`SESSION_MAX_DAYS`). */
export const defaultSessionMaxDays = 90;

export interface SessionConfig {
	/** `__Host-session` over https, `session` otherwise. */
	cookieName: string;
	secureCookie: boolean;
	/** The absolute lifetime: however active, a session ends this long after it was created. */
	maxAgeMs: number;
}

/**
 * Served over https (ORIGIN says so), the cookie is Secure and named with the `__Host-` prefix:
 * browsers then accept it only when it is Secure, for path /, and without a Domain, so neither
 * plain http nor a sibling subdomain can plant or overwrite a session. A plain-http demo on a LAN
 * keeps a plain cookie, which is the only one its browsers would send back.
 *
 * The absolute lifetime bounds what a stolen cookie is worth: renewals keep an active session
 * alive, but not for longer than this, after which its owner signs in again.
 */
export function sessionConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SessionConfig {
	const secureCookie = (env.ORIGIN ?? '').trim().toLowerCase().startsWith('https://');
	const raw = env.SESSION_MAX_DAYS?.trim();
	const days = raw ? Number(raw) : defaultSessionMaxDays;
	if (!Number.isFinite(days) || days <= 0) throw new Error(`SESSION_MAX_DAYS must be a number of days above 0; got "${raw}".`);
	return { cookieName: secureCookie ? '__Host-session' : 'session', secureCookie, maxAgeMs: days * dayMs };
}

/** This server's, decided once at start-up. */
export const sessionConfig = sessionConfigFromEnv();
export const sessionCookieName = sessionConfig.cookieName;

/** The latest a session may expire: the sliding 30 days from `now`, cut at its absolute end. */
function expiryAt(createdAt: Date, now: Date, maxAgeMs: number): Date {
	return new Date(Math.min(now.getTime() + sessionLifetimeMs, createdAt.getTime() + maxAgeMs));
}

/**
 * 15 random bytes are 120 bits: enough that guessing one of a million live sessions at a million
 * tries a second takes longer than the universe has existed. Base32 lowercase keeps the token
 * cookie- and URL-safe without escaping.
 */
function generateSecureRandomString(): string {
	return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(15)));
}

function hashSecret(secret: string): Uint8Array {
	return sha256(new TextEncoder().encode(secret));
}

/** A new `<id>.<secret>` token; nothing is stored until `createSession`. */
export function generateSessionToken(): string {
	return `${generateSecureRandomString()}.${generateSecureRandomString()}`;
}

function parseSessionToken(token: string): { id: string; secret: string } | null {
	const parts = token.split('.');
	if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
	return { id: parts[0], secret: parts[1] };
}

/** Stores a session for `token` (from `generateSessionToken`); the secret itself never reaches the database. */
export async function createSession(
	db: Database,
	token: string,
	userId: string,
	now = new Date(),
	maxAgeMs = sessionConfig.maxAgeMs
): Promise<Session> {
	const parts = parseSessionToken(token);
	if (!parts) throw new Error('A session token must look like <id>.<secret>.');
	const session: Session = {
		id: parts.id,
		userId,
		createdAt: now,
		expiresAt: expiryAt(now, now, maxAgeMs)
	};
	await db.write(async (tx) => {
		// Expired sessions are otherwise only removed when presented; signing in is rare enough to
		// afford sweeping the ones nobody will ever present again.
		await tx.run('DELETE FROM sessions WHERE expires_at <= epoch_ms($now::BIGINT)', { now: now.getTime() });
		await tx.run(
			`INSERT INTO sessions (id, secret_hash, user_id, created_at, expires_at)
			VALUES ($id, $secret_hash, $user_id, epoch_ms($created_at::BIGINT), epoch_ms($expires_at::BIGINT))`,
			{
				id: session.id,
				secret_hash: blobValue(hashSecret(parts.secret)),
				user_id: userId,
				created_at: session.createdAt.getTime(),
				expires_at: session.expiresAt.getTime()
			}
		);
	});
	return session;
}

/**
 * The session and user for a token, or nulls. Expired sessions, and those older than the absolute
 * lifetime, are deleted; sessions with under 15 days left are extended to 30, but never past the
 * absolute end (the caller re-sets the cookie with the new `expiresAt`).
 */
export async function validateSessionToken(
	db: Database,
	token: string,
	now = new Date(),
	maxAgeMs = sessionConfig.maxAgeMs
): Promise<SessionValidationResult> {
	const none = { session: null, user: null } as const;
	const parts = parseSessionToken(token);
	if (!parts) return none;

	// Every request asks this; while the database has committed no write since, the answer stands
	// (signing out, deactivating a user, a renewal: all are writes), as long as the session is neither
	// expired nor due for renewal. Counted before reading, so a write landing meanwhile is never missed.
	// With app state in PostgreSQL other servers sign people out too, so nothing is remembered there.
	const writes = db.writes;
	const known = db.appStateShared ? undefined : validated(db).get(parts.id);
	if (
		known &&
		known.writes === writes &&
		known.maxAgeMs === maxAgeMs &&
		constantTimeEqual(hashSecret(parts.secret), known.secretHash) &&
		now.getTime() < known.freshUntil
	) {
		return { session: { ...known.session }, user: { ...known.user, teamIds: [...known.user.teamIds] } };
	}

	const row = await db.one<{ id: string; secret_hash: Uint8Array; user_id: string; created_at: number; expires_at: number }>(
		`SELECT id, secret_hash, user_id, epoch_ms(created_at) AS created_at, epoch_ms(expires_at) AS expires_at
		FROM sessions WHERE id = $id`,
		{ id: parts.id }
	);
	if (!row) return none;
	// A wrong secret leaves the session alone: whoever guessed or saw an id must not be able to sign
	// its owner out.
	if (!constantTimeEqual(hashSecret(parts.secret), new Uint8Array(row.secret_hash))) return none;

	const session: Session = {
		id: row.id,
		userId: row.user_id,
		createdAt: new Date(row.created_at),
		expiresAt: new Date(row.expires_at)
	};
	// The absolute end is checked on its own too: sessions created before it existed, or before
	// SESSION_MAX_DAYS was lowered, may carry a later expiry.
	const end = session.createdAt.getTime() + maxAgeMs;
	if (now.getTime() >= session.expiresAt.getTime() || now.getTime() >= end) {
		await invalidateSession(db, session.id);
		return none;
	}

	// Deactivated users' sessions are deleted when they are deactivated; checking `active` here as
	// well means a missed deletion can never let someone back in.
	const user = await db.read((q) => sessionUserById(q, session.userId));
	if (!user) {
		await invalidateSession(db, session.id);
		return none;
	}

	if (session.expiresAt.getTime() > end) session.expiresAt = new Date(end);
	const renewed = expiryAt(session.createdAt, now, maxAgeMs);
	// Near the absolute end there is nothing left to extend; writing the same expiry on every
	// request of its last fortnight would be waste.
	if (now.getTime() >= session.expiresAt.getTime() - sessionRenewalThresholdMs && renewed.getTime() > session.expiresAt.getTime()) {
		session.expiresAt = renewed;
		await db.write((tx) =>
			tx.run('UPDATE sessions SET expires_at = epoch_ms($expires_at::BIGINT) WHERE id = $id', {
				id: session.id,
				expires_at: session.expiresAt.getTime()
			})
		);
	}
	const cache = validated(db);
	cache.delete(session.id);
	// The answer stands until a renewal is due, or, once none can extend it, until it expires.
	const freshUntil = renewed.getTime() > session.expiresAt.getTime() ? session.expiresAt.getTime() - sessionRenewalThresholdMs : session.expiresAt.getTime();
	cache.set(session.id, {
		writes,
		maxAgeMs,
		freshUntil,
		secretHash: new Uint8Array(row.secret_hash),
		session: { ...session },
		user: { ...user, teamIds: [...user.teamIds] }
	});
	if (cache.size > maxValidated) cache.delete(cache.keys().next().value!);
	return { session, user };
}

interface Validated {
	writes: number;
	maxAgeMs: number;
	/** Until when the remembered answer may be given without reading the session again. */
	freshUntil: number;
	secretHash: Uint8Array;
	session: Session;
	user: SessionUser;
}
const validatedSessions = new WeakMap<Database, Map<string, Validated>>();
/** Sessions remembered per database; the one validated longest ago is forgotten first. */
const maxValidated = 10_000;

function validated(db: Database): Map<string, Validated> {
	let cache = validatedSessions.get(db);
	if (!cache) validatedSessions.set(db, (cache = new Map()));
	return cache;
}

/** Signs out one browser: the token stops working at once, wherever it was copied to. */
export async function invalidateSession(db: Database, sessionId: string): Promise<void> {
	await db.write((tx) => tx.run('DELETE FROM sessions WHERE id = $id', { id: sessionId }));
}

/** Signs a user out everywhere. */
export async function invalidateUserSessions(db: Database, userId: string): Promise<void> {
	await db.write((tx) => tx.run('DELETE FROM sessions WHERE user_id = $user_id', { user_id: userId }));
}

/**
 * HttpOnly: page scripts (and so any injected script) cannot read the token. SameSite=Lax: other
 * sites cannot make the browser send it with their form posts, while following a link here still
 * arrives signed in. Secure whenever ORIGIN is an https address (see `sessionConfigFromEnv`) or the
 * request came over https, so it never travels over plain http there; a plain-http demo on a LAN
 * still works.
 */
export function setSessionTokenCookie(event: { cookies: Cookies; url: URL }, token: string, expiresAt: Date): void {
	event.cookies.set(sessionCookieName, token, { ...cookieAttributes(event), expires: expiresAt });
}

export function deleteSessionTokenCookie(event: { cookies: Cookies; url: URL }): void {
	event.cookies.delete(sessionCookieName, cookieAttributes(event));
}

function cookieAttributes(event: { url: URL }) {
	return {
		path: '/',
		httpOnly: true,
		sameSite: 'lax' as const,
		secure: sessionConfig.secureCookie || event.url.protocol === 'https:'
	};
}
