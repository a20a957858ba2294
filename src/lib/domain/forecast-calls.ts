import { addDays, addQuarters, quarterOf, type IsoDate, type Quarter } from './periods.ts';

/**
 * Forecast calls as the page and the API share them: the number a rep or a leader stands behind for
 * a quarter, how the calls add up for the executive, and when a week's call is due. Pure functions
 * only; storage and scope live in src/lib/server/forecast-calls.ts.
 */

export type CallerRole = 'rep' | 'leader';

export interface ForecastCall {
	id: number;
	quarter: Quarter;
	/** Who called: their name, and their e-mail (to tell two people of the same name apart). */
	by: string;
	email: string;
	role: CallerRole;
	team: string | null;
	commit: number;
	best_case: number;
	/** What the call rests on; null where the reader may not see it (executives on reps' calls). */
	note: string | null;
	submitted_at: string;
	/** A leader's call: the sum of the reps' latest calls it was made against; null when none had called. */
	reps_commit: number | null;
	reps_best_case: number | null;
}

/** Where a team's number in the roll-up comes from: its leader's call, or the sum of its reps' calls. */
export type RollupSource = 'leaders' | 'reps';

export interface TeamRollup {
	team: string;
	commit: number;
	best_case: number;
	from: RollupSource;
}

export interface CallRollup {
	commit: number;
	best_case: number;
	/** 'leaders' when every team's number is its leader's call; 'reps' when any team falls back to its reps' sum. */
	from: RollupSource;
	teams: TeamRollup[];
}

/** Weeks before quarter end at which a call is judged against the result. */
export const accuracyWeeksBefore = [8, 4, 1] as const;

/** The call day when a team has not chosen one: Friday (ISO weekday 5). */
export const defaultCallDay = 5;

export const callNoteMaxLength = 2_000;
/** Amounts beyond this are a typo, not a quarter (DECIMAL(18, 2) holds far more). */
export const maxCallAmount = 1_000_000_000_000;

/** The quarters a call can be made for on `today`: the current one and the next. */
export function callableQuarters(today: IsoDate): [Quarter, Quarter] {
	const current = quarterOf(today);
	return [current, addQuarters(current, 1)];
}

/** ISO weekday of a day: 1 = Monday ... 7 = Sunday. */
export function isoWeekday(date: IsoDate): number {
	const day = new Date(`${date}T00:00:00Z`).getUTCDay();
	return day === 0 ? 7 : day;
}

/** The most recent call day on or before `today`. */
export function lastCallDay(today: IsoDate, weekday: number): IsoDate {
	return addDays(today, -((isoWeekday(today) - weekday + 7) % 7));
}

/**
 * The first day a call counts for the week whose call day was the last one: the day after the call
 * day before it. A call made on Saturday after a Friday call day counts for the coming week.
 */
export function callWeekStart(today: IsoDate, weekday: number): IsoDate {
	return addDays(lastCallDay(today, weekday), -6);
}

/** The median of the numbers given; null for none. */
export function median(values: readonly number[]): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Latest call per caller and team, from submissions in the order they were made. */
export function latestCalls(submissions: readonly ForecastCall[]): ForecastCall[] {
	const latest = new Map<string, ForecastCall>();
	for (const call of submissions) latest.set(`${call.email}|${call.team}`, call);
	return [...latest.values()];
}

/**
 * The company roll-up over `teams`: per team its leader's latest call, or where no leader has
 * called, the sum of its reps' latest calls (marked as such). `calls` are latest calls.
 */
export function rollupCalls(calls: readonly ForecastCall[], teams: readonly string[]): CallRollup {
	const rows: TeamRollup[] = [];
	for (const team of teams) {
		const ofTeam = calls.filter((c) => c.team === team);
		// Two leaders of one team: the later call is the team's.
		const leader = ofTeam.filter((c) => c.role === 'leader').sort((a, b) => a.submitted_at.localeCompare(b.submitted_at)).at(-1);
		if (leader) {
			rows.push({ team, commit: leader.commit, best_case: leader.best_case, from: 'leaders' });
			continue;
		}
		const reps = ofTeam.filter((c) => c.role === 'rep');
		if (reps.length === 0) continue;
		rows.push({
			team,
			commit: cents(reps.reduce((sum, c) => sum + c.commit, 0)),
			best_case: cents(reps.reduce((sum, c) => sum + c.best_case, 0)),
			from: 'reps'
		});
	}
	return {
		commit: cents(rows.reduce((sum, r) => sum + r.commit, 0)),
		best_case: cents(rows.reduce((sum, r) => sum + r.best_case, 0)),
		from: rows.every((r) => r.from === 'leaders') ? 'leaders' : 'reps',
		teams: rows
	};
}

/** Money to the cent: sums of decimals carry floating-point dust. */
export function cents(value: number): number {
	return Math.round(value * 100) / 100;
}
