import { formatMoney, formatNumber, formatPercent, formatQuarter } from '$lib/domain/format';
import type { SalesRole } from '$lib/domain/roles';
import { m } from '$lib/paraglide/messages.js';
import type { Dimension, MeasureKey, MissingData, RepKpis } from '$lib/server/metrics/strengths';

/** Words and number formats for the strengths pages, so both pages read every number the same way. */

export const dimensionLabel = (dimension: Dimension) => m[`team_dim_${dimension}`]();
export const dimensionDefinition = (dimension: Dimension) => m[`team_dim_${dimension}_def`]();
export const measureLabel = (key: MeasureKey) => m[`team_measure_${key}`]();
export const measureDefinition = (key: MeasureKey) => m[`team_measure_${key}_def`]();
export const roleLabel = (role: SalesRole) => m[`team_role_${role}`]();
export const kpiLabel = (key: keyof RepKpis) => m[`team_kpi_${key}`]();
export const kpiDefinition = (key: keyof RepKpis) => m[`team_kpi_${key}_def`]();

/** Volumes read "per week" or "per account-year"; every other measure is a share. */
const volumeUnits: Partial<Record<MeasureKey, 'week' | 'account_year'>> = {
	pipeline_built_per_week: 'week',
	opened_per_week: 'week',
	meetings_booked_per_week: 'week',
	expansion_rate: 'account_year'
};

export function formatMeasureValue(key: MeasureKey, value: number | null): string {
	if (value === null) return '–';
	const unit = volumeUnits[key];
	if (unit === undefined) return formatPercent(value, 0);
	return formatNumber(value, value < 10 ? 2 : 1);
}

export function formatMeasure(key: MeasureKey, value: number | null): string {
	if (value === null) return '–';
	const unit = volumeUnits[key];
	const text = formatMeasureValue(key, value);
	if (unit === 'week') return m.team_unit_per_week({ value: text });
	if (unit === 'account_year') return m.team_unit_per_account_year({ value: text });
	return text;
}

export const formatIndex = (index: number | null) => (index === null ? '–' : formatNumber(index, 0));

type KpiFormat = 'count' | 'money' | 'percent' | 'days' | 'ratio' | 'growth';

const kpiFormats: Record<keyof RepKpis, KpiFormat> = {
	won_count: 'count',
	lost_count: 'count',
	won_value: 'money',
	win_rate: 'percent',
	win_rate_value: 'percent',
	avg_won_amount: 'money',
	median_cycle_days: 'days',
	opened: 'count',
	calls: 'count',
	emails: 'count',
	meetings_booked: 'count',
	qualification_rate: 'percent',
	opportunity_rate: 'percent',
	strategic_prospects: 'count',
	response_rate: 'percent',
	sourced_won_value: 'money',
	partner_revenue: 'money',
	velocity: 'money',
	quota: 'money',
	quota_attainment: 'percent',
	coverage: 'ratio',
	needed_coverage: 'ratio',
	mid_days_per_stage: 'days',
	meetings_held: 'count',
	demos: 'count',
	proposals_sent: 'count',
	renewals_won: 'count',
	renewals_lost: 'count',
	retention_rate: 'percent',
	nrr: 'percent',
	renewals_at_risk: 'count',
	expansion_won_count: 'count',
	expansion_won_value: 'money',
	expansion_win_rate: 'percent',
	accounts_in_care: 'count',
	key_accounts_in_care: 'count',
	first_renewal_retention: 'percent',
	lifetime_value_per_account: 'money',
	account_growth: 'growth',
	commit_hit_rate: 'percent',
	forecast_accuracy: 'percent',
	forecast_bias: 'ratio'
};

export function formatKpi(key: keyof RepKpis, value: unknown): string {
	if (value === null || value === undefined || typeof value !== 'number') return '–';
	switch (kpiFormats[key]) {
		case 'count':
			return formatNumber(value);
		case 'money':
			return formatMoney(value);
		case 'percent':
			return formatPercent(value, 0);
		case 'days':
			return formatNumber(value, 0);
		case 'ratio':
			return `${formatNumber(value, 1)}×`;
		case 'growth':
			return `${value > 0 ? '+' : ''}${formatPercent(value, 0)}`;
	}
}

/** What a KPI or measure shows when the import it is counted from was never made. */
export const missingLabel = (missing: MissingData) => (missing === 'no_accounts' ? m.team_missing_no_accounts() : m.team_missing_no_activities());

/** 'Q3 2026' for '2026-Q3'. */
/** "Q3 2026", or "FY27 Q1" with a fiscal year starting in another month (format.ts). */
export const quarterLabel = (quarter: string) => formatQuarter(quarter);
