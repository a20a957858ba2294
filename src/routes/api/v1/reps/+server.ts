import { json } from '@sveltejs/kit';
import { apiAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as strengths from '$lib/server/views/team';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/reps[?team=..]
 *
 * The reps the signed-in user may see (a rep: only themselves), by team and name. `team` narrows to
 * one team of the user's scope; any other team is a 404.
 */
export const GET: RequestHandler = (event) =>
	apiAnswer(async () => json(await strengths.repsJson(await database(), { user: requireUser(event), url: event.url })));
