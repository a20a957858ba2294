import { fail, redirect } from '@sveltejs/kit';
import { requestScope, requireUser } from '$lib/server/auth/guards';
import { scopeForUser } from '$lib/server/auth/scope';
import { database } from '$lib/server/db';
import { scopedAnswers } from '$lib/server/metrics/remembered';
import { keyAccountConcentration, netRevenueRetention } from '$lib/server/metrics/retention';
import {
	isNewBusinessWeight,
	newBusinessByOpener,
	newBusinessBySource,
	newBusinessWeightPreference,
	newBusinessWeightRange,
	revenueMix,
	revenueMixByRep,
	revenueMixByTeam,
	revenueMixFilters,
	revenueMixOverTime,
	type PeriodBucket
} from '$lib/server/metrics/revenue-mix';
import { snapshotDates } from '$lib/server/metrics/snapshots';
import { MIN_OTHER_REPS_BEHIND_TEAM_FIGURE } from '$lib/server/metrics/team-privacy';
import { getPreference, setPreference } from '$lib/server/preferences';
import { daysBetween } from '$lib/domain/periods';
import { periodFromSearch } from './period';
import type { Actions, PageServerLoad } from './$types';

/** Account managers' questions (retention, concentration) are asked when the scope has any. */
const accountManagerRoles = new Set(['AM', 'KAM']);

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await database();
	const scope = await requestScope(event);
	const { dates, choices, newBusinessWeight } = await db.read(async (q) => ({
		dates: await snapshotDates(q),
		// The filters offer everything the user may see, not just what the URL narrowed to.
		choices: await revenueMixFilters(q, await scopeForUser(q, user)),
		newBusinessWeight: await getPreference(q, user.id, newBusinessWeightPreference, newBusinessWeightRange.fallback, isNewBusinessWeight)
	}));
	const latest = dates[0] ?? null;
	const first = dates.at(-1) ?? null;
	const { period, problem } = periodFromSearch(event.url.searchParams, latest ?? new Date().toISOString().slice(0, 10));
	const bucket: PeriodBucket =
		event.url.searchParams.get('bucket') === 'quarter' ||
		(!event.url.searchParams.has('bucket') && daysBetween(period.from, period.to) > 550)
			? 'quarter'
			: 'month';

	const repsInView = choices.reps.filter((r) => scope.repIds === null || scope.repIds.includes(r.id));
	const showRetention = repsInView.some((r) => accountManagerRoles.has(r.role));
	const query = { from: period.from, to: period.to, newBusinessWeight };

	// Separate reads run on separate connections, so the questions are answered side by side; each is
	// remembered on its own, so a new weight works out only what it weighs.
	const ask = scopedAnswers(db, scope);
	const [mix, overTime, reps, teams, sources, openers, retention, concentration] = await Promise.all([
		ask('revenue mix', revenueMix, query),
		ask('revenue mix over time', revenueMixOverTime, { ...period, bucket }),
		ask('revenue mix by rep', revenueMixByRep, query),
		ask('revenue mix by team', revenueMixByTeam, query),
		ask('new business by source', newBusinessBySource, period),
		ask('new business by opener', newBusinessByOpener, period),
		showRetention ? ask('net revenue retention', netRevenueRetention, period) : null,
		showRetention ? ask('key account concentration', keyAccountConcentration, period) : null
	]);

	return {
		period,
		periodProblem: problem,
		bucket,
		snapshotRange: first && latest ? { first, latest } : null,
		filters: {
			teams: choices.teams.map((t) => t.name),
			reps: choices.reps.map(({ name, email, role, team_id, active }) => ({
				name,
				email,
				role,
				team: choices.teams.find((t) => t.id === team_id)?.name ?? null,
				active
			})),
			team: event.url.searchParams.get('team') || null,
			rep: event.url.searchParams.get('rep') || null
		},
		isRep: scope.role === 'rep',
		minOtherReps: MIN_OTHER_REPS_BEHIND_TEAM_FIGURE,
		newBusinessWeight,
		weightRange: newBusinessWeightRange,
		mix,
		overTime,
		reps,
		teams,
		sources,
		openers,
		retention,
		concentration
	};
};

export const actions: Actions = {
	/**
	 * Remembers the new-business weight for the signed-in user. The slider saves in the background
	 * when JavaScript runs; without it, the form posts here and comes back to the same view.
	 */
	setWeight: async (event) => {
		const user = requireUser(event);
		const raw = (await event.request.formData()).get('new_business_weight');
		const weight = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
		if (!isNewBusinessWeight(weight)) return fail(400, { weightProblem: true, weight: String(raw ?? '') });
		const db = await database();
		// Hundredths are as fine as a slider goes; rounding keeps 1.1 from being stored as 1.1000000000000001.
		await setPreference(db, user.id, newBusinessWeightPreference, Math.round(weight * 100) / 100);
		const back = new URL(event.url);
		back.searchParams.delete('/setWeight');
		redirect(303, back.pathname + back.search);
	}
};
