import type { Database } from '../../src/lib/server/db/index.ts';
import { narrowScope, scopeForUser, type Scope } from '../../src/lib/server/auth/scope.ts';
import type { UserRole } from '../../src/lib/domain/roles.ts';
import { getPreference } from '../../src/lib/server/preferences.ts';
import { coachingSession } from '../../src/lib/server/metrics/coaching.ts';
import { forecastAsOf, forecastByPeriod } from '../../src/lib/server/metrics/forecast.ts';
import { parseForecastQuery } from '../../src/lib/server/metrics/forecast-query.ts';
import { movementDeals, pipelineMovement, stageTransitions } from '../../src/lib/server/metrics/movement.ts';
import { parseMovementQuery } from '../../src/lib/server/metrics/movement-query.ts';
import {
	isNewBusinessWeight,
	nestByMonth,
	newBusinessWeightPreference,
	newBusinessWeightRange,
	revenueMix,
	revenueMixOverTime
} from '../../src/lib/server/metrics/revenue-mix.ts';
import { snapshotDates } from '../../src/lib/server/metrics/snapshots.ts';
import { latestSnapshot, strengthProfiles, trailingPeriod } from '../../src/lib/server/metrics/strengths/index.ts';

export const viewNames = ['movement', 'forecast', 'revenue_mix', 'team', 'coaching'] as const;
export type ViewName = (typeof viewNames)[number];

/** A demo sign-in as the server knows it, for calling the metric functions the way a route does. */
export interface BenchUser {
	id: string;
	email: string;
	role: UserRole;
	repId: number | null;
	teamIds: number[];
}

/** Who the bench signs in as and what it asks about; all read from the seeded database. */
export interface BenchCast {
	/** Sees every team: the widest, heaviest scope for the company-wide views. */
	executive: BenchUser;
	/** Coaching is private to a rep and their leader, so the coaching view is asked by leader1. */
	leader: BenchUser;
	/** An AE on leader1's team: the rep whose strengths and 1:1 are looked at. */
	repEmail: string;
	/** The revenue-mix period: the calendar year to date at the last snapshot. */
	from: string;
	to: string;
}

export interface View {
	name: ViewName;
	user: 'executive' | 'leader';
	/** The JSON endpoint that serves the view's data. */
	api: string;
	/** The page itself; its `__data.json` is what SvelteKit fetches on client-side navigation. */
	page: string;
	/** The same metric calls the endpoint makes, straight on DuckDB, without HTTP, auth or JSON. */
	direct(db: Database): Promise<unknown>;
}

export async function benchCast(db: Database): Promise<BenchCast> {
	const user = async (email: string): Promise<BenchUser> => {
		const row = await db.one<{ id: string; role: UserRole; rep_id: number | null; team_ids: number[] }>(
			`SELECT u.id, u.role, u.rep_id, coalesce(list(ut.team_id ORDER BY ut.team_id) FILTER (WHERE ut.team_id IS NOT NULL), []) AS team_ids
			FROM users u LEFT JOIN user_teams ut ON ut.user_id = u.id
			WHERE u.email = $email GROUP BY ALL`,
			{ email }
		);
		if (!row) throw new Error(`${email} is missing from the bench database; was it seeded with the demo users?`);
		return { id: row.id, email, role: row.role, repId: row.rep_id, teamIds: row.team_ids };
	};
	const executive = await user('exec@demo.test');
	const leader = await user('leader1@demo.test');
	const rep = await db.one<{ email: string }>(
		`SELECT email FROM reps WHERE team_id = $team AND role = 'AE' AND active ORDER BY id LIMIT 1`,
		{ team: leader.teamIds[0] }
	);
	if (!rep) throw new Error(`leader1's team has no active AE to look at.`);
	const latest = (await latestSnapshot(db))!;
	return { executive, leader, repEmail: rep.email, from: `${latest.slice(0, 4)}-01-01`, to: latest };
}

/** What `requestScope` gives a request without `team` or `rep` in its URL. */
function scopeOf(db: Database, user: BenchUser): Promise<Scope> {
	return db.read(async (q) => narrowScope(q, await scopeForUser(q, user), {}));
}

export function benchViews(cast: BenchCast): View[] {
	const rep = encodeURIComponent(cast.repEmail);
	return [
		{
			name: 'movement',
			user: 'executive',
			api: '/api/v1/movement',
			page: '/pipeline',
			async direct(db) {
				const snapshots = await db.read((q) => snapshotDates(q));
				const parsed = parseMovementQuery(new URLSearchParams(), snapshots);
				if (!parsed.ok) throw new Error(parsed.message);
				const { from, to, period, dealType } = parsed.query;
				const scope = await scopeOf(db, cast.executive);
				const options = { from, to, period, dealType };
				return Promise.all([
					db.read((q) => pipelineMovement(q, scope, options)),
					db.read((q) => stageTransitions(q, scope, options)),
					db.read((q) => movementDeals(q, scope, options))
				]);
			}
		},
		{
			name: 'forecast',
			user: 'executive',
			api: '/api/v1/forecast',
			page: '/forecast',
			async direct(db) {
				const parsed = parseForecastQuery(new URLSearchParams(), 'api');
				if (!parsed.ok) throw new Error(parsed.message);
				const scope = await scopeOf(db, cast.executive);
				return db.read(async (q) => {
					const asOf = await forecastAsOf(q, parsed.query.asOf);
					return forecastByPeriod(q, scope, { asOf: asOf!, months: parsed.query.months });
				});
			}
		},
		{
			name: 'revenue_mix',
			user: 'executive',
			api: `/api/v1/revenue-mix?from=${cast.from}&to=${cast.to}`,
			page: '/revenue',
			async direct(db) {
				const { from, to } = cast;
				const scope = await scopeOf(db, cast.executive);
				const newBusinessWeight = await db.read((q) =>
					getPreference(q, cast.executive.id, newBusinessWeightPreference, newBusinessWeightRange.fallback, isNewBusinessWeight)
				);
				const [mix, months] = await Promise.all([
					db.read((q) => revenueMix(q, scope, { from, to, newBusinessWeight })),
					db.read((q) => revenueMixOverTime(q, scope, { from, to, bucket: 'month' }))
				]);
				return [mix, nestByMonth(months, newBusinessWeight)];
			}
		},
		{
			name: 'team',
			user: 'executive',
			api: `/api/v1/reps/${rep}/strengths`,
			page: '/team',
			async direct(db) {
				const scope = await scopeOf(db, cast.executive);
				return db.read(async (q) => {
					const repScope = await narrowScope(q, scope, { rep: cast.repEmail });
					const latest = await latestSnapshot(q);
					const { from, to } = trailingPeriod(latest!, 12);
					return strengthProfiles(q, repScope, [{ key: 'current', from, to }]);
				});
			}
		},
		{
			name: 'coaching',
			user: 'leader',
			api: `/api/v1/reps/${rep}/coaching`,
			page: `/coaching/${rep}`,
			async direct(db) {
				const scope = await scopeOf(db, cast.leader);
				return db.read((q) => coachingSession(q, scope, { repId: cast.leader.repId }, { repEmail: cast.repEmail, week: null }));
			}
		}
	];
}
