/**
 * Calendar periods as sales people name them: a day 'YYYY-MM-DD' (how DuckDB DATEs arrive), a month
 * 'YYYY-MM' and a quarter 'YYYY-Qn' of the company's fiscal year. With the fiscal year starting in
 * January (the default) these are calendar quarters (2026-Q1 = January to March 2026); starting in
 * April, 2027-Q1 is April to June 2026: a fiscal year is named by the calendar year it ends in.
 *
 * All arithmetic is on calendar dates in UTC, never local time, so a period never shifts by a day
 * for someone east or west of the server, or across a daylight-saving change.
 */

/** A calendar day, 'YYYY-MM-DD'. */
export type IsoDate = string;
/** A calendar month, 'YYYY-MM'. */
export type Month = string;
/** A fiscal quarter, 'YYYY-Qn' (YYYY: the calendar year its fiscal year ends in). */
export type Quarter = string;

/**
 * The month (1-12) the fiscal year starts in: FISCAL_YEAR_START, set once when the server starts
 * (hooks.server.ts) and in the browser from the layout's data. One setting for the whole process
 * rather than a parameter: it is the company's, never the request's, and every quarter computed
 * anywhere (forecast, revenue, movement periods, quotas, labels) must agree on it.
 */
let fiscalStart = 1;

export function setFiscalYearStart(month: number): void {
	if (!Number.isInteger(month) || month < 1 || month > 12) throw new RangeError(`The fiscal year starts in a month from 1 to 12, not ${month}`);
	fiscalStart = month;
}

export function fiscalYearStart(): number {
	return fiscalStart;
}

const dayPattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const monthPattern = /^(\d{4})-(\d{2})$/;
const quarterPattern = /^(\d{4})-Q([1-4])$/;
const dayMs = 86_400_000;

/** True for a real calendar day ('2026-02-30' is not one). */
export function isIsoDate(value: string): boolean {
	const match = dayPattern.exec(value);
	if (!match) return false;
	const [year, month, day] = match.slice(1).map(Number);
	const date = new Date(Date.UTC(year, month - 1, day));
	return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function isMonth(value: string): boolean {
	const match = monthPattern.exec(value);
	return match !== null && Number(match[2]) >= 1 && Number(match[2]) <= 12;
}

export function isQuarter(value: string): boolean {
	return quarterPattern.test(value);
}

function parseDay(date: IsoDate): Date {
	if (!isIsoDate(date)) throw new RangeError(`"${date}" is not a date in the form YYYY-MM-DD`);
	return new Date(`${date}T00:00:00Z`);
}

function formatDay(date: Date): IsoDate {
	return date.toISOString().slice(0, 10);
}

/** Year and month (1-12) of a month, or of the month a day falls in. */
function yearMonth(value: Month | IsoDate): { year: number; month: number } {
	const text = value.length === 10 && isIsoDate(value) ? value.slice(0, 7) : value;
	if (!isMonth(text)) throw new RangeError(`"${value}" is not a month in the form YYYY-MM`);
	return { year: Number(text.slice(0, 4)), month: Number(text.slice(5, 7)) };
}

function formatMonth(year: number, month: number): Month {
	// Normalise month overflow in both directions (month 13 is January of the next year).
	const index = year * 12 + (month - 1);
	const y = Math.floor(index / 12);
	return `${String(y).padStart(4, '0')}-${String(index - y * 12 + 1).padStart(2, '0')}`;
}

export function parseQuarter(quarter: Quarter): { year: number; quarter: 1 | 2 | 3 | 4 } {
	const match = quarterPattern.exec(quarter);
	if (!match) throw new RangeError(`"${quarter}" is not a quarter in the form YYYY-Qn, e.g. 2026-Q3`);
	return { year: Number(match[1]), quarter: Number(match[2]) as 1 | 2 | 3 | 4 };
}

export function addDays(date: IsoDate, days: number): IsoDate {
	return formatDay(new Date(parseDay(date).getTime() + days * dayMs));
}

/** Days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
	return Math.round((parseDay(to).getTime() - parseDay(from).getTime()) / dayMs);
}

/** The month a day falls in. */
export function monthOf(date: IsoDate): Month {
	const { year, month } = yearMonth(date);
	return formatMonth(year, month);
}

export function addMonths(month: Month, count: number): Month {
	const { year, month: m } = yearMonth(month);
	return formatMonth(year, m + count);
}

/** `count` consecutive months starting with `first`. */
export function monthsFrom(first: Month, count: number): Month[] {
	return Array.from({ length: Math.max(0, count) }, (_, i) => addMonths(first, i));
}

/** Every month from `first` to `last`, both included; empty when `last` comes first. */
export function monthsBetween(first: Month, last: Month): Month[] {
	const a = yearMonth(first);
	const b = yearMonth(last);
	return monthsFrom(formatMonth(a.year, a.month), b.year * 12 + b.month - (a.year * 12 + a.month) + 1);
}

export function monthStart(month: Month): IsoDate {
	return `${addMonths(month, 0)}-01`;
}

export function monthEnd(month: Month): IsoDate {
	return addDays(monthStart(addMonths(month, 1)), -1);
}

/** The fiscal year a fiscal year starting in `fiscalStart` of `year` is named by: the year it ends in. */
const endingYear = (startYear: number) => (fiscalStart === 1 ? startYear : startYear + 1);

/** The fiscal quarter a day or a month falls in. */
export function quarterOf(value: IsoDate | Month): Quarter {
	const { year, month } = yearMonth(value);
	const monthOfYear = (month - fiscalStart + 12) % 12;
	const fiscalYear = endingYear(month >= fiscalStart ? year : year - 1);
	return `${String(fiscalYear).padStart(4, '0')}-Q${Math.floor(monthOfYear / 3) + 1}`;
}

export function addQuarters(quarter: Quarter, count: number): Quarter {
	const { year, quarter: q } = parseQuarter(quarter);
	const index = year * 4 + (q - 1) + count;
	const y = Math.floor(index / 4);
	return `${String(y).padStart(4, '0')}-Q${index - y * 4 + 1}`;
}

/** The three months of a quarter, in order. */
export function quarterMonths(quarter: Quarter): Month[] {
	const { year, quarter: q } = parseQuarter(quarter);
	const startYear = fiscalStart === 1 ? year : year - 1;
	return monthsFrom(formatMonth(startYear, fiscalStart + (q - 1) * 3), 3);
}

export function quarterStart(quarter: Quarter): IsoDate {
	return monthStart(quarterMonths(quarter)[0]);
}

export function quarterEnd(quarter: Quarter): IsoDate {
	return monthEnd(quarterMonths(quarter)[2]);
}

/** Every quarter from `first` to `last`, both included; empty when `last` comes first. */
export function quartersBetween(first: Quarter, last: Quarter): Quarter[] {
	const { year: y1, quarter: q1 } = parseQuarter(first);
	const { year: y2, quarter: q2 } = parseQuarter(last);
	const count = (y2 * 4 + q2) - (y1 * 4 + q1) + 1;
	return Array.from({ length: Math.max(0, count) }, (_, i) => addQuarters(first, i));
}
