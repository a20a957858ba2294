import { requestScope, requireUser } from '$lib/server/auth/guards';
import { scopeForUser } from '$lib/server/auth/scope';
import { database } from '$lib/server/db';
import { scopedAnswers } from '$lib/server/metrics/remembered';
import { MIN_SAMPLE_TO_LABEL } from '$lib/domain/shrinkage';
import { salesRoles } from '$lib/domain/roles';
import {
	MIN_PEERS_TO_SHARE_MEDIAN,
	kpisByRole,
	latestSnapshot,
	scopeTeams,
	teamStrengths
} from '$lib/server/metrics/strengths';
import { periodFromSearch, periodMonths } from './period';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const scope = await requestScope(event);
	const db = await database();
	const { latest, teams } = await db.read(async (q) => ({
		latest: await latestSnapshot(q),
		// The filter offers every team the user may see, not just the one the URL narrowed to.
		teams: await scopeTeams(q, await scopeForUser(q, user))
	}));
	const filters = {
		months: periodMonths,
		teams,
		team: event.url.searchParams.get('team') || null
	};
	const base = { filters, isRep: scope.role === 'rep', minSample: MIN_SAMPLE_TO_LABEL, minPeers: MIN_PEERS_TO_SHARE_MEDIAN };
	if (latest === null) return { ...base, period: null, profiles: [], kpiTables: [] };

	const period = periodFromSearch(event.url.searchParams, latest);
	const strengths = await scopedAnswers(db, scope)('team strengths', teamStrengths, period);

	// One table per role, each with that role's own KPIs only.
	const kpiTables = salesRoles
		.map((role) => ({
			role,
			keys: kpisByRole[role],
			// The same for every rep of the role: what the company imported.
			missing: strengths.profiles.find((p) => p.rep.role === role)?.kpisMissing ?? {},
			rows: strengths.profiles
				.filter((p) => p.rep.role === role)
				.map((p) => ({ name: p.rep.name, email: p.rep.email, team: p.rep.team, ...p.kpis }))
		}))
		.filter((table) => table.rows.length > 0);

	return { ...base, period, profiles: strengths.profiles, kpiTables };
};
