import type { Database } from '../db/index.ts';
import { longRangeAnswer, longRangeJson, parseLongRangeQuery } from '../metrics/long-range-request.ts';
import { noChange, scenariosFor } from '../metrics/long-range-scenarios.ts';
import { snapshotDates } from '../metrics/snapshots.ts';
import { snapshotInEffect } from './forecast.ts';
import { badInput, chosenScope, type ViewRequest } from './request.ts';

/**
 * The 6-18 month view (/forecast/long-range and GET /api/v1/forecast/long-range): the filters
 * (snapshot, horizon, team, rep, scenario, scenarios side by side) and on the page the what-if fields of an unsaved scenario.
 */

/** The horizons the page offers, in months after the as-of month. */
const horizons = [6, 12, 18, 24];

export async function load(db: Database, request: ViewRequest) {
	const { user } = request;
	const parsed = parseLongRangeQuery(request.url.searchParams, { whatIf: true });
	if (!parsed.ok) throw badInput(parsed);
	const [{ scope, choices, team, rep }, dates, scenarios] = await Promise.all([
		chosenScope(db, request),
		db.read((q) => snapshotDates(q)),
		scenariosFor(db, user)
	]);
	const asOf = snapshotInEffect(dates, parsed.query.asOf);
	const filters = {
		dates,
		asOf,
		months: parsed.query.months,
		horizons: horizons.includes(parsed.query.months) ? horizons : [...horizons, parsed.query.months].sort((a, b) => a - b),
		team,
		rep,
		teams: choices.teams.map((t) => t.name),
		reps: choices.reps.map(({ email, name, team: teamName }) => ({ email, name, team: teamName })),
		scenario: parsed.query.scenario,
		compare: parsed.query.compare,
		scenarios: scenarios.map(({ id, name, author, shared, mine }) => ({ id, name, author, shared, mine })),
		// A rep's scenarios change their own assumptions only, never who is on the team.
		mayChangeReps: user.role !== 'rep'
	};
	if (asOf === null) return { filters, forecast: null, baseline: null, whatIf: noChange };
	// A rep's what-if changes their own assumptions only, never who is on the team.
	const whatIf = parsed.query.whatIf && user.role === 'rep' ? { ...parsed.query.whatIf, reps: [] } : parsed.query.whatIf;
	const forecast = await longRangeAnswer(db, user, scope, { ...parsed.query, whatIf, asOf });
	// Beside a scenario, the baseline it departs from.
	const baseline = forecast.scenario
		? (await longRangeAnswer(db, user, scope, { ...parsed.query, scenario: null, compare: [], whatIf: null, asOf })).months.map(({ month, expected }) => ({ month, expected }))
		: null;
	return { filters, forecast, baseline, whatIf: forecast.scenario?.assumptions ?? noChange };
}

/** The API's JSON, money to the cent. */
export async function json(db: Database, request: ViewRequest) {
	const parsed = parseLongRangeQuery(request.url.searchParams);
	if (!parsed.ok) throw badInput(parsed);
	const [{ scope }, dates] = await Promise.all([chosenScope(db, request), db.read((q) => snapshotDates(q))]);
	const asOf = snapshotInEffect(dates, parsed.query.asOf);
	if (asOf === null) return { as_of: null, months: [], quarters: [], inputs: null, backtest: [], scenario: null };
	return longRangeJson(await longRangeAnswer(db, request.user, scope, { ...parsed.query, asOf }));
}
