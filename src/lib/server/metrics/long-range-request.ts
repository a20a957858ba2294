import * as v from 'valibot';
import type { Scope } from '../auth/scope.ts';
import type { SessionUser } from '../auth/session.ts';
import type { Database } from '../db/index.ts';
import { isIsoDate, type IsoDate } from '../../domain/periods.ts';
import { defaultLongRangeMonths, longRangeForecast, maxLongRangeMonths, type LongRange } from './long-range.ts';
import { noChange, parseAssumptions, resolveAssumptions, scenarioFor, type SavedScenario, type ScenarioAssumptions } from './long-range-scenarios.ts';
import { defineQuestion } from '../questions.ts';
import { NotFound } from '../errors.ts';

/**
 * The query the 6-18 month page and its API share: `as_of`, `months`, `scenario` (a saved scenario's
 * id), and on the page the what-if fields of an unsaved scenario. Team and rep are read by
 * `requestScope`. Errors name the parameter, what it must look like and what came in.
 */

export interface LongRangeQuery {
	asOf: IsoDate | null;
	months: number;
	scenario: number | null;
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
	const result = v.safeParse(schema, { as_of: value('as_of'), months: value('months'), scenario: value('scenario') });
	if (!result.success) {
		const issues = result.issues.map((issue) => ({ parameter: v.getDotPath(issue) ?? null, message: issue.message }));
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
}

/**
 * The projection for a scope at a snapshot, with a saved scenario or unsaved what-if applied (a
 * scenario the user may not see is a 404). Remembered per scope, snapshot, horizon and assumptions
 * while the data is unchanged.
 */
export async function longRangeAnswer(
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
		scenario: answer.scenario
	};
}
