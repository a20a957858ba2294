import { error } from '@sveltejs/kit';
import { sessionMarkdown } from '$lib/domain/coaching';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { coachingSession } from '$lib/server/metrics/coaching';
import type { RequestHandler } from './$types';

/** The week's 1:1 as a Markdown file, for the people who may read the page (403 executives, 404 others). */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	if (user.role === 'executive') error(403, 'Coaching notes are private between a rep and their leader.');
	const db = await database();
	const session = await db.read((q) =>
		coachingSession(q, user, { repEmail: event.params.rep, week: event.url.searchParams.get('week') })
	);
	if (session.weeks === null) error(404, 'No pipeline snapshots are loaded yet, so there is no week to export.');
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
};
