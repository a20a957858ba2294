import { afterEach, describe, expect, it } from 'vitest';
import {
	addDays,
	addMonths,
	addQuarters,
	daysBetween,
	isIsoDate,
	isMonth,
	isQuarter,
	monthEnd,
	monthOf,
	monthsBetween,
	monthsFrom,
	monthStart,
	parseQuarter,
	quarterEnd,
	quarterMonths,
	quarterOf,
	quartersBetween,
	quarterStart,
	setFiscalYearStart
} from '../../src/lib/domain/periods.ts';
import { formatQuarter } from '../../src/lib/domain/format.ts';

describe('recognising periods', () => {
	it('accepts only real calendar days', () => {
		expect(isIsoDate('2026-02-28')).toBe(true);
		expect(isIsoDate('2028-02-29')).toBe(true);
		expect(isIsoDate('2026-02-29')).toBe(false);
		expect(isIsoDate('2026-13-01')).toBe(false);
		expect(isIsoDate('2026-1-01')).toBe(false);
		expect(isIsoDate('2026-01-01T00:00:00Z')).toBe(false);
	});

	it('accepts months 01 to 12 and quarters Q1 to Q4', () => {
		expect(isMonth('2026-12')).toBe(true);
		expect(isMonth('2026-00')).toBe(false);
		expect(isMonth('2026-13')).toBe(false);
		expect(isQuarter('2026-Q4')).toBe(true);
		expect(isQuarter('2026-Q5')).toBe(false);
		expect(isQuarter('2026-q1')).toBe(false);
	});

	it('names the expected form when a quarter cannot be read', () => {
		expect(parseQuarter('2026-Q3')).toEqual({ year: 2026, quarter: 3 });
		expect(() => parseQuarter('Q3-2026')).toThrow('"Q3-2026" is not a quarter in the form YYYY-Qn, e.g. 2026-Q3');
	});
});

describe('months', () => {
	it('a day belongs to its calendar month, which starts on the 1st and ends on its last day', () => {
		expect(monthOf('2026-11-23')).toBe('2026-11');
		expect(monthStart('2026-11')).toBe('2026-11-01');
		expect(monthEnd('2026-02')).toBe('2026-02-28');
		expect(monthEnd('2028-02')).toBe('2028-02-29');
		expect(monthEnd('2026-12')).toBe('2026-12-31');
	});

	it('month arithmetic crosses year boundaries in both directions', () => {
		expect(addMonths('2026-11', 2)).toBe('2027-01');
		expect(addMonths('2026-01', -1)).toBe('2025-12');
		expect(addMonths('2026-05', -17)).toBe('2024-12');
		expect(addMonths('2026-05', 0)).toBe('2026-05');
	});

	it('a horizon of N months runs from the first month, N months long', () => {
		expect(monthsFrom('2026-11', 3)).toEqual(['2026-11', '2026-12', '2027-01']);
		expect(monthsFrom('2026-11', 18)).toHaveLength(18);
		expect(monthsFrom('2026-11', 18).at(-1)).toBe('2028-04');
		expect(monthsFrom('2026-11', 0)).toEqual([]);
	});

	it('lists every month between two, both included, and none when the range is reversed', () => {
		expect(monthsBetween('2026-11', '2027-02')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
		expect(monthsBetween('2026-11', '2026-11')).toEqual(['2026-11']);
		expect(monthsBetween('2026-11', '2026-10')).toEqual([]);
	});
});

describe('quarters', () => {
	it('calendar quarters: Q1 is January to March', () => {
		expect(quarterOf('2026-01-01')).toBe('2026-Q1');
		expect(quarterOf('2026-03-31')).toBe('2026-Q1');
		expect(quarterOf('2026-04-01')).toBe('2026-Q2');
		expect(quarterOf('2026-12')).toBe('2026-Q4');
		expect(quarterMonths('2026-Q4')).toEqual(['2026-10', '2026-11', '2026-12']);
	});

	it('a quarter starts on the first day of its first month and ends on the last day of its third', () => {
		expect(quarterStart('2026-Q2')).toBe('2026-04-01');
		expect(quarterEnd('2026-Q1')).toBe('2026-03-31');
		expect(quarterEnd('2026-Q2')).toBe('2026-06-30');
		expect(quarterEnd('2026-Q4')).toBe('2026-12-31');
	});

	it('quarter arithmetic crosses year boundaries in both directions', () => {
		expect(addQuarters('2026-Q4', 1)).toBe('2027-Q1');
		expect(addQuarters('2026-Q1', -1)).toBe('2025-Q4');
		expect(addQuarters('2026-Q2', -9)).toBe('2024-Q1');
	});

	it('lists every quarter between two, both included, and none when the range is reversed', () => {
		expect(quartersBetween('2025-Q3', '2026-Q2')).toEqual(['2025-Q3', '2025-Q4', '2026-Q1', '2026-Q2']);
		expect(quartersBetween('2026-Q2', '2026-Q2')).toEqual(['2026-Q2']);
		expect(quartersBetween('2026-Q3', '2026-Q2')).toEqual([]);
	});
});

describe('days', () => {
	it('counts calendar days, unaffected by daylight-saving changes', () => {
		// Europe switches to summer time on 29 March 2026: those two local days are 47 hours long.
		expect(daysBetween('2026-03-28', '2026-03-30')).toBe(2);
		expect(daysBetween('2026-12-31', '2026-01-01')).toBe(-364);
		expect(addDays('2026-03-31', -7 * 13)).toBe('2025-12-30');
		expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
	});

	it('refuses a malformed day instead of guessing', () => {
		expect(() => addDays('2026-02-30', 1)).toThrow('"2026-02-30" is not a date in the form YYYY-MM-DD');
	});
});

describe('a fiscal year starting in April (FISCAL_YEAR_START=4)', () => {
	afterEach(() => setFiscalYearStart(1));

	it('names the fiscal year by the calendar year it ends in: April 2026 to March 2027 is FY27', () => {
		setFiscalYearStart(4);
		expect(quarterOf('2026-04-01')).toBe('2027-Q1');
		expect(quarterOf('2026-06-30')).toBe('2027-Q1');
		expect(quarterOf('2026-07-01')).toBe('2027-Q2');
		expect(quarterOf('2026-12-31')).toBe('2027-Q3');
		expect(quarterOf('2027-01-01')).toBe('2027-Q4');
		expect(quarterOf('2027-03-31')).toBe('2027-Q4');
		expect(quarterOf('2026-03-31')).toBe('2026-Q4');
		expect(quarterOf('2026-11')).toBe('2027-Q3');
	});

	it('puts the quarter boundaries on the fiscal months', () => {
		setFiscalYearStart(4);
		expect(quarterMonths('2027-Q1')).toEqual(['2026-04', '2026-05', '2026-06']);
		expect(quarterMonths('2027-Q4')).toEqual(['2027-01', '2027-02', '2027-03']);
		expect([quarterStart('2027-Q1'), quarterEnd('2027-Q1')]).toEqual(['2026-04-01', '2026-06-30']);
		expect([quarterStart('2027-Q4'), quarterEnd('2027-Q4')]).toEqual(['2027-01-01', '2027-03-31']);
		expect(addQuarters('2027-Q4', 1)).toBe('2028-Q1');
		expect(addQuarters('2027-Q1', -1)).toBe('2026-Q4');
		expect(quartersBetween('2026-Q4', '2027-Q2')).toEqual(['2026-Q4', '2027-Q1', '2027-Q2']);
		// Every day of a quarter is in it, and the day after its end is in the next one.
		for (const quarter of quartersBetween('2026-Q1', '2028-Q4')) {
			expect(quarterOf(quarterStart(quarter))).toBe(quarter);
			expect(quarterOf(quarterEnd(quarter))).toBe(quarter);
			expect(quarterOf(addDays(quarterEnd(quarter), 1))).toBe(addQuarters(quarter, 1));
		}
	});

	it('labels fiscal quarters "FY27 Q1", and calendar quarters as before', () => {
		expect(formatQuarter('2026-Q1')).toBe('Q1 2026');
		setFiscalYearStart(4);
		expect(formatQuarter('2027-Q1')).toBe('FY27 Q1');
		expect(formatQuarter(quarterOf('2027-02-15'))).toBe('FY27 Q4');
	});

	it('a fiscal year starting in another month than 1 to 12 is refused', () => {
		expect(() => setFiscalYearStart(0)).toThrow(RangeError);
		expect(() => setFiscalYearStart(13)).toThrow(RangeError);
	});

	it('a fiscal year starting in February still ends in the next calendar year (February 2026 to January 2027 is FY27)', () => {
		setFiscalYearStart(2);
		expect(quarterOf('2026-02-01')).toBe('2027-Q1');
		expect(quarterOf('2027-01-31')).toBe('2027-Q4');
		expect(quarterMonths('2027-Q4')).toEqual(['2026-11', '2026-12', '2027-01']);
	});
});
