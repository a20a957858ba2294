import * as Plot from '@observablehq/plot';
import { formatDate, formatNumber } from '$lib/domain/format';
import { m } from '$lib/paraglide/messages.js';
import type { PageData } from './$types';
import { colors, compactMoney, money, monthLabel, percent, quarterLabel } from './view';

/**
 * The Forecast page's charts, one function per chart: the page's data in, a Plot spec out. The
 * tooltips write numbers exactly as the tables beside them do (./view).
 */

type Forecast = NonNullable<PageData['forecast']>;
type MonthRow = Forecast['months'][number];
type QuarterRow = Forecast['quarters'][number];
type PointRow = Forecast['movement']['points'][number];
type BacktestRow = Forecast['backtest']['quarters'][number];
type CalibratedRow = Forecast['calibrated'][number];
type RateRow = Forecast['rates'][number];

export const weeksLabel = (weeks: number) => m.forecast_weeks_before({ weeks: String(weeks) });

// The stacked category bars, bottom to top: what is won, then what the reps commit to, then the rest.
export const categories = ['closed', 'commit', 'best_case', 'pipeline'] as const;
export const categoryName = (key: (typeof categories)[number]) =>
	({ closed: m.forecast_cat_closed(), commit: m.forecast_cat_commit(), best_case: m.forecast_cat_best_case(), pipeline: m.forecast_cat_pipeline() })[key];

function categoryMarks<R extends Record<(typeof categories)[number], number>>(rows: R[], x: keyof R & string, label: (row: R) => string) {
	return categories.map((key, index) => {
		const below = (row: R) => categories.slice(0, index).reduce((sum, k) => sum + row[k], 0);
		return Plot.barY(rows, {
			x,
			y1: below,
			y2: (row: R) => below(row) + row[key],
			fill: colors[key],
			ariaDescription: categoryName(key),
			title: (row: R) => `${label(row)} · ${categoryName(key)}: ${money(row[key])}`
		});
	});
}

/** More than a year of months: the labels turn so they do not overlap. */
const monthAxis = (months: readonly unknown[], padding: number) => {
	const many = months.length > 12;
	return {
		marginBottom: many ? 56 : 32,
		x: { type: 'band' as const, label: null, tickFormat: monthLabel, tickRotate: many ? -40 : 0, padding }
	};
};

/** The open pipeline by close month: total, weighted, and the quota of the reps in view. */
export function pipelineChart(months: MonthRow[]): Plot.PlotOptions {
	return {
		height: 320,
		marginLeft: 64,
		...monthAxis(months, 0.15),
		y: { grid: true, label: null, tickFormat: compactMoney },
		marks: [
			Plot.barY(months, {
				x: 'month',
				y: 'total',
				fill: colors.total,
				ariaDescription: m.forecast_legend_total(),
				title: (d: MonthRow) => `${monthLabel(d.month)} · ${m.forecast_col_total()}: ${money(d.total)}`
			}),
			Plot.barY(months, {
				x: 'month',
				y: 'weighted',
				fill: colors.weighted,
				insetLeft: 5,
				insetRight: 5,
				ariaDescription: m.forecast_legend_weighted(),
				title: (d: MonthRow) => `${monthLabel(d.month)} · ${m.forecast_col_weighted()}: ${money(d.weighted)}`
			}),
			Plot.tickY(months, {
				x: 'month',
				y: 'quota',
				stroke: colors.quota,
				strokeWidth: 3,
				ariaDescription: m.forecast_legend_quota(),
				title: (d: MonthRow) => `${monthLabel(d.month)} · ${m.forecast_col_quota()}: ${money(d.quota)}`
			}),
			Plot.ruleY([0])
		]
	};
}

/** Each month's forecast by category, stacked from what is won up. */
export function monthCategoryChart(months: MonthRow[]): Plot.PlotOptions {
	return {
		height: 280,
		marginLeft: 64,
		...monthAxis(months, 0.15),
		y: { grid: true, label: null, tickFormat: compactMoney },
		marks: [...categoryMarks(months, 'month', (d) => monthLabel(d.month)), Plot.ruleY([0])]
	};
}

/** The same by quarter, with the quarter's quota. */
export function quarterCategoryChart(quarters: QuarterRow[]): Plot.PlotOptions {
	return {
		height: 260,
		marginLeft: 64,
		x: { type: 'band', label: null, tickFormat: quarterLabel, padding: 0.3 },
		y: { grid: true, label: null, tickFormat: compactMoney },
		marks: [
			...categoryMarks(quarters, 'quarter', (d) => quarterLabel(d.quarter)),
			Plot.tickY(quarters, {
				x: 'quarter',
				y: 'quota',
				stroke: colors.quota,
				strokeWidth: 3,
				ariaDescription: m.forecast_legend_quota(),
				title: (d: QuarterRow) => `${quarterLabel(d.quarter)} · ${m.forecast_col_quota()}: ${money(d.quota)}`
			}),
			Plot.ruleY([0])
		]
	};
}

/** How the forecast for the reviewed quarter moved, snapshot by snapshot, against its result once known. */
export function movementChart(movement: Forecast['movement']): Plot.PlotOptions {
	return {
		height: 300,
		marginLeft: 64,
		x: { type: 'utc', label: null },
		y: { grid: true, label: null, tickFormat: compactMoney, zero: true },
		marks: [
			...(movement.complete ? [Plot.ruleY([movement.won], { stroke: colors.won, strokeDasharray: '6 4', ariaDescription: m.forecast_legend_result() })] : []),
			...(
				[
					['forecast', colors.weighted, m.forecast_legend_forecast()],
					['commit_forecast', colors.calibrated, m.forecast_legend_commit()],
					['won_to_date', colors.won, m.forecast_legend_won_to_date()]
				] as const
			).map(([key, stroke, label]) =>
				Plot.lineY(movement.points, {
					x: (d: PointRow) => new Date(`${d.snapshot_date}T00:00:00Z`),
					y: key,
					stroke,
					strokeWidth: 2,
					marker: 'circle-stroke',
					ariaDescription: label,
					title: (d: PointRow) => `${formatDate(d.snapshot_date)} · ${label}: ${money(d[key])}`
				})
			)
		]
	};
}

/** The forecast's accuracy per past quarter, as it stood some weeks before each quarter's end. */
export function backtestChart(quarters: BacktestRow[], horizons: readonly number[]): Plot.PlotOptions {
	return {
		height: 280,
		marginLeft: 48,
		x: { type: 'point', label: null, tickFormat: quarterLabel, padding: 0.3 },
		y: { grid: true, label: null, tickFormat: (v: number) => percent(v) },
		color: { legend: true, domain: horizons.map(weeksLabel), range: [colors.total, colors.best_case, colors.weighted] },
		marks: [
			Plot.ruleY([1], { stroke: colors.won }),
			Plot.lineY(quarters, {
				x: 'quarter',
				y: 'accuracy',
				stroke: (d: BacktestRow) => weeksLabel(d.weeks_before),
				strokeWidth: 2,
				marker: 'circle',
				title: (d: BacktestRow) => `${quarterLabel(d.quarter)} · ${weeksLabel(d.weeks_before)}: ${percent(d.accuracy)}`
			})
		]
	};
}

/** The CRM's weighted pipeline against the calibrated one, month by month. */
export function calibrationChart(calibrated: CalibratedRow[], months: readonly MonthRow[]): Plot.PlotOptions {
	const many = months.length > 12;
	return {
		height: 280,
		marginLeft: 64,
		marginBottom: many ? 56 : 32,
		x: { type: 'point', label: null, tickFormat: monthLabel, tickRotate: many ? -40 : 0, padding: 0.3 },
		y: { grid: true, label: null, tickFormat: compactMoney, zero: true },
		marks: (
			[
				['weighted', colors.weighted, m.forecast_col_crm_weighted()],
				['calibrated', colors.calibrated, m.forecast_col_calibrated()]
			] as const
		).map(([key, stroke, label]) =>
			Plot.lineY(calibrated, {
				x: 'month',
				y: key,
				stroke,
				strokeWidth: 2,
				marker: 'circle',
				ariaDescription: label,
				title: (d: CalibratedRow) => `${monthLabel(d.month)} · ${label}: ${money(d[key])}`
			})
		)
	};
}

export const rateGroup = (d: RateRow) => d.team ?? m.forecast_company();

/** Each stage's win rate per team (a dot each) against the CRM's default probability (a tick). */
export function ratesChart(rates: RateRow[]): Plot.PlotOptions {
	const stageOrder = [...new Set(rates.map((r) => r.stage))];
	return {
		height: 60 + stageOrder.length * 34,
		marginLeft: 110,
		x: { grid: true, label: null, domain: [0, 1], tickFormat: (v: number) => percent(v) },
		y: { domain: stageOrder, label: null },
		color: { legend: true },
		marks: [
			Plot.tickX(rates, {
				x: 'default_probability',
				y: 'stage',
				stroke: '#525f70',
				strokeWidth: 2,
				ariaDescription: m.forecast_col_default_probability(),
				title: (d: RateRow) => `${d.stage} · ${m.forecast_col_default_probability()}: ${percent(d.default_probability)}`
			}),
			Plot.dot(rates, {
				x: 'rate',
				y: 'stage',
				fill: rateGroup,
				r: 5,
				title: (d: RateRow) => `${d.stage} · ${rateGroup(d)}: ${percent(d.rate)} (${m.forecast_col_decided()}: ${formatNumber(d.deals)})`
			})
		]
	};
}
