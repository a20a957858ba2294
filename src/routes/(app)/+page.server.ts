import { requestScope, requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { dayOf, missingCalls } from '$lib/server/forecast-calls';
import { pipelineMovement, slippedDeals } from '$lib/server/metrics/movement';
import { pipelineAt, snapshotDates } from '$lib/server/metrics/snapshots';
import { stalledDeals } from '$lib/server/metrics/stage-velocity';
import type { PageServerLoad } from './$types';

/**
 * The Monday overview: where the pipeline stands, and the week's movement in a few figures that
 * each lead to the view that explains them; for a leader, whose forecast calls for the week are
 * still missing.
 */
export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const scope = await requestScope(event);
	const db = await database();
	const [headline, dates, calls] = await Promise.all([
		db.read((q) => pipelineAt(q, scope)),
		db.read((q) => snapshotDates(q)),
		db.read((q) => missingCalls(q, user, { today: dayOf(new Date()) }))
	]);
	if (dates.length < 2) return { headline, week: null, calls };

	// snapshotDates lists the newest first.
	const [to, from] = dates;
	const [movement, stalled, slipped] = await Promise.all([
		db.read((q) => pipelineMovement(q, scope, { from, to })),
		// Only the counts are shown here; the lists are on the Pipeline movement page.
		db.read((q) => stalledDeals(q, scope, { at: to, limit: 1 })),
		db.read((q) => slippedDeals(q, scope, { from, to, limit: 1 }))
	]);
	return {
		headline,
		calls,
		week: {
			from,
			to,
			netChange: movement.end - movement.start,
			won: movement.parts.won,
			wonDeals: movement.counts.won,
			created: movement.parts.new,
			createdDeals: movement.counts.new,
			stalledDeals: stalled.total,
			slippedDeals: slipped.total
		}
	};
};
