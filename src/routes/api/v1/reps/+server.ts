import { json } from '@sveltejs/kit';
import { requestScope } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { scopeReps } from '$lib/server/metrics/strengths';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/reps[?team=..]
 *
 * The reps the signed-in user may see (a rep: only themselves), by team and name. `team` narrows to
 * one team of the user's scope; any other team is a 404.
 */
export const GET: RequestHandler = async (event) => {
	const scope = await requestScope(event);
	const db = await database();
	const reps = await db.read((q) => scopeReps(q, scope));
	return json({ reps: reps.map(({ email, name, role, team, active }) => ({ email, name, role, team, active })) });
};
