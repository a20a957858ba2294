import type { Handle, HandleServerError, RequestEvent, ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { m } from '$lib/paraglide/messages.js';
import { getTextDirection } from '$lib/paraglide/runtime';
import { paraglideMiddleware } from '$lib/paraglide/server';
import { handleSession } from '$lib/server/auth/handle';
import { AppStateUnavailable, database, LakeConfigurationError } from '$lib/server/db';
import { warmFactsInBackground } from '$lib/server/metrics/warm';
import { setReportingCurrency } from '$lib/domain/format';
import { setFiscalYearStart } from '$lib/domain/periods';
import { fiscalYearStartFromEnv, reportingCurrencyFromEnv } from '$lib/server/db/config';

// The company's settings every quarter and every amount on screen follow (periods.ts, format.ts);
// a wrong value stops the server here, with the variable's name, not on the first page.
setFiscalYearStart(fiscalYearStartFromEnv());
setReportingCurrency(reportingCurrencyFromEnv());

const handleLocale: Handle = ({ event, resolve }) =>
	paraglideMiddleware(event.request, ({ request, locale }) => {
		event.request = request;
		return resolve(event, {
			transformPageChunk: ({ html }) =>
				html.replace('%paraglide.lang%', locale).replace('%paraglide.dir%', getTextDirection(locale))
		});
	});

/** Headers the CSP (svelte.config.js) does not cover, on every response including errors and API. */
const handleSecurityHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	response.headers.set('X-Content-Type-Options', 'nosniff');
	response.headers.set('X-Frame-Options', 'DENY');
	response.headers.set('Referrer-Policy', 'same-origin');
	response.headers.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
	response.headers.set('Cross-Origin-Opener-Policy', 'same-origin');
	if (event.url.protocol === 'https:') {
		response.headers.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
	}
	if (carriesUserData(event) && !/\bno-store\b/i.test(response.headers.get('cache-control') ?? '')) {
		response.headers.set('Cache-Control', 'private, no-store');
	}
	return response;
};

/**
 * Whether a response may hold someone's data: every answer to a signed-in request (pages show whose
 * pipeline it is), every API answer, every page's data (`__data.json`) and notes download. Such an
 * answer must never be kept by a shared proxy, nor by the browser's cache, where the next person
 * at the machine would find it after the first signed out. Checked after the session is read,
 * which `handleSession` does inside this handler's `resolve`.
 */
function carriesUserData(event: RequestEvent): boolean {
	const { pathname } = event.url;
	return event.locals.user != null || event.isDataRequest || pathname.startsWith('/api/') || pathname.endsWith('/notes.md');
}

export const handle: Handle = sequence(handleSecurityHeaders, handleSession, handleLocale);

/** Opens the database at start-up and builds the facts the first pages need, without holding the start up. */
export const init: ServerInit = () => {
	database().then(warmFactsInBackground, (error) => {
		// A setting that names storage this server cannot reach: said in a sentence, and the server stops.
		if (error instanceof LakeConfigurationError) {
			console.error(error.message);
			process.exit(1);
		}
		console.error('The database could not be opened:', error);
	});
};

/**
 * An error nobody expected (a failed query, a bug): logged in full with a short reference, and
 * answered with a message that gives the reference but not the internals, since a database message
 * names tables and columns. Kit sends it as JSON `{"message"}` to API clients (any Accept but
 * text/html, as fetch and curl send) and as the error page to browsers. API answers are in English,
 * like every other API message; pages in the reader's language.
 */
export const handleError: HandleServerError = ({ error, event, status, message }) => {
	// 404 for an unknown path and the like: Kit's own message says it.
	if (status !== 500) return { message };
	// Passing, and said as such (handleSession answers signed-in requests with 503 before this).
	if (error instanceof AppStateUnavailable) {
		console.error(`${event.request.method} ${event.url.pathname}: ${error.message}`);
		return { message: m.shell_error_app_state_unavailable({}, event.url.pathname.startsWith('/api/') ? { locale: 'en' } : undefined) };
	}
	const reference = crypto.randomUUID().slice(0, 8);
	console.error(`Unexpected error ${reference} on ${event.request.method} ${event.url.pathname}:`, error);
	const api = event.url.pathname.startsWith('/api/');
	return { message: m.shell_error_unexpected({ reference }, api ? { locale: 'en' } : undefined) };
};
