import { sql, type Queryable } from '../db/index.ts';
import { repsInScopeAt, teamsInScope, type Scope } from '../auth/scope.ts';
import { addMonths, monthOf, monthStart, type IsoDate, type Month } from '../../domain/periods.ts';
import { dealHistories, dealHistoryTables } from './facts/history.ts';
import { withheldTeamFigure } from './team-privacy.ts';

/**
 * Calibrated weighting: instead of the probability the CRM (or the rep) typed in, weight each open
 * deal by how often deals at its stage have actually been won in this organisation.
 *
 * The stage-to-won rate of stage s = decided deals that were ever open at s and were won / decided
 * deals that were ever open at s (when a deal counts as decided, and as won: facts/history.ts).
 * Deals still open are left out: their outcome is not known yet.
 *
 * Rates are learned per rep, per team and for the company, each shrunk toward the level above it
 * (empirical Bayes): rate = (won + k x parent rate) / (deals + k), with k = `shrinkageDeals`. A rep
 * with three resolved deals at Proposal gets essentially the team's rate; a team with hundreds gets
 * its own. The company rate is shrunk toward the stage's default probability, so a new stage or an
 * empty history falls back to the configured ladder instead of 0 or 100%.
 *
 * Rates are learned from the whole organisation's history whatever the viewer's scope: they are
 * aggregate parameters, not anyone's deals, and a rep's forecast must be weighted the same whoever
 * looks at it. Only the team rates of teams in scope are ever shown.
 *
 * No look-ahead: rates at a date only use deals resolved by that date, so the backtest judges the
 * calibration exactly as it would have performed then.
 */

/** How many resolved deals a rep's (or team's) own history must have at a stage to count as much as the level above. */
export const shrinkageDeals = 20;

/**
 * CTEs ending in `team_stage_counts(rate_date, owner_id, team_id, stage_id, deals, won)` (the team
 * being the rep's when the deal was decided), `rep_rates(rate_date, owner_id, stage_id, rate)`, `team_rates(rate_date, team_id,
 * stage_id, deals, won, rate)` and `company_rates(rate_date, stage_id, deals, won, rate)`, for every
 * date in a CTE `rate_dates(rate_date)` the caller defines first, from the deals decided by then
 * (`stage_outcomes` in facts/history.ts; run `dealHistories` first). The fragment carries
 * `shrinkageDeals`.
 */
export const calibratedRates = sql`
	stage_outcome_teams AS (
		-- A team learns from the deals its reps held when they were decided (dated membership): a rep
		-- who moved leaves their record with the team they sold them in. Joined once, before the dates.
		SELECT o.*, m.team_id
		FROM ${dealHistoryTables.stage_outcomes} o
		LEFT JOIN rep_team_spans m ON m.rep_id = o.owner_id AND o.decided_on >= m.valid_from AND o.decided_on < m.valid_to
	),
	team_stage_counts AS (
		SELECT d.rate_date, o.owner_id, o.team_id, o.stage_id, sum(o.deals) AS deals, sum(o.won) AS won
		FROM rate_dates d
		JOIN stage_outcome_teams o ON o.decided_on <= d.rate_date
		GROUP BY ALL
	),
	rep_stage_counts AS (
		SELECT rate_date, owner_id, stage_id, sum(deals) AS deals, sum(won) AS won FROM team_stage_counts GROUP BY ALL
	),
	company_rates AS (
		SELECT
			d.rate_date,
			st.id AS stage_id,
			coalesce(c.deals, 0) AS deals,
			coalesce(c.won, 0) AS won,
			(coalesce(c.won, 0) + ${shrinkageDeals} * st.default_probability) / (coalesce(c.deals, 0) + ${shrinkageDeals}) AS rate
		FROM rate_dates d
		CROSS JOIN stages st
		LEFT JOIN (
			SELECT rate_date, stage_id, sum(deals) AS deals, sum(won) AS won FROM rep_stage_counts GROUP BY ALL
		) c ON c.rate_date = d.rate_date AND c.stage_id = st.id
		WHERE st.outcome = 'open'
	),
	team_rates AS (
		SELECT
			cr.rate_date,
			t.id AS team_id,
			cr.stage_id,
			coalesce(c.deals, 0) AS deals,
			coalesce(c.won, 0) AS won,
			(coalesce(c.won, 0) + ${shrinkageDeals} * cr.rate) / (coalesce(c.deals, 0) + ${shrinkageDeals}) AS rate
		FROM company_rates cr
		CROSS JOIN teams t
		LEFT JOIN (
			SELECT rate_date, team_id, stage_id, sum(deals) AS deals, sum(won) AS won
			FROM team_stage_counts
			GROUP BY ALL
		) c ON c.rate_date = cr.rate_date AND c.team_id = t.id AND c.stage_id = cr.stage_id
	),
	rep_rates AS (
		SELECT
			cr.rate_date,
			r.id AS owner_id,
			cr.stage_id,
			-- A rep without a team is shrunk straight toward the company.
			(coalesce(c.won, 0) + ${shrinkageDeals} * coalesce(tr.rate, cr.rate)) / (coalesce(c.deals, 0) + ${shrinkageDeals}) AS rate
		FROM company_rates cr
		CROSS JOIN reps r
		-- Shrunk toward the team the rep was in at the rate's date.
		LEFT JOIN rep_team_spans m ON m.rep_id = r.id AND cr.rate_date >= m.valid_from AND cr.rate_date < m.valid_to
		LEFT JOIN team_rates tr ON tr.rate_date = cr.rate_date AND tr.team_id = m.team_id AND tr.stage_id = cr.stage_id
		LEFT JOIN rep_stage_counts c ON c.rate_date = cr.rate_date AND c.owner_id = r.id AND c.stage_id = cr.stage_id
	)`;

export interface StageWinRate {
	stage: string;
	position: number;
	/** The ladder's default probability for the stage, what a CRM would weight with. */
	default_probability: number;
	/** null for the company row. */
	team: string | null;
	/** Resolved deals that were open at the stage, and how many of them were won. */
	deals: number;
	won: number;
	/** Shrunk rate: team toward company, company toward the default probability. */
	rate: number;
}

/**
 * Question 5, the rates themselves: for every open stage, the company's historical stage-to-won rate
 * and each team's (in scope), with the resolved deals behind them, as known at `asOf`. A rep gets
 * their team's row for a stage only under the team-privacy rule (team-privacy.ts): its deals and
 * wins less the rep's own would otherwise be one colleague's record.
 */
export async function stageWinRates(db: Queryable, scope: Scope, { asOf }: { asOf: IsoDate }): Promise<StageWinRate[]> {
	await dealHistories(db);
	const teams = teamsInScope(scope, sql`t.id`);
	const rows = await db.all<StageWinRate & { other_reps: number | null }>(
		sql`WITH
		rate_dates AS (SELECT ${asOf}::DATE AS rate_date),
		${calibratedRates},
		behind_team AS (
			SELECT c.team_id, c.stage_id,
				count(DISTINCT c.owner_id) FILTER (WHERE c.owner_id IS DISTINCT FROM ${scope.ownRepId}::INTEGER AND c.deals > 0) AS other_reps
			FROM team_stage_counts c
			GROUP BY ALL
		)
		SELECT st.name AS stage, st.position::INTEGER AS position, st.default_probability,
			NULL AS team, cr.deals::INTEGER AS deals, cr.won::INTEGER AS won, cr.rate, NULL::INTEGER AS other_reps
		FROM company_rates cr JOIN stages st ON st.id = cr.stage_id
		UNION ALL
		SELECT st.name, st.position, st.default_probability, t.name, tr.deals::INTEGER, tr.won::INTEGER, tr.rate,
			coalesce(b.other_reps, 0)::INTEGER
		FROM team_rates tr
		JOIN stages st ON st.id = tr.stage_id
		JOIN teams t ON t.id = tr.team_id
		LEFT JOIN behind_team b ON b.team_id = tr.team_id AND b.stage_id = tr.stage_id
		WHERE ${teams}
		ORDER BY position, team NULLS FIRST`
	);
	return rows
		.filter((row) => row.other_reps === null || withheldTeamFigure(scope, { otherReps: row.other_reps }) === null)
		.map(({ other_reps: _behind, ...rate }) => rate);
}

export interface CalibratedMonth {
	month: Month;
	total: number;
	/** Weighted with the CRM's probabilities. */
	weighted: number;
	/** Weighted with each deal's rep's calibrated stage-to-won rate. */
	calibrated: number;
}

/**
 * Question 5, side by side: the open pipeline at `asOf` by expected close month, weighted the CRM's
 * way and the calibrated way, for `months` months from `firstMonth` (default: the snapshot's month,
 * as in `forecastByPeriod`; earlier months hold the deals whose close date has passed).
 */
export async function calibratedForecastByMonth(
	db: Queryable,
	scope: Scope,
	{ asOf, months, firstMonth = monthOf(asOf) }: { asOf: IsoDate; months: number; firstMonth?: Month }
): Promise<CalibratedMonth[]> {
	await dealHistories(db);
	const reps = repsInScopeAt(scope, sql`s.owner_id`, sql`s.snapshot_date`);
	const first = monthStart(firstMonth);
	return db.all<CalibratedMonth>(
		sql`WITH
		months AS (
			SELECT CAST(m AS DATE) AS month_start
			FROM range(${first}::TIMESTAMP, ${monthStart(addMonths(firstMonth, months))}::TIMESTAMP, INTERVAL 1 MONTH) r(m)
		),
		rate_dates AS (SELECT ${asOf}::DATE AS rate_date),
		${calibratedRates},
		open_by_month AS (
			SELECT
				date_trunc('month', s.close_date)::DATE AS month_start,
				sum(s.amount) AS total,
				sum(s.amount * s.probability) AS weighted,
				sum(s.amount * coalesce(r.rate, c.rate)) AS calibrated
			FROM snapshots s
			JOIN stages st ON st.id = s.stage_id AND st.outcome = 'open'
			JOIN company_rates c ON c.stage_id = s.stage_id
			-- An owner missing from the rep list is weighted at the company's rate.
			LEFT JOIN rep_rates r ON r.owner_id = s.owner_id AND r.stage_id = s.stage_id
			WHERE s.snapshot_date = ${asOf}::DATE
				AND s.close_date >= ${first}::DATE
				AND ${reps}
			GROUP BY 1
		)
		SELECT
			strftime(m.month_start, '%Y-%m') AS month,
			coalesce(o.total, 0)::DOUBLE AS total,
			coalesce(o.weighted, 0)::DOUBLE AS weighted,
			coalesce(o.calibrated, 0)::DOUBLE AS calibrated
		FROM months m
		LEFT JOIN open_by_month o USING (month_start)
		ORDER BY m.month_start`
	);
}
