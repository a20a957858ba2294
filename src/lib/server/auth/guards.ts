import type { RequestEvent } from '@sveltejs/kit';
import { database } from '../db/index.ts';
import type { UserRole } from '../../domain/roles.ts';
import { Forbidden, NotSignedIn } from '../errors.ts';
import { narrowScope, scopeForUser, type Scope } from './scope.ts';
import type { SessionUser } from './session.ts';

/**
 * The signed-in user, or `NotSignedIn`: pages then redirect to sign-in (and come back), API
 * endpoints answer 401 JSON (src/lib/http.ts).
 */
export function requireUser(event: Pick<RequestEvent, 'locals'>): SessionUser {
	const user = event.locals.user;
	if (user) return user;
	throw new NotSignedIn();
}

/** `Forbidden` (403) unless the user has one of `roles`. */
export function requireRole(event: Pick<RequestEvent, 'locals'>, ...roles: UserRole[]): SessionUser {
	const user = requireUser(event);
	if (!roles.includes(user.role)) throw new Forbidden('Your role may not do this.');
	return user;
}

/**
 * The scope of the signed-in user, narrowed by `?team=` and `?rep=` when present. Anything outside
 * the user's own scope is `NotFound`.
 */
export async function requestScope(event: Pick<RequestEvent, 'locals' | 'url'>): Promise<Scope> {
	const user = requireUser(event);
	const db = await database();
	return db.read(async (q) =>
		narrowScope(q, await scopeForUser(q, user), {
			team: event.url.searchParams.get('team'),
			rep: event.url.searchParams.get('rep')
		})
	);
}
