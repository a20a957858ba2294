import * as v from 'valibot';
import type { Scope } from '../auth/scope.ts';
import type { SessionUser } from '../auth/session.ts';
import type { Database } from '../db/index.ts';
import { isIsoDate, type IsoDate } from '../../domain/periods.ts';
import {
	defaultLongRangeMonths,
	longRangeForecast,
	maxLongRangeMonths,
	type LongRange,
	type LongRangeMonth,
	type LongRangeQuarter
} from './long-range.ts';
import { noChange, parseAssumptions, resolveAssumptions, scenarioFor, type SavedScenario, type ScenarioAssumptions } from './long-range-scenarios.ts';
import { defineQuestion } from '../questions.ts';
import { NotFound } from '../errors.ts';

/**
 * The query the 6-18 month page and its API share: `as_of`, `months`, `scenario` (a saved scenario's
 * id), `compare` (saved scenarios to show side by side with the baseline), and on the page the what-if
 * fields of an unsaved scenario. Team and rep are read by `requestScope`. Errors name the parameter,
 * what it must look like and what came in.
 */

/** Scenarios shown side by side at most: beyond a handful, the lines of one chart can no longer be told apart. */
export const maxCompared = 5;

export interface LongRangeQuery {
	asOf: IsoDate | null;
	months: number;
	scenario: number | null;
	/** Saved scenarios to show beside the baseline, in the order asked; empty for none. */
	compare: number[];
	/** Unsaved what-if assumptions from the page's form; null when none were given. */
	whatIf: ScenarioAssumptions | null;
}

const schema = v.object({
	as_of: v.optional(
		v.pipe(
			v.string(),
			v.check(isIsoDate, (issue) => `as_of must be a real date written YYYY-MM-DD, e.g. 2026-11-23, got "${issue.input}"`)
		)
	),
	months: v.optional(
		v.pipe(
			v.string(),
			v.check(
				(raw) => /^\d+$/.test(raw) && Number(raw) >= 1 && Number(raw) <= maxLongRangeMonths,
				(issue) => `months must be a whole number from 1 to ${maxLongRangeMonths}, got "${issue.input}"`
			),
			v.transform(Number)
		)
	),
	scenario: v.optional(
		v.pipe(
			v.string(),
			v.check((raw) => /^\d{1,9}$/.test(raw), (issue) => `scenario must be a scenario's number, got "${issue.input}"`),
			v.transform(Number)
		)
	),
	compare: v.pipe(
		v.array(v.pipe(v.string(), v.check((raw) => /^\d{1,9}$/.test(raw), (issue) => `compare must list scenario numbers, got "${issue.input}"`))),
		v.transform((ids) => [...new Set(ids.map(Number))]),
		v.check((ids) => ids.length <= maxCompared, `compare: at most ${maxCompared} scenarios side by side`)
	)
});

const whatIfFields = ['creation_pct', 'win_rate_pct', 'cycle_pct', 'slip_share_pct'] as const;
const whatIfNames = [...whatIfFields, 'exclude_deals', 'add_team', 'remove_rep'];

/**
 * The what-if form's fields as scenario assumptions (to be checked by `parseAssumptions`): the four
 * percentages, deal CRM ids separated by commas or spaces, and one rep added to a team and one
 * removed, each from a month.
 */
export function whatIfFrom(value: (name: string) => string | undefined): unknown {
	const reps: unknown[] = [];
	if (value('add_team')) reps.push({ action: 'add', team: value('add_team'), from: value('add_from') ?? '' });
	if (value('remove_rep')) reps.push({ action: 'remove', rep: value('remove_rep'), from: value('remove_from') ?? '' });
	return {
		...Object.fromEntries(whatIfFields.filter((field) => value(field) !== undefined).map((field) => [field, Number(value(field))])),
		exclude_deals: (value('exclude_deals') ?? '').split(/[\s,]+/).filter(Boolean),
		reps
	};
}

export type ParsedLongRangeQuery =
	| { ok: true; query: LongRangeQuery }
	| { ok: false; message: string; issues: { parameter: string | null; message: string }[] };

/** Reads the query; empty values count as absent (a GET form sends them so). */
export function parseLongRangeQuery(params: URLSearchParams, { whatIf = false } = {}): ParsedLongRangeQuery {
	const value = (name: string) => params.get(name) || undefined;
	// `compare` may be repeated (a form's checkboxes) or comma-separated (a hand-written URL).
	const compare = params.getAll('compare').flatMap((raw) => raw.split(',')).map((raw) => raw.trim()).filter(Boolean);
	const result = v.safeParse(schema, { as_of: value('as_of'), months: value('months'), scenario: value('scenario'), compare });
	if (!result.success) {
		// The parameter's name, not the position in it (`compare.1`): that is what the URL shows.
		const issues = result.issues.map((issue) => ({ parameter: v.getDotPath(issue)?.split('.')[0] ?? null, message: issue.message }));
		return { ok: false, message: issues.map((i) => i.message).join('; '), issues };
	}
	let assumptions: ScenarioAssumptions | null = null;
	if (whatIf && whatIfNames.some((name) => value(name) !== undefined)) {
		const checked = parseAssumptions(whatIfFrom(value));
		if (!checked.ok) return { ok: false, message: checked.message, issues: checked.issues };
		assumptions = checked.value;
	}
	return {
		ok: true,
		query: {
			asOf: result.output.as_of ?? null,
			months: result.output.months ?? defaultLongRangeMonths,
			scenario: result.output.scenario ?? null,
			compare: result.output.compare,
			whatIf: assumptions
		}
	};
}

/** The projection for a scope with the assumptions applied (null: none), remembered while the data is unchanged. */
export const projection = defineQuestion(
	'long-range',
	async (q, scope, { asOf, months, applied }: { asOf: IsoDate; months: number; applied: ScenarioAssumptions | null }) =>
		longRangeForecast(q, scope, {
			asOf,
			months,
			assumptions: applied ? await resolveAssumptions(q, scope, applied) : undefined,
			scenarioKey: applied ? JSON.stringify(applied) : undefined
		})
);

export interface LongRangeAnswer extends LongRange {
	scenario: { id: number | null; name: string | null; assumptions: ScenarioAssumptions } | null;
	/** With `compare`: the baseline first, then each scenario asked for, for the same scope and months. */
	compare?: ComparedSeries[];
}

/** One line of the side-by-side view: the baseline (scenario null) or a saved scenario. */
export interface ComparedSeries {
	scenario: { id: number; name: string; author: string; mine: boolean } | null;
	months: Pick<LongRangeMonth, 'month' | 'expected' | 'p10' | 'p50' | 'p90' | 'quota'>[];
	quarters: Pick<LongRangeQuarter, 'quarter' | 'months' | 'expected' | 'p10' | 'p90' | 'quota'>[];
}

/**
 * The projection for a scope at a snapshot, with a saved scenario or unsaved what-if applied (a
 * scenario the user may not see is a 404), and with `compare` the baseline and those saved scenarios
 * side by side. Remembered per scope, snapshot, horizon and assumptions while the data is unchanged.
 */
export async function longRangeAnswer(db: Database, user: SessionUser, scope: Scope, query: LongRangeQuery & { asOf: IsoDate }): Promise<LongRangeAnswer> {
	const answer = await projectionFor(db, user, scope, query);
	if (query.compare.length === 0) return answer;
	return { ...answer, compare: await comparedSeries(db, user, scope, query) };
}

/**
 * The baseline and each scenario in `compare`, for the viewer's scope: a scenario is applied to the
 * viewer's reps only (long-range-scenarios.ts), so comparing never shows anyone else's pipeline.
 */
async function comparedSeries(db: Database, user: SessionUser, scope: Scope, query: LongRangeQuery & { asOf: IsoDate }): Promise<ComparedSeries[]> {
	const series = async (scenarioId: number | null): Promise<ComparedSeries> => {
		const answer = await projectionFor(db, user, scope, { ...query, scenario: scenarioId, whatIf: null });
		const saved = scenarioId === null ? undefined : await scenarioFor(db, user, scenarioId);
		return {
			scenario: saved ? { id: saved.id, name: saved.name, author: saved.author, mine: saved.mine } : null,
			months: answer.months.map(({ month, expected, p10, p50, p90, quota }) => ({ month, expected, p10, p50, p90, quota })),
			quarters: answer.quarters.map(({ quarter, months, expected, p10, p90, quota }) => ({ quarter, months, expected, p10, p90, quota }))
		};
	};
	const compared: ComparedSeries[] = [];
	for (const id of [null, ...query.compare]) compared.push(await series(id));
	return compared;
}

async function projectionFor(
	db: Database,
	user: SessionUser,
	scope: Scope,
	{ asOf, months, scenario: scenarioId, whatIf }: LongRangeQuery & { asOf: IsoDate }
): Promise<LongRangeAnswer> {
	let saved: SavedScenario | undefined;
	if (scenarioId !== null) {
		saved = await scenarioFor(db, user, scenarioId);
		if (!saved) throw new NotFound('No such scenario');
	}
	const assumptions = whatIf ?? saved?.assumptions ?? null;
	const applied = assumptions && JSON.stringify(assumptions) !== JSON.stringify(noChange) ? assumptions : null;
	const forecast = await projection.ask(db, scope, { asOf, months, applied });
	// Which scenario is shown is not part of the remembered projection: a saved scenario and the
	// same what-if unsaved share one.
	return { ...forecast, scenario: applied || saved ? { id: saved?.id ?? null, name: saved?.name ?? null, assumptions: applied ?? noChange } : null };
}

/** Money to the cent: simulated and weighted sums carry floating-point dust that no reader needs. */
export const cents = (value: number) => Math.round(value * 100) / 100;
const ratio = (value: number) => Math.round(value * 10_000) / 10_000;

/** The API's JSON: money to the cent, with expected = existing + future exactly as written. */
export function longRangeJson(answer: LongRangeAnswer) {
	const money = <T extends { existing: number; future: number; p10: number; p50: number; p90: number; quota: number | null }>(row: T) => {
		const existing = cents(row.existing);
		const future = cents(row.future);
		return {
			existing,
			future,
			expected: cents(existing + future),
			p10: cents(row.p10),
			p50: cents(row.p50),
			p90: cents(row.p90),
			quota: row.quota === null ? null : cents(row.quota)
		};
	};
	return {
		as_of: answer.as_of,
		months: answer.months.map((m) => ({ month: m.month, ...money(m) })),
		quarters: answer.quarters.map((q) => ({ quarter: q.quarter, months: q.months, ...money(q) })),
		inputs: {
			...answer.inputs,
			existing_weighted: cents(answer.inputs.existing_weighted),
			creation: answer.inputs.creation.map((c) => ({
				...c,
				created_per_month: Math.round(c.created_per_month * 100) / 100,
				win_rate: ratio(c.win_rate),
				average_size: cents(c.average_size)
			})),
			slip: answer.inputs.slip.map((s) => ({
				...s,
				on_time_or_early: ratio(s.on_time_or_early),
				later: ratio(s.later),
				mean_slip_months: Math.round(s.mean_slip_months * 100) / 100
			}))
		},
		backtest: answer.backtest,
		scenario: answer.scenario,
		...(answer.compare
			? {
					compare: answer.compare.map((series) => ({
						scenario: series.scenario,
						months: series.months.map((m) => ({ month: m.month, ...band(m) })),
						quarters: series.quarters.map((q) => ({ quarter: q.quarter, months: q.months, ...band(q) }))
					}))
				}
			: {})
	};
}

/** A compared line's figures, to the cent. */
function band(row: { expected: number; p10: number; p50?: number; p90: number; quota: number | null }) {
	return {
		expected: cents(row.expected),
		p10: cents(row.p10),
		...(row.p50 === undefined ? {} : { p50: cents(row.p50) }),
		p90: cents(row.p90),
		quota: row.quota === null ? null : cents(row.quota)
	};
}
