import type { Database } from '../db/index.ts';
import { dayOf } from '../forecast-calls.ts';
import { pipelineAt, snapshotDates } from '../metrics/snapshots.ts';
import { defineQuestion } from '../questions.ts';
import { callerOf, missing } from './forecast-calls.ts';
import { movement, slipped, stalled } from './pipeline.ts';
import { chosenScope, type ViewRequest } from './request.ts';

/**
 * The Monday overview (/): where the pipeline stands, and the week's movement in a few figures that
 * each lead to the view that explains them; for a leader, whose forecast calls for the week are
 * still missing.
 */
export const headline = defineQuestion('pipeline at', (q, scope, at: string | null) => pipelineAt(q, scope, at ?? undefined));
export async function load(db: Database, request: ViewRequest) {
	const [{ scope }, dates] = await Promise.all([chosenScope(db, request), db.read((q) => snapshotDates(q))]);
	const [pipeline, calls] = await Promise.all([
		headline.ask(db, scope, dates[0] ?? null),
		missing.ask(db, scope, { caller: callerOf(request.user), today: dayOf(new Date()) })
	]);
	if (dates.length < 2) return { headline: pipeline, week: null, calls };

	// snapshotDates lists the newest first.
	const [to, from] = dates;
	const [moved, stalledNow, slippedNow] = await Promise.all([
		movement.ask(db, scope, { from, to }),
		// Only the counts are shown here; the lists are on the Pipeline movement page.
		stalled.ask(db, scope, { at: to, limit: 1 }),
		slipped.ask(db, scope, { from, to, limit: 1 })
	]);
	return {
		headline: pipeline,
		calls,
		week: {
			from,
			to,
			netChange: moved.end - moved.start,
			won: moved.parts.won,
			wonDeals: moved.counts.won,
			created: moved.parts.new,
			createdDeals: moved.counts.new,
			stalledDeals: stalledNow.total,
			slippedDeals: slippedNow.total
		}
	};
}
