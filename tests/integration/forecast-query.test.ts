import { describe, expect, it } from 'vitest';
import { parseForecastQuery } from '../../src/lib/server/metrics/forecast-query.ts';

const parse = (query: string, horizons: 'page' | 'api' = 'api') => parseForecastQuery(new URLSearchParams(query), horizons);

describe('forecast query parameters', () => {
	it('defaults to the latest snapshot, 12 months and no quarter; empty form fields count as absent', () => {
		expect(parse('')).toEqual({ ok: true, query: { asOf: null, months: 12, quarter: null } });
		expect(parse('as_of=&months=&quarter=', 'page')).toEqual({ ok: true, query: { asOf: null, months: 12, quarter: null } });
		expect(parse('as_of=2026-11-23&months=18&quarter=2026-Q3')).toEqual({
			ok: true,
			query: { asOf: '2026-11-23', months: 18, quarter: '2026-Q3' }
		});
	});

	it('the API takes any horizon from 1 to 36 months, the page only 6, 12 or 18', () => {
		expect(parse('months=7')).toMatchObject({ ok: true, query: { months: 7 } });
		expect(parse('months=7', 'page')).toMatchObject({ ok: false, message: 'months must be one of 6, 12, 18, got "7"' });
		expect(parse('months=37')).toMatchObject({ ok: false, message: 'months must be a whole number from 1 to 36, got "37"' });
		expect(parse('months=6.5')).toMatchObject({ ok: false });
		expect(parse('months=0')).toMatchObject({ ok: false });
	});

	it('names every bad parameter, what it must look like and what came in', () => {
		const result = parse('as_of=2026-02-30&quarter=2026Q3');
		expect(result).toEqual({
			ok: false,
			message:
				'as_of must be a real date written YYYY-MM-DD, e.g. 2026-11-23, got "2026-02-30"; quarter must be written YYYY-Qn, e.g. 2026-Q3, got "2026Q3"',
			issues: [
				{ parameter: 'as_of', message: 'as_of must be a real date written YYYY-MM-DD, e.g. 2026-11-23, got "2026-02-30"' },
				{ parameter: 'quarter', message: 'quarter must be written YYYY-Qn, e.g. 2026-Q3, got "2026Q3"' }
			]
		});
	});
});
