import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import { database } from '../db/index.ts';
import type { UserRole } from '../../domain/roles.ts';
import { narrowScope, scopeForUser, type Scope } from './scope.ts';
import type { SessionUser } from './session.ts';

/**
 * The signed-in user, or: pages redirect to sign-in (and come back), API endpoints answer 401 JSON.
 */
export function requireUser(event: Pick<RequestEvent, 'locals' | 'url'>): SessionUser {
	const user = event.locals.user;
	if (user) return user;
	if (event.url.pathname.startsWith('/api/')) error(401, 'Sign in first: this endpoint needs a session cookie.');
	redirect(303, `/login?redirectTo=${encodeURIComponent(event.url.pathname + event.url.search)}`);
}

/** 403 unless the user has one of `roles`. */
export function requireRole(event: Pick<RequestEvent, 'locals' | 'url'>, ...roles: UserRole[]): SessionUser {
	const user = requireUser(event);
	if (!roles.includes(user.role)) error(403, 'Your role may not do this.');
	return user;
}

/**
 * The scope of the signed-in user, narrowed by `?team=` and `?rep=` when present. Anything outside
 * the user's own scope is a 404.
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
