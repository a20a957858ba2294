import * as v from 'valibot';
import { daysBetween, isIsoDate } from '../../domain/periods.ts';
import { periodFromSearch } from '../../domain/revenue-period.ts';
import type { Database, Queryable } from '../db/index.ts';
import { keyAccountConcentration, netRevenueRetention } from '../metrics/retention.ts';
import {
	isNewBusinessWeight,
	nestByMonth,
	newBusinessByOpener,
	newBusinessBySource,
	newBusinessWeightPreference,
	newBusinessWeightRange,
	revenueMix,
	revenueMixByRep,
	revenueMixByTeam,
	revenueMixOverTime,
	type PeriodBucket
} from '../metrics/revenue-mix.ts';
import { snapshotDates } from '../metrics/snapshots.ts';
import { MIN_OTHER_REPS_BEHIND_TEAM_FIGURE } from '../metrics/team-privacy.ts';
import { getPreference } from '../preferences.ts';
import { defineQuestion } from '../questions.ts';
import { badInputFromIssues, chosenScope, type ViewRequest } from './request.ts';

/**
 * The Revenue mix view (/revenue and GET /api/v1/revenue-mix): won revenue and pipeline split into
 * new business and existing customers, weighted by the user's new-business weight, by month, rep,
 * team, source and opener; for account managers, retention and concentration.
 */
export const mix = defineQuestion('revenue mix', revenueMix);
export const overTime = defineQuestion('revenue mix over time', revenueMixOverTime);
export const byRep = defineQuestion('revenue mix by rep', revenueMixByRep);
export const byTeam = defineQuestion('revenue mix by team', revenueMixByTeam);
export const bySource = defineQuestion('new business by source', newBusinessBySource);
export const byOpener = defineQuestion('new business by opener', newBusinessByOpener);
export const retention = defineQuestion('net revenue retention', netRevenueRetention);
export const concentration = defineQuestion('key account concentration', keyAccountConcentration);

/** Account managers' questions (retention, concentration) are asked when the scope has any. */
const accountManagerRoles = new Set(['AM', 'KAM']);

/** The weight the user remembered on the page (1 until they set one). */
export function rememberedWeight(q: Queryable, userId: string): Promise<number> {
	return getPreference(q, userId, newBusinessWeightPreference, newBusinessWeightRange.fallback, isNewBusinessWeight);
}

/** The page's data: the period from its GET form, the default the quarter to date of the latest snapshot. */
export async function load(db: Database, request: ViewRequest) {
	const params = request.url.searchParams;
	const [{ scope, choices, team, rep }, { dates, newBusinessWeight }] = await Promise.all([
		chosenScope(db, request),
		db.read(async (q) => ({ dates: await snapshotDates(q), newBusinessWeight: await rememberedWeight(q, request.user.id) }))
	]);
	const latest = dates[0] ?? null;
	const first = dates.at(-1) ?? null;
	const { period, problem } = periodFromSearch(params, latest ?? new Date().toISOString().slice(0, 10));
	const bucket: PeriodBucket =
		params.get('bucket') === 'quarter' || (!params.has('bucket') && daysBetween(period.from, period.to) > 550) ? 'quarter' : 'month';

	const repsInView = choices.reps.filter((r) => scope.repIds === null || scope.repIds.includes(r.id));
	const showRetention = repsInView.some((r) => accountManagerRoles.has(r.role));
	// Only the days: the same period asked by the API is then the same question.
	const span = { from: period.from, to: period.to };
	const query = { ...span, newBusinessWeight };

	const [mixNow, months, reps, teams, sources, openers, retained, concentrated] = await Promise.all([
		mix.ask(db, scope, query),
		overTime.ask(db, scope, { ...span, bucket }),
		byRep.ask(db, scope, query),
		byTeam.ask(db, scope, query),
		bySource.ask(db, scope, span),
		byOpener.ask(db, scope, span),
		showRetention ? retention.ask(db, scope, span) : null,
		showRetention ? concentration.ask(db, scope, span) : null
	]);

	return {
		period,
		periodProblem: problem,
		bucket,
		snapshotRange: first && latest ? { first, latest } : null,
		filters: {
			teams: choices.teams.map((t) => t.name),
			// Who still sells first: people who left are at the end of the list.
			reps: [...choices.reps]
				.sort((a, b) => Number(b.active) - Number(a.active) || a.name.localeCompare(b.name))
				.map(({ name, email, role, team: teamName, active }) => ({ name, email, role, team: teamName, active })),
			team,
			rep
		},
		isRep: scope.role === 'rep',
		minOtherReps: MIN_OTHER_REPS_BEHIND_TEAM_FIGURE,
		newBusinessWeight,
		weightRange: newBusinessWeightRange,
		mix: mixNow,
		overTime: months,
		reps,
		teams,
		sources,
		openers,
		retention: retained,
		concentration: concentrated
	};
}

const date = (name: string) =>
	v.pipe(
		v.string(`${name} is required, as a date YYYY-MM-DD`),
		v.check(isIsoDate, (issue) => `${name} must be a real date written YYYY-MM-DD, got "${issue.input}"`)
	);

const { min, max } = newBusinessWeightRange;
const weight = v.pipe(
	v.string(),
	v.check((raw) => raw.trim() !== '' && isNewBusinessWeight(Number(raw)), (issue) => `new_business_weight must be a number from ${min} to ${max}, got "${issue.input}"`),
	v.transform(Number)
);

const apiQuery = v.pipe(
	v.object({ from: date('from'), to: date('to'), new_business_weight: v.optional(weight) }),
	v.forward(
		v.check(({ from, to }) => from <= to, (issue) => `to must be on or after from (from ${issue.input.from}, to ${issue.input.to})`),
		['to']
	)
);

/** The API's `from`, `to` (both required) and `new_business_weight`; bad values are `BadInput`. */
export function parse(params: URLSearchParams) {
	const parsed = v.safeParse(apiQuery, {
		from: params.get('from') ?? undefined,
		to: params.get('to') ?? undefined,
		new_business_weight: params.get('new_business_weight') ?? undefined
	});
	if (!parsed.success) {
		throw badInputFromIssues(parsed.issues);
	}
	return parsed.output;
}

/** Money to the cent: weighted sums carry floating-point dust that no reader needs. */
const cents = (value: number) => Math.round(value * 100) / 100;

/** GET /api/v1/revenue-mix's JSON: without `new_business_weight`, the user's remembered weight. */
export async function json(db: Database, request: ViewRequest) {
	const { from, to, new_business_weight } = parse(request.url.searchParams);
	const { scope } = await chosenScope(db, request);
	const newBusinessWeight = new_business_weight ?? (await db.read((q) => rememberedWeight(q, request.user.id)));
	const [mixNow, months] = await Promise.all([
		mix.ask(db, scope, { from, to, newBusinessWeight }),
		overTime.ask(db, scope, { from, to, bucket: 'month' })
	]);
	const pipelineSplit = (p: typeof mixNow.pipeline) => ({
		new_business: { total: cents(p.new_business.total), weighted: cents(p.new_business.weighted) },
		existing: { total: cents(p.existing.total), weighted: cents(p.existing.weighted) }
	});
	return {
		from,
		to,
		new_business_weight: newBusinessWeight,
		won: { new_business: cents(mixNow.won.new_business), existing: cents(mixNow.won.existing) },
		weighted_score: cents(mixNow.weighted_score),
		pipeline_as_of: mixNow.pipeline_as_of,
		pipeline: pipelineSplit(mixNow.pipeline),
		by_month: nestByMonth(months, newBusinessWeight).map((month) => ({
			month: month.month,
			won: { new_business: cents(month.won.new_business), existing: cents(month.won.existing) },
			weighted_score: cents(month.weighted_score),
			pipeline_as_of: month.pipeline_as_of,
			pipeline: month.pipeline && pipelineSplit(month.pipeline)
		})),
		derived_deal_types: mixNow.derived
	};
}
