import * as Plot from '@observablehq/plot';
import { formatNumber } from '$lib/domain/format';
import { m } from '$lib/paraglide/messages.js';
import type { Dimension, RepProfile } from '$lib/server/metrics/strengths';
import { dimensionLabel, quarterLabel } from './labels';

/**
 * The two charts of the strengths pages, as Plot specs built from tidy rows. Indexes count typical
 * spreads between reps above or below the team's rate (20 points each, `spreadIndex`), already on
 * a log-odds or log scale, so the axis is linear: 80 and 120 sit equally far from 100.
 */

const accent = '#1f5fbf';
const median = '#525f70';
/** Beyond these the dot sits at the edge: the interval still tells the story. */
const indexDomain: [number, number] = [40, 160];
const indexTicks = [60, 80, 100, 120, 140];

interface IndexRow {
	rep: string;
	dimension: string;
	index: number;
	low: number;
	high: number;
	labelled: boolean;
}

const dimensionOrder: Dimension[] = ['opening', 'advancing', 'closing', 'expanding', 'forecasting'];

/** Small multiples, one per dimension: each rep's index with its 80% interval, 100 = the team's rate. */
export function strengthsDotPlot(profiles: readonly RepProfile[]): Plot.PlotOptions {
	const rows: IndexRow[] = profiles.flatMap((p) =>
		p.dimensions
			.filter((d) => d.index !== null)
			.map((d) => ({
				rep: p.rep.name,
				dimension: dimensionLabel(d.name),
				index: d.index!,
				low: d.index_low ?? d.index!,
				high: d.index_high ?? d.index!,
				labelled: d.labelled
			}))
	);
	const reps = [...new Set(rows.map((r) => r.rep))];
	const facets = dimensionOrder.filter((d) => profiles.some((p) => p.dimensions.some((x) => x.name === d && x.index !== null)));
	return {
		marginLeft: 150,
		marginRight: 20,
		height: Math.max(120, 26 * reps.length + 70),
		width: Math.max(480, 200 * facets.length + 150),
		fx: { label: null, domain: facets.map(dimensionLabel) },
		x: { type: 'linear', domain: indexDomain, clamp: true, ticks: indexTicks, tickFormat: (v: number) => formatNumber(v), label: m.team_axis_index(), grid: true },
		y: { label: null, domain: reps },
		marks: [
			Plot.ruleX([100], { stroke: median, strokeDasharray: '3,3' }),
			Plot.ruleY(rows, { fx: 'dimension', y: 'rep', x1: 'low', x2: 'high', stroke: accent, strokeOpacity: 0.5, strokeWidth: 2 }),
			Plot.dot(rows, {
				fx: 'dimension',
				y: 'rep',
				x: 'index',
				r: 4.5,
				stroke: accent,
				fill: (d: IndexRow) => (d.labelled ? accent : 'white'),
				tip: true,
				title: (d: IndexRow) => `${d.rep} · ${d.dimension}: ${formatNumber(d.index)} (${formatNumber(d.low)}–${formatNumber(d.high)})`
			})
		]
	};
}

/** One rep's index per dimension, quarter by quarter, with intervals; 100 = their team's rate that quarter. */
export function profileHistoryPlot(history: readonly RepProfile[]): Plot.PlotOptions {
	const rows = history.flatMap((p) =>
		p.dimensions
			.filter((d) => d.index !== null)
			.map((d) => ({
				quarter: quarterLabel(p.period),
				dimension: dimensionLabel(d.name),
				index: d.index!,
				low: d.index_low ?? d.index!,
				high: d.index_high ?? d.index!,
				labelled: d.labelled
			}))
	);
	const quarters = history.map((p) => quarterLabel(p.period));
	const facets = dimensionOrder.filter((d) => history.some((p) => p.dimensions.some((x) => x.name === d && x.index !== null)));
	return {
		marginLeft: 50,
		height: 260,
		width: Math.max(480, 260 * facets.length),
		fx: { label: null, domain: facets.map(dimensionLabel) },
		x: { type: 'point', domain: quarters, label: null, tickRotate: -40 },
		y: { type: 'linear', domain: indexDomain, clamp: true, ticks: indexTicks, tickFormat: (v: number) => formatNumber(v), label: m.team_axis_index(), grid: true },
		marginBottom: 55,
		marks: [
			Plot.ruleY([100], { stroke: median, strokeDasharray: '3,3' }),
			Plot.ruleX(rows, { fx: 'dimension', x: 'quarter', y1: 'low', y2: 'high', stroke: accent, strokeOpacity: 0.4, strokeWidth: 2 }),
			Plot.line(rows, { fx: 'dimension', x: 'quarter', y: 'index', stroke: accent }),
			Plot.dot(rows, {
				fx: 'dimension',
				x: 'quarter',
				y: 'index',
				r: 4,
				stroke: accent,
				fill: (d: { labelled: boolean }) => (d.labelled ? accent : 'white'),
				tip: true,
				title: (d: (typeof rows)[number]) => `${d.dimension}, ${d.quarter}: ${formatNumber(d.index)} (${formatNumber(d.low)}–${formatNumber(d.high)})`
			})
		]
	};
}
