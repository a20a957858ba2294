import { sql, type Queryable, type Sql } from '../../db/index.ts';
import { dealOutcomesSql } from '../deal-history.ts';
import { facts, factTableNames, type FactTables, type FactsDefinition } from './index.ts';

/*
 * A deal's segment where it has no row in `deals` (a snapshot row still counts: totals must match the
 * snapshots): with no account there is no earlier win, so it is new business, derived.
 */
export const segmentOf = (alias: Sql) => sql`coalesce(${alias}.segment, 'new_business')`;
export const derivedOf = (alias: Sql) => sql`coalesce(${alias}.segment_derived, true)`;

/**
 * Facts about whole deal histories, the same for every scope, period and as-of date, so built once
 * per data version; they read every row of every snapshot, most of them deals closed long ago, which
 * would cost more than everything else on a page together.
 *
 * - `snapshot_dates(snapshot_date)`.
 * - `deal_outcomes`: every decided deal by the one definition of a deal's outcome (`dealOutcomesSql`
 *   in deal-history.ts: the latest closed stage, so a win corrected to lost is lost).
 * - `won_deals(deal_id, won_on, close_date, amount, owner_id)`: the won ones, with the close date,
 *   amount and owner of the first snapshot of that outcome. A deal counts as won in a period when that
 *   close date falls in it: later snapshots may carry the deal on with edited dates or amounts, and
 *   counting one keeps every win in exactly one period. `won_on` says from when on a forecast could
 *   know about the win. `first_won` is the same in the names the revenue questions use.
 * - `stage_outcomes(owner_id, stage_id, decided_on, deals, won)`: decided deals by the stages they were
 *   ever open in, what calibration learns from. A deal is decided at the first snapshot after the last
 *   one showing it open, when that snapshot shows it closed: won if its outcome (the latest closed
 *   stage) is won and was shown by then, lost otherwise; it is credited to the rep who held it last
 *   while open. A deal gone from that snapshot is not decided: an export of open deals only drops
 *   every win, and learning those as losses would pull every rate down (pipeline movement calls them
 *   removed). A deal seen open again after a gap was not lost.
 * - `typed_deals`: the one place deal types are decided. An explicit type wins. Without one, the deal
 *   is existing business when its account already had a won deal before the deal was created: either
 *   one we can see (a first-won close date earlier than the creation date) or one from before our
 *   history (`customer_since` earlier). Deals missing both a type and a creation date are dated by
 *   their first snapshot. `segment_derived` lets the page say which numbers rest on the derivation.
 *   Decided over all deals regardless of scope, so a deal's type never depends on who is looking; the
 *   joins that derive it touch only untyped deals, so a CRM that types every deal pays nothing for it.
 * - `won_typed`: each first win with its deal's segment, source and opener, by close date: what
 *   the revenue questions count, read as a filter instead of joining every deal's type per ask.
 * - `renewal_history`: each renewal deal's whole story (retention.ts).
 * - `open_by_snapshot`: the open pipeline of every snapshot per owner and segment.
 *
 * Every fact is independent of the as-of date: questions about the past filter by `won_on` and
 * `decided_on`, so nothing after their as-of date leaks in.
 */
export const dealHistoryFacts = {
	kind: 'deal_histories',
	keep: 1,
	tables: [
		['snapshot_dates', () => sql`SELECT DISTINCT snapshot_date FROM snapshots ORDER BY snapshot_date`],
		['deal_outcomes', () => dealOutcomesSql],
		[
			'won_deals',
			(_, tables) => sql`SELECT deal_id, decided_on AS won_on, close_date, amount, owner_id FROM ${tables.deal_outcomes} WHERE outcome = 'won'`
		],
		[
			'first_won',
			(_, tables) => sql`SELECT deal_id, won_on AS won_snapshot, close_date AS won_date, amount, owner_id FROM ${tables.won_deals}`
		],
		[
			'stage_outcomes',
			(_, tables) => sql`
			WITH
			next_snapshot AS (
				SELECT snapshot_date, lead(snapshot_date) OVER (ORDER BY snapshot_date) AS next_snapshot_date
				FROM ${tables.snapshot_dates}
			),
			open_histories AS (
				-- Only the open rows: a small part of each snapshot.
				SELECT
					s.deal_id,
					max(s.snapshot_date) AS last_open,
					arg_max(s.owner_id, s.snapshot_date) AS owner_id,
					list(DISTINCT s.stage_id) AS open_stages
				FROM snapshots s
				WHERE s.stage_id IN (SELECT id FROM stages WHERE outcome = 'open')
				GROUP BY s.deal_id
			),
			decided AS (
				SELECT
					h.owner_id,
					h.open_stages,
					n.next_snapshot_date AS decided_on,
					coalesce(w.won_on <= n.next_snapshot_date, false) AS won
				FROM open_histories h
				JOIN next_snapshot n ON n.snapshot_date = h.last_open
				-- Shown (closed) in the next snapshot; absent from it, the deal was removed, not decided.
				JOIN snapshots shown ON shown.deal_id = h.deal_id AND shown.snapshot_date = n.next_snapshot_date
				LEFT JOIN ${tables.won_deals} w ON w.deal_id = h.deal_id
				WHERE n.next_snapshot_date IS NOT NULL
			)
			SELECT owner_id, stage_id, decided_on, count(*) AS deals, count(*) FILTER (WHERE won) AS won
			FROM (SELECT owner_id, decided_on, won, unnest(open_stages) AS stage_id FROM decided)
			GROUP BY ALL`
		],
		[
			'typed_deals',
			(_, tables) => sql`
			WITH
			first_won AS (SELECT * FROM ${tables.first_won}),
			untyped_deals AS (
				SELECT id AS deal_id, account_id, created_date FROM deals WHERE deal_type IS NULL
			),
			account_first_win AS (
				SELECT d.account_id, min(fw.won_date) AS first_won_date
				FROM first_won fw
				JOIN deals d ON d.id = fw.deal_id
				WHERE d.account_id IN (SELECT account_id FROM untyped_deals)
				GROUP BY d.account_id
			),
			undated_first_seen AS (
				SELECT s.deal_id, min(s.snapshot_date) AS first_seen
				FROM snapshots s
				WHERE s.deal_id IN (SELECT deal_id FROM untyped_deals WHERE created_date IS NULL)
				GROUP BY s.deal_id
			),
			derived_segments AS (
				SELECT
					u.deal_id,
					CASE
						WHEN a.customer_since < coalesce(u.created_date, f.first_seen)
							OR afw.first_won_date < coalesce(u.created_date, f.first_seen) THEN 'existing'
						ELSE 'new_business'
					END AS segment
				FROM untyped_deals u
				LEFT JOIN accounts a ON a.id = u.account_id
				LEFT JOIN account_first_win afw ON afw.account_id = u.account_id
				LEFT JOIN undated_first_seen f ON f.deal_id = u.deal_id
			)
			SELECT
				d.id AS deal_id,
				d.crm_id,
				d.account_id,
				d.deal_type,
				d.source,
				d.sourced_by,
				CASE
					WHEN d.deal_type = 'new_business' THEN 'new_business'
					WHEN d.deal_type IS NOT NULL THEN 'existing'
					ELSE ds.segment
				END AS segment,
				d.deal_type IS NULL AS segment_derived
			FROM deals d
			LEFT JOIN derived_segments ds ON ds.deal_id = d.id`
		],
		[
			'won_typed',
			(_, tables) => sql`
			-- Each first win with its deal's segment, opener and account, in the order of its close date:
			-- what every revenue question counts and splits, joined once here instead of on every ask.
			SELECT fw.deal_id, fw.owner_id, fw.won_date, fw.amount,
				${segmentOf(sql`td`)} AS segment, ${derivedOf(sql`td`)} AS segment_derived,
				td.account_id, td.source, td.sourced_by
			FROM ${tables.first_won} fw
			LEFT JOIN ${tables.typed_deals} td ON td.deal_id = fw.deal_id
			ORDER BY fw.won_date, fw.deal_id`
		],
		[
			'renewal_history',
			(_, tables) => sql`
			-- Each renewal deal's whole story: what was up for renewal, who holds it now, and how and when
			-- it was decided (retention.ts), by the one definition of a deal's outcome (deal-history.ts).
			SELECT
				s.deal_id,
				arg_min(s.amount, s.snapshot_date) AS amount_up_for_renewal,
				arg_max(s.owner_id, s.snapshot_date) AS current_owner,
				any_value(o.outcome) AS outcome,
				any_value(o.close_date) AS decided_date,
				any_value(o.amount) AS decided_amount,
				any_value(o.owner_id) AS owner_id,
				-- Where an undecided renewal stands in the latest snapshot that shows it (retention's at risk).
				max(s.snapshot_date) AS last_seen,
				arg_max(s.close_date, s.snapshot_date) AS last_close_date
			FROM snapshots s
			LEFT JOIN ${tables.deal_outcomes} o ON o.deal_id = s.deal_id
			WHERE s.deal_id IN (SELECT id FROM deals WHERE deal_type = 'renewal')
			GROUP BY s.deal_id`
		],
		[
			'open_by_snapshot',
			(_, tables) => sql`
			-- The open pipeline of every snapshot per owner and segment: a few thousand rows that the
			-- over-time view sums per bucket, instead of reading a dozen whole snapshots each time.
			SELECT s.snapshot_date, s.owner_id, ${segmentOf(sql`td`)} AS segment,
				sum(s.amount) AS pipeline_total,
				sum(s.amount * s.probability) AS pipeline_weighted
			FROM snapshots s
			JOIN stages st ON st.id = s.stage_id AND st.outcome = 'open'
			LEFT JOIN ${tables.typed_deals} td ON td.deal_id = s.deal_id
			GROUP BY ALL
			ORDER BY s.snapshot_date, s.owner_id`
		]
	]
} as const satisfies FactsDefinition<Record<string, never>, string>;

export type DealHistoryTables = FactTables<typeof dealHistoryFacts>;

/**
 * The whole-history tables. They have no key, so their names never change: SQL written once (the
 * forecast's shared CTEs) names them, after `dealHistories` has made sure they describe the data.
 */
export const dealHistoryTables: DealHistoryTables = factTableNames(dealHistoryFacts, {});

/** Makes sure the whole-history facts describe the data as it is now. */
export async function dealHistories(db: Queryable): Promise<DealHistoryTables> {
	return facts(db, dealHistoryFacts, {});
}
