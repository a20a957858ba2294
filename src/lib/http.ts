import { error, json, redirect } from '@sveltejs/kit';
import { AnswerError, NotSignedIn } from './server/errors.ts';

/**
 * The one place where the library's typed errors (src/lib/server/errors.ts) become HTTP: routes are
 * adapters, and library code stays free of SvelteKit so the CLI and the bench call it as it is.
 *
 * A page asked by someone not signed in goes to the sign-in page and comes back; every other error
 * is SvelteKit's error page with the library's message.
 */
export async function pageAnswer<T>(event: { url: URL }, work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (caught) {
		if (caught instanceof NotSignedIn && !event.url.pathname.startsWith('/api/')) {
			redirect(303, `/login?redirectTo=${encodeURIComponent(event.url.pathname + event.url.search)}`);
		}
		if (caught instanceof AnswerError) error(caught.status, caught.message);
		throw caught;
	}
}

/** An API answer: a typed error is JSON `{message}` (and `issues` for bad input) with its status. */
export async function apiAnswer(work: () => Promise<Response>): Promise<Response> {
	try {
		return await work();
	} catch (caught) {
		if (caught instanceof AnswerError) return json(caught.body, { status: caught.status });
		throw caught;
	}
}

/** `pageAnswer` around a whole load or form action, for handlers written as one function. */
export function answering<E extends { url: URL }, R>(handler: (event: E) => Promise<R>): (event: E) => Promise<R> {
	return (event) => pageAnswer(event, () => handler(event));
}
