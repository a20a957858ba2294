import { fiscalQuarterStart } from '../fiscal-quarters.ts';
import { sql, type Queryable, type Sql } from '../../db/index.ts';
import { repsInScope, teamsInScope, type Scope } from '../../auth/scope.ts';
import type { SalesRole } from '../../../domain/roles.ts';
import type { IsoDate } from '../../../domain/periods.ts';
import { ladderSql } from '../deal-history.ts';
import { rememberedWhileDataUnchanged } from '../remembered.ts';
import { funnelPositions, withDealFacts, type DealFactTables } from '../facts/strengths.ts';

/**
 * The counts behind every measure and KPI, one row per rep, period and team they were in during it
 * (dated membership: each deal, snapshot, quota and activity counts for the rep's team of its date;
 * without dates, one row per rep and period, in their team of today): the deal facts (facts/strengths.ts)
 * aggregated over periods, beside the few things read at single snapshots (the pipeline frozen at
 * each month's start, the pipeline at the period's end), quotas and activities.
 */

export interface StrengthPeriod {
	/** A name for the period: 'current', or a quarter '2026-Q3'. */
	key: string;
	from: IsoDate;
	to: IsoDate;
}

/** Sufficient statistics for every measure and KPI, one row per rep, period and team of the time. */
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
	/** Renewals still open in the latest snapshot although their close date in the period has passed. */
	renewals_at_risk: number;
	/** What those were up for renewal: part of what NRR starts from, not (yet) retained. */
	renewal_at_risk_value: number;
	renewal_won_value: number;
	/** Renewals of customers renewing for the first time (customer since less than FIRST_RENEWAL_MONTHS before). */
	first_renewals_won: number;
	first_renewals_lost: number;
	nrr_expansion_value: number;
	accounts_in_care: number;
	key_accounts_in_care: number;
	/** Whether any account is known as a key account or by its customer-since date (the accounts import). */
	accounts_imported: boolean;
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
 * A renewal is a customer's first when they became a customer less than this many months before it
 * closed: halfway between a yearly contract's first and second anniversary.
 */
export const FIRST_RENEWAL_MONTHS = 18;

/**
 * The reps a profile is compared over: the scope's teams (team-level aggregates, which a rep may
 * see) plus the scope's own reps (a rep without a team is compared with nobody but still sees
 * themselves).
 */
function peerCondition(scope: Scope): Sql {
	return sql`(${teamsInScope(scope, sql`r.team_id`)}) OR (${repsInScope(scope, sql`r.id`)})`;
}

function repPeriodCountsSql(peers: Sql, tables: DealFactTables, periods: readonly StrengthPeriod[]): Sql {
	const { qualified, midFunnel, lateFunnel } = funnelPositions;
	const quarterStart = fiscalQuarterStart(sql`max(d.snapshot_date)`);
	return sql`
	WITH
	periods AS (
		SELECT *,
			period_start - (period_end - period_start + 1)::INTEGER AS previous_start,
			period_start - 1 AS previous_end
		FROM (
			SELECT
				unnest(${periods.map((p) => p.key)}::VARCHAR[]) AS period,
				unnest(${periods.map((p) => p.from)}::DATE[]) AS period_start,
				unnest(${periods.map((p) => p.to)}::DATE[]) AS period_end
		)
	),
	peers AS (
		SELECT r.id AS rep_id FROM reps r WHERE ${peers}
	),
	ladder AS (${ladderSql}),
	known_deals AS (SELECT * FROM ${tables.known_deals}),
	snapshot_dates AS (SELECT * FROM ${tables.snapshot_dates}),
	opening AS (
		SELECT k.opener AS rep_id, ot.team_id, p.period,
			count(*) AS opened,
			count(*) FILTER (WHERE k.highest_rank >= ${qualified}) AS opened_qualified,
			count(*) FILTER (WHERE k.highest_rank >= ${midFunnel}) AS opened_opportunity,
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
		LEFT JOIN rep_team_spans ot ON ot.rep_id = k.opener AND k.created_on >= ot.valid_from AND k.created_on < ot.valid_to
		WHERE k.opener IS NOT NULL
		GROUP BY ALL
	),
	advancing AS (
		SELECT k.mid_owner AS rep_id, mt.team_id, p.period,
			count(*) AS mid_entered,
			count(*) FILTER (WHERE k.highest_rank >= ${lateFunnel}) AS mid_converted,
			median((k.late_on - k.mid_on) / (${lateFunnel} - ${midFunnel})) FILTER (WHERE k.late_on > k.mid_on) AS mid_days_per_stage
		FROM known_deals k
		JOIN periods p ON k.mid_on BETWEEN p.period_start AND p.period_end
		LEFT JOIN rep_team_spans mt ON mt.rep_id = k.mid_owner AND k.mid_on >= mt.valid_from AND k.mid_on < mt.valid_to
		-- A deal already past Discovery in the first snapshot got there at an unknown date.
		WHERE k.mid_on > (SELECT min(snapshot_date) FROM snapshot_dates)
		GROUP BY ALL
	),
	closed AS MATERIALIZED (
		SELECT k.*, p.period,
			-- A yearly contract's first renewal closes about a year after the customer signed; the
			-- second, two years. Halfway between tells them apart, whether a renewal closed early or late.
			a.customer_since > k.closed_on - INTERVAL (${FIRST_RENEWAL_MONTHS}) MONTH AS first_renewal,
			ct.team_id
		FROM known_deals k
		JOIN periods p ON k.closed_on BETWEEN p.period_start AND p.period_end
		LEFT JOIN accounts a ON a.id = k.account_id
		LEFT JOIN rep_team_spans ct ON ct.rep_id = k.closed_owner AND k.closed_on >= ct.valid_from AND k.closed_on < ct.valid_to
		WHERE k.outcome IS NOT NULL
	),
	closing AS (
		SELECT closed_owner AS rep_id, team_id, period,
			count(*) FILTER (WHERE outcome = 'won') AS won_count,
			count(*) FILTER (WHERE outcome = 'lost') AS lost_count,
			sum(closed_amount) FILTER (WHERE outcome = 'won') AS won_value,
			sum(closed_amount) FILTER (WHERE outcome = 'lost') AS lost_value,
			count(*) FILTER (WHERE outcome = 'lost' AND highest_rank >= ${lateFunnel}) AS late_lost_count,
			median(closed_on - created_on) FILTER (WHERE outcome = 'won') AS median_cycle_days,
			avg(closed_on - created_on) FILTER (WHERE outcome = 'won') AS avg_cycle_days,
			count(*) FILTER (WHERE outcome = 'won' AND deal_type IN ('upsell', 'cross_sell')) AS expansion_won_count,
			count(*) FILTER (WHERE outcome = 'lost' AND deal_type IN ('upsell', 'cross_sell')) AS expansion_lost_count,
			sum(closed_amount) FILTER (WHERE outcome = 'won' AND deal_type IN ('upsell', 'cross_sell')) AS expansion_won_value,
			count(*) FILTER (WHERE outcome = 'won' AND deal_type = 'renewal') AS renewals_won,
			count(*) FILTER (WHERE outcome = 'lost' AND deal_type = 'renewal') AS renewals_lost,
			-- What was up for renewal: the renewal's amount when it entered the pipeline.
			sum(first_amount) FILTER (WHERE deal_type = 'renewal') AS renewal_starting,
			sum(closed_amount) FILTER (WHERE outcome = 'won' AND deal_type = 'renewal') AS renewal_won_value,
			count(*) FILTER (WHERE outcome = 'won' AND deal_type = 'renewal' AND first_renewal) AS first_renewals_won,
			count(*) FILTER (WHERE outcome = 'lost' AND deal_type = 'renewal' AND first_renewal) AS first_renewals_lost
		FROM closed
		GROUP BY ALL
	),
	renewals_at_risk AS (
		-- Late renewals are the risky ones: up for renewal in the period as much as a decided one, so
		-- NRR counts them as not (yet) retained rather than leaving them out (as retention.ts does).
		SELECT s.owner_id AS rep_id, st.team_id, p.period,
			count(*) AS renewals_at_risk,
			sum(k.first_amount) AS renewal_at_risk_value
		FROM snapshots s
		JOIN ladder l ON l.id = s.stage_id AND l.outcome = 'open'
		JOIN known_deals k ON k.deal_id = s.deal_id AND k.deal_type = 'renewal' AND k.outcome IS NULL
		JOIN periods p ON s.close_date BETWEEN p.period_start AND p.period_end
		LEFT JOIN rep_team_spans st ON st.rep_id = s.owner_id AND s.snapshot_date >= st.valid_from AND s.snapshot_date < st.valid_to
		WHERE s.snapshot_date = (SELECT max(snapshot_date) FROM snapshot_dates)
			AND s.close_date < s.snapshot_date
		GROUP BY ALL
	),
	renewed_accounts AS (
		SELECT DISTINCT closed_owner AS rep_id, team_id, period, account_id
		FROM closed
		WHERE deal_type = 'renewal' AND account_id IS NOT NULL
	),
	retention_expansion AS (
		-- Net revenue retention counts expansion on the accounts whose renewal was decided.
		SELECT c.closed_owner AS rep_id, c.team_id, c.period, sum(c.closed_amount) AS nrr_expansion_value
		FROM closed c
		JOIN renewed_accounts ra ON ra.rep_id = c.closed_owner AND ra.team_id IS NOT DISTINCT FROM c.team_id AND ra.period = c.period AND ra.account_id = c.account_id
		WHERE c.outcome = 'won' AND c.deal_type IN ('upsell', 'cross_sell')
		GROUP BY ALL
	),
	care AS (
		-- Accounts in a rep's care: those where they held a renewal, upsell or cross-sell in the year
		-- up to the period's end. Every customer renews yearly, so a year sees the whole book.
		SELECT DISTINCT coalesce(k.closed_owner, k.latest_owner) AS rep_id, kt.team_id, p.period, k.account_id
		FROM known_deals k
		JOIN periods p ON k.first_seen <= p.period_end AND (k.closed_on IS NULL OR k.closed_on > p.period_end - 365)
		LEFT JOIN rep_team_spans kt ON kt.rep_id = coalesce(k.closed_owner, k.latest_owner) AND least(coalesce(k.closed_on, p.period_end), p.period_end) >= kt.valid_from AND least(coalesce(k.closed_on, p.period_end), p.period_end) < kt.valid_to
		WHERE k.deal_type IN ('renewal', 'upsell', 'cross_sell') AND k.account_id IS NOT NULL
	),
	account_wins AS (
		SELECT account_id, closed_on, closed_amount
		FROM known_deals
		WHERE outcome = 'won' AND account_id IS NOT NULL
	),
	care_value AS (
		SELECT c.rep_id, c.team_id, c.period,
			count(DISTINCT c.account_id) AS accounts_in_care,
			count(DISTINCT c.account_id) FILTER (WHERE a.key_account) AS key_accounts_in_care,
			sum(w.closed_amount) FILTER (WHERE w.closed_on <= p.period_end) AS lifetime_won,
			sum(w.closed_amount) FILTER (WHERE w.closed_on BETWEEN p.period_start AND p.period_end) AS won_on_accounts,
			sum(w.closed_amount) FILTER (WHERE w.closed_on BETWEEN p.previous_start AND p.previous_end) AS won_on_accounts_before
		FROM care c
		JOIN periods p ON p.period = c.period
		LEFT JOIN accounts a ON a.id = c.account_id
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
		SELECT fm.period, fm.month_start, fm.month_end, s.owner_id AS rep_id, ft.team_id, s.deal_id, s.amount, s.probability, s.forecast_category
		FROM forecast_months fm
		JOIN snapshots s ON s.snapshot_date = fm.frozen_on
		JOIN ladder l ON l.id = s.stage_id AND l.outcome = 'open'
		LEFT JOIN rep_team_spans ft ON ft.rep_id = s.owner_id AND s.snapshot_date >= ft.valid_from AND s.snapshot_date < ft.valid_to
		WHERE fm.frozen_on <= fm.month_start + 6
			AND s.close_date BETWEEN fm.month_start AND fm.month_end
			AND s.owner_id IN (SELECT rep_id FROM peers)
	),
	commits AS (
		SELECT f.rep_id, f.team_id, f.period,
			count(*) FILTER (WHERE f.forecast_category = 'commit') AS committed,
			count(*) FILTER (
				WHERE f.forecast_category = 'commit' AND k.outcome = 'won' AND k.closed_on BETWEEN f.month_start AND f.month_end
			) AS commit_won
		FROM frozen_pipeline f
		LEFT JOIN known_deals k ON k.deal_id = f.deal_id
		GROUP BY ALL
	),
	month_forecast AS (
		SELECT rep_id, team_id, period, month_start, sum(amount * probability) AS weighted
		FROM frozen_pipeline
		GROUP BY ALL
	),
	month_won AS (
		SELECT k.closed_owner AS rep_id, wt.team_id, fm.period, fm.month_start,
			sum(k.closed_amount) AS won,
			-- Won in the month before the forecast was frozen: already part of the forecast.
			sum(k.closed_amount) FILTER (WHERE k.closed_seen_on <= fm.frozen_on) AS won_before_freeze
		FROM forecast_months fm
		JOIN known_deals k ON k.outcome = 'won' AND k.closed_on BETWEEN fm.month_start AND fm.month_end
		LEFT JOIN rep_team_spans wt ON wt.rep_id = k.closed_owner AND k.closed_on >= wt.valid_from AND k.closed_on < wt.valid_to
		WHERE fm.frozen_on <= fm.month_start + 6
		GROUP BY ALL
	),
	forecast_accuracy AS (
		SELECT coalesce(f.rep_id, w.rep_id) AS rep_id, coalesce(f.team_id, w.team_id) AS team_id, coalesce(f.period, w.period) AS period,
			sum(coalesce(f.weighted, 0) + coalesce(w.won_before_freeze, 0)) AS forecast_value,
			sum(coalesce(w.won, 0)) AS forecast_won_value,
			sum(abs(coalesce(f.weighted, 0) + coalesce(w.won_before_freeze, 0) - coalesce(w.won, 0))) AS forecast_error
		FROM month_forecast f
		FULL OUTER JOIN month_won w
			ON w.rep_id = f.rep_id AND w.team_id IS NOT DISTINCT FROM f.team_id AND w.period = f.period AND w.month_start = f.month_start
		GROUP BY ALL
	),
	period_ends AS (
		SELECT p.period, max(d.snapshot_date) AS as_of,
			${quarterStart} AS quarter_start,
			(${quarterStart} + INTERVAL 3 MONTH)::DATE - 1 AS quarter_end
		FROM periods p
		JOIN snapshot_dates d ON d.snapshot_date <= p.period_end
		GROUP BY p.period
	),
	open_at_end AS (
		-- Open pipeline at the period's last snapshot; due this quarter counts from the snapshot's
		-- month on, as the forecast does (an overdue deal is a risk, not pipeline to plan with).
		SELECT e.period, s.owner_id AS rep_id, et.team_id,
			count(*) AS open_deals,
			sum(s.amount) AS open_value,
			sum(s.amount) FILTER (
				WHERE s.close_date BETWEEN greatest(e.quarter_start, date_trunc('month', e.as_of)::DATE) AND e.quarter_end
			) AS open_due_this_quarter
		FROM period_ends e
		JOIN snapshots s ON s.snapshot_date = e.as_of
		JOIN ladder l ON l.id = s.stage_id AND l.outcome = 'open'
		LEFT JOIN rep_team_spans et ON et.rep_id = s.owner_id AND s.snapshot_date >= et.valid_from AND s.snapshot_date < et.valid_to
		WHERE s.owner_id IN (SELECT rep_id FROM peers)
		GROUP BY ALL
	),
	quarter_won AS (
		SELECT k.closed_owner AS rep_id, qt.team_id, e.period, sum(k.closed_amount) AS quarter_won
		FROM period_ends e
		JOIN known_deals k ON k.outcome = 'won' AND k.closed_on BETWEEN e.quarter_start AND e.as_of
		LEFT JOIN rep_team_spans qt ON qt.rep_id = k.closed_owner AND k.closed_on >= qt.valid_from AND k.closed_on < qt.valid_to
		GROUP BY ALL
	),
	quota_windows AS (
		SELECT period, 'period' AS kind, period_start AS window_start, period_end AS window_end FROM periods
		UNION ALL
		SELECT period, 'quarter', quarter_start, quarter_end FROM period_ends
	),
	quota_share AS (
		-- A quota counts for the days of it that fall in the window.
		SELECT q.rep_id, qt.team_id, w.period,
			sum(q.amount * (least(q.period_end, w.window_end) - greatest(q.period_start, w.window_start) + 1)
				/ (q.period_end - q.period_start + 1)) FILTER (WHERE w.kind = 'period') AS quota,
			sum(q.amount * (least(q.period_end, w.window_end) - greatest(q.period_start, w.window_start) + 1)
				/ (q.period_end - q.period_start + 1)) FILTER (WHERE w.kind = 'quarter') AS quarter_quota
		FROM quota_windows w
		JOIN quotas q ON q.period_start <= w.window_end AND q.period_end >= w.window_start
		LEFT JOIN rep_team_spans qt ON qt.rep_id = q.rep_id AND greatest(q.period_start, w.window_start) >= qt.valid_from AND greatest(q.period_start, w.window_start) < qt.valid_to
		WHERE q.rep_id IN (SELECT rep_id FROM peers)
		GROUP BY ALL
	),
	activity AS (
		SELECT a.rep_id, act.team_id, p.period,
			sum(a.count) FILTER (WHERE a.kind = 'call') AS calls,
			sum(a.count) FILTER (WHERE a.kind = 'email') AS emails,
			sum(a.count) FILTER (WHERE a.kind = 'meeting_booked') AS meetings_booked,
			sum(a.count) FILTER (WHERE a.kind = 'meeting_held') AS meetings_held,
			sum(a.count) FILTER (WHERE a.kind = 'demo') AS demos,
			sum(a.count) FILTER (WHERE a.kind = 'proposal_sent') AS proposals_sent
		FROM activities a
		JOIN periods p ON a.activity_date BETWEEN p.period_start AND p.period_end
		LEFT JOIN rep_team_spans act ON act.rep_id = a.rep_id AND a.activity_date >= act.valid_from AND a.activity_date < act.valid_to
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
	),
	membership AS (
		-- A row per rep, period and team they were in during it (dated membership; without it, their
		-- team of today over the whole period), with the days of the period they were in it: every
		-- count above is the team's of the time, so a rep who moved shows in each team with what
		-- they did there.
		SELECT m.rep_id, m.team_id, p.period,
			min(greatest(m.valid_from, p.period_start)) AS member_from,
			max(least(m.valid_to - 1, p.period_end)) AS member_to
		FROM rep_team_spans m
		JOIN periods p ON m.valid_from <= p.period_end AND m.valid_to > p.period_start
		WHERE m.rep_id IN (SELECT rep_id FROM peers)
		GROUP BY ALL
	)
	SELECT
		r.id AS rep_id, r.email, r.name, r.role, m.team_id, t.name AS team, r.active,
		p.period, p.period_start, p.period_end,
		greatest(0,
			least(m.member_to, coalesce(pr.last_active, m.member_to))
			- greatest(m.member_from, coalesce(pr.first_active, m.member_from)) + 1
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
		coalesce(ra.renewals_at_risk, 0)::INTEGER AS renewals_at_risk,
		coalesce(ra.renewal_at_risk_value, 0)::DOUBLE AS renewal_at_risk_value,
		coalesce(c.renewal_won_value, 0)::DOUBLE AS renewal_won_value,
		coalesce(c.first_renewals_won, 0)::INTEGER AS first_renewals_won,
		coalesce(c.first_renewals_lost, 0)::INTEGER AS first_renewals_lost,
		coalesce(re.nrr_expansion_value, 0)::DOUBLE AS nrr_expansion_value,
		coalesce(cv.accounts_in_care, 0)::INTEGER AS accounts_in_care,
		coalesce(cv.key_accounts_in_care, 0)::INTEGER AS key_accounts_in_care,
		(SELECT count(*) > 0 FROM accounts WHERE key_account OR customer_since IS NOT NULL) AS accounts_imported,
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
	JOIN membership m ON m.rep_id = r.id AND m.period = p.period
	LEFT JOIN teams t ON t.id = m.team_id
	LEFT JOIN presence pr ON pr.rep_id = r.id
	LEFT JOIN opening o ON o.rep_id = r.id AND o.team_id IS NOT DISTINCT FROM m.team_id AND o.period = p.period
	LEFT JOIN advancing a ON a.rep_id = r.id AND a.team_id IS NOT DISTINCT FROM m.team_id AND a.period = p.period
	LEFT JOIN closing c ON c.rep_id = r.id AND c.team_id IS NOT DISTINCT FROM m.team_id AND c.period = p.period
	LEFT JOIN renewals_at_risk ra ON ra.rep_id = r.id AND ra.team_id IS NOT DISTINCT FROM m.team_id AND ra.period = p.period
	LEFT JOIN retention_expansion re ON re.rep_id = r.id AND re.team_id IS NOT DISTINCT FROM m.team_id AND re.period = p.period
	LEFT JOIN care_value cv ON cv.rep_id = r.id AND cv.team_id IS NOT DISTINCT FROM m.team_id AND cv.period = p.period
	LEFT JOIN commits cm ON cm.rep_id = r.id AND cm.team_id IS NOT DISTINCT FROM m.team_id AND cm.period = p.period
	LEFT JOIN forecast_accuracy fa ON fa.rep_id = r.id AND fa.team_id IS NOT DISTINCT FROM m.team_id AND fa.period = p.period
	LEFT JOIN open_at_end oe ON oe.rep_id = r.id AND oe.team_id IS NOT DISTINCT FROM m.team_id AND oe.period = p.period
	LEFT JOIN quarter_won qw ON qw.rep_id = r.id AND qw.team_id IS NOT DISTINCT FROM m.team_id AND qw.period = p.period
	LEFT JOIN quota_share qs ON qs.rep_id = r.id AND qs.team_id IS NOT DISTINCT FROM m.team_id AND qs.period = p.period
	LEFT JOIN activity ac ON ac.rep_id = r.id AND ac.team_id IS NOT DISTINCT FROM m.team_id AND ac.period = p.period
	ORDER BY p.period_start, t.name NULLS LAST, r.role, r.name`;
}

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
		withDealFacts(db, (tables) =>
			db.all<RepPeriodCounts>(repPeriodCountsSql(peers, tables, periods))
		)
	);
	// Every caller gets its own copy: the remembered rows are shared.
	return structuredClone(rows);
}
