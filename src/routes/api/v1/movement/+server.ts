import { json } from '@sveltejs/kit';
import { requestScope, requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { jsonText } from '$lib/server/http';
import { dealsClosedOutsidePeriod, movementDeals, pipelineMovement, stageTransitions } from '$lib/server/metrics/movement';
import { parseMovementQuery } from '$lib/server/metrics/movement-query';
import { withMovementOriginals } from '$lib/server/metrics/originals';
import { answeredOnce } from '$lib/server/metrics/remembered';
import { snapshotDates } from '$lib/server/metrics/snapshots';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/movement?from=A&to=B[&team=..][&rep=EMAIL][&period_start=..&period_end=..][&period=this_quarter][&deal_type=..]
 *
 * The Pipeline movement page's waterfall as JSON, from the same metric functions and the same scope:
 * start + new + pulled_in + slipped_in + increased + transferred_in - decreased - won - lost - removed
 * - pushed - pulled_out - transferred_out = end, parts as positive magnitudes (zero where they do not
 * apply), and every deal in a part, once per part it is in (deal_id is the CRM's id). With a period,
 * `closed_outside_period` lists the week's wins and losses the period's waterfall leaves out.
 */
export const GET: RequestHandler = async (event) => {
	requireUser(event);
	const db = await database();
	const snapshots = await db.read((q) => snapshotDates(q));
	if (snapshots.length < 2) {
		return json(
			{ message: `Pipeline movement compares two snapshots; ${snapshots.length} ${snapshots.length === 1 ? 'is' : 'are'} loaded.` },
			{ status: 409 }
		);
	}
	const parsed = parseMovementQuery(event.url.searchParams, snapshots);
	if (!parsed.ok) return json({ message: parsed.message, issues: parsed.issues }, { status: 400 });
	const { from, to, period, dealType } = parsed.query;

	const scope = await requestScope(event);
	const options = { from, to, period, dealType };
	// The JSON itself is remembered: a company's movement lists thousands of deals.
	const answer = await answeredOnce(db, [event.route.id, scope, options], async () => {
		const [movement, moves, deals, outside] = await Promise.all([
			db.read((q) => pipelineMovement(q, scope, options)),
			db.read((q) => stageTransitions(q, scope, options)),
			db.read(async (q) => {
				const list = await movementDeals(q, scope, options);
				return { ...list, deals: await withMovementOriginals(q, { from, to }, list.deals) };
			}),
			db.read((q) => dealsClosedOutsidePeriod(q, scope, options))
		]);
		return JSON.stringify({
			from,
			to,
			period,
			deal_type: dealType,
			start: movement.start,
			end: movement.end,
			parts: movement.parts,
			counts: movement.counts,
			moved_forward: moves.movedForward,
			moved_backward: moves.movedBackward,
			deals: deals.deals.map((deal) => ({
				deal_id: deal.deal_id,
				part: deal.part,
				stage_from: deal.stage_from,
				stage_to: deal.stage_to,
				amount_from: deal.amount_from,
				amount_to: deal.amount_to,
				change: deal.change,
				deal_name: deal.deal_name,
				owner: deal.owner,
				close_from: deal.close_from,
				close_to: deal.close_to,
				// Only for a deal exported in another currency than the reporting one.
				original: deal.original
			})),
			closed_outside_period: outside.map((deal) => ({
				deal_id: deal.deal_id,
				outcome: deal.outcome,
				amount: deal.amount,
				deal_name: deal.deal_name,
				owner: deal.owner,
				close_from: deal.close_from,
				close_to: deal.close_date
			}))
		});
	});
	return jsonText(answer);
};
