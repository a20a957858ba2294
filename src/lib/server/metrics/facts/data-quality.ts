import { sql } from '../../db/index.ts';
import { ladderSql } from '../deal-history.ts';
import type { FactTables, FactsDefinition } from './index.ts';

/** How often a close date may move later before the deal is flagged as pushed. */
export const pushedTimes = 3;

/**
 * The data-quality flags of every deal whose latest state up to snapshot `as_of` is open (open at the
 * snapshot, or last seen open before it: gone from the export while open), with its latest owner. The
 * history flags read every snapshot up to `as_of`, the same for every scope, so they are worked out
 * once per snapshot and data version; a scope's question then filters these deals by owner.
 */
export const dataQualityFacts = {
	kind: 'data_quality',
	keep: 4,
	tables: [
		[
			'flagged',
			(key) => sql`
			WITH
			ladder AS (${ladderSql}),
			latest AS (
				SELECT s.deal_id, max(s.snapshot_date) AS last_seen, arg_max(s.owner_id, s.snapshot_date) AS owner_id,
					arg_max(s.stage_id, s.snapshot_date) AS stage_id, arg_max(l.outcome, s.snapshot_date) AS outcome,
					arg_max(s.amount, s.snapshot_date) AS amount, arg_max(s.close_date, s.snapshot_date) AS close_date
				FROM snapshots s JOIN ladder l ON l.id = s.stage_id
				WHERE s.snapshot_date <= ${key.as_of}::DATE
				GROUP BY s.deal_id
			),
			-- Only deals whose latest state is open are flagged: their rows alone are read in order, a
			-- small part of two years of snapshots, most of which repeat deals closed long ago.
			history AS (
				SELECT s.deal_id, s.snapshot_date, s.close_date, l.outcome, l.rank,
					lag(l.rank) OVER w AS previous_rank, lag(l.outcome) OVER w AS previous_outcome,
					lag(s.close_date) OVER w AS previous_close
				FROM snapshots s JOIN ladder l ON l.id = s.stage_id
				WHERE s.snapshot_date <= ${key.as_of}::DATE
					AND s.deal_id IN (SELECT deal_id FROM latest WHERE outcome = 'open')
				WINDOW w AS (PARTITION BY s.deal_id ORDER BY s.snapshot_date)
			),
			moves AS (
				SELECT deal_id,
					-- Forward by more than one step of the ladder between two snapshots (into a win too):
					-- the stages between were never recorded.
					bool_or(previous_outcome = 'open' AND outcome IN ('open', 'won') AND rank - previous_rank > 1) AS skipped,
					bool_or(previous_outcome = 'open' AND outcome = 'open' AND rank < previous_rank) AS backward,
					count(*) FILTER (WHERE outcome = 'open' AND close_date > previous_close) AS pushes
				FROM history
				GROUP BY deal_id
			),
			flagged AS (
				SELECT latest.*, d.crm_id, d.name AS deal_name, d.created_date, a.name AS account,
					latest.last_seen = ${key.as_of}::DATE AS open_at_as_of,
					list_filter([
						CASE WHEN latest.close_date IS NULL THEN 'no_close_date' END,
						CASE WHEN latest.amount IS NULL THEN 'no_amount' END,
						CASE WHEN latest.close_date < ${key.as_of}::DATE THEN 'past_close_date' END,
						CASE WHEN d.created_date IS NULL THEN 'no_created_date' END,
						CASE WHEN m.skipped THEN 'stage_skipped' END,
						CASE WHEN m.backward THEN 'moved_backward' END,
						CASE WHEN latest.amount = 0 THEN 'zero_amount' END,
						CASE WHEN m.pushes >= ${pushedTimes} THEN 'pushed_3_times' END
					], f -> f IS NOT NULL) AS open_flags
				FROM latest
				JOIN moves m USING (deal_id)
				LEFT JOIN deals d ON d.id = latest.deal_id
				LEFT JOIN accounts a ON a.id = d.account_id
				-- Open at the snapshot, or last seen open before it: gone from the export while open.
				WHERE latest.outcome = 'open'
			)
			SELECT * FROM flagged`
		]
	]
} as const satisfies FactsDefinition<{ as_of: string }, string>;

export type DataQualityTables = FactTables<typeof dataQualityFacts>;
