import type { Handle, RequestEvent } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages.js';
import { extractLocaleFromRequest } from '$lib/paraglide/runtime';
import { database } from '../db/index.ts';
import { AppStateUnavailable } from '../db/postgres.ts';
import {
	deleteSessionTokenCookie,
	sessionCookieName,
	setSessionTokenCookie,
	validateSessionToken
} from './session.ts';

/**
 * Puts the signed-in user and their session on `event.locals` for every request, pages and API
 * alike. Requests without a cookie never touch the database.
 */
export const handleSession: Handle = async ({ event, resolve }) => {
	answerSignInPostsLikeABrowser(event);

	const token = event.cookies.get(sessionCookieName);
	if (!token) {
		event.locals.user = null;
		event.locals.session = null;
		return resolve(event);
	}

	let validation;
	try {
		validation = await validateSessionToken(await database(), token);
	} catch (error) {
		if (error instanceof AppStateUnavailable) return appStateUnavailable(event, error);
		throw error;
	}
	const { session, user } = validation;
	// Re-setting the cookie carries a renewed expiry to the browser; a dead token is removed so the
	// browser stops sending it.
	if (session) setSessionTokenCookie(event, token, session.expiresAt);
	else deleteSessionTokenCookie(event);

	event.locals.user = user;
	event.locals.session = session;
	return resolve(event);
};

/**
 * PostgreSQL (the app state shared by several servers) is down: nobody's session can be checked, so
 * nothing can be answered. 503 says it is passing, with a message in the reader's language (English
 * for the API); the pool reconnects by itself once PostgreSQL is back, and the next request works.
 */
export function appStateUnavailable(event: RequestEvent, error: AppStateUnavailable): Response {
	console.error(`${event.request.method} ${event.url.pathname}: ${error.message}`, (error.cause as Error | undefined)?.message ?? '');
	const api = event.url.pathname.startsWith('/api/');
	const message = m.shell_error_app_state_unavailable({}, { locale: api ? 'en' : extractLocaleFromRequest(event.request) });
	const headers = { 'retry-after': '5', 'cache-control': 'no-store' };
	if (api || event.isDataRequest) return Response.json({ message }, { status: 503, headers });
	return new Response(message, { status: 503, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
}

/**
 * Scripts and API test clients (curl, Playwright's `request`) post the sign-in form with
 * `Accept: *\/*`, and SvelteKit answers that with the JSON meant for `use:enhance`: status 200,
 * the redirect inside. The sign-in contract is what a browser gets, a 303 with the cookie.
 * `use:enhance` marks its own requests with `x-sveltekit-action`, and a client that asks for JSON
 * by name still gets it; only the "anything will do" case is answered as a form post.
 */
function answerSignInPostsLikeABrowser(event: RequestEvent) {
	const { request } = event;
	if (request.method !== 'POST' || event.url.pathname !== '/login') return;
	if (request.headers.get('x-sveltekit-action') === 'true') return;
	const accept = request.headers.get('accept')?.trim();
	if (accept && accept !== '*/*') return;
	const headers = new Headers(request.headers);
	headers.set('accept', 'text/html');
	event.request = new Request(request, { headers });
}
