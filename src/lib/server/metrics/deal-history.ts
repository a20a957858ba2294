/** SQL about deals' histories that several questions share, so that they all read them alike. */

/**
 * The stage ladder, one row per stage: open stages by position, a win beyond every open stage, a
 * loss on no step of it (rank null). `stage_id` repeats `id` for the queries that name it so.
 */
export const ladderSql = /* sql */ `
	SELECT id, id AS stage_id, name, position, outcome,
		CASE outcome
			WHEN 'open' THEN position
			WHEN 'won' THEN (SELECT max(position) FROM stages WHERE outcome = 'open') + 1
		END AS rank
	FROM stages`;

/**
 * When, for how much and by whom each deal was won: the first snapshot showing it Closed Won
 * (`won_on`), with that snapshot's close date, amount and owner. Later snapshots may carry a won deal
 * on with edited dates or amounts; counting the first keeps every win in exactly one period. One
 * pass over the Closed Won rows of every snapshot, so it is read from facts, never per question.
 */
export const firstWonSql = /* sql */ `
	SELECT
		s.deal_id,
		min(s.snapshot_date) AS won_on,
		arg_min(s.close_date, s.snapshot_date) AS close_date,
		arg_min(s.amount, s.snapshot_date) AS amount,
		arg_min(s.owner_id, s.snapshot_date) AS owner_id
	FROM snapshots s
	WHERE s.stage_id IN (SELECT id FROM stages WHERE outcome = 'won')
	GROUP BY s.deal_id`;
