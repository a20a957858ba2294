import { sql, type Queryable } from '../../db/index.ts';
import { withFacts, type FactsDefinition, type FactTables } from './index.ts';
import { dealOutcomesSql, ladderSql } from '../deal-history.ts';

/**
 * Positions on the default ladder that bound the parts of the funnel: Qualified (2), the first
 * opportunity stage Discovery (3), and Proposal (5), from where a deal is in the late stage.
 */
export const funnelPositions = { qualified: 2, midFunnel: 3, lateFunnel: 5 } as const;

/**
 * Who opened a deal, for the opening dimension. The relay credits whoever built the pipeline, not
 * whoever owns it:
 * - the rep named in `sourced_by` (an SDR or BDR, or an AE who sourced it and says so);
 * - nobody, when the deal's source says an SDR or BDR team sourced it but names no one (or a name the
 *   import did not know): the AE who took it over did not open it, and crediting them would put an
 *   SDR's work into an AE's opening;
 * - else, for new business, its first owner: an AE who turned an inbound or partner lead, or their
 *   own prospecting, into an opportunity sourced it themselves;
 * - nobody for renewals, upsells and cross-sells, which grow existing customers rather than open new
 *   ones.
 * A source reads as SDR/BDR-sourced when it names the SDR or BDR role or sales or business
 * development (CRMs' "SDR", "Outbound - BDR", "Sales Development"), in any case.
 */
export const sdrSourcePattern = '\\b(sdr|bdr)s?\\b|sales development|business development';

/**
 * Per deal, everything the strengths need, in one pass over the snapshots: when it was created and by
 * whom, who opened it, the stages it reached, when and how it first closed, at what amount. It does
 * not depend on who asks nor on the period, so it is a fact (index.ts), built once per data version;
 * a scope's question over any periods then reads this one row per deal instead of every snapshot.
 *
 * Closed deals stay in every later snapshot, so most rows repeat a decided outcome and only the
 * snapshot that first showed a deal's outcome matters. `first_closed` finds it (deal-history.ts);
 * `open_facts` then aggregates the open rows plus that one row, where the costly ARG_MINs run.
 * Facts are computed for every deal, not only a scope's: a deal sourced by one team's SDR may be
 * owned by another team's AE.
 */
type DealFactsKey = { mid_rank: number; late_rank: number; sdr_source_pattern: string };

const dealFacts = {
	kind: 'strengths',
	keep: 2,
	tables: [
		[
			'known_deals',
			(key: DealFactsKey) => sql`
	WITH
	ladder AS (${ladderSql}),
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
			min(s.snapshot_date) FILTER (WHERE l.rank >= ${key.mid_rank}) AS mid_on,
			arg_min(s.owner_id, s.snapshot_date) FILTER (WHERE l.rank >= ${key.mid_rank}) AS mid_owner,
			min(s.snapshot_date) FILTER (WHERE l.rank >= ${key.late_rank}) AS late_on,
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
	deal_facts AS (
		SELECT * EXCLUDE (open_rank, closed_rank, mid_on, late_on, mid_owner),
			greatest(open_rank, closed_rank) AS highest_rank,
			coalesce(mid_owner, closed_owner) AS mid_owner,
			least(mid_on, won_seen_on) AS mid_on,
			least(late_on, won_seen_on) AS late_on
		FROM open_facts
	),
	known_deals AS (
		SELECT f.*, d.deal_type, d.source, d.account_id,
			coalesce(d.created_date, f.first_seen) AS created_on,
			-- The relay credits whoever opened the deal (sdrSourcePattern above says who that is).
			CASE
				WHEN d.sourced_by IS NOT NULL THEN d.sourced_by
				WHEN regexp_matches(lower(coalesce(d.source, '')), ${key.sdr_source_pattern}) THEN NULL
				WHEN coalesce(d.deal_type, 'new_business') = 'new_business' THEN f.first_owner
			END AS opener
		FROM deal_facts f
		LEFT JOIN deals d ON d.id = f.deal_id
	)
	SELECT * FROM known_deals ORDER BY deal_id`
		],
		[
			// The snapshot dates, for the questions that need the first or last one or a month's first.
			'snapshot_dates',
			() => sql`SELECT DISTINCT snapshot_date FROM snapshots ORDER BY snapshot_date`
		]
	]
} as const satisfies FactsDefinition<DealFactsKey, 'known_deals' | 'snapshot_dates'>;

export type DealFactTables = FactTables<typeof dealFacts>;

/** Asks `question` of the strengths' deal facts, built first if the data changed. */
export function withDealFacts<R>(db: Queryable, question: (tables: DealFactTables) => Promise<R>): Promise<R> {
	return withFacts(
		db,
		dealFacts,
		{ mid_rank: funnelPositions.midFunnel, late_rank: funnelPositions.lateFunnel, sdr_source_pattern: sdrSourcePattern },
		question
	);
}
