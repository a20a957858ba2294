import { error } from '@sveltejs/kit';
import { celebrateText, energyText, followUpText, strengthText } from '$lib/domain/coaching';
import { getLocale } from '$lib/paraglide/runtime';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { jsonText } from '$lib/server/http';
import { coachingSession, todayIso } from '$lib/server/metrics/coaching';
import { answeredOnce } from '$lib/server/metrics/remembered';
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
	const week = event.url.searchParams.get('week');
	const today = todayIso();
	// The answer holds notes and next steps people write here, so any write asks it again; its texts
	// are in the caller's language.
	const answer = await answeredOnce(
		db,
		[event.route.id, user.id, event.params.email.toLowerCase(), week, today, getLocale()],
		async () => {
			const session = await db.read((q) => coachingSession(q, user, { repEmail: event.params.email, week, today }));
			if (session.weeks === null) error(404, 'No pipeline snapshots are loaded yet, so there is no week to coach.');
			const { agenda } = session;
			return JSON.stringify({
				rep: session.rep,
				week: agenda.week,
				previous_week: agenda.previous_week,
				since_last_session: agenda.since_last_session,
				next_week: session.weeks.next,
				celebrate: agenda.celebrate.map((item) => ({ ...item, text: celebrateText(item) })),
				energy: agenda.energy.map((item) => ({ ...item, text: energyText(item) })),
				strength: agenda.strength ? { ...agenda.strength, text: strengthText(agenda.strength) } : null,
				follow_up: agenda.follow_up.map((item) => ({ ...item, text: followUpText(item) })),
				notes: [session.leaderNote, session.selfReview, ...session.dealNotes].filter((note) => note !== null),
				next_steps: session.nextSteps
			});
		},
		{ untilAnyWrite: true }
	);
	return jsonText(answer);
};
