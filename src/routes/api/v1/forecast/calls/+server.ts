import { error, json } from '@sveltejs/kit';
import { apiAnswer } from '$lib/http';
import { isQuarter, quarterOf } from '$lib/domain/periods';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { CallInputError, dayOf, movementCsv, parseCall, refuseNonCallers, submitCall } from '$lib/server/forecast-calls';
import * as forecastCalls from '$lib/server/views/forecast-calls';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/forecast/calls?quarter=YYYY-Qn[&team=..][&history=1][&format=csv]
 *
 * The calls for a quarter (default: the current one) in the caller's scope: the latest call per
 * person {"by", "email", "role", "team", "commit", "best_case", "note", "submitted_at"} (the note is
 * null on reps' calls for executives and admins), and the roll-up {"commit", "best_case", "from",
 * "teams"}: per team its leader's latest call, or where none was made the sum of its reps' latest
 * calls ("from": "reps"). `history=1` adds every submission. `format=csv` answers the roll-up week
 * by week against won-to-date, as a CSV download.
 *
 * POST /api/v1/forecast/calls {"quarter", "commit", "best_case", "note"[, "team"]}: a rep's call
 * for themself, or a leader's for their team (`team` when they lead more than one), for the current
 * or next quarter. 201 with the call; 400 naming each field that is wrong; 403 for executives and
 * admins, who read the roll-up instead.
 */
export const GET: RequestHandler = (event) =>
	apiAnswer(async () => {
		const user = requireUser(event);
		const params = event.url.searchParams;
		const requested = params.get('quarter') || null;
		if (requested !== null && !isQuarter(requested)) {
			const message = `quarter must be written YYYY-Qn, e.g. 2026-Q4, got "${requested}"`;
			return json({ message, issues: [{ parameter: 'quarter', message }] }, { status: 400 });
		}
		const history = params.get('history');
		if (history !== null && history !== '' && history !== '0' && history !== '1') {
			const message = `history must be 1 (every submission) or 0, got "${history}"`;
			return json({ message, issues: [{ parameter: 'history', message }] }, { status: 400 });
		}
		const format = params.get('format');
		if (format !== null && format !== 'json' && format !== 'csv') {
			const message = `format must be json or csv, got "${format}"`;
			return json({ message, issues: [{ parameter: 'format', message }] }, { status: 400 });
		}
		const today = dayOf(new Date());
		const quarter = requested ?? quarterOf(today);
		const team = params.get('team') || null;
		const db = await database();
		if (format === 'csv') {
			const movement = await forecastCalls.weeks(db, user, { quarter, team, today });
			return new Response(movementCsv(movement), {
				headers: {
					'content-type': 'text/csv; charset=utf-8',
					'content-disposition': `attachment; filename="forecast-calls-${quarter}${team ? `-${team.replace(/[^\w-]+/g, '_')}` : ''}.csv"`
				}
			});
		}
		return json(await forecastCalls.json(db, user, { quarter, team, history: history === '1' }));
	});

export const POST: RequestHandler = (event) =>
	apiAnswer(async () => {
		const user = requireUser(event);
		refuseNonCallers(user);
		const origin = event.request.headers.get('origin');
		if (origin !== null && origin !== event.url.origin) error(403, 'Calls are only accepted from this site.');
		const body = await event.request.json().catch(() => undefined);
		try {
			const input = parseCall(body === undefined ? null : body);
			const db = await database();
			return json(await submitCall(db, user, input), { status: 201 });
		} catch (caught) {
			if (caught instanceof CallInputError) {
				return json(
					{ message: caught.message, issues: caught.problems.map((p) => ({ field: p.field, code: p.code, message: p.message })) },
					{ status: 400 }
				);
			}
			throw caught;
		}
	});
