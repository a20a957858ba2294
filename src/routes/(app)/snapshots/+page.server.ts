import { pageAnswer } from '$lib/http';
import { requestScope } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { snapshotSummaries } from '$lib/server/metrics/snapshots';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => {
		const scope = await requestScope(event);
		const db = await database();
		return { snapshots: await db.read((q) => snapshotSummaries(q, scope)) };
	});
