/**
 * The rows the stage-velocity questions (conversion, cohorts, stalled and aging deals) answer with,
 * as the Pipeline movement page shows them.
 */

import type { TeamFigureWithheld } from './team-privacy.ts';

export interface StageConversionRow {
	stage_id: number;
	stage: string;
	position: number;
	/** Deals that entered this stage inside the window (the cohort). */
	entered: number;
	/** Of those, deals that have since reached a later stage (or were won). */
	converted: number;
	/** converted / entered; null without a cohort. */
	conversion: number | null;
	/** Of the deals that entered the first stage in the window, the share that reached this one. */
	cumulative: number | null;
	/** Median days from entering this stage to reaching the next, over deals seen in it. */
	median_days: number | null;
	/** How many stage stays the median is taken over. */
	days_sample: number;
	/** The team columns are null for a rep when the team-privacy rule withholds them (why: `team_withheld`). */
	team_entered: number | null;
	team_converted: number | null;
	team_conversion: number | null;
	team_cumulative: number | null;
	team_median_days: number | null;
	team_days_sample: number | null;
	team_withheld: TeamFigureWithheld | null;
}

export interface CohortDeal {
	deal_id: string;
	deal_name: string | null;
	owner: string | null;
	entered: string;
	moved_on: string | null;
	/** Days from entering the stage to reaching the next one; null while it has not moved on. */
	days: number | null;
	stage_now: string | null;
}

export interface StalledDeal {
	deal_id: string;
	deal_name: string | null;
	owner: string | null;
	stage: string;
	amount: number;
	close_date: string;
	in_stage_since: string;
	days_in_stage: number;
	/** True when the deal was already in this stage at the window's first snapshot: at least this long. */
	at_least: boolean;
	typical_days: number;
}

export interface AgingDeal {
	deal_id: string;
	deal_name: string | null;
	owner: string | null;
	stage: string;
	amount: number;
	close_date: string;
	created: string;
	age_days: number;
	usual_cycle_days: number;
}
