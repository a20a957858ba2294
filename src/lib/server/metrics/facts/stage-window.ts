import { sql } from '../../db/index.ts';
import { ladderSql } from '../deal-history.ts';
import type { FactTables, FactsDefinition } from './index.ts';

/** The window: the snapshot it ends at and the first day it reaches back to. */
export interface StageWindowKey {
	[name: string]: string;
	at: string;
	window_start: string;
}

/**
 * Stage entries inside the window `[window_start, at]`, the same for every scope, so worked out once
 * per window and data version (index.ts). The first snapshot in the window is the `baseline`: a deal
 * already at or past a stage there entered it before the window, so that entry is not counted (we do
 * not know when it happened).
 *
 * Most rows of a snapshot are deals closed long ago, so only open rows, and the won rows of deals
 * open at some point in the window, are read.
 *
 * `first_at_rank`: per deal and ladder step it stood on, its first and last snapshot there (and the
 * close date it had when it got there: for the won step, when the CRM says it closed).
 * `deal_window`: per deal, its latest owner in the window and when it was first seen there.
 * `stints`: per deal and step, when it first stood at that step or beyond (`entered`: so a deal that
 * skips a stage has passed it, and a backward move does not undo a reached stage, as the domain
 * defines conversion) and when it first stood beyond it (`moved_on`, null while it has not).
 * `stage_since`: per deal open at `at`, since when it has stood in its current stage without a break
 * (another step, or lost and reopened, ends a stay), what the stalled list judges.
 * `open_deals`: the deals open at `at` with what the stalled and aging lists and the 1:1's deal
 * pickers show of them; `entries` and `won_cycles`: the stage entries and won cycles after the
 * baseline with the team and deal type they are compared by. Teams are the owner's team of the time
 * (`rep_team_spans`: at the entry, the win, the snapshot), so a rep who moved leaves their past with
 * the old team and a team scope with dated membership is its `team_id` column.
 */
/**
 * Per step of the entries grouped: how many entered, moved on, had come from the first stage, the
 * median days to move on and the reps behind them (for the team-privacy rule).
 */
export const stageFigures = sql`step,
	count(*)::INTEGER AS entered,
	count(*) FILTER (WHERE moved_on IS NOT NULL)::INTEGER AS converted,
	count(*) FILTER (WHERE from_start)::INTEGER AS reached_from_start,
	median(moved_on - entered) FILTER (WHERE moved_on > entered)::DOUBLE AS median_days,
	count(*) FILTER (WHERE moved_on > entered)::INTEGER AS days_sample,
	coalesce(list(DISTINCT owner_id) FILTER (WHERE owner_id IS NOT NULL), []) AS owners`;

export const stageWindowFacts = {
	kind: 'stage_window',
	keep: 16,
	tables: [
		['baseline', (key) => sql`SELECT min(snapshot_date) AS first_date FROM snapshots WHERE snapshot_date BETWEEN ${key.window_start}::DATE AND ${key.at}::DATE`],
		[
			'first_at_rank',
			(key) => sql`
			WITH
			ladder AS (${ladderSql}),
			window_open AS (
				SELECT s.deal_id, s.snapshot_date, s.owner_id, s.stage_id, s.close_date
				FROM snapshots s
				WHERE s.snapshot_date BETWEEN ${key.window_start}::DATE AND ${key.at}::DATE
					AND s.stage_id IN (SELECT id FROM stages WHERE outcome = 'open')
			),
			window_won AS (
				SELECT s.deal_id, s.snapshot_date, s.owner_id, s.stage_id, s.close_date
				FROM snapshots s
				WHERE s.snapshot_date BETWEEN ${key.window_start}::DATE AND ${key.at}::DATE
					AND s.stage_id IN (SELECT id FROM stages WHERE outcome = 'won')
					AND s.deal_id IN (SELECT deal_id FROM window_open)
			)
			SELECT r.deal_id, l.rank,
				min(r.snapshot_date) AS first_date,
				max(r.snapshot_date) AS last_date,
				arg_max(r.owner_id, r.snapshot_date) AS owner_id,
				arg_min(r.close_date, r.snapshot_date) AS first_close_date
			FROM (SELECT * FROM window_open UNION ALL SELECT * FROM window_won) r
			JOIN ladder l ON l.stage_id = r.stage_id
			GROUP BY r.deal_id, l.rank`
		],
		[
			'deal_window',
			(_, tables) => sql`
			-- A deal belongs to its latest owner, as in the movement between two snapshots.
			SELECT deal_id, arg_max(owner_id, last_date) AS owner_id, min(first_date) AS first_seen
			FROM ${tables.first_at_rank}
			GROUP BY deal_id`
		],
		[
			'stints',
			(_, tables) => sql`
			SELECT f.deal_id, steps.rank AS step,
				min(f.first_date) AS entered,
				min(f.first_date) FILTER (WHERE f.rank > steps.rank) AS moved_on
			FROM ${tables.first_at_rank} f
			JOIN (SELECT DISTINCT rank FROM (${ladderSql}) WHERE rank IS NOT NULL) steps ON steps.rank <= f.rank
			GROUP BY f.deal_id, steps.rank`
		],
		[
			'stage_since',
			(key, tables) => sql`
			WITH
			current AS (
				SELECT s.deal_id, s.stage_id, l.rank
				FROM snapshots s
				JOIN (${ladderSql}) l ON l.stage_id = s.stage_id AND l.outcome = 'open'
				WHERE s.snapshot_date = ${key.at}::DATE
			),
			elsewhere AS (
				-- When each deal last stood anywhere but its current stage: another step, or lost (reopened).
				SELECT f.deal_id, f.last_date
				FROM ${tables.first_at_rank} f
				JOIN current c ON c.deal_id = f.deal_id AND f.rank <> c.rank
				UNION ALL
				SELECT s.deal_id, s.snapshot_date
				FROM snapshots s
				WHERE s.snapshot_date BETWEEN ${key.window_start}::DATE AND ${key.at}::DATE
					AND s.stage_id IN (SELECT id FROM stages WHERE outcome = 'lost')
					AND s.deal_id IN (SELECT deal_id FROM current)
			),
			last_elsewhere AS (
				SELECT deal_id, max(last_date) AS last_date FROM elsewhere GROUP BY deal_id
			)
			SELECT c.deal_id, min(o.snapshot_date) AS since
			FROM current c
			JOIN snapshots o ON o.deal_id = c.deal_id AND o.stage_id = c.stage_id
				AND o.snapshot_date BETWEEN ${key.window_start}::DATE AND ${key.at}::DATE
			LEFT JOIN last_elsewhere x ON x.deal_id = c.deal_id
			WHERE x.last_date IS NULL OR o.snapshot_date > x.last_date
			GROUP BY c.deal_id`
		],
		[
			'open_deals',
			(key, tables) => sql`
			SELECT s.deal_id, coalesce(d.crm_id, s.deal_id::VARCHAR) AS crm_id, d.name AS deal_name, d.deal_type,
				a.name AS account, coalesce(a.key_account, false) AS key_account,
				s.owner_id, r.team_id, s.stage_id, l.name AS stage, l.position, l.rank, s.amount, s.close_date,
				s.forecast_category, coalesce(d.created_date, w.first_seen) AS created, i.since
			FROM snapshots s
			JOIN (${ladderSql}) l ON l.stage_id = s.stage_id AND l.outcome = 'open'
			LEFT JOIN ${tables.deal_window} w ON w.deal_id = s.deal_id
			LEFT JOIN ${tables.stage_since} i ON i.deal_id = s.deal_id
			-- Teams are the owner's team of the time (dated membership), here at the snapshot.
			LEFT JOIN rep_team_spans r ON r.rep_id = s.owner_id AND s.snapshot_date >= r.valid_from AND s.snapshot_date < r.valid_to
			LEFT JOIN deals d ON d.id = s.deal_id
			LEFT JOIN accounts a ON a.id = d.account_id
			WHERE s.snapshot_date = ${key.at}::DATE
			ORDER BY s.owner_id`
		],
		[
			'entries',
			(_, tables) => sql`
			WITH first_step AS (SELECT min(rank) AS step FROM (${ladderSql}))
			SELECT e.deal_id, e.step, e.entered, e.moved_on, w.owner_id, r.team_id, d.deal_type,
				e.deal_id IN (
					SELECT deal_id FROM ${tables.stints}
					WHERE step = (SELECT step FROM first_step) AND entered > (SELECT first_date FROM ${tables.baseline})
				) AS from_start
			FROM ${tables.stints} e
			JOIN ${tables.deal_window} w ON w.deal_id = e.deal_id
			-- The owner's team when the deal entered the stage.
			LEFT JOIN rep_team_spans r ON r.rep_id = w.owner_id AND e.entered >= r.valid_from AND e.entered < r.valid_to
			LEFT JOIN deals d ON d.id = e.deal_id
			WHERE e.entered > (SELECT first_date FROM ${tables.baseline})
			ORDER BY w.owner_id`
		],
		[
			'team_stages',
			(_, tables) => sql`
			-- Per team and over all teams, per deal type and over all: what a scope is compared with.
			SELECT grouping(team_id) = 1 AS all_teams, grouping(deal_type) = 1 AS all_types, team_id, deal_type, ${stageFigures}
			FROM ${tables.entries}
			GROUP BY GROUPING SETS ((team_id, deal_type, step), (team_id, step), (deal_type, step), (step))`
		],
		[
			'won_cycles',
			(_, tables) => sql`
			-- Deals won inside the window; the close date on the first won row is when the CRM says it
			-- closed, never after that snapshot.
			SELECT r.team_id, w.owner_id, d.deal_type,
				least(f.first_close_date, f.first_date) - coalesce(d.created_date, w.first_seen) AS days
			FROM ${tables.first_at_rank} f
			JOIN ${tables.deal_window} w ON w.deal_id = f.deal_id
			LEFT JOIN deals d ON d.id = f.deal_id
			-- The owner's team when the deal was first shown won.
			LEFT JOIN rep_team_spans r ON r.rep_id = w.owner_id AND f.first_date >= r.valid_from AND f.first_date < r.valid_to
			WHERE f.rank = (SELECT max(rank) FROM (${ladderSql}))
				AND f.first_date > (SELECT first_date FROM ${tables.baseline})`
		]
	]
} as const satisfies FactsDefinition<StageWindowKey, string>;

export type StageWindowTables = FactTables<typeof stageWindowFacts>;
