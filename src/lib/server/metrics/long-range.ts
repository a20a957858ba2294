import { sql, type Queryable } from '../db/index.ts';
import type { Scope } from '../auth/scope.ts';
import { quarterOf, type IsoDate, type Month, type Quarter } from '../../domain/periods.ts';
import { dataFingerprint } from './facts/version.ts';
import { quotaByMonth as quotaByMonthCte } from './quotas.ts';
import { keepsTeammatesApart } from './team-privacy.ts';
import { dayOf, longRangeFacts, monthName, openDealsAt } from './long-range-facts.ts';
import {
	creationWindowMonths,
	rampMonths,
	segmentNames,
	slipBuckets,
	minSlip,
	type LearnedModel,
	type SegmentName,
	type SlipBucket
} from './long-range-model.ts';
import { bands, baseline, project, type Assumptions, type Projection } from './long-range-projection.ts';
import { longRangeBacktest, type BacktestHorizon } from './long-range-backtest.ts';
import { inScope, learnedAt, sellingReps } from './long-range-scope.ts';

/**
 * The 6-18 month view: what today's open pipeline will bring, plus what will be created and won in
 * the meantime, month by month, with a P10-P90 band, the inputs behind it, and how such projections
 * fared on the company's own past (long-range-model.ts says what is learned, long-range-projection.ts
 * how it is projected, long-range-backtest.ts how it is judged).
 */

/** Draws of the simulation behind the band: enough for stable P10/P90, few enough to answer at once. */
export const longRangeDraws = 500;
export const maxLongRangeMonths = 24;
export const defaultLongRangeMonths = 18;

export interface LongRangeMonth {
	month: Month;
	existing: number;
	future: number;
	expected: number;
	p10: number;
	p50: number;
	p90: number;
	quota: number | null;
}

export interface LongRangeQuarter extends Omit<LongRangeMonth, 'month'> {
	quarter: Quarter;
	/** Months of the quarter inside the horizon. */
	months: number;
}

export interface LongRangeSegmentInput {
	team: string | null;
	segment: SegmentName;
	/** Deals expected to be created per month (the first whole month), by the reps in scope. */
	created_per_month: number;
	/** Share of created deals won, from the company's own closed deals (the team's, shrunk). */
	win_rate: number;
	average_size: number;
	/** Months from creation to win for half of the wins. */
	median_cycle_months: number;
}

export interface LongRangeSlipInput {
	bucket: SlipBucket;
	/** Won deals it was learned from. */
	deals: number;
	/** Share of wins that closed in the stated month or earlier, and later. */
	on_time_or_early: number;
	later: number;
	mean_slip_months: number;
}

export interface LongRangeInputs {
	window_months: number;
	ramp_months: number;
	seasonality: boolean;
	draws: number;
	existing_deals: number;
	existing_weighted: number;
	ramping_reps: number;
	creation: LongRangeSegmentInput[];
	slip: LongRangeSlipInput[];
}

export interface LongRange {
	as_of: IsoDate;
	months: LongRangeMonth[];
	quarters: LongRangeQuarter[];
	inputs: LongRangeInputs;
	backtest: BacktestHorizon[];
}

/** Quota of the scope per month (a whole team's own quota where set; see quotas.ts). */
async function quotaByMonth(db: Queryable, scope: Scope, first: Month, count: number): Promise<Map<Month, number>> {
	const start = `${first}-01`;
	const rows = await db.all<{ month: Month; quota: number }>(
		sql`
		WITH months AS (
			SELECT CAST(m AS DATE) AS month_start
			FROM range(${start}::TIMESTAMP, ${start}::TIMESTAMP + to_months(${count}::INTEGER), INTERVAL 1 MONTH) r(m)
		),
		quota_by_month AS (${quotaByMonthCte(scope)})
		SELECT strftime(month_start, '%Y-%m') AS month, quota::DOUBLE AS quota FROM quota_by_month`
	);
	return new Map(rows.map((r) => [r.month, r.quota]));
}

/** The company's fiscal quarter (FISCAL_YEAR_START) of a month index. */
function quarterName(month: number): Quarter {
	return quarterOf(monthName(month));
}

function quarters(projection: Projection, quota: Map<Month, number>, rows: LongRangeMonth[]): LongRangeQuarter[] {
	const groups = new Map<Quarter, number[]>();
	projection.months.forEach((m, i) => {
		const quarter = quarterName(m.month);
		groups.set(quarter, [...(groups.get(quarter) ?? []), i]);
	});
	const months = projection.months.length;
	const sums = new Float64Array(projection.drawCount * groups.size);
	[...groups.values()].forEach((indexes, q) => {
		for (let d = 0; d < projection.drawCount; d++) {
			let sum = 0;
			for (const i of indexes) sum += projection.draws[d * months + i];
			sums[d * groups.size + q] = sum;
		}
	});
	const band = bands(sums, projection.drawCount, groups.size);
	return [...groups].map(([quarter, indexes], q) => {
		const add = (key: 'existing' | 'future' | 'expected') => indexes.reduce((sum, i) => sum + rows[i][key], 0);
		const quotas = indexes.map((i) => quota.get(rows[i].month)).filter((v): v is number => v !== undefined);
		return {
			quarter,
			months: indexes.length,
			existing: add('existing'),
			future: add('future'),
			expected: add('expected'),
			...band[q],
			quota: quotas.length > 0 ? quotas.reduce((a, b) => a + b, 0) : null
		};
	});
}

function slipInputs(model: LearnedModel): LongRangeSlipInput[] {
	return slipBuckets.map((bucket, b) => {
		const shares = model.slip[b];
		let onTime = 0;
		let mean = 0;
		shares.forEach((share, i) => {
			if (i + minSlip <= 0) onTime += share;
			mean += share * (i + minSlip);
		});
		return { bucket, deals: model.slipLearned[b], on_time_or_early: onTime, later: 1 - onTime, mean_slip_months: mean };
	});
}

export interface LongRangeRequest {
	asOf: IsoDate;
	months: number;
	assumptions?: Assumptions;
	/** Names the scenario in the seed, so a scenario's band is as stable as the baseline's. */
	scenarioKey?: string;
}

/**
 * The long-range projection for `scope` at the snapshot `asOf`, for the `months` whole months after
 * its month, with the backtest of the same projection at the company's past months (for this scope).
 */
export async function longRangeForecast(db: Queryable, scope: Scope, request: LongRangeRequest): Promise<LongRange> {
	const assumptions = request.assumptions ?? baseline;
	const facts = await longRangeFacts(db);
	const asOfDay = dayOf(request.asOf);
	const [model, allOpen, { fingerprint }] = await Promise.all([learnedAt(db, facts, asOfDay), openDealsAt(db, request.asOf), dataFingerprint(db)]);
	const openDeals = inScope(facts, scope, asOfDay, allOpen);
	const projection = project({
		model,
		isNewBusiness: (id) => facts.dealById.get(id)?.newBusiness ?? true,
		openDeals,
		reps: sellingReps(facts, scope, asOfDay, allOpen),
		months: request.months,
		assumptions,
		draws: longRangeDraws,
		seed: JSON.stringify([fingerprint, request.asOf, request.months, scope.repIds, request.scenarioKey ?? null]),
		viewerRepId: keepsTeammatesApart(scope) ? (scope.ownRepId ?? -1) : null
	});
	const firstMonth = monthName(model.asOfMonth + 1);
	const [quota, backtest] = await Promise.all([quotaByMonth(db, scope, firstMonth, request.months), longRangeBacktest(db, facts, scope, fingerprint)]);
	const rows: LongRangeMonth[] = projection.months.map((m) => {
		const month = monthName(m.month);
		return { month, existing: m.existing, future: m.future, expected: m.expected, p10: m.p10, p50: m.p50, p90: m.p90, quota: quota.get(month) ?? null };
	});
	const teamName = new Map(facts.teams.map((t) => [t.id, t.name]));
	const excluded = new Set(assumptions.excludeDealIds);
	return {
		as_of: request.asOf,
		months: rows,
		quarters: quarters(projection, quota, rows),
		inputs: {
			window_months: Math.min(creationWindowMonths, model.creationMonths),
			ramp_months: rampMonths,
			seasonality: model.seasonal,
			draws: longRangeDraws,
			existing_deals: projection.existingDeals,
			existing_weighted: openDeals.filter((d) => !excluded.has(d.dealId)).reduce((sum, d) => sum + d.pWin * d.amount, 0),
			ramping_reps: projection.rampingReps,
			creation: projection.cells
				.map((cell) => ({
					team: cell.teamId === null ? null : (teamName.get(cell.teamId) ?? null),
					segment: segmentNames[cell.segment],
					created_per_month: cell.createdPerMonth,
					win_rate: cell.winRate,
					average_size: cell.meanSize,
					median_cycle_months: cell.medianLag
				}))
				.sort((a, b) => (a.team ?? '').localeCompare(b.team ?? '') || a.segment.localeCompare(b.segment)),
			slip: slipInputs(model)
		},
		backtest
	};
}


