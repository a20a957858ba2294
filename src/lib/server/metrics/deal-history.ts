import { sql } from '../db/index.ts';

/**
 * SQL about deals' histories that several questions share, so that they all read them alike. Each is
 * a fragment without parameters: facts compose it, and SQL written as a string still names it.
 */

/**
 * The stage ladder, one row per stage: open stages by position, a win beyond every open stage, a
 * loss on no step of it (rank null). `stage_id` repeats `id` for the queries that name it so.
 */
export const ladderSql = sql`
	SELECT id, id AS stage_id, name, position, outcome,
		CASE outcome
			WHEN 'open' THEN position
			WHEN 'won' THEN (SELECT max(position) FROM stages WHERE outcome = 'open') + 1
		END AS rank
	FROM stages`;

/**
 * A deal's outcome, the one definition every question uses (movement reads the stage at each
 * snapshot; forecast, calibration, revenue and strengths read this): its latest closed stage. A win
 * corrected to lost in the CRM is lost; a deal lost, reopened and won counts once, as won; a deal
 * reopened and open again has no outcome yet, it is pipeline. The outcome is dated by the close date
 * of the first snapshot of its final run (the first showing it closed that way after it last showed
 * anything else) and valued at that snapshot's amount, credited to that snapshot's owner.
 * `decided_on` is that snapshot's date: from when on anyone could know.
 *
 * Columns: deal_id, outcome ('won' | 'lost'), decided_on, close_date, amount, owner_id. Two passes
 * over the closed rows and one over the open rows of every snapshot, so it is read from facts (or
 * once per question), never per deal.
 */
export const dealOutcomesSql = sql`
	WITH
	closed_rows AS (
		SELECT s.deal_id, s.snapshot_date, s.close_date, s.amount, s.owner_id, st.outcome
		FROM snapshots s
		JOIN stages st ON st.id = s.stage_id AND st.outcome <> 'open'
	),
	last_open AS (
		SELECT deal_id, max(snapshot_date) AS last_open
		FROM snapshots
		WHERE stage_id IN (SELECT id FROM stages WHERE outcome = 'open')
		GROUP BY deal_id
	),
	latest AS (
		SELECT deal_id,
			arg_max(outcome, snapshot_date) AS outcome,
			max(snapshot_date) AS last_closed,
			max(snapshot_date) FILTER (WHERE outcome = 'won') AS last_won,
			max(snapshot_date) FILTER (WHERE outcome = 'lost') AS last_lost
		FROM closed_rows
		GROUP BY deal_id
	),
	final_run AS (
		-- Where the final run starts: after the last snapshot showing the deal open or closed the other way.
		SELECT l.deal_id, l.outcome,
			greatest(
				coalesce(o.last_open, DATE '0001-01-01'),
				coalesce(CASE l.outcome WHEN 'won' THEN l.last_lost ELSE l.last_won END, DATE '0001-01-01')
			) AS run_after
		FROM latest l
		LEFT JOIN last_open o USING (deal_id)
		WHERE o.last_open IS NULL OR o.last_open < l.last_closed
	)
	SELECT
		f.deal_id,
		f.outcome,
		min(c.snapshot_date) AS decided_on,
		arg_min(c.close_date, c.snapshot_date) AS close_date,
		arg_min(c.amount, c.snapshot_date) AS amount,
		arg_min(c.owner_id, c.snapshot_date) AS owner_id
	FROM final_run f
	JOIN closed_rows c ON c.deal_id = f.deal_id AND c.outcome = f.outcome AND c.snapshot_date > f.run_after
	GROUP BY f.deal_id, f.outcome`;

/**
 * The won deals by that definition, as the forecast and revenue read them: when the win was first
 * shown (`won_on`), with that snapshot's close date, amount and owner. Counting one snapshot keeps
 * every win in exactly one period, whatever later snapshots edit.
 */
export const wonDealsSql = sql`
	SELECT deal_id, decided_on AS won_on, close_date, amount, owner_id
	FROM (${dealOutcomesSql})
	WHERE outcome = 'won'`;
