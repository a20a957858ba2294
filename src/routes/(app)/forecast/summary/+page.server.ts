import { pageAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as forecast from '$lib/server/views/forecast';
import type { PageServerLoad } from './$types';

/** The executive summary: this quarter's number, coverage, trend and risks, on one printable page. */
export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => forecast.summary(await database(), { user: requireUser(event), url: event.url }));
