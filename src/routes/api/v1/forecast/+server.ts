import { json } from '@sveltejs/kit';
import { requestScope } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { jsonText } from '$lib/server/http';
import { forecastAsOf, forecastByPeriod, snapshotSpan, type PipelineBucket } from '$lib/server/metrics/forecast';
import { parseForecastQuery } from '$lib/server/metrics/forecast-query';
import { answeredOnce } from '$lib/server/metrics/remembered';
import type { RequestHandler } from './$types';

/** Money to the cent: weighted sums carry floating-point dust that no reader needs. */
const cents = (value: number) => Math.round(value * 100) / 100;
const bucket = (b: PipelineBucket) => ({ total: cents(b.total), weighted: cents(b.weighted), count: b.count, without_amount: b.without_amount });

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
export const GET: RequestHandler = async (event) => {
	const parsed = parseForecastQuery(event.url.searchParams, 'api');
	if (!parsed.ok) return json({ message: parsed.message, issues: parsed.issues }, { status: 400 });
	const { asOf: requested, months } = parsed.query;
	const scope = await requestScope(event);
	const db = await database();
	return db.read(async (q) => {
		const asOf = await forecastAsOf(q, requested);
		if (asOf === null) {
			const span = await snapshotSpan(q);
			if (span === null) return json({ as_of: null, months: [] });
			const message = `There is no snapshot on or before as_of ${requested}; the first snapshot is ${span.first}.`;
			return json({ message, issues: [{ parameter: 'as_of', message }] }, { status: 400 });
		}
		const answer = await answeredOnce(db, [event.route.id, scope, asOf, months], async () => {
			const forecast = await forecastByPeriod(q, scope, { asOf, months });
			return JSON.stringify({
				as_of: asOf,
				months: forecast.months.map((m) => ({
					month: m.month,
					total: cents(m.total),
					weighted: cents(m.weighted),
					by_category: { pipeline: cents(m.pipeline), best_case: cents(m.best_case), commit: cents(m.commit) },
					quota: m.quota === null ? null : cents(m.quota)
				})),
				overdue: bucket(forecast.buckets.overdue),
				later: bucket(forecast.buckets.later),
				no_close_date: bucket(forecast.buckets.no_close_date),
				open_pipeline: bucket(forecast.buckets.open)
			});
		});
		return jsonText(answer);
	});
};
