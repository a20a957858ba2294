import { getLocale } from '$lib/paraglide/runtime';

/** Locale-aware formatting through Intl, so German users read 1.234,56 € and 24.11.2026. */
const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
	const key = getLocale() + JSON.stringify(options);
	let format = cache.get(key) as Intl.NumberFormat | undefined;
	if (!format) cache.set(key, (format = new Intl.NumberFormat(getLocale(), options)));
	return format;
}

export function formatMoney(value: number, currency = 'EUR', compact = false): string {
	return numberFormat({
		style: 'currency',
		currency,
		maximumFractionDigits: compact ? 1 : 0,
		notation: compact ? 'compact' : 'standard'
	}).format(value);
}

export function formatNumber(value: number, fractionDigits = 0): string {
	return numberFormat({ maximumFractionDigits: fractionDigits, minimumFractionDigits: fractionDigits }).format(value);
}

export function formatPercent(value: number, fractionDigits = 0): string {
	return numberFormat({ style: 'percent', maximumFractionDigits: fractionDigits }).format(value);
}

/** `iso` is a DuckDB DATE as 'YYYY-MM-DD'; formatted in UTC so the day never shifts. */
export function formatDate(iso: string, style: 'medium' | 'short' = 'medium'): string {
	const key = getLocale() + 'date' + style;
	let format = cache.get(key) as Intl.DateTimeFormat | undefined;
	if (!format) cache.set(key, (format = new Intl.DateTimeFormat(getLocale(), { dateStyle: style, timeZone: 'UTC' })));
	return format.format(new Date(`${iso.slice(0, 10)}T00:00:00Z`));
}
