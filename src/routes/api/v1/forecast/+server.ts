import { json } from '@sveltejs/kit';
import { apiAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as forecast from '$lib/server/views/forecast';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/forecast?as_of=YYYY-MM-DD&months=N[&team=..][&rep=..]
 *
 * Open pipeline at the snapshot in effect on `as_of` (default: the latest) by expected close month,
 * for `months` months (default 12, at most 36) from the snapshot's month: total = sum of amount,
 * weighted = sum of amount x probability, by forecast category, and the quota of the reps in scope
 * (null where none was set). `as_of` in the answer is the snapshot actually used.
 *
 * Beside the months, the open pipeline they do not hold, each {total, weighted, count}: `overdue`
 * (close date before the snapshot's month), `later` (after the horizon) and `no_close_date`; and
 * `open_pipeline`, all of it: months + overdue + later + no_close_date = open_pipeline. Amounts nobody
 * has set yet are unknown: they add nothing to the sums and are counted in `without_amount`.
 */
export const GET: RequestHandler = (event) =>
	apiAnswer(async () => json(await forecast.json(await database(), { user: requireUser(event), url: event.url })));
