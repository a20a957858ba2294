import { json } from '@sveltejs/kit';
import { requestScope } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { answerDataQuality } from '$lib/server/metrics/data-quality-query';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/data-quality[?as_of=YYYY-MM-DD][&team=..][&rep=..]
 *
 * What is missing or odd in the open pipeline at the snapshot in effect on `as_of` (default: the
 * latest), in the caller's scope (a rep sees only their own deals):
 * {"as_of", "open_deals", "flags": {"no_close_date": N, ...}, "deals": [{"deal_id", "flags": [...], ...}]}.
 */
export const GET: RequestHandler = async (event) => {
	const scope = await requestScope(event);
	const db = await database();
	const result = await db.read((q) => answerDataQuality(q, scope, event.url.searchParams));
	if (!result.ok) return json({ message: result.message, issues: [{ parameter: result.parameter, message: result.message }] }, { status: 400 });
	return json(result.answer);
};
