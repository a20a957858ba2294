import { pageAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as strengths from '$lib/server/views/team';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => strengths.load(await database(), { user: requireUser(event), url: event.url }));
