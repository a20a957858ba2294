import type { SalesRole } from '../../../domain/roles.ts';
import type { Count, Proportion } from '../../../domain/shrinkage.ts';
import type { MissingData } from './kpis.ts';
import type { RepPeriodCounts } from './period-counts.ts';

/** The relay's legs (dimensions) and the measures each is made of, per role. */

export const dimensions = ['opening', 'advancing', 'closing', 'expanding', 'forecasting'] as const;
export type Dimension = (typeof dimensions)[number];

export const measureKeys = [
	'pipeline_built_per_week',
	'opened_per_week',
	'meetings_booked_per_week',
	'qualification_rate',
	'opportunity_rate',
	'response_rate',
	'mid_funnel_conversion',
	'late_stage_conversion',
	'win_rate',
	'expansion_rate',
	'retention_rate',
	'commit_hit_rate'
] as const;
export type MeasureKey = (typeof measureKeys)[number];

export type Observation = { model: 'proportion'; observed: Proportion } | { model: 'volume'; observed: Count };

export interface MeasureDefinition {
	key: MeasureKey;
	dimension: Dimension;
	roles: readonly SalesRole[];
	/** The dimension's headline, the one the dot plot and the API's `dimensions` show. */
	primary: boolean;
	/** A share of trials (compared in log-odds) or events per week (compared in logs). */
	model: Observation['model'];
	/** Counted from an import (activities): without one, the measure says so instead of showing 0. */
	needs?: MissingData;
	observe(c: RepPeriodCounts): Observation;
}

const weeks = (c: RepPeriodCounts) => c.active_days / 7;
const proportion = (successes: number, trials: number): Observation => ({ model: 'proportion', observed: { successes, trials } });
const volume = (events: number, exposure: number): Observation => ({ model: 'volume', observed: { events, exposure } });

/**
 * Every measure is a rate with a sample size, so that it can be shrunk: a share of trials
 * (proportion) or events per unit of exposure (volume). Volumes are per week at work, so a rep who
 * joined mid-period or took a long holiday is not measured against weeks they were not there.
 */
export const measures: readonly MeasureDefinition[] = [
	{
		// Opening is building new pipeline: what a rep opens (an SDR or BDR: sources) and that turns into
		// real pipeline, reaching Qualified or beyond. Volume and quality in one rate, so that neither
		// opening many leads that go nowhere nor qualifying a rare one reads as strong on its own; the
		// two measures below keep each half visible with its own sample.
		key: 'pipeline_built_per_week',
		dimension: 'opening',
		roles: ['SDR', 'BDR', 'AE'],
		model: 'volume',
		primary: true,
		observe: (c) => volume(c.opened_qualified, weeks(c))
	},
	{
		key: 'opened_per_week',
		dimension: 'opening',
		roles: ['SDR', 'BDR', 'AE'],
		model: 'volume',
		primary: false,
		observe: (c) => volume(c.opened, weeks(c))
	},
	{
		key: 'meetings_booked_per_week',
		needs: 'no_activities',
		dimension: 'opening',
		roles: ['SDR', 'BDR'],
		model: 'volume',
		primary: false,
		observe: (c) => volume(c.meetings_booked, weeks(c))
	},
	{
		key: 'qualification_rate',
		dimension: 'opening',
		roles: ['SDR', 'BDR', 'AE'],
		model: 'proportion',
		primary: false,
		observe: (c) => proportion(c.opened_qualified, c.opened)
	},
	{
		key: 'opportunity_rate',
		dimension: 'opening',
		roles: ['SDR', 'BDR'],
		model: 'proportion',
		primary: false,
		observe: (c) => proportion(c.opened_opportunity, c.opened_qualified)
	},
	{
		key: 'response_rate',
		needs: 'no_activities',
		dimension: 'opening',
		roles: ['BDR'],
		model: 'proportion',
		primary: false,
		observe: (c) => proportion(Math.min(c.meetings_booked, c.calls + c.emails), c.calls + c.emails)
	},
	{
		key: 'mid_funnel_conversion',
		dimension: 'advancing',
		roles: ['AE'],
		model: 'proportion',
		primary: true,
		observe: (c) => proportion(c.mid_converted, c.mid_entered)
	},
	{
		key: 'late_stage_conversion',
		dimension: 'closing',
		roles: ['AE'],
		model: 'proportion',
		primary: true,
		// Every won deal passed Proposal, so the late stage's trials are the wins plus the deals lost after reaching it.
		observe: (c) => proportion(c.won_count, c.won_count + c.late_lost_count)
	},
	{
		key: 'win_rate',
		dimension: 'closing',
		roles: ['AE'],
		model: 'proportion',
		primary: false,
		observe: (c) => proportion(c.won_count, c.won_count + c.lost_count)
	},
	{
		key: 'expansion_rate',
		dimension: 'expanding',
		roles: ['AM', 'KAM'],
		model: 'volume',
		primary: true,
		// Per account-year in care: an account manager with a bigger book has more to expand.
		observe: (c) => volume(c.expansion_won_count, (c.accounts_in_care * c.active_days) / 365)
	},
	{
		key: 'retention_rate',
		dimension: 'expanding',
		roles: ['AM', 'KAM'],
		model: 'proportion',
		primary: false,
		observe: (c) => proportion(c.renewals_won, c.renewals_won + c.renewals_lost)
	},
	{
		key: 'commit_hit_rate',
		dimension: 'forecasting',
		roles: ['AE', 'AM', 'KAM'],
		model: 'proportion',
		primary: true,
		observe: (c) => proportion(c.commit_won, c.committed)
	}
];

export function measuresForRole(role: SalesRole): MeasureDefinition[] {
	return measures.filter((m) => m.roles.includes(role));
}
