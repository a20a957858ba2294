import { apiAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as pipeline from '$lib/server/views/pipeline';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/movement?from=A&to=B[&team=..][&rep=EMAIL][&period_start=..&period_end=..][&period=this_quarter][&deal_type=..][&limit=N][&offset=N]
 *
 * The Pipeline movement page's waterfall as JSON, from the same questions and the same scope:
 * start + new + pulled_in + slipped_in + increased + transferred_in - decreased - won - lost - removed
 * - pushed - pulled_out - transferred_out = end, parts as positive magnitudes (zero where they do not
 * apply), and the deals in the parts, once per part each is in (deal_id is the CRM's id), a page of
 * `limit` (default 1,000) from `offset` at a time, with `deals_total` and `deals_next`. With a period,
 * `closed_outside_period` lists the week's wins and losses the period's waterfall leaves out.
 */
export const GET: RequestHandler = (event) =>
	apiAnswer(
		async () =>
			new Response(await pipeline.json(await database(), { user: requireUser(event), url: event.url }), {
				headers: { 'content-type': 'application/json' }
			})
	);
