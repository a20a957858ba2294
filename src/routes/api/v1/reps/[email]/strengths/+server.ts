import { json } from '@sveltejs/kit';
import { apiAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as strengths from '$lib/server/views/team';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/reps/{email}/strengths[?from=YYYY-MM-DD][&to=YYYY-MM-DD]
 *
 * One rep's strength profile over [from, to] (default: the twelve months up to the latest
 * snapshot): the dimensions their role runs, each against the rate of the same role on their team
 * (`team_median` holds that rate, pulled toward the company's; `index` 100 = that rate, 20 points per
 * typical spread between reps of the role; `value`, `low`, `high` are the shrunk rate and its 80%
 * interval, in the measure's own unit), their KPIs, top strength and next step. A measure or KPI counted
 * from an import nobody made (activities, accounts) has no value and says why: `missing` on the
 * measure, `kpis_missing` by KPI ('no_activities' | 'no_accounts'). A rep outside the user's scope is
 * a 404, like one that does not exist.
 */
export const GET: RequestHandler = (event) =>
	apiAnswer(async () => json(await strengths.repStrengthsJson(await database(), { user: requireUser(event), url: event.url }, event.params.email)));
