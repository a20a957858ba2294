import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { isIsoDate } from '$lib/domain/periods';
import { requestScope, requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { jsonText } from '$lib/server/http';
import {
	isNewBusinessWeight,
	nestByMonth,
	newBusinessWeightPreference,
	newBusinessWeightRange,
	revenueMix,
	revenueMixOverTime
} from '$lib/server/metrics/revenue-mix';
import { answeredOnce } from '$lib/server/metrics/remembered';
import { getPreference } from '$lib/server/preferences';
import type { RequestHandler } from './$types';

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

const revenueMixQuery = v.pipe(
	v.object({ from: date('from'), to: date('to'), new_business_weight: v.optional(weight) }),
	v.forward(
		v.check(({ from, to }) => from <= to, (issue) => `to must be on or after from (from ${issue.input.from}, to ${issue.input.to})`),
		['to']
	)
);

/** Money to the cent: weighted sums carry floating-point dust that no reader needs. */
const cents = (value: number) => Math.round(value * 100) / 100;

/**
 * GET /api/v1/revenue-mix?from=YYYY-MM-DD&to=YYYY-MM-DD[&new_business_weight=w][&team=..][&rep=..]
 *
 * The Revenue mix page's numbers as JSON, from the same metric functions and the same scope. Without
 * `new_business_weight`, the weight the user remembered on the page (1 until they set one).
 */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const params = event.url.searchParams;
	const parsed = v.safeParse(revenueMixQuery, {
		from: params.get('from') ?? undefined,
		to: params.get('to') ?? undefined,
		new_business_weight: params.get('new_business_weight') ?? undefined
	});
	if (!parsed.success) {
		const issues = parsed.issues.map((issue) => ({ parameter: v.getDotPath(issue) ?? null, message: issue.message }));
		return json({ message: issues.map((i) => i.message).join('; '), issues }, { status: 400 });
	}
	const { from, to } = parsed.output;

	const scope = await requestScope(event);
	const db = await database();
	const newBusinessWeight =
		parsed.output.new_business_weight ??
		(await db.read((q) => getPreference(q, user.id, newBusinessWeightPreference, newBusinessWeightRange.fallback, isNewBusinessWeight)));

	const answer = await answeredOnce(db, [event.route.id, scope, from, to, newBusinessWeight], async () => {
		const [mix, months] = await Promise.all([
			db.read((q) => revenueMix(q, scope, { from, to, newBusinessWeight })),
			db.read((q) => revenueMixOverTime(q, scope, { from, to, bucket: 'month' }))
		]);
		const pipelineSplit = (p: typeof mix.pipeline) => ({
			new_business: { total: cents(p.new_business.total), weighted: cents(p.new_business.weighted) },
			existing: { total: cents(p.existing.total), weighted: cents(p.existing.weighted) }
		});

		return JSON.stringify({
			from,
			to,
			new_business_weight: newBusinessWeight,
			won: { new_business: cents(mix.won.new_business), existing: cents(mix.won.existing) },
			weighted_score: cents(mix.weighted_score),
			pipeline_as_of: mix.pipeline_as_of,
			pipeline: pipelineSplit(mix.pipeline),
			by_month: nestByMonth(months, newBusinessWeight).map((month) => ({
				month: month.month,
				won: { new_business: cents(month.won.new_business), existing: cents(month.won.existing) },
				weighted_score: cents(month.weighted_score),
				pipeline_as_of: month.pipeline_as_of,
				pipeline: month.pipeline && pipelineSplit(month.pipeline)
			})),
			derived_deal_types: mix.derived
		});
	});
	return jsonText(answer);
};
