import { addDays, addQuarters, monthOf, monthsBetween, quarterMonths, quarterOf } from '$lib/domain/periods';
import { database } from '$lib/server/db';
import { calibratedForecastByMonth } from '$lib/server/metrics/calibration';
import { forecastByPeriod, forecastRisks } from '$lib/server/metrics/forecast';
import { forecastBacktest, forecastMovement } from '$lib/server/metrics/forecast-accuracy';
import { withOriginals } from '$lib/server/metrics/originals';
import { forecastSelection } from '../filters';
import type { PageServerLoad } from './$types';

/** The executive summary: this quarter's number, coverage, trend and risks, on one printable page. */
export const load: PageServerLoad = async (event) => {
	const selection = await forecastSelection(event);
	const { scope, asOf } = selection;
	const who = selection.rep
		? (selection.options.reps.find((r) => r.email.toLowerCase() === selection.rep!.toLowerCase())?.name ?? selection.rep)
		: selection.team;
	const header = { asOf, who, team: selection.team, rep: selection.rep, search: event.url.search };
	if (asOf === null) return { header, summary: null };

	const quarter = quarterOf(asOf);
	const next = addQuarters(quarter, 1);
	// Through the end of next quarter, so both quarters are whole.
	const months = monthsBetween(monthOf(asOf), quarterMonths(next)[2]).length;
	const db = await database();
	const [period, movement, risks, backtest, calibrated] = await Promise.all([
		db.read((q) => forecastByPeriod(q, scope, { asOf, months })),
		db.read((q) => forecastMovement(q, scope, { quarter, asOf })),
		db.read((q) => forecastRisks(q, scope, { asOf, quarter })),
		db.read((q) => forecastBacktest(q, scope, { asOf })),
		db.read((q) => calibratedForecastByMonth(q, scope, { asOf, months: 3, firstMonth: quarterMonths(quarter)[0] }))
	]);
	const thisQuarter = period.quarters.find((q) => q.quarter === quarter)!;
	const nextQuarter = period.quarters.find((q) => q.quarter === next) ?? null;
	const calibratedOpen = calibrated.reduce((sum, m) => sum + m.calibrated, 0);

	// The trend: this quarter's forecast now against four weeks ago (the snapshot in effect then).
	const fourWeeksAgo = addDays(asOf, -28);
	const then = movement.points.filter((p) => p.snapshot_date <= fourWeeksAgo).at(-1) ?? null;
	return {
		header,
		summary: {
			quarter,
			thisQuarter,
			nextQuarter,
			calibratedForecast: calibratedOpen + thisQuarter.closed,
			trend: movement.points.slice(-13),
			change: then ? { from: then.forecast, to: thisQuarter.forecast, since: then.snapshot_date } : null,
			// The largest deals listed show a deal exported in another currency as it was exported, too.
			risks: await db.read((q) =>
				Promise.all(risks.map(async (r) => ({ ...r, top: await withOriginals(q, r.top, (d) => ({ deal: d.deal_id, date: asOf }), 'id') })))
			),
			reliability: backtest.horizons.find((h) => h.weeks_before === 4) ?? null
		}
	};
};
