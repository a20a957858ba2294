import * as Plot from '@observablehq/plot';
import { m } from '$lib/paraglide/messages.js';
import type { LongRangeMonth, LongRangeQuarter } from '$lib/server/metrics/long-range';
import type { BacktestHorizon } from '$lib/server/metrics/long-range-backtest';
import { colors, compactMoney, money, monthLabel, percent, quarterLabel } from '../view';

/**
 * The 6-18 month view's charts, one function per chart, each a Plot spec from the rows the server
 * worked out: no numbers are shaped here.
 */

export const longRangeColors = { existing: colors.weighted, future: '#8fb0e0', band: '#d5dff0', p50: '#1d2735', quota: colors.quota, baseline: '#9a5b00' } as const;

/** Per month: expected from today's pipeline and from pipeline not yet created, stacked; P10-P90 band, P50 line, quota ticks. */
export function monthlyProjectionChart(months: LongRangeMonth[], baseline: { month: string; expected: number }[] | null = null): Plot.PlotOptions {
	const many = months.length > 12;
	return {
		height: 340,
		marginLeft: 64,
		marginBottom: many ? 56 : 32,
		x: { type: 'band', label: null, tickFormat: monthLabel, tickRotate: many ? -40 : 0, padding: 0.2 },
		y: { grid: true, label: null, tickFormat: compactMoney, zero: true },
		marks: [
			Plot.barY(months, {
				x: 'month',
				y1: (d: LongRangeMonth) => d.p10,
				y2: (d: LongRangeMonth) => d.p90,
				fill: longRangeColors.band,
				insetLeft: -4,
				insetRight: -4,
				ariaDescription: m.lr_legend_band(),
				title: (d: LongRangeMonth) => `${monthLabel(d.month)} · ${m.lr_legend_band()}: ${money(d.p10)} – ${money(d.p90)}`
			}),
			Plot.barY(months, {
				x: 'month',
				y1: 0,
				y2: 'existing',
				fill: longRangeColors.existing,
				insetLeft: 6,
				insetRight: 6,
				ariaDescription: m.lr_legend_existing(),
				title: (d: LongRangeMonth) => `${monthLabel(d.month)} · ${m.lr_legend_existing()}: ${money(d.existing)}`
			}),
			Plot.barY(months, {
				x: 'month',
				y1: 'existing',
				y2: 'expected',
				fill: longRangeColors.future,
				insetLeft: 6,
				insetRight: 6,
				ariaDescription: m.lr_legend_future(),
				title: (d: LongRangeMonth) => `${monthLabel(d.month)} · ${m.lr_legend_future()}: ${money(d.future)}`
			}),
			Plot.tickY(months, {
				x: 'month',
				y: 'p50',
				stroke: longRangeColors.p50,
				strokeWidth: 2,
				strokeDasharray: '4 3',
				ariaDescription: m.lr_legend_p50(),
				title: (d: LongRangeMonth) => `${monthLabel(d.month)} · ${m.lr_legend_p50()}: ${money(d.p50)}`
			}),
			Plot.tickY(
				months.filter((d) => d.quota !== null),
				{
					x: 'month',
					y: 'quota',
					stroke: longRangeColors.quota,
					strokeWidth: 3,
					ariaDescription: m.lr_legend_quota(),
					title: (d: LongRangeMonth) => `${monthLabel(d.month)} · ${m.lr_legend_quota()}: ${money(d.quota)}`
				}
			),
			...(baseline
				? [
						Plot.tickY(baseline, {
							x: 'month',
							y: 'expected',
							stroke: longRangeColors.baseline,
							strokeWidth: 2,
							ariaDescription: m.lr_legend_baseline(),
							title: (d: { month: string; expected: number }) => `${monthLabel(d.month)} · ${m.lr_legend_baseline()}: ${money(d.expected)}`
						})
					]
				: []),
			Plot.ruleY([0])
		]
	};
}

/** Per quarter: expected (stacked as by month), the P10-P90 range as a rule, quota ticks. */
export function quarterlyProjectionChart(quarters: LongRangeQuarter[]): Plot.PlotOptions {
	return {
		height: 280,
		marginLeft: 64,
		x: { type: 'band', label: null, tickFormat: quarterLabel, padding: 0.35 },
		y: { grid: true, label: null, tickFormat: compactMoney, zero: true },
		marks: [
			Plot.barY(quarters, {
				x: 'quarter',
				y1: 0,
				y2: 'existing',
				fill: longRangeColors.existing,
				ariaDescription: m.lr_legend_existing(),
				title: (d: LongRangeQuarter) => `${quarterLabel(d.quarter)} · ${m.lr_legend_existing()}: ${money(d.existing)}`
			}),
			Plot.barY(quarters, {
				x: 'quarter',
				y1: 'existing',
				y2: 'expected',
				fill: longRangeColors.future,
				ariaDescription: m.lr_legend_future(),
				title: (d: LongRangeQuarter) => `${quarterLabel(d.quarter)} · ${m.lr_legend_future()}: ${money(d.future)}`
			}),
			Plot.ruleX(quarters, {
				x: 'quarter',
				y1: 'p10',
				y2: 'p90',
				stroke: longRangeColors.p50,
				strokeWidth: 2,
				ariaDescription: m.lr_legend_band(),
				title: (d: LongRangeQuarter) => `${quarterLabel(d.quarter)} · ${m.lr_legend_band()}: ${money(d.p10)} – ${money(d.p90)}`
			}),
			Plot.tickY(
				quarters.filter((d) => d.quota !== null),
				{
					x: 'quarter',
					y: 'quota',
					stroke: longRangeColors.quota,
					strokeWidth: 3,
					ariaDescription: m.lr_legend_quota(),
					title: (d: LongRangeQuarter) => `${quarterLabel(d.quarter)} · ${m.lr_legend_quota()}: ${money(d.quota)}`
				}
			),
			Plot.ruleY([0])
		]
	};
}

/** Backtest: the usual error (percent of won) by horizon. */
export function backtestChart(backtest: BacktestHorizon[], horizonLabel: (months: number) => string): Plot.PlotOptions {
	const rows = backtest.filter((b) => b.error_pct !== null);
	return {
		height: 220,
		marginLeft: 56,
		x: { type: 'band', label: null, domain: rows.map((b) => horizonLabel(b.horizon_months)), padding: 0.4 },
		y: { grid: true, label: null, tickFormat: (v: number) => percent(v / 100), zero: true },
		marks: [
			Plot.barY(rows, {
				x: (d: BacktestHorizon) => horizonLabel(d.horizon_months),
				y: 'error_pct',
				fill: longRangeColors.existing,
				title: (d: BacktestHorizon) => `${horizonLabel(d.horizon_months)}: ${percent((d.error_pct ?? 0) / 100)}`
			}),
			Plot.ruleY([0])
		]
	};
}

/** Colours of the lines side by side: the baseline dark, each scenario its own. */
export const comparedColors = ['#1d2735', '#1f5fbf', '#9a5b00', '#1c7a43', '#7b3fa0', '#00838f'] as const;

export interface ComparedLine {
	label: string;
	color: string;
	months: { month: string; expected: number; quota: number | null }[];
}

/**
 * Baseline and scenarios side by side: one line of expected revenue per month for each (each its own
 * mark, so a screen reader names it), and the quota as a dashed red line, the same for all of them.
 */
export function comparedScenariosChart(lines: ComparedLine[]): Plot.PlotOptions {
	const months = lines[0]?.months ?? [];
	const many = months.length > 12;
	const quota = months.filter((d) => d.quota !== null);
	return {
		height: 320,
		marginLeft: 64,
		marginBottom: many ? 56 : 32,
		x: { type: 'point', label: null, tickFormat: monthLabel, tickRotate: many ? -40 : 0, padding: 0.3 },
		y: { grid: true, label: null, tickFormat: compactMoney, zero: true },
		marks: [
			...(quota.length > 0
				? [
						Plot.line(quota, {
							x: 'month',
							y: 'quota',
							stroke: longRangeColors.quota,
							strokeWidth: 2,
							strokeDasharray: '5 4',
							ariaDescription: m.lr_legend_quota()
						})
					]
				: []),
			...lines.flatMap((line) => [
				Plot.line(line.months, { x: 'month', y: 'expected', stroke: line.color, strokeWidth: 2.5, ariaDescription: line.label }),
				Plot.dot(line.months, {
					x: 'month',
					y: 'expected',
					fill: line.color,
					r: 3,
					ariaDescription: line.label,
					title: (d: ComparedLine['months'][number]) => `${line.label} · ${monthLabel(d.month)}: ${money(d.expected)}`
				})
			]),
			Plot.ruleY([0])
		]
	};
}
