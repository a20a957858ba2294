import { error, redirect } from '@sveltejs/kit';
import { defaultWindowWeeks, isMovementPart, type MovementPart } from '$lib/domain/movement';
import { requestScope, requireUser } from '$lib/server/auth/guards';
import { scopeForUser } from '$lib/server/auth/scope';
import { database } from '$lib/server/db';
import { answeredOnce } from '$lib/server/metrics/remembered';
import {
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
import { agingDeals, stageCohortDeals, stageConversion, stalledDeals } from '$lib/server/metrics/stage-velocity';
import type { PageServerLoad } from './$types';

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
	// Separate reads run on separate connections, so the questions are answered side by side.
	const [movement, partDeals, createdAndClosed, transitions, forward, cellDeals, backwardDeals, stalled, slipped, aging, conversion, cohort] =
		await answeredOnce(db, [event.route.id, scope, options, part, cell, backward, cohortStage], () =>
			Promise.all([
				db.read((q) => pipelineMovement(q, scope, options)),
				part ? db.read((q) => movementDeals(q, scope, { ...options, part, limit: listLimit })) : null,
				db.read((q) => dealsCreatedAndClosed(q, scope, options)),
				db.read((q) => stageTransitions(q, scope, options)),
				db.read((q) => dealsMovedForward(q, scope, { ...options, limit: listLimit })),
				cell ? db.read((q) => transitionDeals(q, scope, { ...options, stageFrom: cell.from, stageTo: cell.to, limit: listLimit })) : null,
				backward ? db.read((q) => transitionDeals(q, scope, { ...options, direction: 'backward', limit: listLimit })) : null,
				db.read((q) => stalledDeals(q, scope, { ...window, period, limit: listLimit })),
				db.read((q) => slippedDeals(q, scope, { ...options, limit: listLimit })),
				db.read((q) => agingDeals(q, scope, { ...window, period, limit: listLimit })),
				db.read((q) => stageConversion(q, scope, window)),
				cohortStage ? db.read((q) => stageCohortDeals(q, scope, { ...window, stageId: cohortStage, limit: listLimit })) : null
			])
		);

	return {
		ready: true as const,
		snapshots,
		query: { from, to, period, periodChoice, dealType, team, rep },
		filters: { ...filterOptions, isRep: scope.role === 'rep' },
		listLimit,
		windowWeeks: defaultWindowWeeks,
		movement,
		part,
		partDeals,
		createdAndClosed,
		transitions,
		forward,
		cell: cell ? { from: cell.from, to: cell.to } : null,
		cellDeals,
		backwardDeals,
		stalled,
		slipped,
		aging,
		conversion,
		cohortStage,
		cohort
	};
};
