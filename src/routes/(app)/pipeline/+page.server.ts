import { pageAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as pipeline from '$lib/server/views/pipeline';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => pipeline.load(await database(), { user: requireUser(event), url: event.url }));
