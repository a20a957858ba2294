import { json } from '@sveltejs/kit';
import { apiAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as revenue from '$lib/server/views/revenue';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/revenue-mix?from=YYYY-MM-DD&to=YYYY-MM-DD[&new_business_weight=w][&team=..][&rep=..]
 *
 * The Revenue mix page's numbers as JSON, from the same questions and the same scope. Without
 * `new_business_weight`, the weight the user remembered on the page (1 until they set one).
 */
export const GET: RequestHandler = (event) =>
	apiAnswer(async () => json(await revenue.json(await database(), { user: requireUser(event), url: event.url })));
