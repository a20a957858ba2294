import { requestScope } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { pipelineMovement, slippedDeals } from '$lib/server/metrics/movement';
import { pipelineAt, snapshotDates } from '$lib/server/metrics/snapshots';
import { stalledDeals } from '$lib/server/metrics/stage-velocity';
import type { PageServerLoad } from './$types';

/**
 * The Monday overview: where the pipeline stands, and the week's movement in a few figures that
 * each lead to the view that explains them.
 */
export const load: PageServerLoad = async (event) => {
	const scope = await requestScope(event);
	const db = await database();
	const [headline, dates] = await Promise.all([db.read((q) => pipelineAt(q, scope)), db.read((q) => snapshotDates(q))]);
	if (dates.length < 2) return { headline, week: null };

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
