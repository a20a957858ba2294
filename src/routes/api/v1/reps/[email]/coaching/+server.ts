import { json } from '@sveltejs/kit';
import { apiAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as coaching from '$lib/server/views/coaching';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/reps/{email}/coaching?week=YYYY-MM-DD: the weekly 1:1 as JSON, the same agenda, notes
 * and next steps as the page, with each agenda item also phrased (`text`) in the caller's language.
 * 401 without a session, 403 for executives (coaching is private), 404 for a rep outside the
 * caller's scope or a week before the first snapshot, 400 for a malformed week.
 */
export const GET: RequestHandler = (event) =>
	apiAnswer(async () => json(await coaching.json(await database(), { user: requireUser(event), url: event.url }, event.params.email)));
