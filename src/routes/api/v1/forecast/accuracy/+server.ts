import { json } from '@sveltejs/kit';
import { addQuarters, quarterOf } from '$lib/domain/periods';
import { requestScope } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { forecastAsOf, snapshotSpan } from '$lib/server/metrics/forecast';
import { forecastMovement } from '$lib/server/metrics/forecast-accuracy';
import { parseForecastQuery } from '$lib/server/metrics/forecast-query';
import type { RequestHandler } from './$types';

const cents = (value: number) => Math.round(value * 100) / 100;
const ratio = (value: number | null) => (value === null ? null : Math.round(value * 10_000) / 10_000);

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
export const GET: RequestHandler = async (event) => {
	const parsed = parseForecastQuery(event.url.searchParams, 'api');
	if (!parsed.ok) return json({ message: parsed.message, issues: parsed.issues }, { status: 400 });
	const scope = await requestScope(event);
	const db = await database();
	return db.read(async (q) => {
		const asOf = await forecastAsOf(q, parsed.query.asOf);
		if (asOf === null) {
			const span = await snapshotSpan(q);
			if (span === null) return json({ quarter: parsed.query.quarter, as_of: null, complete: false, won: 0, reliable_from: null, snapshots: [] });
			const message = `There is no snapshot on or before as_of ${parsed.query.asOf}; the first snapshot is ${span.first}.`;
			return json({ message, issues: [{ parameter: 'as_of', message }] }, { status: 400 });
		}
		const quarter = parsed.query.quarter ?? addQuarters(quarterOf(asOf), -1);
		const movement = await forecastMovement(q, scope, { quarter, asOf });
		return json({
			quarter,
			as_of: asOf,
			complete: movement.complete,
			won: cents(movement.won),
			reliable_from: movement.reliable_from,
			snapshots: movement.points.map((p) => ({
				snapshot_date: p.snapshot_date,
				weeks_before_end: p.weeks_before_end,
				forecast: cents(p.forecast),
				commit_forecast: cents(p.commit_forecast),
				won_to_date: cents(p.won_to_date),
				accuracy: ratio(p.accuracy),
				bias: ratio(p.bias)
			}))
		});
	});
};
