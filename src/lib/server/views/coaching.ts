import { celebrateText, energyText, followUpText, strengthText } from '../../domain/coaching.ts';
import { scopeForUser } from '../auth/scope.ts';
import { coachingOverview } from '../coaching-notes.ts';
import type { Database } from '../db/index.ts';
import { Forbidden, NotFound } from '../errors.ts';
import { coachingSession, coachingWeek, todayIso, type CoachingViewer } from '../metrics/coaching.ts';
import { snapshotDates } from '../metrics/snapshots.ts';
import { defineQuestion } from '../questions.ts';
import type { ViewRequest } from './request.ts';

/**
 * The weekly 1:1 (/coaching/[rep], its Markdown download and GET /api/v1/reps/{email}/coaching).
 * Which side of the table the user sits on depends on whether it is their own 1:1, not only on
 * whose data they may read, so their rep record (the viewer) is part of the question. The session
 * holds the notes, next steps and forecast calls people write, so it is remembered only while app
 * state is unchanged too.
 */
export const session = defineQuestion(
	'coaching session',
	(q, scope, { viewer, repEmail, week, today }: { viewer: CoachingViewer; repEmail: string; week: string | null; today: string }) =>
		coachingSession(q, scope, viewer, { repEmail, week, today }),
	'while data and app state unchanged'
);

/**
 * The reps a leader or admin coaches and where each 1:1 of `week` stands (/coaching): whether notes
 * and a self-review were written and how many steps are open, so it too is kept only while app state
 * is unchanged.
 */
export const overview = defineQuestion(
	'coaching overview',
	(q, scope, week: string | null) => coachingOverview(q, scope, { week }),
	'while data and app state unchanged'
);

/** The session of rep `repEmail` for `?week=` (default this week); executives are `Forbidden`. */
export async function sessionFor(db: Database, { user, url }: ViewRequest, repEmail: string) {
	if (user.role === 'executive') throw new Forbidden('Coaching notes are private between a rep and their leader.');
	const scope = await db.read((q) => scopeForUser(q, user));
	const viewer: CoachingViewer = { repId: user.repId };
	return session.ask(db, scope, { viewer, repEmail: repEmail.toLowerCase(), week: url.searchParams.get('week'), today: todayIso() });
}

/** /coaching for a leader or admin: this week's 1:1s of the reps they coach. */
export async function overviewFor(db: Database, { user }: ViewRequest) {
	if (user.role === 'executive') throw new Forbidden('Coaching notes are private between a rep and their leader.');
	const [scope, weeks] = await db.read(async (q) => [await scopeForUser(q, user), await coachingWeek(q, null)] as const);
	const week = weeks?.week ?? null;
	return { week, reps: await overview.ask(db, scope, week) };
}

/** The page's data: the session and the weeks that can be picked. */
export async function load(db: Database, request: ViewRequest, repEmail: string) {
	const [found, weeks] = await Promise.all([sessionFor(db, request, repEmail), db.read((q) => snapshotDates(q))]);
	return { session: found, weeks };
}

/** The API's JSON: the same agenda, notes and next steps, each agenda item also phrased in the caller's language. */
export async function json(db: Database, request: ViewRequest, repEmail: string) {
	const found = await sessionFor(db, request, repEmail);
	if (found.weeks === null) throw new NotFound('No pipeline snapshots are loaded yet, so there is no week to coach.');
	const { agenda } = found;
	return {
		rep: found.rep,
		week: agenda.week,
		previous_week: agenda.previous_week,
		since_last_session: agenda.since_last_session,
		next_week: found.weeks.next,
		celebrate: agenda.celebrate.map((item) => ({ ...item, text: celebrateText(item) })),
		energy: agenda.energy.map((item) => ({ ...item, text: energyText(item) })),
		strength: agenda.strength ? { ...agenda.strength, text: strengthText(agenda.strength) } : null,
		follow_up: agenda.follow_up.map((item) => ({ ...item, text: followUpText(item) })),
		notes: [found.leaderNote, found.selfReview, ...found.dealNotes].filter((note) => note !== null),
		next_steps: found.nextSteps
	};
}
