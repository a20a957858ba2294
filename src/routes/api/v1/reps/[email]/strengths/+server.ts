import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { isIsoDate } from '$lib/domain/periods';
import { requestScope } from '$lib/server/auth/guards';
import { narrowScope } from '$lib/server/auth/scope';
import { database } from '$lib/server/db';
import { jsonText } from '$lib/server/http';
import { answeredOnce } from '$lib/server/metrics/remembered';
import { kpisForRole, latestSnapshot, strengthProfiles, trailingPeriod, type MeasureScore } from '$lib/server/metrics/strengths';
import type { RequestHandler } from './$types';

const date = (name: string) =>
	v.optional(v.pipe(v.string(), v.check(isIsoDate, (issue) => `${name} must be a real date written YYYY-MM-DD, got "${issue.input}"`)));

const strengthsQuery = v.pipe(
	v.object({ from: date('from'), to: date('to') }),
	v.forward(
		v.check(({ from, to }) => !from || !to || from <= to, (issue) => `to must be on or after from (from ${issue.input.from}, to ${issue.input.to})`),
		['to']
	)
);

/** Rates to four places and money to the cent: enough for any reader, free of floating-point dust. */
const round = (value: number | null, places = 4) => (value === null ? null : Math.round(value * 10 ** places) / 10 ** places);

function score(s: MeasureScore) {
	return {
		value: round(s.value),
		team_median: round(s.team_median),
		index: round(s.index, 1),
		low: round(s.low),
		high: round(s.high),
		index_low: round(s.index_low, 1),
		index_high: round(s.index_high, 1),
		n: s.n,
		peers: s.peers,
		labelled: s.labelled,
		missing: s.missing
	};
}

/**
 * GET /api/v1/reps/{email}/strengths[?from=YYYY-MM-DD][&to=YYYY-MM-DD]
 *
 * One rep's strength profile over [from, to] (default: the twelve months up to the latest
 * snapshot): the dimensions their role runs, each against the rate of the same role on their team
 * (`team_median` holds that rate, pulled toward the company's; `index` 100 = that rate, 20 points per
 * typical spread between reps of the role; `value`, `low`, `high` are the shrunk rate and its 80%
 * interval, in the measure's own unit), their KPIs, top strength and next step. A measure or KPI counted
 * from an import nobody made (activities, accounts) has no value and says why: `missing` on the
 * measure, `kpis_missing` by KPI ('no_activities' | 'no_accounts'). A rep outside the user's scope is
 * a 404, like one that does not exist.
 */
export const GET: RequestHandler = async (event) => {
	const params = event.url.searchParams;
	const parsed = v.safeParse(strengthsQuery, { from: params.get('from') ?? undefined, to: params.get('to') ?? undefined });
	if (!parsed.success) {
		const issues = parsed.issues.map((issue) => ({ parameter: v.getDotPath(issue) ?? null, message: issue.message }));
		return json({ message: issues.map((i) => i.message).join('; '), issues }, { status: 400 });
	}
	const scope = await requestScope(event);
	const db = await database();
	// Remembered by what was asked, so that a repeat costs no lookup at all. A rep outside the scope is
	// a 404 from narrowScope, which is not remembered; one without a profile is a 404 too.
	const asked = [event.route.id, scope, event.params.email.toLowerCase(), parsed.output.from ?? null, parsed.output.to ?? null];
	const answer = await answeredOnce(db, asked, () =>
		db.read(async (q) => {
			const repScope = await narrowScope(q, scope, { rep: event.params.email });
			const latest = await latestSnapshot(q);
			const fallback = trailingPeriod(latest ?? new Date().toISOString().slice(0, 10), 12);
			const to = parsed.output.to ?? (parsed.output.from && parsed.output.from > fallback.to ? parsed.output.from : fallback.to);
			const from = parsed.output.from ?? (to < fallback.from ? to : fallback.from);
			const [profile] = await strengthProfiles(q, repScope, [{ key: 'current', from, to }]);
			if (!profile) return null;
			return JSON.stringify({
				email: profile.rep.email,
				name: profile.rep.name,
				role: profile.rep.role,
				team: profile.rep.team,
				from,
				to,
				dimensions: profile.dimensions.map((d) => ({ name: d.name, measure: d.key, ...score(d) })),
				measures: profile.measures.map((s) => ({ name: s.key, dimension: s.dimension, ...score(s) })),
				top_strength: profile.topStrength?.key ?? null,
				growth_area: profile.growthArea?.key ?? null,
				// A KPI counted from an import nobody made is null, with the reason in `kpis_missing`, not 0.
				kpis: Object.fromEntries(
					Object.entries(kpisForRole(profile.rep.role, profile.kpis)).map(([k, value]) => [
						k,
						k in profile.kpisMissing ? null : round(value ?? null)
					])
				),
				kpis_missing: profile.kpisMissing
			});
		})
	);
	return answer === null ? json({ message: 'No such rep' }, { status: 404 }) : jsonText(answer);
};
