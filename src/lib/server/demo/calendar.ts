/**
 * Dates as whole days since 1970-01-01 (UTC), the way DuckDB stores a DATE. The simulation does
 * millions of date comparisons; plain integers keep that fast and free of time-zone surprises.
 */
export type Day = number;

const MS_PER_DAY = 86_400_000;
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export function dayFromIso(iso: string): Day {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
	if (!match) throw new Error(`"${iso}" is not a date; write it as YYYY-MM-DD`);
	const [, year, month, day] = match.map(Number);
	const ms = Date.UTC(year, month - 1, day);
	if (new Date(ms).getUTCDate() !== day) throw new Error(`"${iso}" is not a calendar date`);
	return ms / MS_PER_DAY;
}

export function isoFromDay(day: Day): string {
	return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday). */
export function weekday(day: Day): number {
	return (((day + 3) % 7) + 7) % 7;
}

export function weekdayName(day: Day): string {
	return WEEKDAYS[weekday(day)];
}

export function isMonday(day: Day): boolean {
	return weekday(day) === 0;
}

export function mondayOnOrBeforeDay(day: Day): Day {
	return day - weekday(day);
}

/** The default end of the demo's history: the Monday on or before `date` (a calendar date or a Date). */
export function mondayOnOrBefore(date: Date | string): string {
	const day = typeof date === 'string' ? dayFromIso(date) : Math.floor(date.getTime() / MS_PER_DAY);
	return isoFromDay(mondayOnOrBeforeDay(day));
}

/** Work happens on weekdays: a Saturday or Sunday moves to the following Monday. */
export function businessDayOnOrAfter(day: Day): Day {
	const dow = weekday(day);
	return dow === 5 ? day + 2 : dow === 6 ? day + 1 : day;
}

export function endOfMonth(day: Day): Day {
	const date = new Date(day * MS_PER_DAY);
	return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0) / MS_PER_DAY;
}

/** The same calendar date `years` later (29 February becomes 1 March). */
export function addYears(day: Day, years: number): Day {
	const date = new Date(day * MS_PER_DAY);
	return Date.UTC(date.getUTCFullYear() + years, date.getUTCMonth(), date.getUTCDate()) / MS_PER_DAY;
}

export function quarterStart(day: Day): Day {
	const date = new Date(day * MS_PER_DAY);
	return Date.UTC(date.getUTCFullYear(), Math.floor(date.getUTCMonth() / 3) * 3, 1) / MS_PER_DAY;
}

export function nextQuarterStart(day: Day): Day {
	const date = new Date(quarterStart(day) * MS_PER_DAY);
	return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 3, 1) / MS_PER_DAY;
}

/** 1 to 4. */
export function quarterOfYear(day: Day): number {
	return Math.floor(new Date(day * MS_PER_DAY).getUTCMonth() / 3) + 1;
}
