import { listValue } from '@duckdb/node-api';
import * as v from 'valibot';
import { sql, type Database, type Queryable, type Sql } from './db/index.ts';
import type { UserRole } from '../domain/roles.ts';
import { addDays, isQuarter, quarterEnd, quarterMonths, quarterStart, type IsoDate, type Quarter } from '../domain/periods.ts';
import {
	accuracyWeeksBefore,
	callableQuarters,
	callNoteMaxLength,
	callWeekStart,
	cents,
	defaultCallDay,
	lastCallDay,
	latestCalls,
	maxCallAmount,
	median,
	rollupCalls,
	type CallRollup,
	type CallerRole,
	type ForecastCall,
	type RollupSource
} from '../domain/forecast-calls.ts';
import { narrowScope, repsInScope, scopeForUser, type Scope } from './auth/scope.ts';
import { dealHistories, dealHistoryTables } from './metrics/facts/history.ts';
import { forecastByPeriod } from './metrics/forecast.ts';
import { calibratedForecastByMonth } from './metrics/calibration.ts';
import { forecastAccuracy, forecastBias, forecastMovement } from './metrics/forecast-accuracy.ts';
import { enoughOtherReps } from './metrics/team-privacy.ts';
import { toCsv } from '../domain/csv.ts';
import { Forbidden, NotFound } from './errors.ts';

/**
 * Forecast calls: each week a rep says what they stand behind for the current and the next quarter
 * (commit, best case, and a note on what it rests on); a leader makes the team's call beside the
 * reps' calls and the CRM's figures, and may differ from the reps' sum with a reason; executives see
 * each team's call and the company roll-up.
 *
 * Who sees what is decided here, so no route can forget it: a rep their own calls; a leader their
 * teams' calls and their own; executives and admins every call, but not the notes on reps' calls
 * (like 1:1 notes, they are between a rep and their leader). Calls are never edited: a new one
 * supersedes, and every submission is kept with its time (see 007_forecast_calls.ts), which is
 * what history and accuracy are read from.
 *
 * Accuracy is for learning, not for ranking: each person sees their own calls against the result
 * and the team median, listed by team and name, never sorted by how good they were.
 */

/** The person acting, as the session carries them. */
export interface CallUser {
	id: string;
	role: UserRole;
	repId: number | null;
	teamIds: readonly number[];
}

export type CallField = 'quarter' | 'commit' | 'best_case' | 'note' | 'team' | 'body';
export type CallProblemCode =
	| 'body_invalid'
	| 'quarter_invalid'
	| 'quarter_not_callable'
	| 'amount_invalid'
	| 'best_case_below_commit'
	| 'note_invalid'
	| 'note_too_long'
	| 'reason_required'
	| 'team_required'
	| 'team_unknown';

export interface CallProblem {
	field: CallField;
	code: CallProblemCode;
	/** The English sentence, naming the field: the API's answer; the page translates the code. */
	message: string;
}

/** A call that cannot be taken as it is; each problem names its field. */
export class CallInputError extends Error {
	constructor(readonly problems: CallProblem[]) {
		super(problems.map((p) => p.message).join('; '));
		this.name = 'CallInputError';
	}
}

export interface CallInput {
	quarter: Quarter;
	commit: number;
	best_case: number;
	note: string;
	/** The team a leader calls for; needed only when they lead more than one. */
	team: string | null;
}

// ---------------------------------------------------------------------------------------------
// Reading a call from a request

const amount = (field: 'commit' | 'best_case') =>
	v.pipe(
		v.number(`${field} must be a number (an amount in the reporting currency), e.g. 1200000`),
		v.finite(`${field} must be a finite number`),
		v.minValue(0, `${field} must be 0 or more`),
		v.maxValue(maxCallAmount, `${field} must be at most ${maxCallAmount}`)
	);

const callBody = v.object({
	quarter: v.pipe(
		v.string('quarter is required, written YYYY-Qn, e.g. 2026-Q4'),
		v.check(isQuarter, (issue) => `quarter must be written YYYY-Qn, e.g. 2026-Q4, got "${issue.input}"`)
	),
	commit: amount('commit'),
	best_case: amount('best_case'),
	note: v.optional(
		v.pipe(
			v.string('note must be text'),
			v.maxLength(callNoteMaxLength, `note must be at most ${callNoteMaxLength} characters`)
		),
		''
	),
	team: v.optional(v.nullable(v.string('team must be the name of a team you lead')), null)
});

function codeFor(field: CallField, message: string): CallProblemCode {
	if (field === 'quarter') return 'quarter_invalid';
	if (field === 'commit' || field === 'best_case') return 'amount_invalid';
	if (field === 'note') return message.includes('at most') ? 'note_too_long' : 'note_invalid';
	if (field === 'team') return 'team_unknown';
	return 'body_invalid';
}

/**
 * A call from a JSON body (the API) or from a form's fields already turned into numbers (the page).
 * Problems name the field and what it must look like.
 */
export function parseCall(body: unknown): CallInput {
	if (body === null || typeof body !== 'object' || Array.isArray(body)) {
		throw new CallInputError([
			{ field: 'body', code: 'body_invalid', message: 'Expected a JSON object {"quarter":"YYYY-Qn","commit":X,"best_case":X,"note":"..."}' }
		]);
	}
	const parsed = v.safeParse(callBody, body);
	if (!parsed.success) {
		const seen = new Set<string>();
		const problems: CallProblem[] = [];
		for (const issue of parsed.issues) {
			const field = (v.getDotPath(issue) ?? 'body') as CallField;
			if (seen.has(field)) continue;
			seen.add(field);
			problems.push({ field, code: codeFor(field, issue.message), message: issue.message });
		}
		throw new CallInputError(problems);
	}
	const { quarter, commit, best_case, note, team } = parsed.output;
	const problems: CallProblem[] = [];
	if (best_case < commit) {
		problems.push({
			field: 'best_case',
			code: 'best_case_below_commit',
			message: `best_case must be at least commit (${commit}): the best case includes everything committed`
		});
	}
	if (problems.length > 0) throw new CallInputError(problems);
	return { quarter, commit: cents(commit), best_case: cents(best_case), note: note.trim(), team: team?.trim() || null };
}

// ---------------------------------------------------------------------------------------------
// Submitting

/** The calendar day of `now`, in UTC like every date in the app. */
export function dayOf(now: Date): IsoDate {
	return now.toISOString().slice(0, 10);
}

/** Executives and admins read calls; only reps and leaders make them (403). */
export function refuseNonCallers(user: CallUser) {
	if (user.role === 'executive' || user.role === 'admin') {
		throw new Forbidden('Calls are made by reps and leaders; executives and admins see the roll-up.');
	}
}

/** The team a call is for, or the problem with it. */
async function callersTeam(q: Queryable, user: CallUser, team: string | null): Promise<{ id: number; name: string }> {
	if (user.role === 'rep') {
		if (user.repId === null) throw new Forbidden('Your sign-in is not linked to a rep record, so there is no call of yours to make.');
		const own = await q.one<{ id: number; name: string }>(
			'SELECT t.id, t.name FROM reps r JOIN teams t ON t.id = r.team_id WHERE r.id = $rep',
			{ rep: user.repId }
		);
		if (!own) throw new Forbidden('Your rep record is in no team, so there is no team to call for.');
		if (team !== null && team !== own.name) {
			throw new CallInputError([{ field: 'team', code: 'team_unknown', message: `team must be your own team (${own.name}), got "${team}"` }]);
		}
		return own;
	}
	const led = await q.all<{ id: number; name: string }>(
		'SELECT id, name FROM teams WHERE list_contains($teams::INTEGER[], id) ORDER BY name',
		{ teams: idList(user.teamIds) }
	);
	const names = led.map((t) => t.name).join(', ');
	if (team === null) {
		if (led.length === 1) return led[0];
		throw new CallInputError([{ field: 'team', code: 'team_required', message: `team is required: you lead ${names}` }]);
	}
	const chosen = led.find((t) => t.name === team);
	if (!chosen) {
		throw new CallInputError([{ field: 'team', code: 'team_unknown', message: `team must be a team you lead (${names}), got "${team}"` }]);
	}
	return chosen;
}

/**
 * Records `user`'s call. A rep calls for themself (in their team); a leader for one of their
 * teams, against the sum of its reps' latest calls: a call that differs from that sum is an
 * override and needs a reason in the note, so the executive can see why the team's number is not
 * the reps'. Calls are taken for the current and the next quarter only: an older quarter's result
 * is known, and a call made after the fact would only blur how good the calls were.
 */
export async function submitCall(db: Database, user: CallUser, input: CallInput & { now?: Date }): Promise<ForecastCall> {
	refuseNonCallers(user);
	const now = input.now ?? new Date();
	const callable = callableQuarters(dayOf(now));
	return db.write(async (tx) => {
		const problems: CallProblem[] = [];
		if (!callable.includes(input.quarter)) {
			problems.push({
				field: 'quarter',
				code: 'quarter_not_callable',
				message: `quarter must be the current quarter (${callable[0]}) or the next (${callable[1]}), got "${input.quarter}"`
			});
		}
		const team = await callersTeam(tx, user, input.team);
		let reps: { commit: number; best_case: number } | null = null;
		if (user.role === 'leader') {
			const repCalls = latestCalls(
				await submissions(tx, sql`c.quarter = ${input.quarter} AND c.team_id = ${team.id} AND c.caller_role = 'rep'`)
			);
			if (repCalls.length > 0) {
				reps = {
					commit: cents(repCalls.reduce((sum, c) => sum + c.commit, 0)),
					best_case: cents(repCalls.reduce((sum, c) => sum + c.best_case, 0))
				};
				const override = reps.commit !== input.commit || reps.best_case !== input.best_case;
				if (override && input.note === '') {
					problems.push({
						field: 'note',
						code: 'reason_required',
						message: `note must give the reason for the override: the reps' calls add up to commit ${reps.commit}, best case ${reps.best_case}`
					});
				}
			}
		}
		if (problems.length > 0) throw new CallInputError(problems);
		const created = await tx.one<{ id: number }>(
			`INSERT INTO forecast_calls (quarter, user_id, caller_role, rep_id, team_id, commit_amount, best_case, note,
				reps_commit, reps_best_case, submitted_at)
			VALUES ($quarter, $user, $role, $rep, $team, $commit, $best_case, $note, $reps_commit, $reps_best_case, epoch_ms($now::BIGINT))
			RETURNING id`,
			{
				quarter: input.quarter,
				user: user.id,
				role: user.role,
				rep: user.role === 'rep' ? user.repId : null,
				team: team.id,
				commit: input.commit,
				best_case: input.best_case,
				note: input.note,
				reps_commit: reps?.commit ?? null,
				reps_best_case: reps?.best_case ?? null,
				now: now.getTime()
			}
		);
		const [call] = await submissions(tx, sql`c.id = ${created!.id}`);
		return call;
	});
}

// ---------------------------------------------------------------------------------------------
// Reading calls

interface StoredCall extends ForecastCall {
	team_id: number;
	rep_id: number | null;
}

/** Every submission matching `where` (over `c`, forecast_calls), oldest first, notes included. */
async function submissions(q: Queryable, where: Sql): Promise<StoredCall[]> {
	return q.all<StoredCall>(
		sql`
		SELECT c.id, c.quarter, coalesce(u.name, '?') AS by, coalesce(u.email, '?') AS email, c.caller_role AS role,
			t.name AS team, c.team_id, c.rep_id,
			c.commit_amount::DOUBLE AS commit, c.best_case::DOUBLE AS best_case, c.note,
			c.reps_commit::DOUBLE AS reps_commit, c.reps_best_case::DOUBLE AS reps_best_case, c.submitted_at
		FROM forecast_calls c
		LEFT JOIN users u ON u.id = c.user_id
		LEFT JOIN teams t ON t.id = c.team_id
		WHERE ${where}
		ORDER BY c.submitted_at, c.id`
	);
}

/** Which calls `user` may read, as SQL over `c`. */
function visibleCalls(user: CallUser): Sql {
	if (user.role === 'executive' || user.role === 'admin') return sql`true`;
	if (user.role === 'leader') return sql`(list_contains(${user.teamIds}::INTEGER[], c.team_id) OR c.user_id = ${user.id})`;
	return sql`c.user_id = ${user.id}`;
}

/** A call as `user` reads it: executives and admins do not read the notes on reps' calls. */
function asSeenBy(user: CallUser, call: StoredCall): ForecastCall {
	const { team_id: _team, rep_id: _rep, ...rest } = call;
	const hidden = (user.role === 'executive' || user.role === 'admin') && call.role === 'rep';
	return { ...rest, note: hidden ? null : call.note };
}

export interface CallTeam {
	id: number;
	name: string;
}

/**
 * The teams `user`'s calls and roll-up are about, narrowed to `team` when given: a rep's own team,
 * a leader's teams, every team for executives and admins. A team outside that is a 404, exactly
 * like one that does not exist.
 */
export async function callTeams(q: Queryable, user: CallUser, team: string | null = null): Promise<CallTeam[]> {
	let teams: CallTeam[];
	if (user.role === 'executive' || user.role === 'admin') {
		teams = await q.all<CallTeam>('SELECT id, name FROM teams ORDER BY name');
	} else if (user.role === 'leader') {
		teams = await q.all<CallTeam>('SELECT id, name FROM teams WHERE list_contains($teams::INTEGER[], id) ORDER BY name', {
			teams: idList(user.teamIds)
		});
	} else {
		teams =
			user.repId === null
				? []
				: await q.all<CallTeam>('SELECT t.id, t.name FROM reps r JOIN teams t ON t.id = r.team_id WHERE r.id = $rep', { rep: user.repId });
	}
	if (team === null) return teams;
	const chosen = teams.filter((t) => t.name === team);
	if (chosen.length === 0) throw new NotFound('No such team');
	return chosen;
}

export interface CallsAnswer {
	quarter: Quarter;
	/** The latest call of each person (per team for a leader), as `user` may read them. */
	calls: ForecastCall[];
	rollup: CallRollup;
	/** Every submission, oldest first, when asked for. */
	history?: ForecastCall[];
}

/** Every submission for `quarter` that `user` may read, in `teams` (and their own), oldest first. */
async function visibleSubmissions(q: Queryable, user: CallUser, quarter: Quarter, teams: CallTeam[], narrowed: boolean): Promise<StoredCall[]> {
	const inTeams = narrowed ? sql`list_contains(${teams.map((t) => t.id)}::INTEGER[], c.team_id)` : sql`true`;
	return submissions(q, sql`c.quarter = ${quarter} AND ${visibleCalls(user)} AND ${inTeams}`);
}

/** The roll-up as `user` may read it: a rep's is their own call. */
function rollupFor(user: CallUser, latest: readonly ForecastCall[], teams: CallTeam[]): CallRollup {
	if (user.role === 'rep') {
		const own = latest.filter((c) => c.role === 'rep');
		const rollup = rollupCalls(own, teams.map((t) => t.name));
		return { ...rollup, from: 'reps' };
	}
	const rollup = rollupCalls(latest, teams.map((t) => t.name));
	return rollup.teams.length === 0 ? { ...rollup, from: 'reps' } : rollup;
}

/**
 * The calls for `quarter` in `user`'s scope, narrowed to `team`: the latest per person, the roll-up
 * (per team the leader's latest call, or the sum of its reps' latest calls, marked 'reps'), and with
 * `history` every submission.
 */
export async function forecastCalls(
	q: Queryable,
	user: CallUser,
	{ quarter, team = null, history = false }: { quarter: Quarter; team?: string | null; history?: boolean }
): Promise<CallsAnswer> {
	const teams = await callTeams(q, user, team);
	const all = await visibleSubmissions(q, user, quarter, teams, team !== null);
	const latest = latestCalls(all.map((c) => asSeenBy(user, c)));
	const answer: CallsAnswer = { quarter, calls: latest, rollup: rollupFor(user, latest, teams) };
	if (history) answer.history = all.map((c) => asSeenBy(user, c));
	return answer;
}

// ---------------------------------------------------------------------------------------------
// History: how the calls moved, week by week, against won-to-date

interface WonRow {
	owner_id: number;
	team_id: number | null;
	won_on: IsoDate;
	amount: number;
}

/** Deals won in `quarter` (by the first snapshot showing them won) owned by reps in `scope`. */
async function wonInQuarter(q: Queryable, scope: Scope, quarter: Quarter): Promise<WonRow[]> {
	await dealHistories(q);
	return q.all<WonRow>(
		sql`
		SELECT w.owner_id, r.team_id, w.won_on, w.amount::DOUBLE AS amount
		FROM ${dealHistoryTables.won_deals} w
		LEFT JOIN reps r ON r.id = w.owner_id
		WHERE w.close_date BETWEEN ${quarterStart(quarter)}::DATE AND ${quarterEnd(quarter)}::DATE AND ${repsInScope(scope, sql`w.owner_id`)}`
	);
}

const wonBy = (rows: readonly WonRow[], date: IsoDate, keep: (row: WonRow) => boolean = () => true) =>
	cents(rows.filter((r) => r.won_on <= date && keep(r)).reduce((sum, r) => sum + r.amount, 0));

async function latestSnapshot(q: Queryable): Promise<IsoDate | null> {
	return (await q.one<{ latest: IsoDate | null }>('SELECT max(snapshot_date) AS latest FROM snapshots'))?.latest ?? null;
}

export interface CallWeek {
	/** The last day of the week; the calls in force at its end. */
	date: IsoDate;
	/** 'All' for the company roll-up (or a rep's own numbers), else the team. */
	team: string | null;
	commit: number | null;
	best_case: number | null;
	from: RollupSource | null;
	won_to_date: number;
}

export interface CallMovement {
	quarter: Quarter;
	/** The roll-up week by week (team null), then each team's. */
	weeks: CallWeek[];
	/** True once the quarter has ended and a snapshot after its end is loaded: `result` is final. */
	complete: boolean;
	/** Won in the quarter so far, or finally. */
	result: number;
}

/** Week ends from the week holding `start` to `end`, every seven days counted back from `end`. */
function weekEnds(start: IsoDate, end: IsoDate): IsoDate[] {
	const dates: IsoDate[] = [];
	for (let date = end; date >= start; date = addDays(date, -7)) dates.unshift(date);
	if (dates.length === 0 || dates[0] > start) dates.unshift(start);
	return dates.filter((d, i) => i === 0 || d !== dates[i - 1]);
}

/**
 * How the calls for `quarter` moved: at the end of each week from the first call (or the quarter's
 * start) to `today` or the quarter's end, the roll-up then in force and each team's number, beside
 * what was won in the quarter by then. A rep sees their own call against their own wins.
 */
export async function callMovement(
	q: Queryable,
	user: CallUser,
	{ quarter, team = null, today }: { quarter: Quarter; team?: string | null; today: IsoDate }
): Promise<CallMovement> {
	const teams = await callTeams(q, user, team);
	const all = (await visibleSubmissions(q, user, quarter, teams, team !== null)).map((c) => ({ stored: c, seen: asSeenBy(user, c) }));
	const scope = await callScope(q, user, team);
	const won = await wonInQuarter(q, scope, quarter);
	const snapshot = await latestSnapshot(q);
	const end = quarterEnd(quarter) < today ? quarterEnd(quarter) : today;
	const first = all[0]?.stored.submitted_at.slice(0, 10);
	const start = first && first < quarterStart(quarter) ? first : quarterStart(quarter);
	const weeks: CallWeek[] = [];
	const teamIds = new Map(teams.map((t) => [t.name, t.id]));
	if (start <= end) {
		for (const date of weekEnds(start, end)) {
			const latest = latestCalls(all.filter((c) => c.stored.submitted_at.slice(0, 10) <= date).map((c) => c.seen));
			const rollup = rollupFor(user, latest, teams);
			const any = rollup.teams.length > 0;
			weeks.push({
				date,
				team: null,
				commit: any ? rollup.commit : null,
				best_case: any ? rollup.best_case : null,
				from: any ? rollup.from : null,
				won_to_date: wonBy(won, date)
			});
			if (user.role === 'rep') continue;
			for (const row of rollup.teams) {
				weeks.push({ date, team: row.team, commit: row.commit, best_case: row.best_case, from: row.from, won_to_date: wonBy(won, date, (w) => w.team_id === teamIds.get(row.team)) });
			}
		}
	}
	const complete = snapshot !== null && snapshot >= quarterEnd(quarter);
	return { quarter, weeks, complete, result: wonBy(won, '9999-12-31') };
}

/** The deals a user's calls are judged against: a rep's own, a leader's teams', everyone's. */
async function callScope(q: Queryable, user: CallUser, team: string | null): Promise<Scope> {
	const scope = await scopeForUser(q, { role: user.role, repId: user.repId, teamIds: [...user.teamIds] });
	return team === null ? scope : narrowScope(q, scope, { team });
}

// ---------------------------------------------------------------------------------------------
// The CRM's figures beside the calls

export interface CrmFigures {
	team: string | null;
	/** Open deals the CRM files as commit, due in the quarter. */
	commit: number;
	/** Open pipeline due in the quarter, each deal times its probability. */
	weighted: number;
	/** Open pipeline due in the quarter weighted by the calibrated stage-to-won rates, plus won so far. */
	calibrated_forecast: number;
	won: number;
}

/**
 * What the CRM says about `quarter` at the latest snapshot, for the scope given (a team, a rep, the
 * company): the numbers a leader weighs the calls against. Null for a quarter before the snapshot's
 * month, where only the result matters.
 */
export async function crmFigures(q: Queryable, scope: Scope, { quarter, team }: { quarter: Quarter; team: string | null }): Promise<CrmFigures | null> {
	const asOf = await latestSnapshot(q);
	if (asOf === null) return null;
	const [first, , last] = quarterMonths(quarter);
	const asOfMonth = asOf.slice(0, 7);
	if (last < asOfMonth) return null;
	const months = (Number(last.slice(0, 4)) - Number(asOfMonth.slice(0, 4))) * 12 + Number(last.slice(5, 7)) - Number(asOfMonth.slice(5, 7)) + 1;
	const period = await forecastByPeriod(q, scope, { asOf, months });
	const row = period.quarters.find((r) => r.quarter === quarter);
	if (!row) return null;
	const calibrated = await calibratedForecastByMonth(q, scope, { asOf, months: 3, firstMonth: first });
	return {
		team,
		commit: cents(row.commit),
		weighted: cents(row.weighted),
		calibrated_forecast: cents(calibrated.reduce((sum, m) => sum + m.calibrated, 0) + row.closed),
		won: cents(row.closed)
	};
}

/** The CRM's figures for each team `user` sees (and the company for executives), for `quarter`. */
export async function crmFiguresByTeam(q: Queryable, user: CallUser, { quarter, team = null }: { quarter: Quarter; team?: string | null }): Promise<CrmFigures[]> {
	const scope = await callScope(q, user, null);
	if (user.role === 'rep') {
		const own = await crmFigures(q, scope, { quarter, team: null });
		return own ? [own] : [];
	}
	const figures: CrmFigures[] = [];
	for (const t of await callTeams(q, user, team)) {
		const row = await crmFigures(q, await narrowScope(q, scope, { team: t.name }), { quarter, team: t.name });
		if (row) figures.push(row);
	}
	return figures;
}

// ---------------------------------------------------------------------------------------------
// How good the calls were

export interface AccuracyPoint {
	weeks_before: number;
	/** The commit in force then; null when no call had been made yet. */
	commit: number | null;
	/** 1 - |call - won| / won; null without a call or without wins. */
	accuracy: number | null;
	bias: number | null;
	/** The median accuracy of the team's reps at the same point; null when there is none or it is withheld. */
	team_median: number | null;
	/** For a rep: too few other reps behind the median to show it without giving a colleague away. */
	team_median_withheld: boolean;
}

export interface PersonAccuracy {
	quarter: Quarter;
	by: string;
	email: string;
	role: CallerRole;
	team: string | null;
	won: number;
	points: AccuracyPoint[];
}

export interface SideBySidePoint {
	quarter: Quarter;
	weeks_before: number;
	/** The snapshot the CRM's numbers come from: the latest on or before the point. */
	snapshot_date: IsoDate | null;
	won: number;
	call: number | null;
	call_accuracy: number | null;
	crm_commit: number | null;
	crm_commit_accuracy: number | null;
	weighted: number | null;
	weighted_accuracy: number | null;
	calibrated: number | null;
	calibrated_accuracy: number | null;
}

export interface CallAccuracy {
	/** Closed quarters with calls, oldest first. */
	quarters: Quarter[];
	/** Each caller's quarters, by team and name (never by accuracy). */
	people: PersonAccuracy[];
	/** Leaders, executives and admins: the calls beside the CRM's commit and the calibrated forecast. */
	side_by_side: SideBySidePoint[] | null;
}

const round4 = (value: number | null) => (value === null ? null : Math.round(value * 10_000) / 10_000);

/** The call of `submissions` (oldest first) in force at the end of `date`. */
function inForce<T extends { submitted_at: string }>(calls: readonly T[], date: IsoDate): T | undefined {
	return calls.filter((c) => c.submitted_at.slice(0, 10) <= date).at(-1);
}

/**
 * For every closed quarter (ended, with a snapshot after its end) with calls in `user`'s teams:
 * each call in force 8, 4 and 1 weeks before the quarter's end against what was won, beside the
 * median of the team's reps at the same point; and for leaders, executives and admins the roll-up
 * beside the CRM's commit, weighted and calibrated forecasts at the same points, so they learn which
 * number to lean on when.
 *
 * A rep sees their own rows; a leader their teams' reps and their own; executives and admins the
 * leaders' calls (and reps' only through the roll-up). The team median is worked out over every
 * rep of the team, and shown to a rep only with enough colleagues behind it (team-privacy.ts).
 */
export async function callAccuracy(q: Queryable, user: CallUser, { team = null }: { team?: string | null } = {}): Promise<CallAccuracy> {
	const snapshot = await latestSnapshot(q);
	const teams = await callTeams(q, user, team);
	if (snapshot === null || teams.length === 0) return { quarters: [], people: [], side_by_side: user.role === 'rep' ? null : [] };
	// Every call of the teams, whoever reads: the team median needs all reps; rows are filtered below.
	const all = await submissions(q, sql`list_contains(${teams.map((t) => t.id)}::INTEGER[], c.team_id)`);
	const quarters = [...new Set(all.map((c) => c.quarter))].filter((quarter) => quarterEnd(quarter) <= snapshot).sort();
	const wholeTeams = { role: 'admin', repIds: null, teamIds: null, ownRepId: null } as const satisfies Scope;
	const scope = await callScope(q, user, team);

	const people: PersonAccuracy[] = [];
	const sideBySide: SideBySidePoint[] = [];
	for (const quarter of quarters) {
		const calls = all.filter((c) => c.quarter === quarter);
		const won = await wonInQuarter(q, wholeTeams, quarter);
		const wonOf = (call: StoredCall) =>
			call.role === 'rep' ? wonBy(won, snapshot, (w) => w.owner_id === call.rep_id) : wonBy(won, snapshot, (w) => w.team_id === call.team_id);
		const callers = new Map<string, StoredCall[]>();
		for (const call of calls) {
			const key = `${call.email}|${call.team_id}`;
			callers.set(key, [...(callers.get(key) ?? []), call]);
		}
		const pointsOf = (own: StoredCall[]) =>
			accuracyWeeksBefore.map((weeks) => {
				const call = inForce(own, addDays(quarterEnd(quarter), -7 * weeks));
				const actual = wonOf(own[0]);
				return { weeks, commit: call?.commit ?? null, accuracy: call ? forecastAccuracy(call.commit, actual) : null, bias: call ? forecastBias(call.commit, actual) : null };
			});
		const byCaller = [...callers.values()].map((own) => ({ own, points: pointsOf(own) }));

		for (const { own, points } of byCaller) {
			const first = own[0];
			const mayRead =
				user.role === 'rep'
					? first.rep_id === user.repId && first.role === 'rep'
					: user.role === 'leader'
						? true
						: first.role === 'leader';
			if (!mayRead) continue;
			const teammates = byCaller.filter((c) => c.own[0].role === 'rep' && c.own[0].team_id === first.team_id);
			people.push({
				quarter,
				by: first.by,
				email: first.email,
				role: first.role,
				team: first.team,
				won: wonOf(first),
				points: points.map((point, index) => {
					const others = teammates.map((t) => t.points[index].accuracy).filter((a): a is number => a !== null);
					const othersThanMe = teammates.filter((t) => t.own[0].rep_id !== user.repId && t.points[index].accuracy !== null).length;
					const withheld = user.role === 'rep' && !enoughOtherReps(othersThanMe);
					return {
						weeks_before: point.weeks,
						commit: point.commit,
						accuracy: round4(point.accuracy),
						bias: round4(point.bias),
						team_median: withheld ? null : round4(median(others)),
						team_median_withheld: withheld
					};
				})
			});
		}

		if (user.role === 'rep') continue;
		const movement = await forecastMovement(q, scope, { quarter, asOf: snapshot });
		const actual = movement.won;
		for (const weeks of accuracyWeeksBefore) {
			const date = addDays(quarterEnd(quarter), -7 * weeks);
			const latest = latestCalls(calls.filter((c) => c.submitted_at.slice(0, 10) <= date).map((c) => asSeenBy(user, c)));
			const rollup = rollupCalls(latest, teams.map((t) => t.name));
			const call = rollup.teams.length > 0 ? rollup.commit : null;
			const point = movement.points.filter((p) => p.snapshot_date <= date).at(-1);
			let calibrated: number | null = null;
			if (point) {
				const months = await calibratedForecastByMonth(q, scope, { asOf: point.snapshot_date, months: 3, firstMonth: quarterMonths(quarter)[0] });
				calibrated = cents(months.reduce((sum, m) => sum + m.calibrated, 0) + point.won_to_date);
			}
			const judged = (value: number | null) => (value === null ? null : round4(forecastAccuracy(value, actual)));
			sideBySide.push({
				quarter,
				weeks_before: weeks,
				snapshot_date: point?.snapshot_date ?? null,
				won: cents(actual),
				call,
				call_accuracy: judged(call),
				crm_commit: point ? cents(point.commit_forecast) : null,
				crm_commit_accuracy: judged(point ? point.commit_forecast : null),
				weighted: point ? cents(point.forecast) : null,
				weighted_accuracy: judged(point ? point.forecast : null),
				calibrated,
				calibrated_accuracy: judged(calibrated)
			});
		}
	}
	people.sort((a, b) => (a.team ?? '').localeCompare(b.team ?? '') || a.role.localeCompare(b.role) || a.by.localeCompare(b.by) || a.quarter.localeCompare(b.quarter));
	return { quarters, people, side_by_side: user.role === 'rep' ? null : sideBySide };
}

// ---------------------------------------------------------------------------------------------
// Call days and missing calls

/** Each team's call day (ISO weekday), Friday where none was set. */
export async function callDays(q: Queryable, teamIds: readonly number[]): Promise<Map<number, number>> {
	const rows = await q.all<{ team_id: number; weekday: number }>(
		'SELECT team_id, weekday::INTEGER AS weekday FROM forecast_call_days WHERE list_contains($teams::INTEGER[], team_id)',
		{ teams: idList(teamIds) }
	);
	const days = new Map(teamIds.map((id) => [id, defaultCallDay]));
	for (const row of rows) days.set(row.team_id, row.weekday);
	return days;
}

/** Sets a team's call day: its leaders and admins may. */
export async function setCallDay(db: Database, user: CallUser, { team, weekday, now = new Date() }: { team: string; weekday: number; now?: Date }): Promise<void> {
	if (user.role !== 'leader' && user.role !== 'admin') throw new Forbidden('Only a team’s leader or an admin sets its call day.');
	if (!Number.isInteger(weekday) || weekday < 1 || weekday > 7) {
		throw new CallInputError([{ field: 'body', code: 'body_invalid', message: `weekday must be 1 (Monday) to 7 (Sunday), got ${weekday}` }]);
	}
	await db.write(async (tx) => {
		const [chosen] = await callTeams(tx, user, team);
		await tx.run(
			`INSERT INTO forecast_call_days (team_id, weekday, set_by, set_at) VALUES ($team, $weekday, $user, epoch_ms($now::BIGINT))
			ON CONFLICT (team_id) DO UPDATE SET weekday = excluded.weekday, set_by = excluded.set_by, set_at = excluded.set_at`,
			{ team: chosen.id, weekday, user: user.id, now: now.getTime() }
		);
	});
}

export interface TeamCallStatus {
	team: string;
	call_day: number;
	/** The last call day on or before today: calls since the day after the one before count for it. */
	due: IsoDate;
	/** Reps (with a sign-in, carrying a number: AE, AM, KAM) without a call for the quarter this call week. */
	missing: { name: string; email: string }[];
	/** Whether a leader of the team has called for the quarter this call week. */
	team_called: boolean;
}

/**
 * For the Monday overview: for each team a leader (or admin) looks after, whose calls for the
 * current quarter are missing this call week. SDRs and BDRs open deals rather than close them, so
 * they are not asked for a number.
 */
export async function missingCalls(q: Queryable, user: CallUser, { today }: { today: IsoDate }): Promise<{ quarter: Quarter; teams: TeamCallStatus[] }> {
	const [quarter] = callableQuarters(today);
	if (user.role !== 'leader' && user.role !== 'admin') return { quarter, teams: [] };
	const teams = await callTeams(q, user);
	const days = await callDays(q, teams.map((t) => t.id));
	const statuses: TeamCallStatus[] = [];
	for (const team of teams) {
		const day = days.get(team.id) ?? defaultCallDay;
		const since = callWeekStart(today, day);
		const missing = await q.all<{ name: string; email: string }>(
			/* sql */ `
			SELECT r.name, r.email
			FROM reps r
			JOIN users u ON u.rep_id = r.id AND u.role = 'rep' AND u.active
			WHERE r.team_id = $team AND r.active AND r.role IN ('AE', 'AM', 'KAM')
				AND NOT EXISTS (
					SELECT 1 FROM forecast_calls c
					WHERE c.user_id = u.id AND c.quarter = $quarter AND c.submitted_at >= $since::DATE
				)
			ORDER BY r.name`,
			{ team: team.id, quarter, since }
		);
		const called = await q.one<{ n: number }>(
			`SELECT count(*)::INTEGER AS n FROM forecast_calls
			WHERE team_id = $team AND quarter = $quarter AND caller_role = 'leader' AND submitted_at >= $since::DATE`,
			{ team: team.id, quarter, since }
		);
		statuses.push({ team: team.name, call_day: day, due: lastCallDay(today, day), missing, team_called: (called?.n ?? 0) > 0 });
	}
	return { quarter, teams: statuses };
}

// ---------------------------------------------------------------------------------------------
// The 1:1

export interface RepCallSummary {
	quarter: Quarter;
	latest: { commit: number; best_case: number; submitted_at: string } | null;
	/** The call before the latest, to say how it moved. */
	previous: { commit: number; best_case: number; submitted_at: string } | null;
}

/**
 * Rep `repId`'s latest call for `quarter` and the one before it, for the 1:1 agenda. The caller has
 * already checked that the reader sits at the rep's table.
 */
export async function repCallSummary(q: Queryable, repId: number, quarter: Quarter): Promise<RepCallSummary> {
	const rows = await q.all<{ commit: number; best_case: number; submitted_at: string }>(
		`SELECT commit_amount::DOUBLE AS commit, best_case::DOUBLE AS best_case, submitted_at
		FROM forecast_calls WHERE rep_id = $rep AND quarter = $quarter AND caller_role = 'rep'
		ORDER BY submitted_at DESC, id DESC LIMIT 2`,
		{ rep: repId, quarter }
	);
	return { quarter, latest: rows[0] ?? null, previous: rows[1] ?? null };
}

function idList(ids: readonly number[]) {
	return listValue([...ids]);
}

// ---------------------------------------------------------------------------------------------
// Export

/**
 * The roll-up and its history as CSV for the executive meeting: one row per week, first the
 * company's (or a rep's own) number, then each team's, with where it came from and what was won.
 */
export function movementCsv(movement: CallMovement): string {
	return toCsv(
		[
			{ key: 'quarter', label: 'quarter' },
			{ key: 'week_ending', label: 'week_ending' },
			{ key: 'team', label: 'team' },
			{ key: 'commit', label: 'commit' },
			{ key: 'best_case', label: 'best_case' },
			{ key: 'from', label: 'from' },
			{ key: 'won_to_date', label: 'won_to_date' }
		],
		movement.weeks.map((w) => ({
			quarter: movement.quarter,
			week_ending: w.date,
			team: w.team ?? 'All',
			commit: w.commit,
			best_case: w.best_case,
			from: w.from,
			won_to_date: w.won_to_date
		}))
	);
}
