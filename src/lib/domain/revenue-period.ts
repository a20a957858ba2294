import { isIsoDate, isMonth, isQuarter, monthEnd, monthStart, quarterEnd, quarterOf, quarterStart } from './periods.ts';

/**
 * The period the Revenue mix page reads, from its GET form: a calendar month, quarter or year, or a
 * custom from-to. Pure, so the picker and the server agree on every URL.
 */

export const periodKinds = ['month', 'quarter', 'year', 'custom'] as const;
export type PeriodKind = (typeof periodKinds)[number];

export interface Period {
	kind: PeriodKind;
	/** First day, inclusive ('YYYY-MM-DD'). */
	from: string;
	/** Last day, inclusive. */
	to: string;
}

/** Which URL parameter was not understood, so the page can say so while it shows the default. */
export type PeriodProblem = 'month' | 'quarter' | 'year' | 'from' | 'to' | 'order' | 'period';

/**
 * The default: the quarter containing `asOf` (the latest snapshot), from its first day up to
 * `asOf`. The data's own date rather than today's, so a demo or an import that is weeks old still
 * opens on a quarter with numbers in it.
 */
export function quarterToDate(asOf: string): Period {
	return { kind: 'quarter', from: quarterStart(quarterOf(asOf)), to: asOf };
}

/**
 * The period asked for: `period=month&month=2026-11`, `period=quarter&quarter=2026-Q4`,
 * `period=year&year=2026`, or `period=custom&from=…&to=…` (a bare `from` and `to` also mean custom,
 * as in the API). Without any, or when a value does not parse, the quarter to date of `asOf`.
 */
export function periodFromSearch(params: URLSearchParams, asOf: string): { period: Period; problem: PeriodProblem | null } {
	const fallback = (problem: PeriodProblem | null) => ({ period: quarterToDate(asOf), problem });
	const kind = params.get('period') || (params.has('from') || params.has('to') ? 'custom' : null);
	if (kind === null) return fallback(null);
	const value = (name: string) => (params.get(name) ?? '').trim();
	switch (kind) {
		case 'month': {
			const month = value('month');
			return isMonth(month) ? { period: { kind, from: monthStart(month), to: monthEnd(month) }, problem: null } : fallback('month');
		}
		case 'quarter': {
			const quarter = value('quarter').toUpperCase();
			return isQuarter(quarter) ? { period: { kind, from: quarterStart(quarter), to: quarterEnd(quarter) }, problem: null } : fallback('quarter');
		}
		case 'year': {
			const year = value('year');
			// The fiscal year named `year` (FISCAL_YEAR_START; the calendar year when it starts in January).
			return /^\d{4}$/.test(year)
				? { period: { kind, from: quarterStart(`${year}-Q1`), to: quarterEnd(`${year}-Q4`) }, problem: null }
				: fallback('year');
		}
		case 'custom': {
			const [from, to] = [value('from'), value('to')];
			if (!isIsoDate(from)) return fallback('from');
			if (!isIsoDate(to)) return fallback('to');
			if (from > to) return fallback('order');
			return { period: { kind, from, to }, problem: null };
		}
		default:
			return fallback('period');
	}
}
