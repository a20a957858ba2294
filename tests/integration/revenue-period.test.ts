import { describe, expect, it } from 'vitest';
import { periodFromSearch, quarterToDate } from '../../src/lib/domain/revenue-period.ts';

const asOf = '2026-11-23';
const read = (query: string) => periodFromSearch(new URLSearchParams(query), asOf);

describe('the Revenue mix period picker', () => {
	it('opens on the quarter of the latest snapshot, up to that snapshot', () => {
		expect(read('')).toEqual({ period: { kind: 'quarter', from: '2026-10-01', to: '2026-11-23' }, problem: null });
		expect(quarterToDate('2026-03-31')).toEqual({ kind: 'quarter', from: '2026-01-01', to: '2026-03-31' });
	});

	it('a month, a quarter or a year is the whole calendar period', () => {
		expect(read('period=month&month=2024-02').period).toEqual({ kind: 'month', from: '2024-02-01', to: '2024-02-29' });
		expect(read('period=quarter&quarter=2026-Q3').period).toEqual({ kind: 'quarter', from: '2026-07-01', to: '2026-09-30' });
		expect(read('period=quarter&quarter=2026-q4').period).toEqual({ kind: 'quarter', from: '2026-10-01', to: '2026-12-31' });
		expect(read('period=year&year=2025').period).toEqual({ kind: 'year', from: '2025-01-01', to: '2025-12-31' });
	});

	it('custom takes from and to as given; a bare from and to mean custom, as in the API', () => {
		expect(read('period=custom&from=2026-02-11&to=2026-05-06').period).toEqual({ kind: 'custom', from: '2026-02-11', to: '2026-05-06' });
		expect(read('from=2026-02-11&to=2026-02-11').period).toEqual({ kind: 'custom', from: '2026-02-11', to: '2026-02-11' });
	});

	it('only the chosen kind’s field counts: the other fields of the form are ignored', () => {
		expect(read('period=year&year=2025&month=2026-01&from=x').period.from).toBe('2025-01-01');
	});

	it('a value that does not parse shows the default and names the field', () => {
		const fallback = { kind: 'quarter', from: '2026-10-01', to: '2026-11-23' };
		expect(read('period=month&month=2026-13')).toEqual({ period: fallback, problem: 'month' });
		expect(read('period=quarter&quarter=2026-Q5')).toEqual({ period: fallback, problem: 'quarter' });
		expect(read('period=year&year=26')).toEqual({ period: fallback, problem: 'year' });
		expect(read('period=custom&from=2026-02-30&to=2026-03-01')).toEqual({ period: fallback, problem: 'from' });
		expect(read('period=custom&from=2026-02-01')).toEqual({ period: fallback, problem: 'to' });
		expect(read('period=custom&from=2026-03-01&to=2026-02-01')).toEqual({ period: fallback, problem: 'order' });
		expect(read('period=fortnight')).toEqual({ period: fallback, problem: 'period' });
	});
});
