import { error } from '@sveltejs/kit';
import { requestScope } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { dataQualityFlags, type DataQualityFlag } from '$lib/server/metrics/data-quality';
import { answerDataQuality } from '$lib/server/metrics/data-quality-query';
import type { PageServerLoad } from './$types';

/**
 * The data-quality page: the flags of the open pipeline in the user's scope, and the deals behind
 * one flag (`?flag=`), or all flagged deals. Same question and scope as /api/v1/data-quality.
 */
export const load: PageServerLoad = async (event) => {
	const scope = await requestScope(event);
	const requestedFlag = event.url.searchParams.get('flag') || null;
	if (requestedFlag !== null && !(dataQualityFlags as readonly string[]).includes(requestedFlag)) {
		error(400, `flag must be one of ${dataQualityFlags.join(', ')}, got "${requestedFlag}"`);
	}
	const flag = requestedFlag as DataQualityFlag | null;
	const db = await database();
	const result = await db.read((q) => answerDataQuality(q, scope, event.url.searchParams));
	if (!result.ok) error(400, result.message);
	const { deals, ...summary } = result.answer;
	return {
		...summary,
		flag,
		deals: flag === null ? deals : deals.filter((deal) => deal.flags.includes(flag))
	};
};
