import { json } from '@sveltejs/kit';
import { apiAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as forecast from '$lib/server/views/forecast';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/forecast/accuracy?quarter=YYYY-Qn[&as_of=YYYY-MM-DD][&team=..][&rep=..]
 *
 * How the forecast for a quarter moved: at every snapshot of the year before the quarter's end (up
 * to `as_of`, default the latest snapshot), the forecast f = weighted open pipeline due in the quarter
 * + already won in it, and the commit forecast = commit pipeline due + already won; and what was won
 * in the quarter. Once the quarter has ended, each forecast's accuracy (1 - |f - won| / won) and bias
 * (f / won), and the first snapshot from which the forecast stayed within 10% of the result.
 * Without `quarter`: the last quarter that ended before the as-of snapshot's quarter.
 */
export const GET: RequestHandler = (event) =>
	apiAnswer(async () => json(await forecast.accuracyJson(await database(), { user: requireUser(event), url: event.url })));
