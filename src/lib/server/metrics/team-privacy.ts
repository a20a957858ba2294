import type { Scope } from '../auth/scope.ts';
import { isIsoDate, monthEnd, monthOf } from '../../domain/periods.ts';
import type { TeamFigureWithheld } from '../../domain/team-privacy.ts';

/**
 * The one rule for team figures shown to a rep: a rep must never be able to work out a teammate's
 * number from what the app shows them. A team total, median or rate over the rep and one colleague
 * gives the colleague's figure away by a subtraction; over the rep and two, their sum. So:
 *
 * 1. **At least MIN_OTHER_REPS_BEHIND_TEAM_FIGURE other reps** must be behind the figure: reps of the
 *    team, other than the viewer, with data in that very figure (a deal counted in the total, an
 *    entry in the stage's cohort, a sample in the measure). Counting team members instead would let
 *    a team of five with three idle members give away the one busy colleague's number.
 * 2. **Whole calendar months only** for a period the viewer chooses: it starts on the first of a
 *    month and ends on the last day of a month, or runs up to the latest snapshot (a month or
 *    quarter to date, where nothing later exists yet). Otherwise two overlapping custom periods a
 *    day apart would give away one day's team figure, often one colleague's one deal. Windows the
 *    product fixes itself (the stage window of 26 weeks) are not chosen and qualify when they are at
 *    least four weeks long.
 *
 * Leaders, executives and admins see their teams' rows anyway, so the rule is for reps only. A
 * withheld figure is null with the reason, never zero: the page says why it is not there.
 */
export const MIN_OTHER_REPS_BEHIND_TEAM_FIGURE = 3;

/** The shortest fixed window (in weeks) a team comparison may be read over. */
export const MIN_TEAM_WINDOW_WEEKS = 4;

export type { TeamFigureWithheld } from '../../domain/team-privacy.ts';

/** Whether this viewer is held to the rule (a rep reading their own scope). */
export function keepsTeammatesApart(scope: Scope): boolean {
	return scope.role === 'rep';
}

/** Enough colleagues other than the viewer behind a figure for it to give none of them away. */
export function enoughOtherReps(otherReps: number): boolean {
	return otherReps >= MIN_OTHER_REPS_BEHIND_TEAM_FIGURE;
}

/**
 * A chosen period of whole calendar months: from the 1st to a month's last day, or up to the latest
 * snapshot (to date).
 */
export function coversWholeMonths(period: { from: string; to: string }, latestSnapshot: string | null): boolean {
	if (!isIsoDate(period.from) || !isIsoDate(period.to)) return false;
	const startsOnFirst = period.from.endsWith('-01');
	const endsOnMonthEnd = period.to === monthEnd(monthOf(period.to));
	const toDate = latestSnapshot !== null && period.to >= latestSnapshot;
	return startsOnFirst && (endsOnMonthEnd || toDate);
}

/**
 * Why `scope` may not see a team figure with `otherReps` colleagues behind it, over `period` (a
 * chosen period) or `windowWeeks` (a fixed window); null when it may.
 */
export function withheldTeamFigure(
	scope: Scope,
	behind: {
		otherReps: number;
		period?: { from: string; to: string } | null;
		latestSnapshot?: string | null;
		windowWeeks?: number | null;
	}
): TeamFigureWithheld | null {
	if (!keepsTeammatesApart(scope)) return null;
	if (behind.period && !coversWholeMonths(behind.period, behind.latestSnapshot ?? null)) return 'partial_months';
	if (behind.windowWeeks != null && behind.windowWeeks < MIN_TEAM_WINDOW_WEEKS) return 'partial_months';
	if (!enoughOtherReps(behind.otherReps)) return 'too_few_reps';
	return null;
}
