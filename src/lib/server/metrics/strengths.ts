import { listValue } from '@duckdb/node-api';
import type { Queryable } from '../db/index.ts';
import { dealOutcomesSql, ladderSql } from './deal-history.ts';
import { rememberedWhileDataUnchanged } from './remembered.ts';
import { scopeCondition, teamScopeCondition, type Scope } from '../auth/scope.ts';
import { MIN_OTHER_REPS_BEHIND_TEAM_FIGURE, withheldTeamFigure } from './team-privacy.ts';
import { coverage } from './forecast.ts';
import type { SalesRole } from '../../domain/roles.ts';
import { addDays, addQuarters, quarterEnd, quarterOf, quarterStart, type IsoDate, type Quarter } from '../../domain/periods.ts';
import { fiscalQuarterStartSql } from './fiscal-quarters.ts';
import {
	MIN_SAMPLE_TO_LABEL,
	betaSpread,
	fitHierarchicalBeta,
	fitHierarchicalGamma,
	gammaSpread,
	percentileRank,
	shrinkEventRate,
	shrinkProportion,
	spreadIndex,
	type BetaPrior,
	type Count,
	type GammaPrior,
	type Proportion,
	type RateEstimate
} from '../../domain/shrinkage.ts';

/**
 * Team and rep strengths: where along the relay each rep is strong (opening, advancing, closing,
 * expanding, forecasting), compared with the colleagues in the same role on their own team, fairly.
 *
 * Fairness, in three rules:
 * - Every rate is shrunk toward the peers' rate by empirical Bayes and carries an 80% interval, so a
 *   rep with four deals reads as "close to the team, unsure", never as top or bottom.
 * - Reps are compared only with the same role on the same team. An Enterprise AE opens fewer, bigger
 *   deals than a mid-market AE, and a BDR opens half as many as an SDR by design; ranking across
 *   those would measure the territory, not the person. A rep alone in their role on the team has no
 *   median to be held against: their values are shown, their index is not.
 * - A measure names a top strength or growth area only from MIN_SAMPLE_TO_LABEL outcomes on.
 *
 * Everything starts from one pass over the snapshots that reduces each deal to its facts (when it
 * was created and by whom, the stages it reached, when and how it first closed, at what amount),
 * then aggregates those facts per rep and period. History (quarter by quarter) is the same query
 * with several periods.
 */

export const dimensions = ['opening', 'advancing', 'closing', 'expanding', 'forecasting'] as const;
export type Dimension = (typeof dimensions)[number];

/**
 * Positions on the default ladder that bound the parts of the funnel: Qualified (2), the first
 * opportunity stage Discovery (3), and Proposal (5), from where a deal is in the late stage.
 */
export const funnelPositions = { qualified: 2, midFunnel: 3, lateFunnel: 5 } as const;

/**
 * A rep sees their team's median only when enough other reps with a sample share the role on the
 * team: with one, the median of the pair is their average and gives the colleague's number away
 * exactly. The one team-privacy rule every team figure a rep sees follows (team-privacy.ts).
 */
export const MIN_PEERS_TO_SHARE_MEDIAN = MIN_OTHER_REPS_BEHIND_TEAM_FIGURE;

/** The relay legs each role runs. No rep is placed on a dimension their role does not run. */
export const dimensionsByRole: Readonly<Record<SalesRole, readonly Dimension[]>> = {
	SDR: ['opening'],
	BDR: ['opening'],
	AE: ['opening', 'advancing', 'closing', 'forecasting'],
	AM: ['expanding', 'forecasting'],
	KAM: ['expanding', 'forecasting']
};

// ---------------------------------------------------------------------------------------------
// The facts per rep and period, from SQL

export interface StrengthPeriod {
	/** A name for the period: 'current', or a quarter '2026-Q3'. */
	key: string;
	from: IsoDate;
	to: IsoDate;
}

/** Sufficient statistics for every measure and KPI, one row per rep and period. */
export interface RepPeriodCounts {
	rep_id: number;
	email: string;
	name: string;
	role: SalesRole;
	team_id: number | null;
	team: string | null;
	active: boolean;
	period: string;
	period_start: IsoDate;
	period_end: IsoDate;
	/** Days of the period the rep was at work (from their first to their last week of activity). */
	active_days: number;
	// opening: deals the rep opened (sourced, or for an AE a new-business deal they owned first) created in the period
	opened: number;
	opened_qualified: number;
	opened_opportunity: number;
	opened_won_value: number;
	partner_won_value: number;
	/** The same two over the deals owned in the opener's own team: what the opener may see (team-privacy.ts). */
	opened_won_value_in_team: number;
	partner_won_value_in_team: number;
	// advancing: deals that reached Discovery in the period while the rep owned them
	mid_entered: number;
	mid_converted: number;
	mid_days_per_stage: number | null;
	// closing: deals the rep owned when they first closed, with a close date in the period
	won_count: number;
	lost_count: number;
	won_value: number;
	lost_value: number;
	late_lost_count: number;
	median_cycle_days: number | null;
	avg_cycle_days: number | null;
	// expanding
	expansion_won_count: number;
	expansion_lost_count: number;
	expansion_won_value: number;
	renewals_won: number;
	renewals_lost: number;
	renewal_starting: number;
	renewal_won_value: number;
	nrr_expansion_value: number;
	accounts_in_care: number;
	lifetime_won: number;
	won_on_accounts: number;
	won_on_accounts_before: number;
	// forecasting
	committed: number;
	commit_won: number;
	forecast_value: number;
	forecast_won_value: number;
	forecast_error: number;
	// the pipeline at the period's last snapshot, and quota
	open_deals: number;
	open_value: number;
	open_due_this_quarter: number;
	quarter_quota: number | null;
	quarter_won: number;
	quota: number | null;
	// activities
	calls: number;
	emails: number;
	meetings_booked: number;
	meetings_held: number;
	demos: number;
	proposals_sent: number;
}

/**
 * The reps a profile is compared over: the scope's teams (team-level aggregates, which a rep may
 * see) plus the scope's own reps (a rep without a team is compared with nobody but still sees
 * themselves).
 */
function peerCondition(scope: Scope) {
	const teams = teamScopeCondition(scope, 'r.team_id');
	const reps = scopeCondition(scope, 'r.id');
	return { sql: `(${teams.sql}) OR (${reps.sql})`, params: { ...teams.params, ...reps.params } };
}

/**
 * Per deal, everything the strengths need, in one GROUP BY over the snapshots.
 *
 * Closed deals stay in every later snapshot, so most rows repeat a decided outcome and only the
 * snapshot that first showed a deal's outcome matters. `first_closed` finds it (deal-history.ts);
 * `open_facts` then aggregates the open rows plus that one row, a fifth of the table on the demo
 * data, where the costly ARG_MINs run. Facts are
 * computed for every deal, not only the scope's: a deal sourced by one team's SDR may be owned by
 * another team's AE, and the filter would cost about as much as it saves.
 */
const dealFactsCtes = /* sql */ `
	ladder AS (${ladderSql}),
	snapshot_dates AS (
		SELECT DISTINCT snapshot_date FROM snapshots
	),
	deal_outcomes AS (${dealOutcomesSql}),
	first_closed AS (
		-- The deal's outcome (deal-history.ts: its latest closed stage) is read at the snapshot that
		-- first showed it (closed_seen_on); a deal reopened and open again has none. The first won row
		-- (also of a win corrected later) counts as having reached every stage, as any win does.
		SELECT c.deal_id, o.decided_on AS closed_seen_on, c.won_seen_on, c.closed_rank
		FROM (
			SELECT s.deal_id,
				min(s.snapshot_date) FILTER (WHERE l.outcome = 'won') AS won_seen_on,
				max(l.rank) AS closed_rank
			FROM snapshots s
			JOIN ladder l ON l.id = s.stage_id AND l.outcome <> 'open'
			GROUP BY s.deal_id
		) c
		LEFT JOIN deal_outcomes o USING (deal_id)
	),
	open_facts AS (
		-- Reached stages use the highest rank ever shown: a skipped stage counts as passed, a step
		-- back does not undo one. Outcome, close date, amount and owner are those of the snapshot that
		-- first showed the deal's outcome, so a deal edited or reopened later counts once.
		SELECT
			s.deal_id,
			min(s.snapshot_date) AS first_seen,
			arg_min(s.owner_id, s.snapshot_date) AS first_owner,
			arg_max(s.owner_id, s.snapshot_date) AS latest_owner,
			arg_min(s.amount, s.snapshot_date) AS first_amount,
			max(l.rank) AS open_rank,
			min(s.snapshot_date) FILTER (WHERE l.rank >= $mid_rank) AS mid_on,
			arg_min(s.owner_id, s.snapshot_date) FILTER (WHERE l.rank >= $mid_rank) AS mid_owner,
			min(s.snapshot_date) FILTER (WHERE l.rank >= $late_rank) AS late_on,
			any_value(c.closed_seen_on) AS closed_seen_on,
			any_value(c.won_seen_on) AS won_seen_on,
			any_value(c.closed_rank) AS closed_rank,
			any_value(l.outcome) FILTER (WHERE s.snapshot_date = c.closed_seen_on) AS outcome,
			any_value(s.close_date) FILTER (WHERE s.snapshot_date = c.closed_seen_on) AS closed_on,
			any_value(s.amount) FILTER (WHERE s.snapshot_date = c.closed_seen_on) AS closed_amount,
			any_value(s.owner_id) FILTER (WHERE s.snapshot_date = c.closed_seen_on) AS closed_owner
		FROM snapshots s
		JOIN ladder l ON l.id = s.stage_id
		LEFT JOIN first_closed c ON c.deal_id = s.deal_id
		WHERE l.outcome = 'open' OR s.snapshot_date = c.closed_seen_on
		GROUP BY s.deal_id
	),
	deal_facts AS MATERIALIZED (
		SELECT * EXCLUDE (open_rank, closed_rank, mid_on, late_on, mid_owner),
			greatest(open_rank, closed_rank) AS highest_rank,
			coalesce(mid_owner, closed_owner) AS mid_owner,
			least(mid_on, won_seen_on) AS mid_on,
			least(late_on, won_seen_on) AS late_on
		FROM open_facts
	),
	known_deals AS MATERIALIZED (
		SELECT f.*, d.deal_type, d.source, d.account_id,
			coalesce(d.created_date, f.first_seen) AS created_on,
			-- The relay credits the opener: the SDR/BDR who sourced it, else whoever first owned a
			-- new-business deal (an AE who turned an inbound or partner lead into an opportunity).
			CASE
				WHEN d.sourced_by IS NOT NULL THEN d.sourced_by
				WHEN coalesce(d.deal_type, 'new_business') = 'new_business' THEN f.first_owner
			END AS opener
		FROM deal_facts f
		LEFT JOIN deals d ON d.id = f.deal_id
	)`;

const repPeriodCountsSql = (peers: string) => /* sql */ `
	WITH
	periods AS (
		SELECT *,
			period_start - (period_end - period_start + 1)::INTEGER AS previous_start,
			period_start - 1 AS previous_end
		FROM (
			SELECT
				unnest($period_keys::VARCHAR[]) AS period,
				unnest($period_starts::DATE[]) AS period_start,
				unnest($period_ends::DATE[]) AS period_end
		)
	),
	peers AS (
		SELECT r.id AS rep_id FROM reps r WHERE ${peers}
	),
	${dealFactsCtes},
	opening AS (
		SELECT k.opener AS rep_id, p.period,
			count(*) AS opened,
			count(*) FILTER (WHERE k.highest_rank >= $qualified_rank) AS opened_qualified,
			count(*) FILTER (WHERE k.highest_rank >= $mid_rank) AS opened_opportunity,
			sum(k.closed_amount) FILTER (WHERE k.outcome = 'won') AS opened_won_value,
			sum(k.closed_amount) FILTER (WHERE k.outcome = 'won' AND k.source = 'partner') AS partner_won_value,
			sum(k.closed_amount) FILTER (WHERE k.outcome = 'won' AND in_team) AS opened_won_value_in_team,
			sum(k.closed_amount) FILTER (WHERE k.outcome = 'won' AND k.source = 'partner' AND in_team) AS partner_won_value_in_team
		FROM (
			SELECT k.*, (k.closed_owner = k.opener OR closer.team_id = opener.team_id) AS in_team
			FROM known_deals k
			LEFT JOIN reps opener ON opener.id = k.opener
			LEFT JOIN reps closer ON closer.id = k.closed_owner
		) k
		JOIN periods p ON k.created_on BETWEEN p.period_start AND p.period_end
		WHERE k.opener IS NOT NULL
		GROUP BY ALL
	),
	advancing AS (
		SELECT k.mid_owner AS rep_id, p.period,
			count(*) AS mid_entered,
			count(*) FILTER (WHERE k.highest_rank >= $late_rank) AS mid_converted,
			median((k.late_on - k.mid_on) / ($late_rank - $mid_rank)) FILTER (WHERE k.late_on > k.mid_on) AS mid_days_per_stage
		FROM known_deals k
		JOIN periods p ON k.mid_on BETWEEN p.period_start AND p.period_end
		-- A deal already past Discovery in the first snapshot got there at an unknown date.
		WHERE k.mid_on > (SELECT min(snapshot_date) FROM snapshot_dates)
		GROUP BY ALL
	),
	closed AS MATERIALIZED (
		SELECT k.*, p.period
		FROM known_deals k
		JOIN periods p ON k.closed_on BETWEEN p.period_start AND p.period_end
		WHERE k.outcome IS NOT NULL
	),
	closing AS (
		SELECT closed_owner AS rep_id, period,
			count(*) FILTER (WHERE outcome = 'won') AS won_count,
			count(*) FILTER (WHERE outcome = 'lost') AS lost_count,
			sum(closed_amount) FILTER (WHERE outcome = 'won') AS won_value,
			sum(closed_amount) FILTER (WHERE outcome = 'lost') AS lost_value,
			count(*) FILTER (WHERE outcome = 'lost' AND highest_rank >= $late_rank) AS late_lost_count,
			median(closed_on - created_on) FILTER (WHERE outcome = 'won') AS median_cycle_days,
			avg(closed_on - created_on) FILTER (WHERE outcome = 'won') AS avg_cycle_days,
			count(*) FILTER (WHERE outcome = 'won' AND deal_type IN ('upsell', 'cross_sell')) AS expansion_won_count,
			count(*) FILTER (WHERE outcome = 'lost' AND deal_type IN ('upsell', 'cross_sell')) AS expansion_lost_count,
			sum(closed_amount) FILTER (WHERE outcome = 'won' AND deal_type IN ('upsell', 'cross_sell')) AS expansion_won_value,
			count(*) FILTER (WHERE outcome = 'won' AND deal_type = 'renewal') AS renewals_won,
			count(*) FILTER (WHERE outcome = 'lost' AND deal_type = 'renewal') AS renewals_lost,
			-- What was up for renewal: the renewal's amount when it entered the pipeline.
			sum(first_amount) FILTER (WHERE deal_type = 'renewal') AS renewal_starting,
			sum(closed_amount) FILTER (WHERE outcome = 'won' AND deal_type = 'renewal') AS renewal_won_value
		FROM closed
		GROUP BY ALL
	),
	renewed_accounts AS (
		SELECT DISTINCT closed_owner AS rep_id, period, account_id
		FROM closed
		WHERE deal_type = 'renewal' AND account_id IS NOT NULL
	),
	retention_expansion AS (
		-- Net revenue retention counts expansion on the accounts whose renewal was decided.
		SELECT c.closed_owner AS rep_id, c.period, sum(c.closed_amount) AS nrr_expansion_value
		FROM closed c
		JOIN renewed_accounts ra ON ra.rep_id = c.closed_owner AND ra.period = c.period AND ra.account_id = c.account_id
		WHERE c.outcome = 'won' AND c.deal_type IN ('upsell', 'cross_sell')
		GROUP BY ALL
	),
	care AS (
		-- Accounts in a rep's care: those where they held a renewal, upsell or cross-sell in the year
		-- up to the period's end. Every customer renews yearly, so a year sees the whole book.
		SELECT DISTINCT coalesce(k.closed_owner, k.latest_owner) AS rep_id, p.period, k.account_id
		FROM known_deals k
		JOIN periods p ON k.first_seen <= p.period_end AND (k.closed_on IS NULL OR k.closed_on > p.period_end - 365)
		WHERE k.deal_type IN ('renewal', 'upsell', 'cross_sell') AND k.account_id IS NOT NULL
	),
	account_wins AS (
		SELECT account_id, closed_on, closed_amount
		FROM known_deals
		WHERE outcome = 'won' AND account_id IS NOT NULL
	),
	care_value AS (
		SELECT c.rep_id, c.period,
			count(DISTINCT c.account_id) AS accounts_in_care,
			sum(w.closed_amount) FILTER (WHERE w.closed_on <= p.period_end) AS lifetime_won,
			sum(w.closed_amount) FILTER (WHERE w.closed_on BETWEEN p.period_start AND p.period_end) AS won_on_accounts,
			sum(w.closed_amount) FILTER (WHERE w.closed_on BETWEEN p.previous_start AND p.previous_end) AS won_on_accounts_before
		FROM care c
		JOIN periods p ON p.period = c.period
		LEFT JOIN account_wins w ON w.account_id = c.account_id
		GROUP BY ALL
	),
	forecast_months AS (
		-- Whole calendar months inside the period, already over at the latest snapshot, each frozen
		-- at its first snapshot (taken in the month's first week).
		SELECT p.period, m.month_start, last_day(m.month_start) AS month_end,
			(SELECT min(snapshot_date) FROM snapshot_dates WHERE snapshot_date >= m.month_start) AS frozen_on
		FROM periods p,
			LATERAL (
				SELECT CAST(unnest(generate_series(date_trunc('month', p.period_start), p.period_end::TIMESTAMP, INTERVAL 1 MONTH)) AS DATE) AS month_start
			) m
		WHERE m.month_start >= p.period_start
			AND last_day(m.month_start) <= p.period_end
			AND last_day(m.month_start) < (SELECT max(snapshot_date) FROM snapshot_dates)
	),
	frozen_pipeline AS (
		SELECT fm.period, fm.month_start, fm.month_end, s.owner_id AS rep_id, s.deal_id, s.amount, s.probability, s.forecast_category
		FROM forecast_months fm
		JOIN snapshots s ON s.snapshot_date = fm.frozen_on
		JOIN ladder l ON l.id = s.stage_id AND l.outcome = 'open'
		WHERE fm.frozen_on <= fm.month_start + 6
			AND s.close_date BETWEEN fm.month_start AND fm.month_end
			AND s.owner_id IN (SELECT rep_id FROM peers)
	),
	commits AS (
		SELECT f.rep_id, f.period,
			count(*) FILTER (WHERE f.forecast_category = 'commit') AS committed,
			count(*) FILTER (
				WHERE f.forecast_category = 'commit' AND k.outcome = 'won' AND k.closed_on BETWEEN f.month_start AND f.month_end
			) AS commit_won
		FROM frozen_pipeline f
		LEFT JOIN known_deals k ON k.deal_id = f.deal_id
		GROUP BY ALL
	),
	month_forecast AS (
		SELECT rep_id, period, month_start, sum(amount * probability) AS weighted
		FROM frozen_pipeline
		GROUP BY ALL
	),
	month_won AS (
		SELECT k.closed_owner AS rep_id, fm.period, fm.month_start,
			sum(k.closed_amount) AS won,
			-- Won in the month before the forecast was frozen: already part of the forecast.
			sum(k.closed_amount) FILTER (WHERE k.closed_seen_on <= fm.frozen_on) AS won_before_freeze
		FROM forecast_months fm
		JOIN known_deals k ON k.outcome = 'won' AND k.closed_on BETWEEN fm.month_start AND fm.month_end
		WHERE fm.frozen_on <= fm.month_start + 6
		GROUP BY ALL
	),
	forecast_accuracy AS (
		SELECT coalesce(f.rep_id, w.rep_id) AS rep_id, coalesce(f.period, w.period) AS period,
			sum(coalesce(f.weighted, 0) + coalesce(w.won_before_freeze, 0)) AS forecast_value,
			sum(coalesce(w.won, 0)) AS forecast_won_value,
			sum(abs(coalesce(f.weighted, 0) + coalesce(w.won_before_freeze, 0) - coalesce(w.won, 0))) AS forecast_error
		FROM month_forecast f
		FULL OUTER JOIN month_won w ON w.rep_id = f.rep_id AND w.period = f.period AND w.month_start = f.month_start
		GROUP BY ALL
	),
	period_ends AS (
		SELECT p.period, max(d.snapshot_date) AS as_of,
			${fiscalQuarterStartSql('max(d.snapshot_date)')} AS quarter_start,
			(${fiscalQuarterStartSql('max(d.snapshot_date)')} + INTERVAL 3 MONTH)::DATE - 1 AS quarter_end
		FROM periods p
		JOIN snapshot_dates d ON d.snapshot_date <= p.period_end
		GROUP BY p.period
	),
	open_at_end AS (
		-- Open pipeline at the period's last snapshot; due this quarter counts from the snapshot's
		-- month on, as the forecast does (an overdue deal is a risk, not pipeline to plan with).
		SELECT e.period, s.owner_id AS rep_id,
			count(*) AS open_deals,
			sum(s.amount) AS open_value,
			sum(s.amount) FILTER (
				WHERE s.close_date BETWEEN greatest(e.quarter_start, date_trunc('month', e.as_of)::DATE) AND e.quarter_end
			) AS open_due_this_quarter
		FROM period_ends e
		JOIN snapshots s ON s.snapshot_date = e.as_of
		JOIN ladder l ON l.id = s.stage_id AND l.outcome = 'open'
		WHERE s.owner_id IN (SELECT rep_id FROM peers)
		GROUP BY ALL
	),
	quarter_won AS (
		SELECT k.closed_owner AS rep_id, e.period, sum(k.closed_amount) AS quarter_won
		FROM period_ends e
		JOIN known_deals k ON k.outcome = 'won' AND k.closed_on BETWEEN e.quarter_start AND e.as_of
		GROUP BY ALL
	),
	quota_windows AS (
		SELECT period, 'period' AS kind, period_start AS window_start, period_end AS window_end FROM periods
		UNION ALL
		SELECT period, 'quarter', quarter_start, quarter_end FROM period_ends
	),
	quota_share AS (
		-- A quota counts for the days of it that fall in the window.
		SELECT q.rep_id, w.period,
			sum(q.amount * (least(q.period_end, w.window_end) - greatest(q.period_start, w.window_start) + 1)
				/ (q.period_end - q.period_start + 1)) FILTER (WHERE w.kind = 'period') AS quota,
			sum(q.amount * (least(q.period_end, w.window_end) - greatest(q.period_start, w.window_start) + 1)
				/ (q.period_end - q.period_start + 1)) FILTER (WHERE w.kind = 'quarter') AS quarter_quota
		FROM quota_windows w
		JOIN quotas q ON q.period_start <= w.window_end AND q.period_end >= w.window_start
		WHERE q.rep_id IN (SELECT rep_id FROM peers)
		GROUP BY ALL
	),
	activity AS (
		SELECT a.rep_id, p.period,
			sum(a.count) FILTER (WHERE a.kind = 'call') AS calls,
			sum(a.count) FILTER (WHERE a.kind = 'email') AS emails,
			sum(a.count) FILTER (WHERE a.kind = 'meeting_booked') AS meetings_booked,
			sum(a.count) FILTER (WHERE a.kind = 'meeting_held') AS meetings_held,
			sum(a.count) FILTER (WHERE a.kind = 'demo') AS demos,
			sum(a.count) FILTER (WHERE a.kind = 'proposal_sent') AS proposals_sent
		FROM activities a
		JOIN periods p ON a.activity_date BETWEEN p.period_start AND p.period_end
		WHERE a.rep_id IN (SELECT rep_id FROM peers)
		GROUP BY ALL
	),
	presence AS (
		-- Activities are logged per week (dated Monday); a rep is at work from their first logged
		-- week to the end of their last. Without any activity log, for the whole period.
		SELECT rep_id, min(activity_date) AS first_active, max(activity_date) + 6 AS last_active
		FROM activities
		WHERE rep_id IN (SELECT rep_id FROM peers)
		GROUP BY rep_id
	)
	SELECT
		r.id AS rep_id, r.email, r.name, r.role, r.team_id, t.name AS team, r.active,
		p.period, p.period_start, p.period_end,
		greatest(0,
			least(p.period_end, coalesce(pr.last_active, p.period_end))
			- greatest(p.period_start, coalesce(pr.first_active, p.period_start)) + 1
		)::INTEGER AS active_days,
		coalesce(o.opened, 0)::INTEGER AS opened,
		coalesce(o.opened_qualified, 0)::INTEGER AS opened_qualified,
		coalesce(o.opened_opportunity, 0)::INTEGER AS opened_opportunity,
		coalesce(o.opened_won_value, 0)::DOUBLE AS opened_won_value,
		coalesce(o.partner_won_value, 0)::DOUBLE AS partner_won_value,
		coalesce(o.opened_won_value_in_team, 0)::DOUBLE AS opened_won_value_in_team,
		coalesce(o.partner_won_value_in_team, 0)::DOUBLE AS partner_won_value_in_team,
		coalesce(a.mid_entered, 0)::INTEGER AS mid_entered,
		coalesce(a.mid_converted, 0)::INTEGER AS mid_converted,
		a.mid_days_per_stage::DOUBLE AS mid_days_per_stage,
		coalesce(c.won_count, 0)::INTEGER AS won_count,
		coalesce(c.lost_count, 0)::INTEGER AS lost_count,
		coalesce(c.won_value, 0)::DOUBLE AS won_value,
		coalesce(c.lost_value, 0)::DOUBLE AS lost_value,
		coalesce(c.late_lost_count, 0)::INTEGER AS late_lost_count,
		c.median_cycle_days::DOUBLE AS median_cycle_days,
		c.avg_cycle_days::DOUBLE AS avg_cycle_days,
		coalesce(c.expansion_won_count, 0)::INTEGER AS expansion_won_count,
		coalesce(c.expansion_lost_count, 0)::INTEGER AS expansion_lost_count,
		coalesce(c.expansion_won_value, 0)::DOUBLE AS expansion_won_value,
		coalesce(c.renewals_won, 0)::INTEGER AS renewals_won,
		coalesce(c.renewals_lost, 0)::INTEGER AS renewals_lost,
		coalesce(c.renewal_starting, 0)::DOUBLE AS renewal_starting,
		coalesce(c.renewal_won_value, 0)::DOUBLE AS renewal_won_value,
		coalesce(re.nrr_expansion_value, 0)::DOUBLE AS nrr_expansion_value,
		coalesce(cv.accounts_in_care, 0)::INTEGER AS accounts_in_care,
		coalesce(cv.lifetime_won, 0)::DOUBLE AS lifetime_won,
		coalesce(cv.won_on_accounts, 0)::DOUBLE AS won_on_accounts,
		coalesce(cv.won_on_accounts_before, 0)::DOUBLE AS won_on_accounts_before,
		coalesce(cm.committed, 0)::INTEGER AS committed,
		coalesce(cm.commit_won, 0)::INTEGER AS commit_won,
		coalesce(fa.forecast_value, 0)::DOUBLE AS forecast_value,
		coalesce(fa.forecast_won_value, 0)::DOUBLE AS forecast_won_value,
		coalesce(fa.forecast_error, 0)::DOUBLE AS forecast_error,
		coalesce(oe.open_deals, 0)::INTEGER AS open_deals,
		coalesce(oe.open_value, 0)::DOUBLE AS open_value,
		coalesce(oe.open_due_this_quarter, 0)::DOUBLE AS open_due_this_quarter,
		qs.quarter_quota::DOUBLE AS quarter_quota,
		coalesce(qw.quarter_won, 0)::DOUBLE AS quarter_won,
		qs.quota::DOUBLE AS quota,
		coalesce(ac.calls, 0)::INTEGER AS calls,
		coalesce(ac.emails, 0)::INTEGER AS emails,
		coalesce(ac.meetings_booked, 0)::INTEGER AS meetings_booked,
		coalesce(ac.meetings_held, 0)::INTEGER AS meetings_held,
		coalesce(ac.demos, 0)::INTEGER AS demos,
		coalesce(ac.proposals_sent, 0)::INTEGER AS proposals_sent
	FROM reps r
	JOIN peers pe ON pe.rep_id = r.id
	CROSS JOIN periods p
	LEFT JOIN teams t ON t.id = r.team_id
	LEFT JOIN presence pr ON pr.rep_id = r.id
	LEFT JOIN opening o ON o.rep_id = r.id AND o.period = p.period
	LEFT JOIN advancing a ON a.rep_id = r.id AND a.period = p.period
	LEFT JOIN closing c ON c.rep_id = r.id AND c.period = p.period
	LEFT JOIN retention_expansion re ON re.rep_id = r.id AND re.period = p.period
	LEFT JOIN care_value cv ON cv.rep_id = r.id AND cv.period = p.period
	LEFT JOIN commits cm ON cm.rep_id = r.id AND cm.period = p.period
	LEFT JOIN forecast_accuracy fa ON fa.rep_id = r.id AND fa.period = p.period
	LEFT JOIN open_at_end oe ON oe.rep_id = r.id AND oe.period = p.period
	LEFT JOIN quarter_won qw ON qw.rep_id = r.id AND qw.period = p.period
	LEFT JOIN quota_share qs ON qs.rep_id = r.id AND qs.period = p.period
	LEFT JOIN activity ac ON ac.rep_id = r.id AND ac.period = p.period
	ORDER BY p.period_start, t.name NULLS LAST, r.role, r.name`;

/**
 * The facts behind every measure and KPI, for every rep the profiles are compared over (the peers,
 * not only the reps the scope may list), one row per rep and period. Not for display as such: the
 * profile functions below decide which rows a viewer gets.
 */
export async function repPeriodCounts(
	db: Queryable,
	scope: Scope,
	periods: readonly StrengthPeriod[]
): Promise<RepPeriodCounts[]> {
	if (periods.length === 0) return [];
	const peers = peerCondition(scope);
	const question = JSON.stringify({ repPeriodCounts: periods, reps: scope.repIds, teams: scope.teamIds });
	const rows = await rememberedWhileDataUnchanged(db, question, () =>
		db.all<RepPeriodCounts>(repPeriodCountsSql(peers.sql), {
			...peers.params,
			period_keys: listValue(periods.map((p) => p.key)),
			period_starts: listValue(periods.map((p) => p.from)),
			period_ends: listValue(periods.map((p) => p.to)),
			qualified_rank: funnelPositions.qualified,
			mid_rank: funnelPositions.midFunnel,
			late_rank: funnelPositions.lateFunnel
		})
	);
	// Every caller gets its own copy: the remembered rows are shared.
	return structuredClone(rows);
}

// ---------------------------------------------------------------------------------------------
// Measures: what each dimension is made of

export const measureKeys = [
	'pipeline_built_per_week',
	'opened_per_week',
	'meetings_booked_per_week',
	'qualification_rate',
	'opportunity_rate',
	'response_rate',
	'mid_funnel_conversion',
	'late_stage_conversion',
	'win_rate',
	'expansion_rate',
	'retention_rate',
	'commit_hit_rate'
] as const;
export type MeasureKey = (typeof measureKeys)[number];

type Observation = { model: 'proportion'; observed: Proportion } | { model: 'volume'; observed: Count };

interface MeasureDefinition {
	key: MeasureKey;
	dimension: Dimension;
	roles: readonly SalesRole[];
	/** The dimension's headline, the one the dot plot and the API's `dimensions` show. */
	primary: boolean;
	/** A share of trials (compared in log-odds) or events per week (compared in logs). */
	model: Observation['model'];
	/** Counted from the activities import: without one, the measure says so instead of showing 0. */
	needsActivities?: boolean;
	observe(c: RepPeriodCounts): Observation;
}

const weeks = (c: RepPeriodCounts) => c.active_days / 7;
const proportion = (successes: number, trials: number): Observation => ({ model: 'proportion', observed: { successes, trials } });
const volume = (events: number, exposure: number): Observation => ({ model: 'volume', observed: { events, exposure } });

/**
 * Every measure is a rate with a sample size, so that it can be shrunk: a share of trials
 * (proportion) or events per unit of exposure (volume). Volumes are per week at work, so a rep who
 * joined mid-period or took a long holiday is not measured against weeks they were not there.
 */
export const measures: readonly MeasureDefinition[] = [
	{
		// Opening is building new pipeline: what a rep opens (an SDR or BDR: sources) and that turns into
		// real pipeline, reaching Qualified or beyond. Volume and quality in one rate, so that neither
		// opening many leads that go nowhere nor qualifying a rare one reads as strong on its own; the
		// two measures below keep each half visible with its own sample.
		key: 'pipeline_built_per_week',
		dimension: 'opening',
		roles: ['SDR', 'BDR', 'AE'],
		model: 'volume',
		primary: true,
		observe: (c) => volume(c.opened_qualified, weeks(c))
	},
	{
		key: 'opened_per_week',
		dimension: 'opening',
		roles: ['SDR', 'BDR', 'AE'],
		model: 'volume',
		primary: false,
		observe: (c) => volume(c.opened, weeks(c))
	},
	{
		key: 'meetings_booked_per_week',
		needsActivities: true,
		dimension: 'opening',
		roles: ['SDR', 'BDR'],
		model: 'volume',
		primary: false,
		observe: (c) => volume(c.meetings_booked, weeks(c))
	},
	{
		key: 'qualification_rate',
		dimension: 'opening',
		roles: ['SDR', 'BDR', 'AE'],
		model: 'proportion',
		primary: false,
		observe: (c) => proportion(c.opened_qualified, c.opened)
	},
	{
		key: 'opportunity_rate',
		dimension: 'opening',
		roles: ['SDR', 'BDR'],
		model: 'proportion',
		primary: false,
		observe: (c) => proportion(c.opened_opportunity, c.opened_qualified)
	},
	{
		key: 'response_rate',
		needsActivities: true,
		dimension: 'opening',
		roles: ['BDR'],
		model: 'proportion',
		primary: false,
		observe: (c) => proportion(Math.min(c.meetings_booked, c.calls + c.emails), c.calls + c.emails)
	},
	{
		key: 'mid_funnel_conversion',
		dimension: 'advancing',
		roles: ['AE'],
		model: 'proportion',
		primary: true,
		observe: (c) => proportion(c.mid_converted, c.mid_entered)
	},
	{
		key: 'late_stage_conversion',
		dimension: 'closing',
		roles: ['AE'],
		model: 'proportion',
		primary: true,
		// Every won deal passed Proposal, so the late stage's trials are the wins plus the deals lost after reaching it.
		observe: (c) => proportion(c.won_count, c.won_count + c.late_lost_count)
	},
	{
		key: 'win_rate',
		dimension: 'closing',
		roles: ['AE'],
		model: 'proportion',
		primary: false,
		observe: (c) => proportion(c.won_count, c.won_count + c.lost_count)
	},
	{
		key: 'expansion_rate',
		dimension: 'expanding',
		roles: ['AM', 'KAM'],
		model: 'volume',
		primary: true,
		// Per account-year in care: an account manager with a bigger book has more to expand.
		observe: (c) => volume(c.expansion_won_count, (c.accounts_in_care * c.active_days) / 365)
	},
	{
		key: 'retention_rate',
		dimension: 'expanding',
		roles: ['AM', 'KAM'],
		model: 'proportion',
		primary: false,
		observe: (c) => proportion(c.renewals_won, c.renewals_won + c.renewals_lost)
	},
	{
		key: 'commit_hit_rate',
		dimension: 'forecasting',
		roles: ['AE', 'AM', 'KAM'],
		model: 'proportion',
		primary: true,
		observe: (c) => proportion(c.commit_won, c.committed)
	}
];

export function measuresForRole(role: SalesRole): MeasureDefinition[] {
	return measures.filter((m) => m.roles.includes(role));
}

// ---------------------------------------------------------------------------------------------
// Profiles

export interface MeasureScore {
	key: MeasureKey;
	dimension: Dimension;
	/** The rep's rate, shrunk toward their peers' rate. */
	value: number | null;
	/** The unshrunk rate, for the curious; null without a sample. */
	raw: number | null;
	/** 80% credible interval of `value`. */
	low: number | null;
	high: number | null;
	/** The rep's own sample: trials, or events for a volume. */
	n: number;
	/**
	 * The team's rate of the role, itself pulled toward the company's: what the index compares with.
	 * (The name is the API's since before the hierarchy.) Null when there is no one to compare with,
	 * or a rep may not see it.
	 */
	team_median: number | null;
	/** 100 at the team's rate; 20 points per typical spread between reps of the role (`spreadIndex`). */
	index: number | null;
	index_low: number | null;
	index_high: number | null;
	/** Share of peers below (ties half); only for viewers who may see the whole team. */
	percentile: number | null;
	/** Reps of the role on the team with a sample, the rep included. */
	peers: number;
	/** Enough outcomes to be named a top strength or growth area. */
	labelled: boolean;
	/** Why the measure has no value for anyone: nothing imported that it is counted from. */
	missing: 'no_activities' | null;
}

export interface DimensionScore extends MeasureScore {
	name: Dimension;
}

export interface RepIdentity {
	rep_id: number;
	email: string;
	name: string;
	role: SalesRole;
	team: string | null;
	active: boolean;
}

export interface RepProfile {
	rep: RepIdentity;
	period: string;
	from: IsoDate;
	to: IsoDate;
	dimensions: DimensionScore[];
	measures: MeasureScore[];
	topStrength: MeasureScore | null;
	growthArea: MeasureScore | null;
	kpis: RepKpis;
}

/** The rep's estimate under their team's prior, when both are of the measure's model. */
function estimate(observation: Observation, prior: BetaPrior | GammaPrior | null): RateEstimate | null {
	if (prior === null) return null;
	if (observation.model === 'proportion' && 'alpha' in prior) return shrinkProportion(observation.observed, prior);
	if (observation.model === 'volume' && 'shape' in prior) return shrinkEventRate(observation.observed, prior);
	return null;
}

/** The rate a prior centres on; a team that never won keeps the half pseudo-win that lets it. */
function priorMean(prior: BetaPrior | GammaPrior): number {
	return 'alpha' in prior ? prior.alpha / (prior.alpha + prior.beta) : prior.mean;
}

function hasSample(observation: Observation): boolean {
	return observation.model === 'proportion' ? observation.observed.trials > 0 : observation.observed.exposure > 0;
}

/**
 * The priors of one measure for every team of a role (rep -> team -> company), each with the spread
 * between reps its index is counted in; null per team without any sample.
 */
function fitTeamPriors(model: Observation['model'], teams: Observation[][]): ({ prior: BetaPrior | GammaPrior; spread: number } | null)[] {
	const sampled = teams.map((observations) => observations.filter(hasSample));
	if (model === 'proportion') {
		const fitted = fitHierarchicalBeta(sampled.map((observations) => observations.map((o) => o.observed as Proportion)));
		return teams.map((_, i) => {
			const prior = fitted?.teams[i] ?? null;
			return prior ? { prior, spread: betaSpread(prior) } : null;
		});
	}
	const fitted = fitHierarchicalGamma(sampled.map((observations) => observations.map((o) => o.observed as Count)));
	return teams.map((_, i) => {
		const prior = fitted?.teams[i] ?? null;
		return prior ? { prior, spread: gammaSpread(prior) } : null;
	});
}

/** The first measure with the highest index, and the first other one with the lowest, among those with enough outcomes. */
export function strengthAndGrowthArea(scores: readonly MeasureScore[]): { topStrength: MeasureScore | null; growthArea: MeasureScore | null } {
	const eligible = scores.filter((s) => s.labelled && s.index !== null);
	if (eligible.length === 0) return { topStrength: null, growthArea: null };
	const topStrength = eligible.reduce((best, s) => (s.index! > best.index! ? s : best));
	const rest = eligible.filter((s) => s !== topStrength);
	const growthArea = rest.length === 0 ? null : rest.reduce((worst, s) => (s.index! < worst.index! ? s : worst));
	return { topStrength, growthArea };
}

/**
 * Shrinks and compares every measure rep -> team -> company: the rows are the whole company's, so
 * that each role's prior strength is estimated over all its teams, and each rep is compared with
 * their own team's rate of the role (the index, see `spreadIndex`). Then keeps the profiles of the
 * reps the scope may list. For a rep's own scope the team's rate is shown only when enough other
 * colleagues share the role (MIN_PEERS_TO_SHARE_MEDIAN); percentiles, which place a rep among
 * named colleagues, are left out. Other teams' rows never leave this function except as the
 * company's rate they shrink toward.
 */
export function buildProfiles(rows: readonly RepPeriodCounts[], scope: Scope): RepProfile[] {
	const roles = new Map<string, Map<string, RepPeriodCounts[]>>();
	for (const row of rows) {
		const roleKey = `${row.period}|${row.role}`;
		const teams = roles.get(roleKey) ?? new Map<string, RepPeriodCounts[]>();
		roles.set(roleKey, teams);
		const teamKey = String(row.team_id ?? '');
		const team = teams.get(teamKey);
		if (team) team.push(row);
		else teams.set(teamKey, [row]);
	}
	const visible = (id: number) => (scope.repIds === null ? true : scope.repIds.includes(id));
	const ownView = scope.role === 'rep';
	const activitiesImported = hasActivitiesImported(rows);

	const profiles: RepProfile[] = [];
	for (const teamsOfRole of roles.values()) {
		const groups = [...teamsOfRole.values()];
		const role = groups[0][0].role;
		const scored = new Map<number, MeasureScore[]>();
		for (const definition of measuresForRole(role)) {
			const missing: MeasureScore['missing'] = definition.needsActivities && !activitiesImported ? 'no_activities' : null;
			const observations = groups.map((group) => group.map((row) => definition.observe(row)));
			const priors = missing ? groups.map(() => null) : fitTeamPriors(definition.model, observations);
			groups.forEach((group, g) => {
				if (!group.some((row) => visible(row.rep_id))) return;
				const team = priors[g];
				const estimates = observations[g].map((o) => estimate(o, team?.prior ?? null));
				const sampled = observations[g].map(hasSample);
				const peerValues = estimates.filter((e, i): e is RateEstimate => e !== null && sampled[i]).map((e) => e.estimate);
				const peers = peerValues.length;
				const otherPeers = group.filter((row, i) => row.rep_id !== scope.ownRepId && estimates[i] !== null && sampled[i]).length;
				const comparable = team !== null && peers >= 2 && (!ownView || withheldTeamFigure(scope, { otherReps: otherPeers }) === null);
				const teamRate = comparable ? priorMean(team.prior) : null;
				const scale = definition.model === 'proportion' ? 'log-odds' : 'log';
				const indexOf = (value: number | null) => spreadIndex(value, teamRate, team?.spread ?? null, scale);
				group.forEach((row, i) => {
					const e = sampled[i] ? estimates[i] : null;
					const observed = observations[g][i];
					const n = observed.model === 'proportion' ? observed.observed.trials : observed.observed.events;
					const index = e ? indexOf(e.estimate) : null;
					const score: MeasureScore = {
						key: definition.key,
						dimension: definition.dimension,
						value: e ? e.estimate : null,
						raw: estimates[i]?.raw ?? null,
						low: e ? e.low : null,
						high: e ? e.high : null,
						n,
						team_median: teamRate,
						index,
						index_low: index !== null && e ? indexOf(e.low) : null,
						index_high: index !== null && e ? indexOf(e.high) : null,
						percentile: !ownView && index !== null && e ? percentileRank(e.estimate, peerValues) : null,
						peers,
						labelled: index !== null && n >= MIN_SAMPLE_TO_LABEL,
						missing
					};
					const list = scored.get(row.rep_id);
					if (list) list.push(score);
					else scored.set(row.rep_id, [score]);
				});
			});
		}
		for (const row of groups.flat()) {
			if (!visible(row.rep_id)) continue;
			const scores = scored.get(row.rep_id) ?? [];
			const primaries = measures.filter((m) => m.primary && m.roles.includes(row.role));
			profiles.push({
				rep: { rep_id: row.rep_id, email: row.email, name: row.name, role: row.role, team: row.team, active: row.active },
				period: row.period,
				from: row.period_start,
				to: row.period_end,
				dimensions: primaries.map((m) => ({ name: m.dimension, ...scores.find((s) => s.key === m.key)! })),
				measures: scores,
				...strengthAndGrowthArea(scores),
				kpis: repKpis(row, { ownView })
			});
		}
	}
	return profiles;
}

/** KPIs counted from the activities import; without one they say so instead of showing 0. */
export const activityKpis = ['calls', 'emails', 'meetings_booked', 'meetings_held', 'demos', 'proposals_sent', 'response_rate'] as const satisfies readonly (keyof RepKpis)[];

/** Whether anyone in the company has an activity logged in these rows' periods. */
function hasActivitiesImported(rows: readonly RepPeriodCounts[]): boolean {
	return rows.some((r) => r.calls + r.emails + r.meetings_booked + r.meetings_held + r.demos + r.proposals_sent > 0);
}

/** Whether a rep has anything to show in a period: at work, or with deals or activity in it. */
function hasActivity(row: RepPeriodCounts): boolean {
	return (
		row.active_days > 0 &&
		(row.active ||
			row.opened + row.mid_entered + row.won_count + row.lost_count + row.committed + row.calls + row.emails + row.open_deals > 0)
	);
}

// ---------------------------------------------------------------------------------------------
// KPIs: each role on its own numbers (domain notes)

export interface RepKpis {
	// Closing, for every rep over the deals they owned when they closed (the API's base block)
	won_count: number;
	lost_count: number;
	won_value: number;
	/** won / (won + lost) by count; null without closed deals. */
	win_rate: number | null;
	/** The same by value. */
	win_rate_value: number | null;
	avg_won_amount: number | null;
	median_cycle_days: number | null;
	// Opening (SDR, BDR)
	opened: number;
	calls: number;
	emails: number;
	meetings_booked: number;
	/** Opened deals that reached Qualified / opened. */
	qualification_rate: number | null;
	/** Opened deals that reached Discovery (an opportunity) / those that reached Qualified. */
	opportunity_rate: number | null;
	/** Opened deals that became opportunities: a BDR's high-quality prospects. */
	strategic_prospects: number;
	/** Meetings booked / (calls + e-mails). */
	response_rate: number | null;
	/** Won value of the deals the rep opened, whoever closed them. */
	sourced_won_value: number;
	partner_revenue: number;
	// Selling (AE)
	/** (open deals x win rate x average won amount) / average cycle days: revenue per day. */
	velocity: number | null;
	quota: number | null;
	quota_attainment: number | null;
	/** Open pipeline due this quarter / quota left this quarter. */
	coverage: number | null;
	/** Roughly 1 / win rate by value: the coverage this rep's conversion needs. */
	needed_coverage: number | null;
	mid_days_per_stage: number | null;
	meetings_held: number;
	demos: number;
	proposals_sent: number;
	// Keeping and growing (AM, KAM)
	renewals_won: number;
	renewals_lost: number;
	retention_rate: number | null;
	/** (renewed amount + expansion won on those accounts) / amount up for renewal. */
	nrr: number | null;
	expansion_won_count: number;
	expansion_won_value: number;
	expansion_win_rate: number | null;
	accounts_in_care: number;
	lifetime_value_per_account: number | null;
	/** Won on the accounts in care this period against the period before, minus one. */
	account_growth: number | null;
	// Forecasting (AE, AM, KAM)
	commit_hit_rate: number | null;
	/** 1 - sum |forecast - won| / sum won, over the period's months. */
	forecast_accuracy: number | null;
	/** forecast / won; above 1 is optimistic. */
	forecast_bias: number | null;
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

/**
 * The KPIs of one rep and period. In a rep's own view (`ownView`), what they opened counts in
 * money only where a colleague of their own team won it: another team's deal sizes stay with that
 * team (team-privacy.ts); the deals still count in `opened`.
 */
export function repKpis(c: RepPeriodCounts, { ownView = false }: { ownView?: boolean } = {}): RepKpis {
	const winRate = ratio(c.won_count, c.won_count + c.lost_count);
	const winRateValue = ratio(c.won_value, c.won_value + c.lost_value);
	const avgWon = ratio(c.won_value, c.won_count);
	return {
		won_count: c.won_count,
		lost_count: c.lost_count,
		won_value: c.won_value,
		win_rate: winRate,
		win_rate_value: winRateValue,
		avg_won_amount: avgWon,
		median_cycle_days: c.median_cycle_days,
		opened: c.opened,
		calls: c.calls,
		emails: c.emails,
		meetings_booked: c.meetings_booked,
		qualification_rate: ratio(c.opened_qualified, c.opened),
		opportunity_rate: ratio(c.opened_opportunity, c.opened_qualified),
		strategic_prospects: c.opened_opportunity,
		response_rate: ratio(c.meetings_booked, c.calls + c.emails),
		sourced_won_value: ownView ? c.opened_won_value_in_team : c.opened_won_value,
		partner_revenue: ownView ? c.partner_won_value_in_team : c.partner_won_value,
		velocity:
			winRate !== null && avgWon !== null && c.avg_cycle_days !== null && c.avg_cycle_days > 0
				? (c.open_deals * winRate * avgWon) / c.avg_cycle_days
				: null,
		quota: c.quota,
		quota_attainment: c.quota !== null ? ratio(c.won_value, c.quota) : null,
		coverage: coverage(c.open_due_this_quarter, c.quarter_quota, c.quarter_won),
		needed_coverage: winRateValue !== null && winRateValue > 0 ? 1 / winRateValue : null,
		mid_days_per_stage: c.mid_days_per_stage,
		meetings_held: c.meetings_held,
		demos: c.demos,
		proposals_sent: c.proposals_sent,
		renewals_won: c.renewals_won,
		renewals_lost: c.renewals_lost,
		retention_rate: ratio(c.renewals_won, c.renewals_won + c.renewals_lost),
		nrr: ratio(c.renewal_won_value + c.nrr_expansion_value, c.renewal_starting),
		expansion_won_count: c.expansion_won_count,
		expansion_won_value: c.expansion_won_value,
		expansion_win_rate: ratio(c.expansion_won_count, c.expansion_won_count + c.expansion_lost_count),
		accounts_in_care: c.accounts_in_care,
		lifetime_value_per_account: ratio(c.lifetime_won, c.accounts_in_care),
		account_growth: c.won_on_accounts_before > 0 ? c.won_on_accounts / c.won_on_accounts_before - 1 : null,
		commit_hit_rate: ratio(c.commit_won, c.committed),
		forecast_accuracy: c.forecast_won_value > 0 ? 1 - c.forecast_error / c.forecast_won_value : null,
		forecast_bias: ratio(c.forecast_value, c.forecast_won_value)
	};
}

/** The KPIs each role is read by, in the order its table shows them. */
export const kpisByRole: Readonly<Record<SalesRole, readonly (keyof RepKpis)[]>> = {
	SDR: ['opened', 'calls', 'emails', 'meetings_booked', 'qualification_rate', 'opportunity_rate'],
	BDR: ['opened', 'strategic_prospects', 'calls', 'emails', 'meetings_booked', 'response_rate', 'sourced_won_value', 'partner_revenue'],
	AE: [
		'won_count',
		'won_value',
		'win_rate',
		'win_rate_value',
		'avg_won_amount',
		'median_cycle_days',
		'velocity',
		'quota_attainment',
		'coverage',
		'needed_coverage',
		'mid_days_per_stage',
		'meetings_held',
		'proposals_sent',
		'forecast_accuracy',
		'forecast_bias'
	],
	AM: ['renewals_won', 'retention_rate', 'nrr', 'expansion_won_count', 'expansion_won_value', 'expansion_win_rate', 'accounts_in_care', 'forecast_accuracy'],
	KAM: ['accounts_in_care', 'lifetime_value_per_account', 'account_growth', 'nrr', 'retention_rate', 'expansion_won_value', 'forecast_accuracy']
};

/** The closing block every rep's API answer carries, whatever their role. */
export const baseKpis = ['win_rate', 'won_count', 'lost_count', 'avg_won_amount', 'median_cycle_days'] as const satisfies readonly (keyof RepKpis)[];

/** A rep's KPIs as the API returns them: the base block and their role's own. */
export function kpisForRole(role: SalesRole, kpis: RepKpis): Partial<Record<keyof RepKpis, number | null>> {
	const keys = [...baseKpis, ...kpisByRole[role].filter((k) => !(baseKpis as readonly string[]).includes(k))];
	return Object.fromEntries(keys.map((k) => [k, kpis[k]]));
}

// ---------------------------------------------------------------------------------------------
// The questions the pages and the API ask

/** The last `months` months up to `latest`, both ends included. */
export function trailingPeriod(latest: IsoDate, months: number): { from: IsoDate; to: IsoDate } {
	const day = new Date(`${latest}T00:00:00Z`);
	const back = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() - months, day.getUTCDate()));
	// 31 March minus one month must not roll over into March again.
	if (back.getUTCDate() !== day.getUTCDate()) back.setUTCDate(0);
	return { from: addDays(back.toISOString().slice(0, 10), 1), to: latest };
}

/** The `count` calendar quarters up to the one holding `latest`, the last one to date. */
export function recentQuarters(latest: IsoDate, count: number): StrengthPeriod[] {
	const last: Quarter = quarterOf(latest);
	return Array.from({ length: count }, (_, i) => {
		const quarter = addQuarters(last, i - count + 1);
		const end = quarterEnd(quarter);
		return { key: quarter, from: quarterStart(quarter), to: end > latest ? latest : end };
	});
}

/**
 * The profiles are always built from the whole company's facts: each role's prior strength and the
 * company's rate are aggregate parameters learned over every team (as the calibration's are), and
 * one shared, remembered pass serves every viewer. `buildProfiles` decides what a viewer gets.
 */
const companyWide: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };

export interface TeamStrengths {
	from: IsoDate;
	to: IsoDate;
	profiles: RepProfile[];
	/** False when no activities were imported for the period: activity KPIs then say so. */
	activitiesImported: boolean;
}

/**
 * Question: where is each rep of the scope strong, and where is their next step? One profile per rep
 * the scope may list (a rep: only their own), compared with the same role on their team.
 */
export async function teamStrengths(db: Queryable, scope: Scope, period: { from: IsoDate; to: IsoDate }): Promise<TeamStrengths> {
	const rows = await repPeriodCounts(db, companyWide, [{ key: 'current', ...period }]);
	const shown = new Set(rows.filter(hasActivity).map((r) => r.rep_id));
	return { ...period, profiles: buildProfiles(rows, scope).filter((p) => shown.has(p.rep.rep_id)), activitiesImported: hasActivitiesImported(rows) };
}

/**
 * Question: how has a rep's profile developed? Profiles for several periods at once (a period and
 * the quarters before it) from one pass, every rep the scope lists whether or not they were active.
 * For one rep, narrow the scope to them first (`narrowScope(..., { rep })`): their team stays the
 * comparison.
 */
export async function strengthProfiles(db: Queryable, scope: Scope, periods: readonly StrengthPeriod[]): Promise<RepProfile[]> {
	const rows = await repPeriodCounts(db, companyWide, periods);
	return buildProfiles(rows, scope).sort((a, b) => a.from.localeCompare(b.from) || a.rep.name.localeCompare(b.rep.name));
}

export interface BestPracticeDeal {
	deal_id: string;
	deal_name: string | null;
	deal_type: string | null;
	amount: number;
	created: IsoDate;
	closed: IsoDate;
	cycle_days: number;
	/** Median days to win for the same deal type on the rep's team in the period. */
	typical_cycle_days: number;
}

/**
 * Question: which of a rep's deals could the team learn from? Deals the rep won in the period
 * faster than their team usually wins that type of deal, fastest relative to usual first, bigger
 * first among equals. The deals are the rep's own (listed by the scope); the typical cycle is a
 * team-level median.
 */
export async function bestPracticeDeals(
	db: Queryable,
	scope: Scope,
	{ from, to, limit = 5 }: { from: IsoDate; to: IsoDate; limit?: number }
): Promise<BestPracticeDeal[]> {
	const peers = peerCondition(scope);
	const shown = scopeCondition(scope, 'w.closed_owner', 'shown_reps');
	return db.all<BestPracticeDeal>(
		/* sql */ `
		WITH
		peers AS (
			SELECT r.id AS rep_id FROM reps r WHERE ${peers.sql}
		),
		${dealFactsCtes},
		won AS (
			SELECT k.*, r.team_id, k.closed_on - k.created_on AS cycle_days
			FROM known_deals k
			JOIN reps r ON r.id = k.closed_owner
			WHERE k.outcome = 'won' AND k.closed_on BETWEEN $from::DATE AND $to::DATE
		),
		typical AS (
			SELECT team_id, deal_type, median(cycle_days) AS typical_cycle_days
			FROM won
			GROUP BY ALL
		)
		SELECT
			coalesce(d.crm_id, w.deal_id::VARCHAR) AS deal_id,
			d.name AS deal_name,
			w.deal_type,
			w.closed_amount::DOUBLE AS amount,
			w.created_on AS created,
			w.closed_on AS closed,
			w.cycle_days::INTEGER AS cycle_days,
			t.typical_cycle_days::DOUBLE AS typical_cycle_days
		FROM won w
		JOIN typical t ON t.team_id IS NOT DISTINCT FROM w.team_id AND t.deal_type IS NOT DISTINCT FROM w.deal_type
		LEFT JOIN deals d ON d.id = w.deal_id
		WHERE ${shown.sql} AND w.cycle_days < t.typical_cycle_days
		ORDER BY w.cycle_days / t.typical_cycle_days, w.closed_amount DESC, deal_id
		LIMIT $limit`,
		{
			...peers.params,
			...shown.params,
			from,
			to,
			limit,
			mid_rank: funnelPositions.midFunnel,
			late_rank: funnelPositions.lateFunnel
		}
	);
}

export interface ScopeRep {
	email: string;
	name: string;
	role: SalesRole;
	team: string | null;
	active: boolean;
}

/** The reps the scope may list (a rep: only themselves), by team and name. */
export async function scopeReps(db: Queryable, scope: Scope): Promise<ScopeRep[]> {
	const reps = scopeCondition(scope, 'r.id');
	return db.all<ScopeRep>(
		`SELECT r.email, r.name, r.role, t.name AS team, r.active
		FROM reps r
		LEFT JOIN teams t ON t.id = r.team_id
		WHERE ${reps.sql}
		ORDER BY t.name NULLS LAST, r.name`,
		reps.params
	);
}

/** The teams a scope may pick in the filter. */
export async function scopeTeams(db: Queryable, scope: Scope): Promise<string[]> {
	const teams = teamScopeCondition(scope, 't.id');
	const rows = await db.all<{ name: string }>(`SELECT t.name FROM teams t WHERE ${teams.sql} ORDER BY t.name`, teams.params);
	return rows.map((r) => r.name);
}

/** The latest snapshot date, which anchors the default period; null with no data. */
export async function latestSnapshot(db: Queryable): Promise<IsoDate | null> {
	const row = await db.one<{ latest: IsoDate | null }>('SELECT max(snapshot_date) AS latest FROM snapshots');
	return row?.latest ?? null;
}
