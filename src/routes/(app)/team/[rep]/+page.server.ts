import { error } from '@sveltejs/kit';
import { requestScope } from '$lib/server/auth/guards';
import { narrowScope } from '$lib/server/auth/scope';
import { database } from '$lib/server/db';
import { MIN_SAMPLE_TO_LABEL } from '$lib/domain/shrinkage';
import { daysBefore } from '$lib/domain/movement';
import { dealsMovedForward } from '$lib/server/metrics/movement';
import { snapshotDates } from '$lib/server/metrics/snapshots';
import {
	MIN_PEERS_TO_SHARE_MEDIAN,
	bestPracticeDeals,
	kpisByRole,
	recentQuarters,
	strengthProfiles
} from '$lib/server/metrics/strengths';
import { periodFromSearch, periodMonths } from '../period';
import type { PageServerLoad } from './$types';

/** Quarters the profile-over-time chart reaches back. */
const historyQuarters = 8;
/** "Moving forward" looks at the last four weekly snapshots: what a weekly 1:1 talks about. */
const movingWindowDays = 28;

export const load: PageServerLoad = async (event) => {
	const scope = await requestScope(event);
	const db = await database();
	// A rep outside the scope is a 404, exactly like one that does not exist.
	const repScope = await db.read((q) => narrowScope(q, scope, { rep: event.params.rep }));
	const dates = await db.read((q) => snapshotDates(q));
	const latest = dates[0];
	if (latest === undefined) error(404, 'No pipeline snapshots are loaded yet.');

	const period = periodFromSearch(event.url.searchParams, latest);
	const end = dates.find((d) => d <= period.to) ?? latest;
	const start = dates.find((d) => d <= daysBefore(end, movingWindowDays)) ?? dates.at(-1)!;

	const [profiles, best, moving] = await Promise.all([
		db.read((q) => strengthProfiles(q, repScope, [{ key: 'current', from: period.from, to: period.to }, ...recentQuarters(latest, historyQuarters)])),
		db.read((q) => bestPracticeDeals(q, repScope, { from: period.from, to: period.to, limit: 5 })),
		db.read((q) => dealsMovedForward(q, repScope, { from: start, to: end, limit: 10 }))
	]);
	const current = profiles.find((p) => p.period === 'current');
	if (!current) error(404, 'No such rep');

	return {
		period,
		months: periodMonths,
		isRep: scope.role === 'rep',
		minSample: MIN_SAMPLE_TO_LABEL,
		minPeers: MIN_PEERS_TO_SHARE_MEDIAN,
		profile: current,
		kpiKeys: kpisByRole[current.rep.role],
		history: profiles.filter((p) => p.period !== 'current'),
		best,
		moving: { from: start, to: end, deals: moving.deals, total: moving.total }
	};
};
