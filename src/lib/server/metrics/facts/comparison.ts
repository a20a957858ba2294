import { sql } from '../../db/index.ts';
import { ladderSql } from '../deal-history.ts';
import type { FactTables, FactsDefinition } from './index.ts';

/** Snapshot A and B, and the close-date period P (null for the whole open pipeline). */
export interface ComparisonKey {
	[name: string]: string | null;
	from: string;
	to: string;
	period_start: string | null;
	period_end: string | null;
}

/**
 * One row per deal that is open at A or at B (`pairs`), with its two states, whether each counts as
 * pipeline (`in_a`, `in_b`: open, with a close date in P), the amounts `a` and `b` the waterfall
 * counts, and its owner at each snapshot. `pieces` says how each deal moved the pipeline from `a` to
 * `b`: one row per part it is in, with a positive amount. None of this depends on who asks, so it is
 * worked out once per snapshot pair and period (index.ts) and every scope's question filters it.
 *
 * Owners are read as of each snapshot (`owner_a`, `owner_b`; a deal absent from one snapshot keeps the
 * owner of the other). A scope holds a deal's start amount when it held the deal at A and its end
 * amount when it holds it at B, so a team's consecutive weeks chain. A deal whose owner crossed the
 * scope is transferred at its amount at A; whatever else happened to it in the week (a win, a new
 * amount) belongs to its owner at B. `owner_id` is the owner at B, who the deal lists and the
 * stage moves are about.
 *
 * Beside it: the deals closed at B that were not in A at all (`created_and_closed`, with whether their
 * close date is in P), and how often the close date of each deal that slipped between A and B moved
 * later in all snapshots up to B (`pushes`).
 */
export const comparisonFacts = {
	kind: 'comparison',
	keep: 16,
	tables: [
		[
			'pairs',
			(key) => sql`
			WITH
			ladder AS (${ladderSql}),
			-- Only deals open at A or at B can move the pipeline; most rows of a snapshot are deals closed
			-- long ago, and skipping them early is most of this query's speed. Deals open outside P are
			-- kept: they may enter it, or close inside it.
			pipeline_deals AS (
				SELECT s.deal_id
				FROM snapshots s
				WHERE s.snapshot_date IN (${key.from}::DATE, ${key.to}::DATE)
					AND s.stage_id IN (SELECT id FROM stages WHERE outcome = 'open')
			),
			at_a AS (
				SELECT s.deal_id, s.owner_id, s.stage_id, s.amount, s.close_date, l.outcome, l.rank
				FROM snapshots s
				JOIN ladder l ON l.id = s.stage_id
				WHERE s.snapshot_date = ${key.from}::DATE AND s.deal_id IN (SELECT deal_id FROM pipeline_deals)
			),
			at_b AS (
				SELECT s.deal_id, s.owner_id, s.stage_id, s.amount, s.close_date, l.outcome, l.rank
				FROM snapshots s
				JOIN ladder l ON l.id = s.stage_id
				WHERE s.snapshot_date = ${key.to}::DATE AND s.deal_id IN (SELECT deal_id FROM pipeline_deals)
			),
			compared AS (
				SELECT
					coalesce(b.deal_id, a.deal_id) AS deal_id,
					coalesce(b.owner_id, a.owner_id) AS owner_id,
					coalesce(a.owner_id, b.owner_id) AS owner_a,
					coalesce(b.owner_id, a.owner_id) AS owner_b,
					a.deal_id IS NOT NULL AS present_a,
					b.deal_id IS NOT NULL AS present_b,
					a.stage_id AS stage_a, b.stage_id AS stage_b,
					a.outcome AS outcome_a, b.outcome AS outcome_b,
					a.rank AS rank_a, b.rank AS rank_b,
					a.amount AS amount_a, b.amount AS amount_b,
					a.close_date AS close_a, b.close_date AS close_b,
					coalesce(a.outcome = 'open' AND (${key.period_start}::DATE IS NULL OR a.close_date BETWEEN ${key.period_start}::DATE AND ${key.period_end}::DATE), false) AS in_a,
					coalesce(b.outcome = 'open' AND (${key.period_start}::DATE IS NULL OR b.close_date BETWEEN ${key.period_start}::DATE AND ${key.period_end}::DATE), false) AS in_b,
					-- A deal closed at B closed inside P when the close date it closed with is in P.
					coalesce(b.outcome IN ('won', 'lost') AND (${key.period_start}::DATE IS NULL OR b.close_date BETWEEN ${key.period_start}::DATE AND ${key.period_end}::DATE), false) AS closed_in_period_b
				FROM at_a a
				FULL OUTER JOIN at_b b ON b.deal_id = a.deal_id
			)
			SELECT c.*, d.deal_type, d.sourced_by, coalesce(d.crm_id, c.deal_id::VARCHAR) AS crm_id, d.name AS deal_name,
				a.name AS account, coalesce(a.key_account, false) AS key_account,
				-- An unknown amount (NULL) moves the pipeline's money by nothing, but the deal still counts.
				CASE WHEN c.in_a THEN coalesce(c.amount_a, 0) ELSE 0::DECIMAL(18, 2) END AS a,
				CASE WHEN c.in_b THEN coalesce(c.amount_b, 0) ELSE 0::DECIMAL(18, 2) END AS b
			FROM compared c
			LEFT JOIN deals d ON d.id = c.deal_id
			LEFT JOIN accounts a ON a.id = d.account_id
			ORDER BY c.owner_id`
		],
		[
			'pieces',
			(_, tables) => sql`
			WITH pieces AS (
				-- Created after A and open pipeline at B.
				SELECT deal_id, 'new' AS part, b AS amount FROM ${tables.pairs} WHERE NOT present_a AND in_b
				UNION ALL
				-- In A but not its pipeline (closed, or due outside P), and open pipeline at B: it entered.
				-- A close date moved later came from an earlier period; one moved earlier, or a reopened
				-- deal, is pulled in.
				SELECT deal_id, CASE WHEN outcome_a = 'open' AND close_b > close_a THEN 'slipped_in' ELSE 'pulled_in' END, b
				FROM ${tables.pairs} WHERE present_a AND NOT in_a AND in_b
				UNION ALL
				-- Open outside P at A and closed inside P at B: it entered P and closed in the same week, so
				-- it is in both parts, and nothing it closed with is missing from the waterfall. A win enters
				-- at the amount won; a loss at its amount at A, as losses leave.
				SELECT deal_id, CASE WHEN close_b > close_a THEN 'slipped_in' ELSE 'pulled_in' END,
					CASE WHEN outcome_b = 'won' THEN coalesce(amount_b, 0) ELSE coalesce(amount_a, 0) END
				FROM ${tables.pairs} WHERE outcome_a = 'open' AND NOT in_a AND closed_in_period_b
				UNION ALL
				SELECT deal_id, outcome_b, CASE WHEN outcome_b = 'won' THEN coalesce(amount_b, 0) ELSE coalesce(amount_a, 0) END
				FROM ${tables.pairs} WHERE outcome_a = 'open' AND NOT in_a AND closed_in_period_b
				UNION ALL
				-- Won from the pipeline: at the amount won, whatever its close date; the change from the
				-- amount at A is an increase or decrease, so the week's euros all show.
				SELECT deal_id, 'won', coalesce(amount_b, 0) FROM ${tables.pairs} WHERE in_a AND outcome_b = 'won'
				UNION ALL
				SELECT deal_id, CASE WHEN coalesce(amount_b, 0) > a THEN 'increased' ELSE 'decreased' END, abs(coalesce(amount_b, 0) - a)
				FROM ${tables.pairs} WHERE in_a AND outcome_b = 'won'
				UNION ALL
				-- Lost deals leave at their amount at A: what a CRM records on losing is often zero.
				SELECT deal_id, 'lost', a FROM ${tables.pairs} WHERE in_a AND outcome_b = 'lost'
				UNION ALL
				-- Absent from B: the export dropped it. Nobody recorded a loss, so it is not one (an export
				-- of open deals only would otherwise turn every win into a loss); it is removed.
				SELECT deal_id, 'removed', a FROM ${tables.pairs} WHERE in_a AND NOT present_b
				UNION ALL
				-- Still open, but its close date left P: later is pushed, earlier is pulled out. It leaves
				-- at its amount at A; what it is worth now counts in the period it went to.
				SELECT deal_id, CASE WHEN close_b > close_a THEN 'pushed' ELSE 'pulled_out' END, a
				FROM ${tables.pairs} WHERE in_a AND outcome_b = 'open' AND NOT in_b
				UNION ALL
				-- Pipeline at both: compared by amount, even when a was 0, so a zero-amount deal that gains an
				-- amount reads as an increase, not as pulled in.
				SELECT deal_id, CASE WHEN b > a THEN 'increased' ELSE 'decreased' END, abs(b - a)
				FROM ${tables.pairs} WHERE in_a AND in_b
			)
			-- A change of nothing is no movement (a win at its amount at A is no increase), but a deal
			-- that was won, lost, removed or moved with amount 0 or none still counts in its part.
			SELECT * FROM pieces WHERE amount <> 0 OR part NOT IN ('increased', 'decreased') ORDER BY deal_id`
		],
		[
			'created_and_closed',
			(key) => sql`
			SELECT s.deal_id, s.owner_id, s.amount, s.close_date, st.outcome,
				(${key.period_start}::DATE IS NULL OR s.close_date BETWEEN ${key.period_start}::DATE AND ${key.period_end}::DATE) AS in_period,
				d.deal_type, coalesce(d.crm_id, s.deal_id::VARCHAR) AS crm_id, d.name AS deal_name,
				a.name AS account, coalesce(a.key_account, false) AS key_account
			FROM snapshots s
			JOIN stages st ON st.id = s.stage_id AND st.outcome IN ('won', 'lost')
			LEFT JOIN deals d ON d.id = s.deal_id
			LEFT JOIN accounts a ON a.id = d.account_id
			WHERE s.snapshot_date = ${key.to}::DATE
				AND s.deal_id NOT IN (SELECT deal_id FROM snapshots WHERE snapshot_date = ${key.from}::DATE)`
		],
		[
			'pushes',
			(key, tables) => sql`
			WITH history AS (
				SELECT s.deal_id, s.close_date,
					lag(s.close_date) OVER (PARTITION BY s.deal_id ORDER BY s.snapshot_date) AS previous_close
				FROM snapshots s
				WHERE s.snapshot_date <= ${key.to}::DATE
					AND s.deal_id IN (SELECT deal_id FROM ${tables.pairs} WHERE in_a AND outcome_b = 'open' AND close_b > close_a)
			)
			SELECT deal_id, count(*) FILTER (WHERE close_date > previous_close)::INTEGER AS times_pushed
			FROM history
			GROUP BY deal_id`
		]
	]
} as const satisfies FactsDefinition<ComparisonKey, string>;

export type ComparisonTables = FactTables<typeof comparisonFacts>;
