import { error, json } from '@sveltejs/kit';
import { celebrateText, energyText, followUpText, strengthText } from '$lib/domain/coaching';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { coachingSession } from '$lib/server/metrics/coaching';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/reps/{email}/coaching?week=YYYY-MM-DD: the weekly 1:1 as JSON, the same agenda, notes
 * and next steps as the page, with each agenda item also phrased (`text`) in the caller's language.
 * 401 without a session, 403 for executives (coaching is private), 404 for a rep outside the
 * caller's scope or a week before the first snapshot, 400 for a malformed week.
 */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	if (user.role === 'executive') error(403, 'Coaching notes are private between a rep and their leader.');
	const db = await database();
	const session = await db.read((q) =>
		coachingSession(q, user, { repEmail: event.params.email, week: event.url.searchParams.get('week') })
	);
	if (session.weeks === null) error(404, 'No pipeline snapshots are loaded yet, so there is no week to coach.');
	const { agenda } = session;
	return json({
		rep: session.rep,
		week: agenda.week,
		previous_week: agenda.previous_week,
		next_week: session.weeks.next,
		celebrate: agenda.celebrate.map((item) => ({ ...item, text: celebrateText(item) })),
		energy: agenda.energy.map((item) => ({ ...item, text: energyText(item) })),
		strength: agenda.strength ? { ...agenda.strength, text: strengthText(agenda.strength) } : null,
		follow_up: agenda.follow_up.map((item) => ({ ...item, text: followUpText(item) })),
		notes: [session.leaderNote, session.selfReview, ...session.dealNotes].filter((note) => note !== null),
		next_steps: session.nextSteps
	});
};
