import { error, fail, redirect } from '@sveltejs/kit';
import { requestScope, requireUser } from '$lib/server/auth/guards';
import { scopeForUser } from '$lib/server/auth/scope';
import { database } from '$lib/server/db';
import { forecastFilterOptions } from '$lib/server/metrics/forecast';
import { forecastSnapshotDates } from '$lib/server/metrics/forecast-facts';
import { longRangeAnswer, parseLongRangeQuery, whatIfFrom } from '$lib/server/metrics/long-range-request';
import { noChange, parseScenario, saveScenario, scenariosFor } from '$lib/server/metrics/long-range-scenarios';
import type { Actions, PageServerLoad } from './$types';

/** The horizons the page offers, in months after the as-of month. */
const horizons = [6, 12, 18, 24];

/**
 * The 6-18 month view: the filters (snapshot, horizon, team, rep, scenario, scenarios side by side) and the what-if fields
 * come from the URL (a GET form, so every view is a link and works without JavaScript); saving a
 * what-if as a named scenario is a form action.
 */
export const load: PageServerLoad = async (event) => {
	const parsed = parseLongRangeQuery(event.url.searchParams, { whatIf: true });
	if (!parsed.ok) error(400, parsed.message);
	const user = requireUser(event);
	const db = await database();
	const { options, dates } = await db.read(async (q) => ({
		options: await forecastFilterOptions(q, await scopeForUser(q, user)),
		dates: await forecastSnapshotDates(q)
	}));
	const scope = await requestScope(event);
	const requested = parsed.query.asOf;
	const asOf = requested ? (dates.find((d) => d <= requested) ?? null) : (dates[0] ?? null);
	if (requested && asOf === null && dates.length > 0) error(400, `There is no snapshot on or before as_of ${requested}; the first snapshot is ${dates.at(-1)}.`);
	const filters = {
		dates,
		asOf,
		months: parsed.query.months,
		horizons: horizons.includes(parsed.query.months) ? horizons : [...horizons, parsed.query.months].sort((a, b) => a - b),
		team: event.url.searchParams.get('team') || null,
		rep: event.url.searchParams.get('rep') || null,
		teams: options.teams.map((t) => t.name),
		reps: options.reps,
		scenario: parsed.query.scenario,
		compare: parsed.query.compare,
		scenarios: (await scenariosFor(db, user)).map(({ id, name, author, shared, mine }) => ({ id, name, author, shared, mine })),
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
};

export const actions: Actions = {
	/** Saves the what-if in the form under a name; the page then shows it applied. */
	save: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const field = (name: string) => String(form.get(name) ?? '').trim() || undefined;
		const parsed = parseScenario({ name: field('name') ?? '', shared: form.get('shared') === 'on', assumptions: whatIfFrom(field) });
		if (!parsed.ok) return fail(400, { message: parsed.message });
		const db = await database();
		const scope = await db.read((q) => scopeForUser(q, user));
		const saved = await saveScenario(db, user, scope, parsed.value);
		// Back to the same view, with the scenario saved and applied.
		const query = new URLSearchParams();
		for (const name of ['as_of', 'months', 'team', 'rep']) if (field(name)) query.set(name, field(name)!);
		query.set('scenario', String(saved.id));
		redirect(303, `${event.url.pathname}?${query}`);
	}
};
