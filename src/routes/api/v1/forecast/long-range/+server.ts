import { json } from '@sveltejs/kit';
import { requestScope, requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { forecastAsOf, snapshotSpan } from '$lib/server/metrics/forecast';
import { longRangeAnswer, longRangeJson, parseLongRangeQuery } from '$lib/server/metrics/long-range-request';
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
export const GET: RequestHandler = async (event) => {
	const parsed = parseLongRangeQuery(event.url.searchParams);
	if (!parsed.ok) return json({ message: parsed.message, issues: parsed.issues }, { status: 400 });
	const user = requireUser(event);
	const scope = await requestScope(event);
	const db = await database();
	const asOf = await db.read((q) => forecastAsOf(q, parsed.query.asOf));
	if (asOf === null) {
		const span = await db.read((q) => snapshotSpan(q));
		if (span === null) return json({ as_of: null, months: [], quarters: [], inputs: null, backtest: [], scenario: null });
		const message = `There is no snapshot on or before as_of ${parsed.query.asOf}; the first snapshot is ${span.first}.`;
		return json({ message, issues: [{ parameter: 'as_of', message }] }, { status: 400 });
	}
	return json(longRangeJson(await longRangeAnswer(db, user, scope, { ...parsed.query, asOf })));
};
