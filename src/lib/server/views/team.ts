import * as v from 'valibot';
import { daysBefore } from '../../domain/movement.ts';
import { isIsoDate } from '../../domain/periods.ts';
import { salesRoles } from '../../domain/roles.ts';
import { MIN_SAMPLE_TO_LABEL } from '../../domain/shrinkage.ts';
import { narrowScope, type Scope } from '../auth/scope.ts';
import type { Database } from '../db/index.ts';
import { NotFound } from '../errors.ts';
import { withOriginals } from '../metrics/originals.ts';
import { snapshotDates } from '../metrics/snapshots.ts';
import {
	MIN_PEERS_TO_SHARE_MEDIAN,
	bestPracticeDeals,
	kpisByRole,
	kpisForRole,
	recentQuarters,
	strengthProfiles,
	teamStrengths,
	trailingPeriod,
	type MeasureScore
} from '../metrics/strengths/index.ts';
import { defineQuestion } from '../questions.ts';
import { movedForward } from './pipeline.ts';
import { badInputFromIssues, chosenScope, type ViewRequest } from './request.ts';

/**
 * The strengths views: the team page (/team), one rep's page (/team/[rep]), and their JSON
 * (GET /api/v1/reps, GET /api/v1/reps/{email}/strengths).
 */
export const team = defineQuestion('team strengths', teamStrengths);
export const profiles = defineQuestion('strength profiles', strengthProfiles);
// A deal won in another currency is listed with its amount as exported, too.
export const bestPractice = defineQuestion('best-practice deals', async (q, scope, options: Parameters<typeof bestPracticeDeals>[2]) =>
	withOriginals(q, await bestPracticeDeals(q, scope, options), (d) => ({ deal: d.deal_id, date: d.amount_on }))
);

/**
 * The period the strengths pages read: the last N months up to the latest snapshot. Strengths are
 * slow-moving and need samples, so the choices start at a quarter and the default is a year.
 */
export const periodMonths = [3, 6, 12, 24] as const;
export const defaultPeriodMonths = 12;

export function periodFromSearch(params: URLSearchParams, latest: string) {
	const asked = Number(params.get('months'));
	const months = (periodMonths as readonly number[]).includes(asked) ? asked : defaultPeriodMonths;
	return { months, ...trailingPeriod(latest, months) };
}

/** The team page's data: every profile in scope and one KPI table per role. */
export async function load(db: Database, request: ViewRequest) {
	const [{ scope, choices, team: chosenTeam }, dates] = await Promise.all([chosenScope(db, request), db.read((q) => snapshotDates(q))]);
	const latest = dates[0] ?? null;
	const filters = { months: periodMonths, teams: choices.teams.map((t) => t.name), team: chosenTeam };
	const base = { filters, isRep: scope.role === 'rep', minSample: MIN_SAMPLE_TO_LABEL, minPeers: MIN_PEERS_TO_SHARE_MEDIAN };
	if (latest === null) return { ...base, period: null, profiles: [], kpiTables: [] };

	const period = periodFromSearch(request.url.searchParams, latest);
	const strengths = await team.ask(db, scope, period);

	// One table per role, each with that role's own KPIs only.
	const kpiTables = salesRoles
		.map((role) => ({
			role,
			keys: kpisByRole[role],
			// The same for every rep of the role: what the company imported.
			missing: strengths.profiles.find((p) => p.rep.role === role)?.kpisMissing ?? {},
			rows: strengths.profiles.filter((p) => p.rep.role === role).map((p) => ({ name: p.rep.name, email: p.rep.email, team: p.rep.team, ...p.kpis }))
		}))
		.filter((table) => table.rows.length > 0);

	return { ...base, period, profiles: strengths.profiles, kpiTables };
}

/** Quarters the profile-over-time chart reaches back. */
const historyQuarters = 8;
/** "Moving forward" looks at the last four weekly snapshots: what a weekly 1:1 talks about. */
const movingWindowDays = 28;

/** The scope of one rep (`email`) within the user's; a rep outside it is `NotFound`, like one that does not exist. */
async function repScopeOf(db: Database, request: ViewRequest, email: string): Promise<Scope> {
	const { scope } = await chosenScope(db, request);
	return db.read((q) => narrowScope(q, scope, { rep: email }));
}

/** One rep's page: their profile now and over eight quarters, best-practice deals, what moved forward. */
export async function loadRep(db: Database, request: ViewRequest, email: string) {
	const [repScope, dates] = await Promise.all([repScopeOf(db, request, email), db.read((q) => snapshotDates(q))]);
	const latest = dates[0];
	if (latest === undefined) throw new NotFound('No pipeline snapshots are loaded yet.');

	const period = periodFromSearch(request.url.searchParams, latest);
	const end = dates.find((d) => d <= period.to) ?? latest;
	const start = dates.find((d) => d <= daysBefore(end, movingWindowDays)) ?? dates.at(-1)!;

	const [found, best, moving] = await Promise.all([
		profiles.ask(db, repScope, [{ key: 'current', from: period.from, to: period.to }, ...recentQuarters(latest, historyQuarters)]),
		bestPractice.ask(db, repScope, { from: period.from, to: period.to, limit: 5 }),
		movedForward.ask(db, repScope, { from: start, to: end, limit: 10 })
	]);
	const current = found.find((p) => p.period === 'current');
	if (!current) throw new NotFound('No such rep');

	return {
		period,
		months: periodMonths,
		isRep: request.user.role === 'rep',
		minSample: MIN_SAMPLE_TO_LABEL,
		minPeers: MIN_PEERS_TO_SHARE_MEDIAN,
		profile: current,
		kpiKeys: kpisByRole[current.rep.role],
		history: found.filter((p) => p.period !== 'current'),
		best,
		moving: { from: start, to: end, deals: moving.deals, total: moving.total }
	};
}

/** GET /api/v1/reps: the reps the user may see (a rep: only themselves), by team and name. */
export async function repsJson(db: Database, request: ViewRequest) {
	const { scope, choices } = await chosenScope(db, request);
	const inScope = scope.repIds === null ? null : new Set(scope.repIds);
	return {
		reps: choices.reps
			.filter((r) => inScope === null || inScope.has(r.id))
			.map(({ email, name, role, team: teamName, active }) => ({ email, name, role, team: teamName, active }))
	};
}

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

/** GET /api/v1/reps/{email}/strengths's JSON, over [from, to] (default: the twelve months up to the latest snapshot). */
export async function repStrengthsJson(db: Database, request: ViewRequest, email: string) {
	const params = request.url.searchParams;
	const parsed = v.safeParse(strengthsQuery, { from: params.get('from') ?? undefined, to: params.get('to') ?? undefined });
	if (!parsed.success) {
		throw badInputFromIssues(parsed.issues);
	}
	const [repScope, dates] = await Promise.all([repScopeOf(db, request, email), db.read((q) => snapshotDates(q))]);
	const fallback = trailingPeriod(dates[0] ?? new Date().toISOString().slice(0, 10), 12);
	const to = parsed.output.to ?? (parsed.output.from && parsed.output.from > fallback.to ? parsed.output.from : fallback.to);
	const from = parsed.output.from ?? (to < fallback.from ? to : fallback.from);
	const [profile] = await profiles.ask(db, repScope, [{ key: 'current', from, to }]);
	if (!profile) throw new NotFound('No such rep');
	return {
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
			Object.entries(kpisForRole(profile.rep.role, profile.kpis)).map(([k, value]) => [k, k in profile.kpisMissing ? null : round(value ?? null)])
		),
		kpis_missing: profile.kpisMissing
	};
}
