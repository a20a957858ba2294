import { sql, type Queryable } from '../db/index.ts';
import { repsInScopeAt, type Scope } from '../auth/scope.ts';
import {
	addDays,
	addQuarters,
	quarterEnd,
	quarterOf,
	quartersBetween,
	quarterStart,
	type IsoDate,
	type Quarter
} from '../../domain/periods.ts';
import { calibratedRates } from './calibration.ts';
import { wonDealsCte } from './forecast.ts';
import { snapshotDates } from './snapshots.ts';
import { dealHistories, dealHistoryTables } from './facts/history.ts';
import { median } from '../../domain/shrinkage.ts';
import { fiscalQuarter } from './fiscal-quarters.ts';

/**
 * How good the forecast was: for a quarter, the forecast f frozen at a snapshot d against what was
 * actually won a (domain notes): accuracy = 1 - |f - a| / a, bias = f / a (above 1 = optimistic).
 *
 * The forecast f at snapshot d for quarter Q is the weighted open pipeline at d with a close date in
 * Q, plus what was already won in Q by d. Counting the wins keeps the number comparable across the
 * quarter: late in a quarter most of it is already won and no longer in the open pipeline.
 * "Won in Q" follows facts/history.ts: the first snapshot showing the deal Closed Won dates and
 * sizes it.
 */

/** Weeks before quarter end at which the backtest freezes the forecast. */
export const backtestHorizons = [13, 8, 4] as const;

/** A forecast within this share of the actual counts as reliable. */
export const reliableTolerance = 0.1;

/** 1 - |f - a| / a; null when nothing was won, where the ratio is undefined. */
export function forecastAccuracy(forecast: number, won: number): number | null {
	return won > 0 ? 1 - Math.abs(forecast - won) / won : null;
}

/** f / a: above 1 the forecast promised more than was won. */
export function forecastBias(forecast: number, won: number): number | null {
	return won > 0 ? forecast / won : null;
}

/**
 * The first snapshot from which every later forecast stayed within `tolerance` of what was won:
 * the moment the number could be trusted. null if it never settled (or nothing was won).
 */
export function reliableFrom(
	points: readonly { snapshot_date: IsoDate; forecast: number }[],
	won: number,
	tolerance = reliableTolerance
): IsoDate | null {
	if (won <= 0 || points.length === 0) return null;
	let since: IsoDate | null = null;
	for (const point of points) {
		const within = Math.abs(point.forecast - won) / won <= tolerance;
		if (!within) since = null;
		else since ??= point.snapshot_date;
	}
	return since;
}

export interface ForecastPoint {
	snapshot_date: IsoDate;
	weeks_before_end: number;
	/** Weighted open pipeline due in the quarter plus already won: the forecast f. */
	forecast: number;
	/** Commit-category open pipeline due in the quarter plus already won. */
	commit_forecast: number;
	won_to_date: number;
	/** Against the final won total; null while the quarter is still running. */
	accuracy: number | null;
	bias: number | null;
}

export interface ForecastMovement {
	quarter: Quarter;
	/** True when the quarter ended by the as-of snapshot, so `won` is final. */
	complete: boolean;
	/** Won in the quarter, as known at the as-of snapshot. */
	won: number;
	reliable_from: IsoDate | null;
	points: ForecastPoint[];
}

/**
 * Question 3: how the forecast for `quarter` moved, at every snapshot in the year before its end (up
 * to `asOf`), weighted and commit, with what was won. Further out than a year a quarter's forecast is
 * mostly pipeline that does not exist yet, which says nothing about forecasting.
 */
export async function forecastMovement(
	db: Queryable,
	scope: Scope,
	{ quarter, asOf }: { quarter: Quarter; asOf: IsoDate }
): Promise<ForecastMovement> {
	await dealHistories(db);
	// A forecast is the team's that held the deal at the snapshot; a win, the team's of its owner when won.
	const openReps = repsInScopeAt(scope, sql`s.owner_id`, sql`s.snapshot_date`);
	const wonReps = repsInScopeAt(scope, sql`w.owner_id`, sql`w.won_on`);
	const end = quarterEnd(quarter);
	const [from, start] = [addDays(end, -364), quarterStart(quarter)];
	const rows = await db.all<Omit<ForecastPoint, 'accuracy' | 'bias'> & { won: number }>(
		sql`WITH
		dates AS (
			SELECT snapshot_date
			FROM ${dealHistoryTables.snapshot_dates}
			WHERE snapshot_date BETWEEN ${from}::DATE AND least(${end}::DATE, ${asOf}::DATE)
		),
		open_due AS (
			SELECT
				s.snapshot_date,
				sum(s.amount * s.probability) AS weighted,
				sum(s.amount) FILTER (WHERE s.forecast_category = 'commit') AS commit
			FROM snapshots s
			JOIN stages st ON st.id = s.stage_id AND st.outcome = 'open'
			WHERE s.snapshot_date BETWEEN ${from}::DATE AND least(${end}::DATE, ${asOf}::DATE)
				AND s.close_date BETWEEN ${start}::DATE AND ${end}::DATE
				AND ${openReps}
			GROUP BY s.snapshot_date
		),
		${wonDealsCte(asOf)},
		won_in_quarter AS (
			SELECT w.won_on, w.amount
			FROM won_deals w
			WHERE w.close_date BETWEEN ${start}::DATE AND ${end}::DATE AND ${wonReps}
		),
		won_by_snapshot AS (
			SELECT d.snapshot_date, sum(w.amount) AS won
			FROM dates d
			JOIN won_in_quarter w ON w.won_on <= d.snapshot_date
			GROUP BY d.snapshot_date
		)
		SELECT
			d.snapshot_date,
			(datediff('day', d.snapshot_date, ${end}::DATE) // 7)::INTEGER AS weeks_before_end,
			(coalesce(o.weighted, 0) + coalesce(w.won, 0))::DOUBLE AS forecast,
			(coalesce(o.commit, 0) + coalesce(w.won, 0))::DOUBLE AS commit_forecast,
			coalesce(w.won, 0)::DOUBLE AS won_to_date,
			(SELECT coalesce(sum(amount), 0) FROM won_in_quarter)::DOUBLE AS won
		FROM dates d
		LEFT JOIN open_due o USING (snapshot_date)
		LEFT JOIN won_by_snapshot w USING (snapshot_date)
		ORDER BY d.snapshot_date`
	);
	const complete = asOf >= end;
	// Every row carries the quarter's won total; with no snapshot in the window there is no forecast to judge.
	const won = rows[0]?.won ?? 0;
	const points = rows.map(({ won: _won, ...point }) => ({
		...point,
		accuracy: complete ? forecastAccuracy(point.forecast, won) : null,
		bias: complete ? forecastBias(point.forecast, won) : null
	}));
	return { quarter, complete, won, reliable_from: complete ? reliableFrom(points, won) : null, points };
}

export interface BacktestRow {
	quarter: Quarter;
	weeks_before: number;
	/** The snapshot the forecast was frozen at: the latest on or before `weeks_before` weeks before quarter end. */
	snapshot_date: IsoDate;
	forecast: number;
	commit_forecast: number;
	/** Weighted with calibrated stage-to-won rates as they were known at the snapshot. */
	calibrated_forecast: number;
	won: number;
	accuracy: number | null;
	bias: number | null;
	calibrated_accuracy: number | null;
	calibrated_bias: number | null;
}

/** How someone's (or a team's) forecasts compared with what they won, over the backtest's quarters. */
export interface ForecasterReliability {
	name: string;
	/** A rep's e-mail (the key the filters use); null for a team. */
	email: string | null;
	team: string | null;
	/** Quarters in which they forecast or won anything. */
	quarters: number;
	/** Quarters in which they won something: the sample behind the numbers. */
	quarters_won: number;
	/**
	 * Pooled over quarters and horizons: 1 - sum|f - a| / sum a. Pooling weighs each quarter by what
	 * was won in it, so one quarter with a tiny win cannot swing the verdict, and a forecast for a
	 * quarter in which nothing was won still counts as error.
	 */
	accuracy: number | null;
	/** sum f / sum a over the same rows. */
	bias: number | null;
	accuracy_13w: number | null;
	accuracy_8w: number | null;
	accuracy_4w: number | null;
	calibrated_accuracy: number | null;
	calibrated_bias: number | null;
	tendency: 'on_target' | 'optimistic' | 'cautious' | 'too_early';
	/**
	 * Their own history: pooled accuracy in the latest quarter judged, and over the quarters before
	 * it; null where there is nothing to pool (or too little to judge yet).
	 */
	latest_quarter_accuracy: number | null;
	earlier_accuracy: number | null;
	/**
	 * For a rep: the median accuracy of the reps of their team in the list who can be judged, when at
	 * least two can; null otherwise, and for teams. A reference to read their own number against, never
	 * a place in a ranking.
	 */
	team_median_accuracy: number | null;
}

/** Both weightings at one horizon, pooled over the past quarters (see `ForecasterReliability`). */
export interface HorizonAccuracy {
	weeks_before: number;
	quarters: number;
	accuracy: number | null;
	bias: number | null;
	calibrated_accuracy: number | null;
	calibrated_bias: number | null;
}

export interface ForecastBacktest {
	/** For everyone in scope: each past quarter at each horizon. */
	quarters: BacktestRow[];
	/** The same, pooled per horizon: how far ahead the number can be trusted, weighted either way. */
	horizons: HorizonAccuracy[];
	teams: ForecasterReliability[];
	reps: ForecasterReliability[];
}

export interface BacktestFreeze {
	quarter: Quarter;
	weeks_before: number;
	snapshot_date: IsoDate;
}

/**
 * Where the backtest freezes forecasts: for every quarter that ended before `asOf`'s quarter began
 * (so what was won in it is known), at each horizon, the latest snapshot on or before `weeks_before`
 * weeks before the quarter's end. A horizon reaching back before the first snapshot has no forecast
 * and is left out. `snapshotDates` are the dates loaded, in any order.
 */
export function backtestFreezes(snapshotDates: readonly IsoDate[], asOf: IsoDate): BacktestFreeze[] {
	const dates = snapshotDates.filter((d) => d <= asOf).sort();
	if (dates.length === 0) return [];
	const quarters = quartersBetween(quarterOf(dates[0]), addQuarters(quarterOf(asOf), -1));
	return quarters.flatMap((quarter) =>
		backtestHorizons.flatMap((weeks) => {
			const target = addDays(quarterEnd(quarter), -7 * weeks);
			const snapshot = dates.findLast((d) => d <= target);
			return snapshot ? [{ quarter, weeks_before: weeks, snapshot_date: snapshot }] : [];
		})
	);
}

/** Fewer quarters with wins than this, and a forecaster is not judged yet: small samples crown or shame no one. */
export const minimumQuartersToJudge = 2;

/** Bias within 1 ± this is on target. */
export const biasTolerance = 0.15;

interface GridRow {
	quarter: Quarter;
	weeks_before: number;
	snapshot_date: IsoDate;
	level: 'all' | 'team' | 'rep';
	team: string | null;
	rep: string | null;
	email: string | null;
	forecast: number;
	commit_forecast: number;
	calibrated_forecast: number;
	won: number;
}

/**
 * Question 4 (and the accuracy half of 5): for every quarter that ended by `asOf`, the forecast frozen
 * 13, 8 and 4 weeks before its end against what was won, for everyone in scope, per team and per rep,
 * weighted both the CRM's way and the calibrated way.
 *
 * Only the snapshots that matter are read (one per quarter and horizon, see `backtestFreezes`), in one
 * query. Each forecast
 * is credited to the deal's owner at the frozen snapshot, each win to its owner when first shown won.
 * Teams are the reps' teams at the frozen snapshot (dated membership), and count only the reps in scope.
 */
export async function forecastBacktest(db: Queryable, scope: Scope, { asOf }: { asOf: IsoDate }): Promise<ForecastBacktest> {
	const freezes = backtestFreezes((await snapshotDates(db)) as IsoDate[], asOf);
	if (freezes.length === 0) return { quarters: [], horizons: [], teams: [], reps: [] };
	await dealHistories(db);
	const openReps = repsInScopeAt(scope, sql`s.owner_id`, sql`s.snapshot_date`);
	const wonReps = repsInScopeAt(scope, sql`w.owner_id`, sql`w.won_on`);
	const frozenDates = freezes.map((f) => f.snapshot_date);
	const grid = await db.all<GridRow>(
		sql`WITH
		frozen AS (
			SELECT
				unnest(${freezes.map((f) => quarterStart(f.quarter))}::DATE[]) AS quarter_start,
				unnest(${freezes.map((f) => quarterEnd(f.quarter))}::DATE[]) AS quarter_end,
				unnest(${freezes.map((f) => f.weeks_before)}::INTEGER[]) AS weeks_before,
				unnest(${frozenDates}::DATE[]) AS snapshot_date
		),
		quarters AS (SELECT DISTINCT quarter_start, quarter_end FROM frozen),
		rate_dates AS (SELECT DISTINCT snapshot_date AS rate_date FROM frozen),
		${calibratedRates},
		${wonDealsCte(asOf)},
		open_frozen AS (
			SELECT
				f.quarter_start,
				f.weeks_before,
				s.owner_id,
				sum(s.amount * s.probability) AS weighted,
				sum(s.amount * coalesce(r.rate, c.rate)) AS calibrated,
				sum(s.amount) FILTER (WHERE s.forecast_category = 'commit') AS commit
			FROM frozen f
			JOIN snapshots s ON s.snapshot_date = f.snapshot_date AND s.close_date BETWEEN f.quarter_start AND f.quarter_end
			JOIN stages st ON st.id = s.stage_id AND st.outcome = 'open'
			JOIN company_rates c ON c.rate_date = f.snapshot_date AND c.stage_id = s.stage_id
			LEFT JOIN rep_rates r ON r.rate_date = f.snapshot_date AND r.owner_id = s.owner_id AND r.stage_id = s.stage_id
			-- Spelled out as a list of dates so that DuckDB reads only those snapshots' row groups.
			WHERE s.snapshot_date IN (SELECT unnest(${frozenDates}::DATE[])) AND ${openReps}
			GROUP BY ALL
		),
		won_in_quarter AS (
			SELECT q.quarter_start, w.owner_id, w.won_on, w.amount
			FROM quarters q
			JOIN won_deals w ON w.close_date BETWEEN q.quarter_start AND q.quarter_end
			WHERE ${wonReps}
		),
		won_by_frozen AS (
			SELECT f.quarter_start, f.weeks_before, w.owner_id, sum(w.amount) AS won
			FROM frozen f
			JOIN won_in_quarter w ON w.quarter_start = f.quarter_start AND w.won_on <= f.snapshot_date
			GROUP BY ALL
		),
		actual AS (
			SELECT quarter_start, owner_id, sum(amount) AS won FROM won_in_quarter GROUP BY ALL
		),
		forecasters AS (
			SELECT quarter_start, owner_id FROM open_frozen
			UNION
			SELECT quarter_start, owner_id FROM actual
		),
		grid AS (
			SELECT
				f.quarter_start,
				f.weeks_before,
				f.snapshot_date,
				k.owner_id,
				coalesce(o.weighted, 0) + coalesce(wb.won, 0) AS forecast,
				coalesce(o.commit, 0) + coalesce(wb.won, 0) AS commit_forecast,
				coalesce(o.calibrated, 0) + coalesce(wb.won, 0) AS calibrated_forecast,
				coalesce(a.won, 0) AS won
			FROM frozen f
			JOIN forecasters k ON k.quarter_start = f.quarter_start
			LEFT JOIN open_frozen o
				ON o.quarter_start = f.quarter_start AND o.weeks_before = f.weeks_before AND o.owner_id = k.owner_id
			LEFT JOIN won_by_frozen wb
				ON wb.quarter_start = f.quarter_start AND wb.weeks_before = f.weeks_before AND wb.owner_id = k.owner_id
			LEFT JOIN actual a ON a.quarter_start = f.quarter_start AND a.owner_id = k.owner_id
		),
		levels AS (
			SELECT
				g.quarter_start,
				g.weeks_before,
				g.snapshot_date,
				GROUPING(r.team_id, g.owner_id) AS grouping_level,
				r.team_id,
				g.owner_id,
				sum(g.forecast) AS forecast,
				sum(g.commit_forecast) AS commit_forecast,
				sum(g.calibrated_forecast) AS calibrated_forecast,
				sum(g.won) AS won
			FROM grid g
			-- The rep's team at the frozen snapshot, so a rep who moved later stays in the team they forecast for.
			LEFT JOIN rep_team_spans r ON r.rep_id = g.owner_id AND g.snapshot_date >= r.valid_from AND g.snapshot_date < r.valid_to
			GROUP BY GROUPING SETS (
				(g.quarter_start, g.weeks_before, g.snapshot_date),
				(g.quarter_start, g.weeks_before, g.snapshot_date, r.team_id),
				(g.quarter_start, g.weeks_before, g.snapshot_date, r.team_id, g.owner_id)
			)
		)
		SELECT
			${fiscalQuarter(sql`l.quarter_start`)} AS quarter,
			l.weeks_before::INTEGER AS weeks_before,
			l.snapshot_date,
			CASE l.grouping_level WHEN 3 THEN 'all' WHEN 1 THEN 'team' ELSE 'rep' END AS level,
			t.name AS team,
			rep.name AS rep,
			rep.email,
			l.forecast::DOUBLE AS forecast,
			l.commit_forecast::DOUBLE AS commit_forecast,
			l.calibrated_forecast::DOUBLE AS calibrated_forecast,
			l.won::DOUBLE AS won
		FROM levels l
		LEFT JOIN teams t ON t.id = l.team_id
		LEFT JOIN reps rep ON rep.id = l.owner_id
		ORDER BY l.quarter_start, l.weeks_before DESC, level, team, rep`
	);

	const quarters = grid
		.filter((row) => row.level === 'all')
		.map(({ level: _l, team: _t, rep: _r, email: _e, ...row }) => ({
			...row,
			accuracy: forecastAccuracy(row.forecast, row.won),
			bias: forecastBias(row.forecast, row.won),
			calibrated_accuracy: forecastAccuracy(row.calibrated_forecast, row.won),
			calibrated_bias: forecastBias(row.calibrated_forecast, row.won)
		}));
	const horizons = backtestHorizons
		.map((weeks) => quarters.filter((row) => row.weeks_before === weeks))
		.filter((rows) => rows.length > 0)
		.map((rows) => {
			const crm = pooled(rows, (row) => row.forecast);
			const calibrated = pooled(rows, (row) => row.calibrated_forecast);
			return {
				weeks_before: rows[0].weeks_before,
				quarters: rows.length,
				accuracy: crm.accuracy,
				bias: crm.bias,
				calibrated_accuracy: calibrated.accuracy,
				calibrated_bias: calibrated.bias
			};
		});
	return {
		quarters,
		horizons,
		teams: reliability(grid.filter((row) => row.level === 'team'), (row) => row.team ?? '', (row) => ({ name: row.team ?? '', email: null, team: row.team })),
		reps: reliability(grid.filter((row) => row.level === 'rep'), (row) => row.email ?? row.rep ?? '', (row) => ({ name: row.rep ?? '', email: row.email, team: row.team }))
	};
}

/** 1 - sum|f - a| / sum a and sum f / sum a over `rows`; null when nothing was won in them. */
function pooled<R extends { won: number }>(rows: R[], forecast: (row: R) => number) {
	const won = rows.reduce((sum, row) => sum + row.won, 0);
	const error = rows.reduce((sum, row) => sum + Math.abs(forecast(row) - row.won), 0);
	const promised = rows.reduce((sum, row) => sum + forecast(row), 0);
	return won > 0 ? { accuracy: 1 - error / won, bias: promised / won } : { accuracy: null, bias: null };
}

/**
 * Pooled accuracy, bias and tendency per forecaster, each beside their own history and their team's
 * median (see `ForecasterReliability`), listed by team and name: reliability is a conversation about
 * how probabilities and close dates are set, never a league table.
 */
function reliability(
	rows: GridRow[],
	key: (row: GridRow) => string,
	identity: (row: GridRow) => Pick<ForecasterReliability, 'name' | 'email' | 'team'>
): ForecasterReliability[] {
	const groups = new Map<string, GridRow[]>();
	for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
	const summaries = [...groups.values()].map((group) => {
		const quarters = new Set(group.map((row) => row.quarter));
		const quartersWon = new Set(group.filter((row) => row.won > 0).map((row) => row.quarter));
		const all = pooled(group, (row) => row.forecast);
		const calibrated = pooled(group, (row) => row.calibrated_forecast);
		const at = (weeks: number) => pooled(group.filter((row) => row.weeks_before === weeks), (row) => row.forecast).accuracy;
		const latestQuarter = [...quarters].sort().at(-1);
		const judged = quartersWon.size >= minimumQuartersToJudge;
		const tendency: ForecasterReliability['tendency'] =
			quartersWon.size < minimumQuartersToJudge || all.bias === null
				? 'too_early'
				: all.bias > 1 + biasTolerance
					? 'optimistic'
					: all.bias < 1 - biasTolerance
						? 'cautious'
						: 'on_target';
		return {
			...identity(group[0]),
			quarters: quarters.size,
			quarters_won: quartersWon.size,
			accuracy: all.accuracy,
			bias: all.bias,
			accuracy_13w: at(13),
			accuracy_8w: at(8),
			accuracy_4w: at(4),
			calibrated_accuracy: calibrated.accuracy,
			calibrated_bias: calibrated.bias,
			tendency,
			latest_quarter_accuracy: judged ? pooled(group.filter((row) => row.quarter === latestQuarter), (row) => row.forecast).accuracy : null,
			earlier_accuracy: judged ? pooled(group.filter((row) => row.quarter !== latestQuarter), (row) => row.forecast).accuracy : null,
			team_median_accuracy: null as number | null
		};
	});
	for (const summary of summaries) {
		if (summary.email === null) continue;
		const judgedMates = summaries.filter((s) => s.email !== null && s.team === summary.team && s.tendency !== 'too_early' && s.accuracy !== null);
		summary.team_median_accuracy = judgedMates.length >= 2 ? median(judgedMates.map((s) => s.accuracy!)) : null;
	}
	return summaries.sort((a, b) => (a.team ?? '\uffff').localeCompare(b.team ?? '\uffff') || a.name.localeCompare(b.name));
}
