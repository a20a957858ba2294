import { requestScope } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { pipelineAt } from '$lib/server/metrics/snapshots';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const scope = await requestScope(event);
	const db = await database();
	return { headline: await db.read((q) => pipelineAt(q, scope)) };
};
