import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import { quarterOf, quartersBetween, type IsoDate, type Quarter } from '$lib/domain/periods';
import { requestScope, requireUser } from '$lib/server/auth/guards';
import { scopeForUser, type Scope } from '$lib/server/auth/scope';
import { database } from '$lib/server/db';
import { forecastFilterOptions, type ForecastFilterOptions } from '$lib/server/metrics/forecast';
import { parseForecastQuery } from '$lib/server/metrics/forecast-query';
import { forecastSnapshotDates } from '$lib/server/metrics/forecast-facts';

export interface ForecastSelection {
	scope: Scope;
	/** Snapshot dates loaded, newest first. */
	dates: IsoDate[];
	/** The snapshot the page is as of; null when nothing is loaded. */
	asOf: IsoDate | null;
	months: number;
	/** Quarters a review can be asked about, newest first, and the one asked about. */
	quarters: Quarter[];
	quarter: Quarter | null;
	options: ForecastFilterOptions;
	team: string | null;
	rep: string | null;
}

/**
 * What the Forecast pages are asked for, from the URL (a GET form, so it works without JavaScript
 * and every view is a link): the snapshot, horizon, quarter to review, and team or rep within the
 * user's scope. Malformed values are a 400 that says what was expected.
 */
export async function forecastSelection(event: RequestEvent): Promise<ForecastSelection> {
	const parsed = parseForecastQuery(event.url.searchParams, 'page');
	if (!parsed.ok) error(400, parsed.message);
	const user = requireUser(event);
	const db = await database();
	const { options, dates } = await db.read(async (q) => ({
		// The pickers offer everything the user may see, not only what the URL narrowed to.
		options: await forecastFilterOptions(q, await scopeForUser(q, user)),
		dates: await forecastSnapshotDates(q)
	}));

	const team = event.url.searchParams.get('team') || null;
	const rep = event.url.searchParams.get('rep') || null;
	// A form sent with a team and a rep of another team: the rep, the narrower choice, wins.
	const chosenRep = rep ? options.reps.find((r) => r.email.toLowerCase() === rep.toLowerCase()) : undefined;
	if (team && chosenRep && chosenRep.team !== team) {
		const url = new URL(event.url);
		url.searchParams.delete('team');
		redirect(303, url.pathname + url.search);
	}
	const scope = await requestScope(event);

	const requested = parsed.query.asOf;
	const asOf = requested ? (dates.find((d) => d <= requested) ?? null) : (dates[0] ?? null);
	if (requested && asOf === null && dates.length > 0) {
		error(400, `There is no snapshot on or before as_of ${requested}; the first snapshot is ${dates.at(-1)}.`);
	}
	const quarters = asOf ? quartersBetween(quarterOf(dates.at(-1)!), quarterOf(asOf)).reverse() : [];
	// By default, review the last quarter that has ended: its result is known.
	const quarter = asOf ? (parsed.query.quarter ?? quarters[1] ?? quarters[0]) : null;
	return {
		scope,
		dates,
		asOf,
		months: parsed.query.months,
		quarters,
		quarter,
		options,
		team,
		rep
	};
}
