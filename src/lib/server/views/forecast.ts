import { addDays, addQuarters, monthOf, monthsBetween, quarterMonths, quarterOf, quartersBetween, type IsoDate, type Quarter } from '../../domain/periods.ts';
import type { Database } from '../db/index.ts';
import { BadInput } from '../errors.ts';
import { calibratedForecastByMonth, shrinkageDeals, stageWinRates } from '../metrics/calibration.ts';
import { forecastByPeriod, forecastRisks, type PipelineBucket } from '../metrics/forecast.ts';
import { backtestHorizons, forecastBacktest, forecastMovement, reliableTolerance } from '../metrics/forecast-accuracy.ts';
import { parseForecastQuery } from '../metrics/forecast-query.ts';
import { withOriginals } from '../metrics/originals.ts';
import { snapshotDates } from '../metrics/snapshots.ts';
import { defineQuestion } from '../questions.ts';
import { badInput, chosenScope, type Chosen, type ViewRequest } from './request.ts';

/**
 * The Forecast views: the forecast page, its printable summary, GET /api/v1/forecast and
 * GET /api/v1/forecast/accuracy. They read one selection (snapshot, horizon, quarter, team, rep) and
 * ask the same questions, each remembered on its own, so another quarter or horizon works out only
 * what depends on it.
 */
export const byPeriod = defineQuestion('forecast by period', forecastByPeriod);
export const quarterMovement = defineQuestion('forecast movement', forecastMovement);
export const backtest = defineQuestion('forecast backtest', forecastBacktest);
export const winRates = defineQuestion('stage win rates', stageWinRates);
export const calibrated = defineQuestion('calibrated forecast', calibratedForecastByMonth);
// The largest deals listed show a deal exported in another currency as it was exported, too.
export const risks = defineQuestion('forecast risks', async (q, scope, args: Parameters<typeof forecastRisks>[2]) =>
	Promise.all(
		(await forecastRisks(q, scope, args)).map(async (r) => ({ ...r, top: await withOriginals(q, r.top, (d) => ({ deal: d.deal_id, date: args.asOf }), 'id') }))
	)
);

export interface ForecastSelection extends Chosen {
	/** Snapshot dates loaded, newest first. */
	dates: IsoDate[];
	/** The snapshot in effect on `as_of` (default the latest); null when nothing is loaded. */
	asOf: IsoDate | null;
	months: number;
	/** Quarters a review can be asked about, newest first, and the one asked about. */
	quarters: Quarter[];
	quarter: Quarter | null;
	/** The quarter the URL named, if any. */
	askedQuarter: Quarter | null;
}

/** The snapshot in effect on `requested` (default the latest); a date before every snapshot is `BadInput`. */
export function snapshotInEffect(dates: readonly IsoDate[], requested: IsoDate | null): IsoDate | null {
	const asOf = requested ? (dates.find((d) => d <= requested) ?? null) : (dates[0] ?? null);
	if (requested && asOf === null && dates.length > 0) {
		const message = `There is no snapshot on or before as_of ${requested}; the first snapshot is ${dates.at(-1)}.`;
		throw new BadInput(message, [{ parameter: 'as_of', message }]);
	}
	return asOf;
}

/**
 * What a Forecast view is asked for, from the URL: the snapshot, horizon (the page offers 6, 12 and
 * 18 months, the API any up to three years), the quarter to review, and team or rep within the
 * user's scope. Malformed values are `BadInput` saying what was expected.
 */
export async function selection(db: Database, request: ViewRequest, horizons: 'page' | 'api'): Promise<ForecastSelection> {
	const parsed = parseForecastQuery(request.url.searchParams, horizons);
	if (!parsed.ok) throw badInput(parsed);
	const [chosen, dates] = await Promise.all([chosenScope(db, request), db.read((q) => snapshotDates(q))]);
	const asOf = snapshotInEffect(dates, parsed.query.asOf);
	const quarters = asOf ? quartersBetween(quarterOf(dates.at(-1)!), quarterOf(asOf)).reverse() : [];
	// By default, review the last quarter that has ended: its result is known.
	const quarter = asOf ? (parsed.query.quarter ?? quarters[1] ?? quarters[0]) : null;
	return { ...chosen, dates, asOf, months: parsed.query.months, quarters, quarter, askedQuarter: parsed.query.quarter };
}

/** The forecast page's data. */
export async function load(db: Database, request: ViewRequest) {
	const chosen = await selection(db, request, 'page');
	const { scope, asOf, months, quarter } = chosen;
	const filters = {
		dates: chosen.dates,
		asOf,
		months,
		quarters: chosen.quarters,
		quarter,
		team: chosen.team,
		rep: chosen.rep,
		teams: chosen.choices.teams.map((t) => t.name),
		reps: chosen.choices.reps.map(({ email, name, team }) => ({ email, name, team })),
		// One rep in view: their team's rows would only repeat their own.
		singleRep: scope.repIds !== null && scope.repIds.length === 1
	};
	if (asOf === null || quarter === null) return { filters, forecast: null };

	const [period, movement, tested, rates, weighted] = await Promise.all([
		byPeriod.ask(db, scope, { asOf, months }),
		quarterMovement.ask(db, scope, { quarter, asOf }),
		backtest.ask(db, scope, { asOf }),
		winRates.ask(db, scope, { asOf }),
		calibrated.ask(db, scope, { asOf, months })
	]);
	return {
		filters,
		forecast: {
			// Open deals without a close date are in no month: the page says how many and what they weigh.
			noCloseDate: period.buckets.no_close_date,
			currentQuarter: quarterOf(asOf),
			months: period.months,
			quarters: period.quarters,
			buckets: period.buckets,
			movement,
			backtest: tested,
			rates,
			calibrated: weighted,
			constants: { shrinkageDeals, reliableTolerance, horizons: [...backtestHorizons] }
		}
	};
}

/** The executive summary's data: this quarter's number, coverage, trend and risks. */
export async function summary(db: Database, request: ViewRequest) {
	const chosen = await selection(db, request, 'page');
	const { scope, asOf } = chosen;
	const who = chosen.rep ? (chosen.choices.reps.find((r) => r.email.toLowerCase() === chosen.rep!.toLowerCase())?.name ?? chosen.rep) : chosen.team;
	const header = { asOf, who, team: chosen.team, rep: chosen.rep, search: request.url.search };
	if (asOf === null) return { header, summary: null };

	const quarter = quarterOf(asOf);
	const next = addQuarters(quarter, 1);
	// Through the end of next quarter, so both quarters are whole.
	const months = monthsBetween(monthOf(asOf), quarterMonths(next)[2]).length;
	const [period, movement, risky, tested, weighted] = await Promise.all([
		byPeriod.ask(db, scope, { asOf, months }),
		quarterMovement.ask(db, scope, { quarter, asOf }),
		risks.ask(db, scope, { asOf, quarter }),
		backtest.ask(db, scope, { asOf }),
		calibrated.ask(db, scope, { asOf, months: 3, firstMonth: quarterMonths(quarter)[0] })
	]);
	const thisQuarter = period.quarters.find((q) => q.quarter === quarter)!;
	const nextQuarter = period.quarters.find((q) => q.quarter === next) ?? null;
	const calibratedOpen = weighted.reduce((sum, m) => sum + m.calibrated, 0);

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
			risks: risky,
			reliability: tested.horizons.find((h) => h.weeks_before === 4) ?? null
		}
	};
}

/** Money to the cent: weighted sums carry floating-point dust that no reader needs. */
const cents = (value: number) => Math.round(value * 100) / 100;
const ratio = (value: number | null) => (value === null ? null : Math.round(value * 10_000) / 10_000);
const bucket = (b: PipelineBucket) => ({ total: cents(b.total), weighted: cents(b.weighted), count: b.count, without_amount: b.without_amount });

/** GET /api/v1/forecast's JSON. */
export async function json(db: Database, request: ViewRequest) {
	const { scope, asOf, months } = await selection(db, request, 'api');
	if (asOf === null) return { as_of: null, months: [] };
	const forecast = await byPeriod.ask(db, scope, { asOf, months });
	return {
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
	};
}

/** GET /api/v1/forecast/accuracy's JSON; without `quarter`, the last one that ended before the snapshot's. */
export async function accuracyJson(db: Database, request: ViewRequest) {
	const { scope, asOf, askedQuarter } = await selection(db, request, 'api');
	if (asOf === null) return { quarter: askedQuarter, as_of: null, complete: false, won: 0, reliable_from: null, snapshots: [] };
	const quarter = askedQuarter ?? addQuarters(quarterOf(asOf), -1);
	const movement = await quarterMovement.ask(db, scope, { quarter, asOf });
	return {
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
	};
}
