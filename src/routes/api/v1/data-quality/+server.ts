import { json } from '@sveltejs/kit';
import { apiAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as dataQuality from '$lib/server/views/data-quality';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/data-quality[?as_of=YYYY-MM-DD][&team=..][&rep=..]
 *
 * What is missing or odd in the open pipeline at the snapshot in effect on `as_of` (default: the
 * latest), in the caller's scope (a rep sees only their own deals):
 * {"as_of", "open_deals", "flags": {"no_close_date": N, ...}, "deals": [{"deal_id", "flags": [...], ...}]}.
 */
export const GET: RequestHandler = (event) =>
	apiAnswer(async () => json(await dataQuality.json(await database(), { user: requireUser(event), url: event.url })));
