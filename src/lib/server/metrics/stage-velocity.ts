import { sql, type Queryable, type Sql } from '../db/index.ts';
import { repsInScopeAt, repsInScopeWithTeam, teamsInScope, type Scope } from '../auth/scope.ts';
import type { DealType } from '../../domain/roles.ts';
import { daysBefore, defaultWindowWeeks, type Period } from '../../domain/movement.ts';
import { dealList, type DealList } from './movement.ts';
import { ladderSql } from './deal-history.ts';
import { withFacts } from './facts/index.ts';
import { stageFigures, stageWindowFacts, type StageWindowTables } from './facts/stage-window.ts';
import { keepsTeammatesApart, MIN_OTHER_REPS_BEHIND_TEAM_FIGURE, withheldTeamFigure, type TeamFigureWithheld } from './team-privacy.ts';
import type { StageConversionRow, CohortDeal, StalledDeal, AgingDeal } from '../../domain/stage-velocity.ts';

export type { StageConversionRow, CohortDeal, StalledDeal, AgingDeal } from '../../domain/stage-velocity.ts';

/**
 * How deals travel through the stages over a rolling window ending at a snapshot: conversion and time
 * in stage (compared with the team), and the open deals that have sat too long in a stage or in the
 * pipeline. Reading all history would be the most complete answer and the slowest; a window of the
 * last 26 weeks describes how the team sells now and reads a quarter of the table.
 */

export interface WindowOptions {
	/** The snapshot the window ends at, 'YYYY-MM-DD'. */
	at: string;
	windowWeeks?: number;
	dealType?: DealType | null;
}

/** Smallest sample a team's median is trusted on; below it we fall back to the wider group. */
export const minimumSample = 5;


/** Asks `question` of the window's facts; `stageEntryCtes` names the stage-entry ones as CTEs. */
export function withStageWindow<R>(db: Queryable, options: WindowOptions, question: (tables: StageWindowTables) => Promise<R>): Promise<R> {
	const window_start = daysBefore(options.at, 7 * (options.windowWeeks ?? defaultWindowWeeks));
	return withFacts(db, stageWindowFacts, { at: options.at, window_start }, question);
}

function stageEntryCtes(tables: StageWindowTables): Sql {
	return sql`
	ladder AS (${ladderSql}),
	baseline AS (SELECT first_date FROM ${tables.baseline}),
	first_at_rank AS (SELECT * FROM ${tables.first_at_rank}),
	deal_window AS (SELECT * FROM ${tables.deal_window}),
	stints AS (SELECT * FROM ${tables.stints})`;
}

export interface StageConversion {
	/** The baseline snapshot: entries after it and up to `to` count. */
	from: string | null;
	to: string;
	stages: StageConversionRow[];
}

/**
 * Stage conversion rates and median days in each stage for the scope, and for its team(s) to compare
 * with (team-level aggregates, which a rep may see). Over the deals that entered each stage in the
 * window; rates of deals that entered recently are still maturing, which is why the sample is shown.
 * A rep gets a stage's team columns only under the team-privacy rule, judged per stage: a late stage
 * can have one colleague's deals behind it where the first has many. `withTeam: false` leaves the
 * team columns null, for a caller comparing the scope only with itself.
 */
export async function stageConversion(
	db: Queryable,
	scope: Scope,
	options: WindowOptions & { withTeam?: boolean }
): Promise<StageConversion> {
	// Entries carry the owner's team when the deal entered the stage: a team's rates are the deals it held then.
	const reps = repsInScopeWithTeam(scope, sql`e.owner_id`, sql`e.team_id`);
	const withTeam = options.withTeam ?? true;
	const dealType = options.dealType ?? null;
	const ofType = ofDealType(dealType);
	const rows = await withStageWindow(db, options, (tables) =>
		db.all<{
			stage_id: number;
			stage: string;
			position: number;
			baseline: string | null;
			entered: number;
			converted: number;
			starters: number;
			reached_from_start: number;
			median_days: number | null;
			days_sample: number;
			team_entered: number;
			team_converted: number;
			team_starters: number;
			team_reached_from_start: number;
			team_median_days: number | null;
			team_days_sample: number;
			team_other_reps: number;
		}>(
			sql`
			WITH
			ladder AS (${ladderSql}),
			first_step AS (SELECT min(rank) AS step FROM ladder),
			own AS (SELECT e.* FROM ${tables.entries} e WHERE ${reps} AND ${ofType}),
			team AS (${withTeam ? teamStageFigures(tables, scope, dealType) : sql`SELECT * FROM ${tables.team_stages} WHERE false`})
			SELECT
				l.stage_id, l.name AS stage, l.position,
				(SELECT first_date FROM ${tables.baseline}) AS baseline,
				count(e.deal_id)::INTEGER AS entered,
				count(e.deal_id) FILTER (WHERE e.moved_on IS NOT NULL)::INTEGER AS converted,
				(SELECT count(*) FROM own WHERE step = (SELECT step FROM first_step))::INTEGER AS starters,
				count(e.deal_id) FILTER (WHERE e.from_start)::INTEGER AS reached_from_start,
				median(e.moved_on - e.entered) FILTER (WHERE e.moved_on > e.entered)::DOUBLE AS median_days,
				count(e.deal_id) FILTER (WHERE e.moved_on > e.entered)::INTEGER AS days_sample,
				coalesce(any_value(t.entered), 0)::INTEGER AS team_entered,
				coalesce(any_value(t.converted), 0)::INTEGER AS team_converted,
				coalesce((SELECT sum(entered) FROM team WHERE step = (SELECT step FROM first_step)), 0)::INTEGER AS team_starters,
				coalesce(any_value(t.reached_from_start), 0)::INTEGER AS team_reached_from_start,
				any_value(t.median_days)::DOUBLE AS team_median_days,
				coalesce(any_value(t.days_sample), 0)::INTEGER AS team_days_sample,
				coalesce(len(list_filter(any_value(t.owners), (o) -> o IS DISTINCT FROM ${scope.ownRepId}::INTEGER)), 0)::INTEGER AS team_other_reps
			FROM ladder l
			LEFT JOIN own e ON e.step = l.rank
			LEFT JOIN team t ON t.step = l.rank
			WHERE l.outcome = 'open'
			GROUP BY l.stage_id, l.name, l.position
			ORDER BY l.position`
		)
	);
	const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);
	const windowWeeks = options.windowWeeks ?? defaultWindowWeeks;
	return {
		from: rows[0]?.baseline ?? null,
		to: options.at,
		stages: rows.map((row) => {
			const withheld = withTeam ? withheldTeamFigure(scope, { otherReps: row.team_other_reps, windowWeeks }) : null;
			const shown = <T>(value: T) => (withTeam && withheld === null ? value : null);
			return {
				stage_id: row.stage_id,
				stage: row.stage,
				position: row.position,
				entered: row.entered,
				converted: row.converted,
				conversion: ratio(row.converted, row.entered),
				cumulative: ratio(row.reached_from_start, row.starters),
				median_days: row.median_days,
				days_sample: row.days_sample,
				team_entered: shown(row.team_entered),
				team_converted: shown(row.team_converted),
				team_conversion: shown(ratio(row.team_converted, row.team_entered)),
				team_cumulative: shown(ratio(row.team_reached_from_start, row.team_starters)),
				team_median_days: shown(row.team_median_days),
				team_days_sample: shown(row.team_days_sample),
				team_withheld: withheld
			};
		})
	};
}

/**
 * The team columns of `stageConversion` per step: the scope's team, or all teams, read as one row per
 * step from the facts (`team_stages`), where the figures of every team were worked out once; for a
 * scope of several teams, aggregated from their entries (a median of two teams is not one of theirs).
 */
function teamStageFigures(tables: StageWindowTables, scope: Scope, dealType: string | null): Sql {
	if (scope.teamIds === null || scope.teamIds.length === 1) {
		const team = scope.teamIds?.[0] ?? null;
		return sql`
		SELECT * FROM ${tables.team_stages}
		WHERE all_teams = ${team === null} AND (all_teams OR team_id = ${team}::INTEGER)
			AND all_types = ${dealType === null} AND (all_types OR deal_type = ${dealType}::VARCHAR)`;
	}
	return sql`
	SELECT false AS all_teams, false AS all_types, NULL::INTEGER AS team_id, NULL::VARCHAR AS deal_type, ${stageFigures}
	FROM ${tables.entries} e
	WHERE ${teamsInScope(scope, sql`e.team_id`)} AND ${ofDealType(dealType)}
	GROUP BY step`;
}

/** Entries `e` of the deal type, or of any without one. */
function ofDealType(dealType: string | null): Sql {
	return sql`(${dealType}::VARCHAR IS NULL OR e.deal_type = ${dealType}::VARCHAR)`;
}

/** The deals behind a stage's conversion rate: the scope's deals that entered the stage in the window. */
export async function stageCohortDeals(
	db: Queryable,
	scope: Scope,
	options: WindowOptions & { stageId: number; limit?: number | null }
): Promise<DealList<CohortDeal>> {
	const reps = repsInScopeAt(scope, sql`w.owner_id`, sql`e.entered`);
	const dealType = options.dealType ?? null;
	const rows = await withStageWindow(db, options, (tables) =>
		db.all<CohortDeal & { total: number }>(
			sql`
			WITH ${stageEntryCtes(tables)}
			SELECT
				coalesce(d.crm_id, e.deal_id::VARCHAR) AS deal_id,
				d.name AS deal_name,
				r.name AS owner,
				e.entered,
				e.moved_on,
				(e.moved_on - e.entered)::INTEGER AS days,
				now_stage.name AS stage_now,
				count(*) OVER ()::INTEGER AS total
			FROM stints e
			JOIN ladder l ON l.rank = e.step AND l.stage_id = ${options.stageId}
			JOIN deal_window w ON w.deal_id = e.deal_id
			LEFT JOIN deals d ON d.id = e.deal_id
			LEFT JOIN reps r ON r.id = w.owner_id
			LEFT JOIN snapshots now ON now.snapshot_date = ${options.at}::DATE AND now.deal_id = e.deal_id
			LEFT JOIN stages now_stage ON now_stage.id = now.stage_id
			WHERE e.entered > (SELECT first_date FROM baseline)
				AND ${reps}
				AND (${dealType}::VARCHAR IS NULL OR d.deal_type = ${dealType}::VARCHAR)
			ORDER BY e.entered DESC, deal_id
			LIMIT ${options.limit ?? null}`
		)
	);
	return dealList(rows);
}

/**
 * A deal has stalled when it has sat in its stage longer than this share of the stays there: the
 * 80th percentile, so that about one healthy deal in five is asked about, not one in two as a median
 * would.
 */
export const STALLED_PERCENTILE = 0.8;

/**
 * Stays in a stage are read over at least a year, or the stalled list would judge 6 to 18 month
 * cycles by the quick deals that fit into half a year.
 */
export const STALLED_WINDOW_WEEKS = 52;

/** The stalled list's window: the asked one, at least STALLED_WINDOW_WEEKS. */
export function stalledWindowWeeks(windowWeeks: number | undefined): number {
	return Math.max(windowWeeks ?? defaultWindowWeeks, STALLED_WINDOW_WEEKS);
}

/**
 * The stalled threshold in each stage per team, and over every team the scope may see as a fallback
 * for teams with too few finished stays to judge by: the STALLED_PERCENTILE of the stays in the
 * stage. Finished stays (deals that moved on) count with their length; deals still in the stage
 * count with their age so far, a lower bound of their stay (censored). Leaving them out would judge
 * a stage where deals sit long by the quick ones alone; the lower bound can only understate, so the
 * threshold errs towards asking about a deal, never towards hiding one. A threshold needs at least
 * `minimumSample` finished stays.
 */
function typicalStageDaysCtes(tables: StageWindowTables, teams: Sql, at: string, viewer: number | null): Sql {
	// Materialised: the three thresholds below read it, and inlined it would be filtered three times.
	return sql`
	stays AS MATERIALIZED (
		SELECT e.step, e.team_id, e.owner_id, e.moved_on - e.entered AS days, false AS censored
		FROM ${tables.entries} e
		WHERE e.moved_on > e.entered AND ${teams}
		UNION ALL
		SELECT e.rank AS step, e.team_id, e.owner_id, ${at}::DATE - e.since AS days, true AS censored
		FROM ${tables.open_deals} e
		WHERE e.since IS NOT NULL AND ${teams}
	),
	typical_team AS (
		SELECT step, team_id, quantile_disc(days, ${STALLED_PERCENTILE})::DOUBLE AS days,
			count(*) FILTER (WHERE NOT censored)::INTEGER AS finished,
			count(*) FILTER (WHERE censored)::INTEGER AS still_in_stage
		FROM stays GROUP BY step, team_id
		HAVING count(*) FILTER (WHERE NOT censored) >= ${minimumSample} AND ${enoughColleagues(viewer)}
	),
	typical_all AS (
		SELECT step, quantile_disc(days, ${STALLED_PERCENTILE})::DOUBLE AS days,
			count(*) FILTER (WHERE NOT censored)::INTEGER AS finished,
			count(*) FILTER (WHERE censored)::INTEGER AS still_in_stage
		FROM stays GROUP BY step
		HAVING count(*) FILTER (WHERE NOT censored) >= ${minimumSample} AND ${enoughColleagues(viewer)}
	),
	-- A rep whose team threshold is withheld is judged by their own pace instead.
	typical_own AS (
		SELECT step, quantile_disc(days, ${STALLED_PERCENTILE})::DOUBLE AS days
		FROM stays WHERE owner_id = ${viewer}::INTEGER GROUP BY step
		HAVING count(*) FILTER (WHERE NOT censored) >= ${minimumSample}
	)`;
}

/**
 * A team threshold judged over colleagues' deals is a team figure: shown to a rep (`viewer`, their
 * rep id; null for anyone else) only with enough colleagues behind it (team-privacy.ts).
 */
function enoughColleagues(viewer: number | null): Sql {
	return sql`(${viewer}::INTEGER IS NULL OR count(DISTINCT owner_id) FILTER (WHERE owner_id <> ${viewer}::INTEGER) >= ${MIN_OTHER_REPS_BEHIND_TEAM_FIGURE})`;
}

/** The rep the lists' thresholds must not give colleagues away to, if the viewer is held to the rule. */
function viewer(scope: Scope): number | null {
	return keepsTeammatesApart(scope) ? scope.ownRepId : null;
}

export interface StalledThreshold {
	stage: string;
	position: number;
	/** null for the threshold over every team in view, which teams with too few stays of their own use. */
	team: string | null;
	days: number;
	/** Stays that ended by moving on, and deals still in the stage (counted at their age so far). */
	finished: number;
	still_in_stage: number;
}

/**
 * Question: from how many days in a stage is a deal called stalled? Per stage, over the teams in
 * view and for each team with enough stays of its own, as the stalled list judges (`stalledDeals`).
 */
export async function stalledThresholds(db: Queryable, scope: Scope, options: WindowOptions): Promise<StalledThreshold[]> {
	const teams = teamsInScope(scope, sql`e.team_id`);
	return withStageWindow(db, { ...options, windowWeeks: stalledWindowWeeks(options.windowWeeks) }, (tables) =>
		db.all<StalledThreshold>(
			sql`
			WITH
			${typicalStageDaysCtes(tables, teams, options.at, viewer(scope))},
			ladder AS (${ladderSql}),
			steps AS (
				SELECT rank, arg_min(name, position) AS stage, min(position) AS position
				FROM ladder WHERE outcome = 'open' GROUP BY rank
			)
			SELECT st.stage, st.position::INTEGER AS position, NULL AS team, a.days, a.finished, a.still_in_stage
			FROM typical_all a JOIN steps st ON st.rank = a.step
			UNION ALL
			SELECT st.stage, st.position::INTEGER, t.name, tt.days, tt.finished, tt.still_in_stage
			FROM typical_team tt JOIN steps st ON st.rank = tt.step JOIN teams t ON t.id = tt.team_id
			ORDER BY position, team NULLS FIRST`
		)
	);
}

/** `current`: the open deals at `at` the lists judge, those of the scope due in P, of the deal type. */
function currentCte(tables: StageWindowTables, reps: Sql, options: WindowOptions & { period?: Period | null }): Sql {
	const [periodStart, periodEnd] = [options.period?.start ?? null, options.period?.end ?? null];
	const dealType = options.dealType ?? null;
	return sql`
	current AS (
		SELECT o.*
		FROM ${tables.open_deals} o
		WHERE ${reps}
			AND (${periodStart}::DATE IS NULL OR o.close_date BETWEEN ${periodStart}::DATE AND ${periodEnd}::DATE)
			AND (${dealType}::VARCHAR IS NULL OR o.deal_type = ${dealType}::VARCHAR)
	)`;
}

/**
 * Stalled: open deals at `at` (due in P) with no stage change for longer than their team's stalled
 * threshold in that stage (`typicalStageDaysCtes`, over at least a year). Furthest past it first.
 */
export async function stalledDeals(
	db: Queryable,
	scope: Scope,
	options: WindowOptions & { period?: Period | null; limit?: number | null }
): Promise<DealList<StalledDeal>> {
	const reps = repsInScopeWithTeam(scope, sql`o.owner_id`, sql`o.team_id`);
	const teams = teamsInScope(scope, sql`e.team_id`);
	const rows = await withStageWindow(db, { ...options, windowWeeks: stalledWindowWeeks(options.windowWeeks) }, (tables) =>
		db.all<StalledDeal & { total: number }>(
			sql`
			WITH
			${typicalStageDaysCtes(tables, teams, options.at, viewer(scope))},
			${currentCte(tables, reps, options)},
			judged AS (
				SELECT c.*, (${options.at}::DATE - c.since)::INTEGER AS days_in_stage,
					coalesce(tt.days, ta.days, tow.days) AS typical_days
				FROM current c
				LEFT JOIN typical_team tt ON tt.step = c.rank AND tt.team_id IS NOT DISTINCT FROM c.team_id
				LEFT JOIN typical_all ta ON ta.step = c.rank
				LEFT JOIN typical_own tow ON tow.step = c.rank
			)
			SELECT
				j.crm_id AS deal_id,
				j.deal_name,
				r.name AS owner,
				st.name AS stage,
				j.amount::DOUBLE AS amount,
				j.close_date,
				j.since AS in_stage_since,
				j.days_in_stage,
				j.since = (SELECT first_date FROM ${tables.baseline}) AS at_least,
				j.typical_days,
				count(*) OVER ()::INTEGER AS total
			FROM judged j
			LEFT JOIN reps r ON r.id = j.owner_id
			LEFT JOIN stages st ON st.id = j.stage_id
			WHERE j.days_in_stage > j.typical_days
			ORDER BY j.days_in_stage / j.typical_days DESC, j.amount DESC, deal_id
			LIMIT ${options.limit ?? null}`
		)
	);
	return dealList(rows);
}

/**
 * Aging: open deals at `at` (due in P) older than the usual sales cycle, the median days from
 * creation to close of the deals won in the window by the same team and deal type (falling back to
 * the team, then to every team in scope, when fewer than five were won). Oldest relative to usual
 * first.
 */
export async function agingDeals(
	db: Queryable,
	scope: Scope,
	options: WindowOptions & { period?: Period | null; limit?: number | null }
): Promise<DealList<AgingDeal>> {
	const reps = repsInScopeWithTeam(scope, sql`o.owner_id`, sql`o.team_id`);
	const teams = teamsInScope(scope, sql`c.team_id`);
	const enough = enoughColleagues(viewer(scope));
	const rows = await withStageWindow(db, options, (tables) =>
		db.all<AgingDeal & { total: number }>(
			sql`
			WITH
			cycles AS (
				SELECT c.* FROM ${tables.won_cycles} c WHERE ${teams}
			),
			usual_team_type AS (
				SELECT team_id, deal_type, median(days)::DOUBLE AS days
				FROM cycles GROUP BY team_id, deal_type HAVING count(*) >= ${minimumSample} AND ${enough}
			),
			usual_team AS (
				SELECT team_id, median(days)::DOUBLE AS days
				FROM cycles GROUP BY team_id HAVING count(*) >= ${minimumSample} AND ${enough}
			),
			usual_all AS (
				SELECT median(days)::DOUBLE AS days FROM cycles HAVING count(*) >= ${minimumSample} AND ${enough}
			),
			usual_own AS (
				SELECT median(days)::DOUBLE AS days FROM cycles WHERE owner_id = ${viewer(scope)}::INTEGER HAVING count(*) >= ${minimumSample}
			),
			${currentCte(tables, reps, options)},
			judged AS (
				SELECT c.*, (${options.at}::DATE - c.created)::INTEGER AS age_days,
					coalesce(utt.days, ut.days, (SELECT days FROM usual_all), (SELECT days FROM usual_own)) AS usual_cycle_days
				FROM current c
				LEFT JOIN usual_team_type utt ON utt.team_id IS NOT DISTINCT FROM c.team_id AND utt.deal_type IS NOT DISTINCT FROM c.deal_type
				LEFT JOIN usual_team ut ON ut.team_id IS NOT DISTINCT FROM c.team_id
			)
			SELECT
				j.crm_id AS deal_id,
				j.deal_name,
				r.name AS owner,
				st.name AS stage,
				j.amount::DOUBLE AS amount,
				j.close_date,
				j.created,
				j.age_days,
				j.usual_cycle_days,
				count(*) OVER ()::INTEGER AS total
			FROM judged j
			LEFT JOIN reps r ON r.id = j.owner_id
			LEFT JOIN stages st ON st.id = j.stage_id
			WHERE j.age_days > j.usual_cycle_days
			ORDER BY j.age_days / j.usual_cycle_days DESC, j.amount DESC, deal_id
			LIMIT ${options.limit ?? null}`
		)
	);
	return dealList(rows);
}
