import { json } from '@sveltejs/kit';
import { apiAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { snapshotDates } from '$lib/server/metrics/snapshots';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/snapshots: the snapshot dates loaded, newest first, as {"snapshots": ["YYYY-MM-DD", ...]}.
 * Dates carry no one's data, so every signed-in user sees all of them.
 */
export const GET: RequestHandler = (event) =>
	apiAnswer(async () => {
		requireUser(event);
		const db = await database();
		return json({ snapshots: await db.read((q) => snapshotDates(q)) });
	});
