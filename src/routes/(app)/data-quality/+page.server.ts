import { pageAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as dataQuality from '$lib/server/views/data-quality';
import type { PageServerLoad } from './$types';

/**
 * The data-quality page: the flags of the open pipeline in the user's scope, and the deals behind
 * one flag (`?flag=`), or all flagged deals. Same question and scope as /api/v1/data-quality.
 */
export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => dataQuality.load(await database(), { user: requireUser(event), url: event.url }));
