import { error, redirect } from '@sveltejs/kit';
import { defaultWindowWeeks, isMovementPart, type MovementPart } from '$lib/domain/movement';
import { requestScope, requireUser } from '$lib/server/auth/guards';
import { scopeForUser } from '$lib/server/auth/scope';
import { database } from '$lib/server/db';
import { scopedAnswers } from '$lib/server/metrics/remembered';
import {
	dealsClosedOutsidePeriod,
	dealsCreatedAndClosed,
	dealsMovedForward,
	movementDeals,
	movementFilterOptions,
	pipelineMovement,
	slippedDeals,
	stageTransitions,
	transitionDeals,
	type StageKey
} from '$lib/server/metrics/movement';
import { parseMovementQuery } from '$lib/server/metrics/movement-query';
import { snapshotDates } from '$lib/server/metrics/snapshots';
import { agingDeals, stageCohortDeals, stageConversion, stalledDeals, stalledThresholds, stalledWindowWeeks } from '$lib/server/metrics/stage-velocity';
import { MIN_OTHER_REPS_BEHIND_TEAM_FIGURE } from '$lib/server/metrics/team-privacy';
import { openDealGaps } from '$lib/server/metrics/data-quality';
import type { PageServerLoad } from './$types';
import { withMovementOriginals } from '$lib/server/metrics/originals';

/** Deal lists show this many rows; the rest are a narrower filter away. */
const listLimit = 200;

/** A matrix cell in the URL: `3-5` (stage 3 at A to stage 5 at B), `none-1`, `4-none`. */
function parseCell(raw: string | null): { from: StageKey; to: StageKey } | null {
	const match = raw ? /^(none|\d{1,4})-(none|\d{1,4})$/.exec(raw) : null;
	if (!match) return null;
	const key = (part: string): StageKey => (part === 'none' ? 'none' : Number(part));
	return { from: key(match[1]), to: key(match[2]) };
}

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await database();
	const search = event.url.searchParams;
	// Asked side by side with the pickers' data; awaited after the redirect below, which comes first.
	const requested = requestScope(event);
	requested.catch(() => {});
	const { snapshots, filterOptions } = await db.read(async (q) => ({
		snapshots: await snapshotDates(q),
		// The pickers offer everything the user may see, not only what the URL narrowed to.
		filterOptions: await movementFilterOptions(q, await scopeForUser(q, user))
	}));
	if (snapshots.length < 2) return { ready: false as const, snapshotCount: snapshots.length };

	const parsed = parseMovementQuery(search, snapshots);
	if (!parsed.ok) error(400, parsed.message);
	const { from, to, period, periodChoice, dealType } = parsed.query;

	// A form sent with a new team and the rep of the old one: the team was the change, so the rep goes.
	const team = search.get('team') || null;
	const rep = search.get('rep') || null;
	const chosenRep = rep ? filterOptions.reps.find((r) => r.email.toLowerCase() === rep.toLowerCase()) : undefined;
	if (team && chosenRep && chosenRep.team !== team) {
		const url = new URL(event.url);
		url.searchParams.delete('rep');
		redirect(303, url.pathname + url.search);
	}
	const scope = await requested;

	const partParam = search.get('part');
	const part: MovementPart | 'start' | 'end' | null =
		isMovementPart(partParam) || partParam === 'start' || partParam === 'end' ? partParam : null;
	const cell = parseCell(search.get('cell'));
	const backward = search.get('moves') === 'backward';
	const stageParam = Number(search.get('stage'));
	const cohortStage = Number.isInteger(stageParam) && stageParam > 0 ? stageParam : null;

	const options = { from, to, period, dealType };
	const window = { at: to, windowWeeks: defaultWindowWeeks, dealType };
	// Separate reads run on separate connections, so the questions are answered side by side; each is
	// remembered on its own, so opening a bar or a cell works out only its list.
	const ask = scopedAnswers(db, scope);
	const [movement, partDeals, createdAndClosed, closedOutsidePeriod, transitions, forward, cellDeals, backwardDeals, stalled, slipped, aging, conversion, cohort, thresholds] =
		await Promise.all([
			ask('movement', pipelineMovement, options),
			part ? ask('movement deals', movementDeals, { ...options, part, limit: listLimit }) : null,
			ask('created and closed', dealsCreatedAndClosed, options),
			ask('closed outside the period', dealsClosedOutsidePeriod, options),
			ask('stage transitions', stageTransitions, options),
			ask('moved forward', dealsMovedForward, { ...options, limit: listLimit }),
			cell ? ask('transition deals', transitionDeals, { ...options, stageFrom: cell.from, stageTo: cell.to, limit: listLimit }) : null,
			backward ? ask('transition deals', transitionDeals, { ...options, direction: 'backward' as const, limit: listLimit }) : null,
			ask('stalled', stalledDeals, { ...window, period, limit: listLimit }),
			ask('slipped', slippedDeals, { ...options, limit: listLimit }),
			ask('aging', agingDeals, { ...window, period, limit: listLimit }),
			ask('stage conversion', stageConversion, window),
			cohortStage ? ask('stage cohort', stageCohortDeals, { ...window, stageId: cohortStage, limit: listLimit }) : null,
			// A team's threshold is a figure over its colleagues' deals: leaders see it, a rep does not.
			scope.role === 'rep' ? [] : ask('stalled thresholds', stalledThresholds, window)
		]);

	// A listed deal exported in another currency shows its amounts as exported beside the converted ones.
	const partDealsShown = partDeals && { ...partDeals, deals: await db.read((q) => withMovementOriginals(q, { from, to }, partDeals.deals)) };

	// Open deals at B nobody has priced yet: counted in the waterfall's deals, left out of its sums.
	const gaps = await db.read((q) => openDealGaps(q, scope, to));

	return {
		ready: true as const,
		gaps,
		snapshots,
		query: { from, to, period, periodChoice, dealType, team, rep },
		filters: { ...filterOptions, isRep: scope.role === 'rep' },
		listLimit,
		windowWeeks: defaultWindowWeeks,
		minOtherReps: MIN_OTHER_REPS_BEHIND_TEAM_FIGURE,
		movement,
		part,
		partDeals: partDealsShown,
		createdAndClosed,
		closedOutsidePeriod,
		transitions,
		forward,
		cell: cell ? { from: cell.from, to: cell.to } : null,
		cellDeals,
		backwardDeals,
		stalled,
		stalledWindowWeeks: stalledWindowWeeks(defaultWindowWeeks),
		stalledThresholds: thresholds,
		slipped,
		aging,
		conversion,
		cohortStage,
		cohort
	};
};
