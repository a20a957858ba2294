import { json } from '@sveltejs/kit';
import { apiAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as longRange from '$lib/server/views/long-range';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/forecast/long-range?as_of=YYYY-MM-DD&months=N[&team=..][&rep=..][&scenario=ID]
 *
 * The 6-18 month view for the `months` whole months (default 18, at most 24) after the month of the
 * snapshot in effect on `as_of` (default: the latest): per month `existing` (today's open deals, each
 * its calibrated chance of winning x amount, timed by the company's slip history), `future` (deals
 * still to be created, won and closed in the month), `expected` = existing + future, P10/P50/P90 of
 * a seeded simulation, and the quota of the reps in scope; the same per quarter; the `inputs` behind
 * it; and the `backtest` of the same projection at past months (error by horizon in percent of won,
 * share of months inside P10-P90). `scenario` applies a saved what-if (POST /api/v1/forecast/scenarios).
 */
export const GET: RequestHandler = (event) =>
	apiAnswer(async () => json(await longRange.json(await database(), { user: requireUser(event), url: event.url })));
