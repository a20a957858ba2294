import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await database();
	const latest = await db.one<{ latest: string | null; snapshots: number }>(
		'SELECT max(snapshot_date) AS latest, count(DISTINCT snapshot_date)::INTEGER AS snapshots FROM snapshots'
	);
	return {
		user: { name: user.name, email: user.email, role: user.role },
		latestSnapshot: latest?.latest ?? null,
		snapshotCount: latest?.snapshots ?? 0
	};
};
