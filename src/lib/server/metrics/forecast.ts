import { sql, type Queryable, type Sql } from '../db/index.ts';
import { repsInScopeAt, type Scope } from '../auth/scope.ts';
import { dealHistories, dealHistoryTables } from './facts/history.ts';
import { quotaByMonth } from './quotas.ts';
import {
	addMonths,
	monthOf,
	monthsBetween,
	monthStart,
	quarterEnd,
	quarterMonths,
	quarterOf,
	quartersBetween,
	quarterStart,
	type IsoDate,
	type Month,
	type Quarter
} from '../../domain/periods.ts';

/**
 * The forward view: where the open pipeline at one snapshot is expected to close, month by month and
 * quarter by quarter, against quota.
 *
 * Definitions (domain notes):
 * - total = sum of amount, weighted = sum of amount x the CRM's probability, of deals in an open stage
 *   at the snapshot, by the month of their expected close date;
 * - closed = won in the period by the snapshot (see facts/history.ts);
 * - coverage = open pipeline due in the period / remaining quota (quota - closed).
 */

/** The horizons the page offers, in months. */
export const forecastHorizons = [6, 12, 18] as const;
export type ForecastHorizon = (typeof forecastHorizons)[number];

/**
 * CTE `won_deals(deal_id, won_on, close_date, amount, owner_id)`: every deal won by `asOf`, by the
 * one definition of a deal's outcome (`won_deals` in facts/history.ts). Run `dealHistories` before a
 * query that uses it.
 */
export function wonDealsCte(asOf: IsoDate): Sql {
	return sql`
	won_deals AS (
		SELECT deal_id, won_on, close_date, amount, owner_id
		FROM ${dealHistoryTables.won_deals}
		WHERE won_on <= ${asOf}::DATE
	)`;
}

/** The snapshot in effect on `requested` (the latest on or before it), or the latest of all; null if none. */
export async function forecastAsOf(db: Queryable, requested?: IsoDate | null): Promise<IsoDate | null> {
	const row = await db.one<{ as_of: IsoDate | null }>(
		`SELECT max(snapshot_date) AS as_of FROM snapshots WHERE $requested::DATE IS NULL OR snapshot_date <= $requested::DATE`,
		{ requested: requested ?? null }
	);
	return row?.as_of ?? null;
}

export interface ForecastMonth {
	month: Month;
	/** Open pipeline expected to close in the month. */
	total: number;
	/** The same, each deal times the CRM's probability. */
	weighted: number;
	/** How many open deals are due in the month. */
	count: number;
	pipeline: number;
	best_case: number;
	commit: number;
	/** Open deals the CRM leaves out of the forecast (category omitted or none of the above). */
	omitted: number;
	/** Won in the month by the snapshot. */
	closed: number;
	/** Quota of the reps in scope for the month; null where no quota was set. */
	quota: number | null;
	/** total / (quota - closed); null without quota or when the quota is already met. */
	coverage: number | null;
}

export interface ForecastQuarter extends Omit<ForecastMonth, 'month'> {
	quarter: Quarter;
	/** The quarter's number: weighted open pipeline due in it plus what is already won in it. */
	forecast: number;
	/** Commit plus already won: the number the reps stand behind. */
	commit_forecast: number;
	/** quota - closed; null without quota. */
	remaining_quota: number | null;
}

type MonthSums = Omit<ForecastMonth, 'coverage'>;

/** Coverage as the domain defines it: open pipeline due / remaining quota; null when undefined. */
export function coverage(openPipeline: number, quota: number | null, closed: number): number | null {
	if (quota === null) return null;
	const remaining = quota - closed;
	return remaining > 0 ? openPipeline / remaining : null;
}

/**
 * One row per month from `firstMonth` for `count` months: open pipeline at `asOf` by the month of
 * its close date, won by `asOf` by the month of its close date, and quota.
 */
async function monthSums(db: Queryable, scope: Scope, asOf: IsoDate, firstMonth: Month, count: number) {
	await dealHistories(db);
	// Each deal counts for the team its owner was in at the time: open ones at the snapshot, won ones when won.
	const openReps = repsInScopeAt(scope, sql`s.owner_id`, sql`s.snapshot_date`);
	const wonReps = repsInScopeAt(scope, sql`w.owner_id`, sql`w.won_on`);
	return db.all<MonthSums>(
		sql`WITH
		months AS (
			SELECT CAST(m AS DATE) AS month_start
			FROM range(${monthStart(firstMonth)}::TIMESTAMP, ${monthStart(addMonths(firstMonth, count))}::TIMESTAMP, INTERVAL 1 MONTH) r(m)
		),
		open_at_as_of AS (
			SELECT
				date_trunc('month', s.close_date)::DATE AS month_start,
				s.amount,
				s.probability,
				coalesce(s.forecast_category, 'pipeline') AS category
			FROM snapshots s
			JOIN stages st ON st.id = s.stage_id AND st.outcome = 'open'
			WHERE s.snapshot_date = ${asOf}::DATE AND ${openReps}
		),
		open_by_month AS (
			SELECT
				month_start,
				count(*) AS count,
				sum(amount) AS total,
				sum(amount * probability) AS weighted,
				sum(amount) FILTER (WHERE category = 'pipeline') AS pipeline,
				sum(amount) FILTER (WHERE category = 'best_case') AS best_case,
				sum(amount) FILTER (WHERE category = 'commit') AS commit,
				sum(amount) FILTER (WHERE category NOT IN ('pipeline', 'best_case', 'commit')) AS omitted
			FROM open_at_as_of
			GROUP BY month_start
		),
		${wonDealsCte(asOf)},
		won_by_month AS (
			SELECT date_trunc('month', w.close_date)::DATE AS month_start, sum(w.amount) AS closed
			FROM won_deals w
			WHERE ${wonReps}
			GROUP BY 1
		),
		quota_by_month AS (${quotaByMonth(scope)})
		SELECT
			strftime(m.month_start, '%Y-%m') AS month,
			coalesce(o.total, 0)::DOUBLE AS total,
			coalesce(o.weighted, 0)::DOUBLE AS weighted,
			coalesce(o.count, 0)::INTEGER AS count,
			coalesce(o.pipeline, 0)::DOUBLE AS pipeline,
			coalesce(o.best_case, 0)::DOUBLE AS best_case,
			coalesce(o.commit, 0)::DOUBLE AS commit,
			coalesce(o.omitted, 0)::DOUBLE AS omitted,
			coalesce(w.closed, 0)::DOUBLE AS closed,
			q.quota::DOUBLE AS quota
		FROM months m
		LEFT JOIN open_by_month o USING (month_start)
		LEFT JOIN won_by_month w USING (month_start)
		LEFT JOIN quota_by_month q USING (month_start)
		ORDER BY m.month_start`
	);
}

/**
 * A quarter from its months. Open pipeline counts only from `firstMonth` (the snapshot's month) on:
 * a deal whose close date has passed is overdue, its own bucket, not pipeline to plan the quarter
 * with; the rep KPIs count coverage the same way. Quota and what is won count for the whole quarter.
 */
function quarterRow(quarter: Quarter, months: MonthSums[], firstMonth: Month): ForecastQuarter {
	const sum = (key: 'total' | 'weighted' | 'count' | 'pipeline' | 'best_case' | 'commit' | 'omitted' | 'closed') =>
		months.filter((m) => key === 'closed' || m.month >= firstMonth).reduce((acc, m) => acc + m[key], 0);
	const quotas = months.map((m) => m.quota).filter((q): q is number => q !== null);
	const quota = quotas.length > 0 ? quotas.reduce((a, b) => a + b, 0) : null;
	const closed = sum('closed');
	return {
		quarter,
		total: sum('total'),
		weighted: sum('weighted'),
		count: sum('count'),
		pipeline: sum('pipeline'),
		best_case: sum('best_case'),
		commit: sum('commit'),
		omitted: sum('omitted'),
		closed,
		quota,
		coverage: coverage(sum('total'), quota, closed),
		forecast: sum('weighted') + closed,
		commit_forecast: sum('commit') + closed,
		remaining_quota: quota === null ? null : quota - closed
	};
}

/** Open deals in one forecast bucket: their amount, weighted amount and number. */
export interface PipelineBucket {
	total: number;
	weighted: number;
	count: number;
	/** Of `count`, the deals whose amount is not known yet (they add nothing to the sums). */
	without_amount: number;
}

/**
 * The open pipeline outside the months of the horizon, and all of it: every open deal is in exactly
 * one month of the horizon, or `overdue` (close date before the snapshot's month), `later` (after
 * the horizon) or `no_close_date` (an open deal nobody has dated yet). The months plus these three are `open`, so nothing open is out of view.
 */
export interface OpenPipelineBuckets {
	overdue: PipelineBucket;
	later: PipelineBucket;
	no_close_date: PipelineBucket;
	open: PipelineBucket;
}

async function openPipelineBuckets(db: Queryable, scope: Scope, asOf: IsoDate, firstMonth: Month, lastMonth: Month): Promise<OpenPipelineBuckets> {
	const reps = repsInScopeAt(scope, sql`s.owner_id`, sql`s.snapshot_date`);
	const rows = await db.all<PipelineBucket & { bucket: string | null }>(
		sql`WITH open_at_as_of AS (
			SELECT s.amount, s.probability,
				CASE
					WHEN s.close_date IS NULL THEN 'no_close_date'
					WHEN s.close_date < ${monthStart(firstMonth)}::DATE THEN 'overdue'
					WHEN s.close_date >= ${monthStart(addMonths(lastMonth, 1))}::DATE THEN 'later'
					ELSE 'horizon'
				END AS bucket
			FROM snapshots s
			JOIN stages st ON st.id = s.stage_id AND st.outcome = 'open'
			WHERE s.snapshot_date = ${asOf}::DATE AND ${reps}
		)
		SELECT bucket,
			coalesce(sum(amount), 0)::DOUBLE AS total,
			coalesce(sum(amount * probability), 0)::DOUBLE AS weighted,
			count(*)::INTEGER AS count,
			count(*) FILTER (WHERE amount IS NULL)::INTEGER AS without_amount
		FROM open_at_as_of
		GROUP BY GROUPING SETS ((bucket), ())`
	);
	const bucket = (name: string | null): PipelineBucket => {
		const row = rows.find((r) => r.bucket === name);
		return { total: row?.total ?? 0, weighted: row?.weighted ?? 0, count: row?.count ?? 0, without_amount: row?.without_amount ?? 0 };
	};
	return { overdue: bucket('overdue'), later: bucket('later'), no_close_date: bucket('no_close_date'), open: bucket(null) };
}

/**
 * Questions 1 and 2: the open pipeline at `asOf` by expected close month for `months` months from
 * the snapshot's month (total, weighted, by forecast category, won, quota, coverage), the same for
 * every quarter those months touch, and the open pipeline outside those months (`buckets`).
 *
 * Quarters are whole, so a quarter's number and coverage always compare a whole quarter's quota with
 * what is won in it and what is due in it from the snapshot's month on; the last reaches past the
 * monthly horizon to its end. Open deals whose close date has passed are not in any month or
 * quarter: they are `overdue`, shown beside the months (and named in `forecastRisks`).
 */
export async function forecastByPeriod(
	db: Queryable,
	scope: Scope,
	{ asOf, months }: { asOf: IsoDate; months: number }
): Promise<{ months: ForecastMonth[]; quarters: ForecastQuarter[]; buckets: OpenPipelineBuckets }> {
	const firstMonth = monthOf(asOf);
	const lastMonth = addMonths(firstMonth, months - 1);
	const wholeQuarters = monthsBetween(quarterMonths(quarterOf(firstMonth))[0], quarterMonths(quarterOf(lastMonth))[2]);
	const sums = await monthSums(db, scope, asOf, wholeQuarters[0], wholeQuarters.length);
	const buckets = await openPipelineBuckets(db, scope, asOf, firstMonth, lastMonth);

	const horizon = sums
		.filter((m) => m.month >= firstMonth && m.month <= lastMonth)
		.map((m) => ({ ...m, coverage: coverage(m.total, m.quota, m.closed) }));
	const quarters = quartersBetween(quarterOf(firstMonth), quarterOf(lastMonth)).map((quarter) =>
		quarterRow(quarter, sums.filter((m) => quarterOf(m.month) === quarter), firstMonth)
	);
	return { months: horizon, quarters, buckets };
}

export interface ForecastRiskDeal {
	risk: 'overdue' | 'pushed_out' | 'largest';
	deal_id: number;
	deal: string;
	rep: string;
	stage: string;
	amount: number;
	weighted: number;
	close_date: IsoDate;
	forecast_category: string | null;
	/** For a pushed-out deal: its close date four weeks earlier. */
	previous_close_date: IsoDate | null;
}

export interface ForecastRisk {
	risk: ForecastRiskDeal['risk'];
	deals: number;
	amount: number;
	weighted: number;
	/** The biggest few, for the leader to work on with the rep. */
	top: ForecastRiskDeal[];
}

/**
 * What could make `quarter`'s number wrong, at `asOf`:
 * - overdue: open deals whose close date has already passed (the CRM still counts them somewhere);
 * - pushed out: deals that four weeks earlier were due in the quarter and now close after it;
 * - largest: the biggest weighted deals due in the quarter, where a single loss moves the number.
 */
export async function forecastRisks(
	db: Queryable,
	scope: Scope,
	{ asOf, quarter, top = 5 }: { asOf: IsoDate; quarter: Quarter; top?: number }
): Promise<ForecastRisk[]> {
	const reps = repsInScopeAt(scope, sql`s.owner_id`, sql`s.snapshot_date`);
	const earlierReps = repsInScopeAt(scope, sql`e.owner_id`, sql`e.snapshot_date`);
	const [firstDay, lastDay] = [quarterStart(quarter), quarterEnd(quarter)];
	const rows = await db.all<ForecastRiskDeal & { deals: number; total_amount: number; total_weighted: number; rank: number }>(
		sql`WITH
		open_now AS (
			SELECT s.deal_id, s.owner_id, s.stage_id, s.amount, s.probability, s.close_date, s.forecast_category
			FROM snapshots s
			JOIN stages st ON st.id = s.stage_id AND st.outcome = 'open'
			WHERE s.snapshot_date = ${asOf}::DATE AND ${reps}
		),
		four_weeks_earlier AS (
			SELECT max(snapshot_date) AS snapshot_date FROM snapshots WHERE snapshot_date <= ${asOf}::DATE - 28
		),
		due_earlier AS (
			SELECT e.deal_id, e.close_date
			FROM snapshots e
			JOIN stages st ON st.id = e.stage_id AND st.outcome = 'open'
			WHERE e.snapshot_date = (SELECT snapshot_date FROM four_weeks_earlier)
				AND e.close_date BETWEEN ${firstDay}::DATE AND ${lastDay}::DATE
				AND ${earlierReps}
		),
		at_risk AS (
			SELECT 'overdue' AS risk, o.*, NULL::DATE AS previous_close_date
			FROM open_now o WHERE o.close_date < ${asOf}::DATE
			UNION ALL
			SELECT 'pushed_out', o.*, d.close_date
			FROM open_now o JOIN due_earlier d USING (deal_id)
			WHERE o.close_date > ${lastDay}::DATE
			UNION ALL
			SELECT 'largest', o.*, NULL
			FROM open_now o
			WHERE o.close_date BETWEEN greatest(${firstDay}::DATE, ${asOf}::DATE) AND ${lastDay}::DATE
		),
		ranked AS (
			SELECT
				r.*,
				count(*) OVER (PARTITION BY r.risk) AS deals,
				sum(r.amount) OVER (PARTITION BY r.risk) AS total_amount,
				sum(r.amount * r.probability) OVER (PARTITION BY r.risk) AS total_weighted,
				row_number() OVER (PARTITION BY r.risk ORDER BY r.amount * r.probability DESC, r.amount DESC, r.deal_id) AS rank
			FROM at_risk r
		)
		SELECT
			r.risk, r.deal_id, coalesce(d.name, d.crm_id) AS deal, rep.name AS rep, st.name AS stage,
			r.amount::DOUBLE AS amount, (r.amount * r.probability)::DOUBLE AS weighted, r.close_date,
			r.forecast_category, r.previous_close_date,
			r.deals::INTEGER AS deals, r.total_amount::DOUBLE AS total_amount,
			r.total_weighted::DOUBLE AS total_weighted, r.rank::INTEGER AS rank
		FROM ranked r
		JOIN deals d ON d.id = r.deal_id
		JOIN stages st ON st.id = r.stage_id
		LEFT JOIN reps rep ON rep.id = r.owner_id
		WHERE r.rank <= ${top}
		ORDER BY r.risk, r.rank`
	);
	return (['overdue', 'pushed_out', 'largest'] as const).map((risk) => {
		const deals = rows.filter((r) => r.risk === risk);
		return {
			risk,
			deals: deals[0]?.deals ?? 0,
			amount: deals[0]?.total_amount ?? 0,
			weighted: deals[0]?.total_weighted ?? 0,
			top: deals.map(({ deals: _d, total_amount: _a, total_weighted: _w, rank: _r, ...deal }) => deal)
		};
	});
}
