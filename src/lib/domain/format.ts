import { getLocale } from '$lib/paraglide/runtime';
import { fiscalYearStart } from './periods.ts';

/** Locale-aware formatting through Intl, so German users read 1.234,56 € and 24.11.2026. */
const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

/** English is formatted the British way (23 Nov 2026, €1,234, 24.11.2026 in German). */
function formatLocale(): string {
	const locale = getLocale();
	return locale === 'en' ? 'en-GB' : locale;
}

function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
	const key = getLocale() + JSON.stringify(options);
	let format = cache.get(key) as Intl.NumberFormat | undefined;
	if (!format) cache.set(key, (format = new Intl.NumberFormat(formatLocale(), options)));
	return format;
}

/**
 * The currency every amount on screen is in (REPORTING_CURRENCY): set once when the server starts and
 * in the browser from the layout's data, like the fiscal year (periods.ts), because it is the
 * company's and every figure must carry the same sign.
 */
let reporting = 'EUR';

export function setReportingCurrency(currency: string): void {
	reporting = currency;
}

export function reportingCurrency(): string {
	return reporting;
}

/** An amount in the reporting currency unless `currency` says otherwise (a deal's amount as exported). */
export function formatMoney(value: number, currency = reporting, compact = false): string {
	return numberFormat({
		style: 'currency',
		currency,
		maximumFractionDigits: compact ? 1 : 0,
		notation: compact ? 'compact' : 'standard',
		// A part that rounds to nothing reads "€0", never "-€0".
		signDisplay: 'negative'
	}).format(value);
}

/**
 * A converted amount with the amount as exported beside it, "€900 (US$1,000)", for a deal in another
 * currency than the reporting one, so its owner recognises the figure they typed into the CRM.
 */
/** An amount as the CRM exported it, for a deal in another currency than the reporting one. */
export interface OriginalAmount {
	currency: string;
	amount: number | null;
}

/** A movement deal's amounts at A and at B as exported, in their currency. */
export interface MovementOriginal {
	currency: string;
	amount_from: number | null;
	amount_to: number | null;
}

export function formatMoneyWithOriginal(value: number, original?: { currency: string; amount: number | null } | null): string {
	if (!original || original.currency === reporting || original.amount === null) return formatMoney(value);
	return `${formatMoney(value)} (${formatMoney(original.amount, original.currency)})`;
}

export function formatNumber(value: number, fractionDigits = 0): string {
	return numberFormat({ maximumFractionDigits: fractionDigits, minimumFractionDigits: fractionDigits }).format(value);
}

export function formatPercent(value: number, fractionDigits = 0): string {
	return numberFormat({ style: 'percent', maximumFractionDigits: fractionDigits }).format(value);
}

/** `iso` is a DuckDB DATE as 'YYYY-MM-DD'; formatted in UTC so the day never shifts. */
export function formatDate(iso: string, style: 'medium' | 'short' = 'medium'): string {
	return dateFormat(`date-${style}`, { dateStyle: style, timeZone: 'UTC' }).format(new Date(`${iso.slice(0, 10)}T00:00:00Z`));
}

/** 'YYYY-MM' as "Nov 2026" / "Nov. 2026". */
export function formatMonth(month: string): string {
	return dateFormat('month', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`));
}

/**
 * 'YYYY-Qn' as "Q3 2026" with calendar quarters, and as "FY27 Q1" with a fiscal year starting in
 * another month than January, so nobody reads a fiscal quarter as the calendar one.
 */
export function formatQuarter(quarter: string): string {
	if (fiscalYearStart() === 1) return `${quarter.slice(5)} ${quarter.slice(0, 4)}`;
	return `FY${quarter.slice(2, 4)} ${quarter.slice(5)}`;
}

/**
 * A moment, in UTC and saying so: the server and every browser then print the same time, and
 * people in different offices read the same history.
 */
export function formatDateTime(iso: string): string {
	return dateFormat('datetime', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso)) + ' UTC';
}

function dateFormat(name: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
	const key = getLocale() + name;
	let format = cache.get(key) as Intl.DateTimeFormat | undefined;
	if (!format) cache.set(key, (format = new Intl.DateTimeFormat(formatLocale(), options)));
	return format;
}

