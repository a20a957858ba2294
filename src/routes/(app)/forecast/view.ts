import { formatMoney, formatNumber, formatPercent, reportingCurrency } from '$lib/domain/format';
import { m } from '$lib/paraglide/messages.js';

/**
 * How the Forecast pages write their numbers, shared by the page, its summary and their charts so
 * a chart's tooltip and the table beside it read exactly the same.
 */

export { formatMonth as monthLabel, formatQuarter as quarterLabel } from '$lib/domain/format';

export const money = (value: unknown) => (value === null || value === undefined ? '–' : formatMoney(value as number));
export const compactMoney = (value: number) => formatMoney(value, reportingCurrency(), true);

/** Coverage as a multiple: "1.8×". */
export const multiple = (value: unknown) => (value === null || value === undefined ? '–' : `${formatNumber(value as number, 1)}×`);

export const percent = (value: unknown) => (value === null || value === undefined ? '–' : formatPercent(value as number));

export const ratio = (value: unknown) => (value === null || value === undefined ? '–' : formatNumber(value as number, 2));

export type Tendency = 'on_target' | 'optimistic' | 'cautious' | 'too_early';

export function tendencyLabel(tendency: Tendency): string {
	return {
		on_target: m.forecast_tendency_on_target(),
		optimistic: m.forecast_tendency_optimistic(),
		cautious: m.forecast_tendency_cautious(),
		too_early: m.forecast_tendency_too_early()
	}[tendency];
}

/** One colour per series, the same on every chart (dark enough on white for the contrast check). */
export const colors = {
	total: '#b8c7de',
	weighted: '#1f5fbf',
	calibrated: '#9a5b00',
	quota: '#b3261e',
	closed: '#1c7a43',
	commit: '#1f5fbf',
	best_case: '#6b96d6',
	pipeline: '#b8c7de',
	omitted: '#d9dde3',
	won: '#1c7a43'
} as const;
