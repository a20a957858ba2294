import * as v from 'valibot';
import { isIsoDate, isQuarter, type IsoDate, type Quarter } from '../../domain/periods.ts';
import { forecastHorizons } from './forecast.ts';

/**
 * The query parameters the Forecast page and its API share (team and rep are read by
 * `requestScope`). Errors name the parameter, what it must look like and what came in.
 */

/** The API takes any horizon up to three years; the page offers 6, 12 and 18 months. */
export const maxForecastMonths = 36;
export const defaultForecastMonths = 12;

const asOf = v.pipe(
	v.string(),
	v.check(isIsoDate, (issue) => `as_of must be a real date written YYYY-MM-DD, e.g. 2026-11-23, got "${issue.input}"`)
);

const quarter = v.pipe(
	v.string(),
	v.check(isQuarter, (issue) => `quarter must be written YYYY-Qn, e.g. 2026-Q3, got "${issue.input}"`)
);

const anyMonths = v.pipe(
	v.string(),
	v.check(
		(raw) => /^\d+$/.test(raw) && Number(raw) >= 1 && Number(raw) <= maxForecastMonths,
		(issue) => `months must be a whole number from 1 to ${maxForecastMonths}, got "${issue.input}"`
	),
	v.transform(Number)
);

const pageMonths = v.pipe(
	v.string(),
	v.check(
		(raw) => (forecastHorizons as readonly number[]).includes(Number(raw)) && /^\d+$/.test(raw),
		(issue) => `months must be one of ${forecastHorizons.join(', ')}, got "${issue.input}"`
	),
	v.transform(Number)
);

export interface ForecastQuery {
	asOf: IsoDate | null;
	months: number;
	quarter: Quarter | null;
}

export type ParsedForecastQuery =
	| { ok: true; query: ForecastQuery }
	| { ok: false; message: string; issues: { parameter: string | null; message: string }[] };

/** Reads `as_of`, `months` and `quarter`; empty values count as absent (a GET form sends them so). */
export function parseForecastQuery(params: URLSearchParams, horizons: 'page' | 'api'): ParsedForecastQuery {
	const schema = v.object({
		as_of: v.optional(asOf),
		months: v.optional(horizons === 'page' ? pageMonths : anyMonths),
		quarter: v.optional(quarter)
	});
	const value = (name: string) => params.get(name) || undefined;
	const parsed = v.safeParse(schema, { as_of: value('as_of'), months: value('months'), quarter: value('quarter') });
	if (!parsed.success) {
		const issues = parsed.issues.map((issue) => ({ parameter: v.getDotPath(issue) ?? null, message: issue.message }));
		return { ok: false, message: issues.map((i) => i.message).join('; '), issues };
	}
	return {
		ok: true,
		query: {
			asOf: parsed.output.as_of ?? null,
			months: parsed.output.months ?? defaultForecastMonths,
			quarter: parsed.output.quarter ?? null
		}
	};
}
