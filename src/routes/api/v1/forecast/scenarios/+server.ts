import { error, json } from '@sveltejs/kit';
import { apiAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { scopeForUser } from '$lib/server/auth/scope';
import { database } from '$lib/server/db';
import { parseScenario, saveScenario, scenariosFor } from '$lib/server/metrics/long-range-scenarios';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/forecast/scenarios: the what-if scenarios the user may apply to the 6-18 month view,
 * as {"scenarios": [...]}: their own, and for executives and admins those shared with them.
 *
 * POST /api/v1/forecast/scenarios {"name", "shared"?, "assumptions": {"creation_pct"?, "win_rate_pct"?,
 * "cycle_pct"?, "slip_share_pct"?, "exclude_deals"?: [CRM ids], "reps"?: [{"action": "add", "team",
 * "from": "YYYY-MM"} | {"action": "remove", "rep": e-mail, "from": "YYYY-MM"}]}} saves one under its
 * name (again: replaces it) and answers 201 {"scenario"}. It never changes the data. Teams, reps and
 * deals named must be the user's own to see (else 404); reps may not add or remove reps (403).
 */
export const GET: RequestHandler = (event) =>
	apiAnswer(async () => {
		const user = requireUser(event);
		const db = await database();
		return json({ scenarios: await scenariosFor(db, user) });
	});

export const POST: RequestHandler = (event) =>
	apiAnswer(async () => {
		const user = requireUser(event);
		// A JSON write only from our own pages (a browser sends cross-site JSON only after a preflight we never answer).
		const origin = event.request.headers.get('origin');
		if (origin !== null && origin !== event.url.origin) error(403, 'Scenarios are only accepted from this site.');
		const body = await event.request.json().catch(() => undefined);
		if (body === undefined) return json({ message: 'Expected a JSON body: {"name": ..., "assumptions": {...}}.' }, { status: 400 });
		const parsed = parseScenario(body);
		if (!parsed.ok) return json({ message: parsed.message, issues: parsed.issues }, { status: 400 });
		const db = await database();
		const scope = await db.read((q) => scopeForUser(q, user));
		return json({ scenario: await saveScenario(db, user, scope, parsed.value) }, { status: 201 });
	});
