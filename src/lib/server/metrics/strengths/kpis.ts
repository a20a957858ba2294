import { coverage } from '../forecast.ts';
import type { SalesRole } from '../../../domain/roles.ts';
import type { RepPeriodCounts } from './period-counts.ts';

/** KPIs: each role on its own numbers (domain notes), plain ratios of the period counts, unshrunk. */

export interface RepKpis {
	// Closing, for every rep over the deals they owned when they closed (the API's base block)
	won_count: number;
	lost_count: number;
	won_value: number;
	/** won / (won + lost) by count; null without closed deals. */
	win_rate: number | null;
	/** The same by value. */
	win_rate_value: number | null;
	avg_won_amount: number | null;
	median_cycle_days: number | null;
	// Opening (SDR, BDR)
	opened: number;
	calls: number;
	emails: number;
	meetings_booked: number;
	/** Opened deals that reached Qualified / opened. */
	qualification_rate: number | null;
	/** Opened deals that reached Discovery (an opportunity) / those that reached Qualified. */
	opportunity_rate: number | null;
	/** Opened deals that became opportunities: a BDR's high-quality prospects. */
	strategic_prospects: number;
	/** Meetings booked / (calls + e-mails). */
	response_rate: number | null;
	/** Won value of the deals the rep opened, whoever closed them. */
	sourced_won_value: number;
	partner_revenue: number;
	// Selling (AE)
	/** (open deals x win rate x average won amount) / average cycle days: revenue per day. */
	velocity: number | null;
	quota: number | null;
	quota_attainment: number | null;
	/** Open pipeline due this quarter / quota left this quarter. */
	coverage: number | null;
	/** Roughly 1 / win rate by value: the coverage this rep's conversion needs. */
	needed_coverage: number | null;
	mid_days_per_stage: number | null;
	meetings_held: number;
	demos: number;
	proposals_sent: number;
	// Keeping and growing (AM, KAM)
	renewals_won: number;
	renewals_lost: number;
	retention_rate: number | null;
	/**
	 * (renewed amount + expansion won on those accounts) / amount up for renewal, where renewals still
	 * open past their close date in the period are up for renewal and not (yet) retained.
	 */
	nrr: number | null;
	/** Renewals still open although their close date in the period has passed: shown apart from churn. */
	renewals_at_risk: number;
	expansion_won_count: number;
	expansion_won_value: number;
	expansion_win_rate: number | null;
	accounts_in_care: number;
	/** Key accounts (accounts import) among the accounts in care. */
	key_accounts_in_care: number;
	/** Renewals won / decided among customers renewing for the first time (customer since, accounts import). */
	first_renewal_retention: number | null;
	lifetime_value_per_account: number | null;
	/** Won on the accounts in care this period against the period before, minus one. */
	account_growth: number | null;
	// Forecasting (AE, AM, KAM)
	commit_hit_rate: number | null;
	/** 1 - sum |forecast - won| / sum won, over the period's months. */
	forecast_accuracy: number | null;
	/** forecast / won; above 1 is optimistic. */
	forecast_bias: number | null;
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

/**
 * The KPIs of one rep and period. In a rep's own view (`ownView`), what they opened counts in
 * money only where a colleague of their own team won it: another team's deal sizes stay with that
 * team (team-privacy.ts); the deals still count in `opened`.
 */
export function repKpis(c: RepPeriodCounts, { ownView = false }: { ownView?: boolean } = {}): RepKpis {
	const winRate = ratio(c.won_count, c.won_count + c.lost_count);
	const winRateValue = ratio(c.won_value, c.won_value + c.lost_value);
	const avgWon = ratio(c.won_value, c.won_count);
	return {
		won_count: c.won_count,
		lost_count: c.lost_count,
		won_value: c.won_value,
		win_rate: winRate,
		win_rate_value: winRateValue,
		avg_won_amount: avgWon,
		median_cycle_days: c.median_cycle_days,
		opened: c.opened,
		calls: c.calls,
		emails: c.emails,
		meetings_booked: c.meetings_booked,
		qualification_rate: ratio(c.opened_qualified, c.opened),
		opportunity_rate: ratio(c.opened_opportunity, c.opened_qualified),
		strategic_prospects: c.opened_opportunity,
		response_rate: ratio(c.meetings_booked, c.calls + c.emails),
		sourced_won_value: ownView ? c.opened_won_value_in_team : c.opened_won_value,
		partner_revenue: ownView ? c.partner_won_value_in_team : c.partner_won_value,
		velocity:
			winRate !== null && avgWon !== null && c.avg_cycle_days !== null && c.avg_cycle_days > 0
				? (c.open_deals * winRate * avgWon) / c.avg_cycle_days
				: null,
		quota: c.quota,
		quota_attainment: c.quota !== null ? ratio(c.won_value, c.quota) : null,
		coverage: coverage(c.open_due_this_quarter, c.quarter_quota, c.quarter_won),
		needed_coverage: winRateValue !== null && winRateValue > 0 ? 1 / winRateValue : null,
		mid_days_per_stage: c.mid_days_per_stage,
		meetings_held: c.meetings_held,
		demos: c.demos,
		proposals_sent: c.proposals_sent,
		renewals_won: c.renewals_won,
		renewals_lost: c.renewals_lost,
		retention_rate: ratio(c.renewals_won, c.renewals_won + c.renewals_lost),
		nrr: ratio(c.renewal_won_value + c.nrr_expansion_value, c.renewal_starting + c.renewal_at_risk_value),
		renewals_at_risk: c.renewals_at_risk,
		expansion_won_count: c.expansion_won_count,
		expansion_won_value: c.expansion_won_value,
		expansion_win_rate: ratio(c.expansion_won_count, c.expansion_won_count + c.expansion_lost_count),
		accounts_in_care: c.accounts_in_care,
		key_accounts_in_care: c.key_accounts_in_care,
		first_renewal_retention: ratio(c.first_renewals_won, c.first_renewals_won + c.first_renewals_lost),
		lifetime_value_per_account: ratio(c.lifetime_won, c.accounts_in_care),
		account_growth: c.won_on_accounts_before > 0 ? c.won_on_accounts / c.won_on_accounts_before - 1 : null,
		commit_hit_rate: ratio(c.commit_won, c.committed),
		forecast_accuracy: c.forecast_won_value > 0 ? 1 - c.forecast_error / c.forecast_won_value : null,
		forecast_bias: ratio(c.forecast_value, c.forecast_won_value)
	};
}

/** The KPIs each role is read by, in the order its table shows them. */
export const kpisByRole: Readonly<Record<SalesRole, readonly (keyof RepKpis)[]>> = {
	// Meetings held beside booked: a meeting that takes place is what an SDR's booking is worth to the AE.
	SDR: ['opened', 'calls', 'emails', 'meetings_booked', 'meetings_held', 'qualification_rate', 'opportunity_rate'],
	BDR: [
		'opened',
		'strategic_prospects',
		'calls',
		'emails',
		'meetings_booked',
		'meetings_held',
		'response_rate',
		'sourced_won_value',
		'partner_revenue'
	],
	AE: [
		'won_count',
		'won_value',
		'win_rate',
		'win_rate_value',
		'avg_won_amount',
		'median_cycle_days',
		'velocity',
		'quota_attainment',
		'coverage',
		'needed_coverage',
		'mid_days_per_stage',
		'meetings_held',
		'proposals_sent',
		'forecast_accuracy',
		'forecast_bias'
	],
	AM: [
		'renewals_won',
		'retention_rate',
		'first_renewal_retention',
		'nrr',
		'renewals_at_risk',
		'expansion_won_count',
		'expansion_won_value',
		'expansion_win_rate',
		'accounts_in_care',
		'forecast_accuracy'
	],
	KAM: [
		'accounts_in_care',
		'key_accounts_in_care',
		'lifetime_value_per_account',
		'account_growth',
		'nrr',
		'renewals_at_risk',
		'retention_rate',
		'first_renewal_retention',
		'expansion_won_value',
		'forecast_accuracy'
	]
};

/** The closing block every rep's API answer carries, whatever their role. */
export const baseKpis = ['win_rate', 'won_count', 'lost_count', 'avg_won_amount', 'median_cycle_days'] as const satisfies readonly (keyof RepKpis)[];

/** A rep's KPIs as the API returns them: the base block and their role's own. */
export function kpisForRole(role: SalesRole, kpis: RepKpis): Partial<Record<keyof RepKpis, number | null>> {
	const keys = [...baseKpis, ...kpisByRole[role].filter((k) => !(baseKpis as readonly string[]).includes(k))];
	return Object.fromEntries(keys.map((k) => [k, kpis[k]]));
}

/** Why a KPI or measure has nothing to show for anyone: the import it is counted from was never made. */
export type MissingData = 'no_activities' | 'no_accounts';

/** KPIs counted from the activities import; without one they say so instead of showing 0. */
export const activityKpis = ['calls', 'emails', 'meetings_booked', 'meetings_held', 'demos', 'proposals_sent', 'response_rate'] as const satisfies readonly (keyof RepKpis)[];

/** KPIs counted from the accounts import (key accounts, customer since); without one they say so. */
export const accountKpis = ['key_accounts_in_care', 'first_renewal_retention'] as const satisfies readonly (keyof RepKpis)[];

export interface ImportedData {
	/** Anyone in the company has an activity logged in the periods. */
	activities: boolean;
	/** Some account is known as a key account or by when it became a customer. */
	accounts: boolean;
}

/** What was imported, as far as these rows' periods tell. */
export function importedData(rows: readonly RepPeriodCounts[]): ImportedData {
	return {
		activities: rows.some((r) => r.calls + r.emails + r.meetings_booked + r.meetings_held + r.demos + r.proposals_sent > 0),
		accounts: rows.some((r) => r.accounts_imported)
	};
}

/** A role's KPIs that have nothing to be counted from, and why: shown as such, never as 0. */
export function missingKpis(role: SalesRole, imported: ImportedData): Partial<Record<keyof RepKpis, MissingData>> {
	const missing: Partial<Record<keyof RepKpis, MissingData>> = {};
	for (const key of kpisByRole[role]) {
		if (!imported.activities && (activityKpis as readonly string[]).includes(key)) missing[key] = 'no_activities';
		if (!imported.accounts && (accountKpis as readonly string[]).includes(key)) missing[key] = 'no_accounts';
	}
	return missing;
}
