import { pageAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as home from '$lib/server/views/home';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => home.load(await database(), { user: requireUser(event), url: event.url }));
