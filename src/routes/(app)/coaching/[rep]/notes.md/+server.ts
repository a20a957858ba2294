import { sessionMarkdown } from '$lib/domain/coaching';
import { pageAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { NotFound } from '$lib/server/errors';
import * as coaching from '$lib/server/views/coaching';
import type { RequestHandler } from './$types';

/** The week's 1:1 as a Markdown file, for the people who may read the page (403 executives, 404 others). */
export const GET: RequestHandler = (event) =>
	pageAnswer(event, async () => {
		const session = await coaching.sessionFor(await database(), { user: requireUser(event), url: event.url }, event.params.rep);
		if (session.weeks === null) throw new NotFound('No pipeline snapshots are loaded yet, so there is no week to export.');
		const markdown = sessionMarkdown({
			agenda: session.agenda,
			leaderNote: session.leaderNote,
			selfReview: session.selfReview,
			dealNotes: session.dealNotes,
			nextSteps: session.nextSteps
		});
		// Only letters, digits, dots and dashes reach the header, whatever an e-mail address contains.
		const name = `coaching-${session.rep.email.split('@')[0].replace(/[^A-Za-z0-9.-]+/g, '-')}-${session.agenda.week}.md`;
		return new Response(markdown, {
			headers: {
				'content-type': 'text/markdown; charset=utf-8',
				'content-disposition': `attachment; filename="${name}"`,
				// Private notes: never kept by a shared cache.
				'cache-control': 'private, no-store'
			}
		});
	});
