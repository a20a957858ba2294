import { listValue } from '@duckdb/node-api';
import type { Queryable, SqlParams } from '../db/index.ts';
import { withFacts, type FactsDefinition } from './facts.ts';
import { scopeCondition, scopeConditionAt, teamScopeCondition, type Scope } from '../auth/scope.ts';
import type { DealType } from '../../domain/roles.ts';
import { movementParts, partSign, type MovementPart, type Period } from '../../domain/movement.ts';
import { ladderSql } from './deal-history.ts';

/**
 * Pipeline movement between two snapshots A and B: the waterfall from open pipeline at A to open
 * pipeline at B, the stage-to-stage moves, and the deals whose close date slipped. Every query reads
 * only the two snapshot dates (the table is stored in date order, so that is 2 of ~100 weeks).
 */

export interface MovementOptions {
	/** Snapshot A, 'YYYY-MM-DD'. */
	from: string;
	/** Snapshot B, 'YYYY-MM-DD'. */
	to: string;
	/** Only deals whose close date falls in this window count as pipeline; null = the whole open pipeline. */
	period?: Period | null;
	dealType?: DealType | null;
}

/**
 * One row per deal that is open at A or at B (`pairs`), with its two states, whether each counts as
 * pipeline (`in_a`, `in_b`: open, with a close date in P), the amounts `a` and `b` the waterfall
 * counts, and its owner at each snapshot. `pieces` says how each deal moved the pipeline from `a` to
 * `b`: one row per part it is in, with a positive amount. None of this depends on who asks, so it is
 * worked out once per snapshot pair and period (facts.ts) and every scope's question filters it.
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
const comparisonFacts = {
	kind: 'comparison',
	keep: 16,
	tables: [
		[
			'pairs',
			/* sql */ `
			WITH
			ladder AS (${ladderSql}),
			-- Only deals open at A or at B can move the pipeline; most rows of a snapshot are deals closed
			-- long ago, and skipping them early is most of this query's speed. Deals open outside P are
			-- kept: they may enter it, or close inside it.
			pipeline_deals AS (
				SELECT s.deal_id
				FROM snapshots s
				WHERE s.snapshot_date IN ($from::DATE, $to::DATE)
					AND s.stage_id IN (SELECT id FROM stages WHERE outcome = 'open')
			),
			at_a AS (
				SELECT s.deal_id, s.owner_id, s.stage_id, s.amount, s.close_date, l.outcome, l.rank
				FROM snapshots s
				JOIN ladder l ON l.id = s.stage_id
				WHERE s.snapshot_date = $from::DATE AND s.deal_id IN (SELECT deal_id FROM pipeline_deals)
			),
			at_b AS (
				SELECT s.deal_id, s.owner_id, s.stage_id, s.amount, s.close_date, l.outcome, l.rank
				FROM snapshots s
				JOIN ladder l ON l.id = s.stage_id
				WHERE s.snapshot_date = $to::DATE AND s.deal_id IN (SELECT deal_id FROM pipeline_deals)
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
					coalesce(a.outcome = 'open' AND ($period_start::DATE IS NULL OR a.close_date BETWEEN $period_start::DATE AND $period_end::DATE), false) AS in_a,
					coalesce(b.outcome = 'open' AND ($period_start::DATE IS NULL OR b.close_date BETWEEN $period_start::DATE AND $period_end::DATE), false) AS in_b,
					-- A deal closed at B closed inside P when the close date it closed with is in P.
					coalesce(b.outcome IN ('won', 'lost') AND ($period_start::DATE IS NULL OR b.close_date BETWEEN $period_start::DATE AND $period_end::DATE), false) AS closed_in_period_b
				FROM at_a a
				FULL OUTER JOIN at_b b ON b.deal_id = a.deal_id
			)
			SELECT c.*, d.deal_type, coalesce(d.crm_id, c.deal_id::VARCHAR) AS crm_id, d.name AS deal_name,
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
			/* sql */ `
			WITH pieces AS (
				-- Created after A and open pipeline at B.
				SELECT deal_id, 'new' AS part, b AS amount FROM {pairs} WHERE NOT present_a AND in_b
				UNION ALL
				-- In A but not its pipeline (closed, or due outside P), and open pipeline at B: it entered.
				-- A close date moved later came from an earlier period; one moved earlier, or a reopened
				-- deal, is pulled in.
				SELECT deal_id, CASE WHEN outcome_a = 'open' AND close_b > close_a THEN 'slipped_in' ELSE 'pulled_in' END, b
				FROM {pairs} WHERE present_a AND NOT in_a AND in_b
				UNION ALL
				-- Open outside P at A and closed inside P at B: it entered P and closed in the same week, so
				-- it is in both parts, and nothing it closed with is missing from the waterfall. A win enters
				-- at the amount won; a loss at its amount at A, as losses leave.
				SELECT deal_id, CASE WHEN close_b > close_a THEN 'slipped_in' ELSE 'pulled_in' END,
					CASE WHEN outcome_b = 'won' THEN coalesce(amount_b, 0) ELSE coalesce(amount_a, 0) END
				FROM {pairs} WHERE outcome_a = 'open' AND NOT in_a AND closed_in_period_b
				UNION ALL
				SELECT deal_id, outcome_b, CASE WHEN outcome_b = 'won' THEN coalesce(amount_b, 0) ELSE coalesce(amount_a, 0) END
				FROM {pairs} WHERE outcome_a = 'open' AND NOT in_a AND closed_in_period_b
				UNION ALL
				-- Won from the pipeline: at the amount won, whatever its close date; the change from the
				-- amount at A is an increase or decrease, so the week's euros all show.
				SELECT deal_id, 'won', coalesce(amount_b, 0) FROM {pairs} WHERE in_a AND outcome_b = 'won'
				UNION ALL
				SELECT deal_id, CASE WHEN coalesce(amount_b, 0) > a THEN 'increased' ELSE 'decreased' END, abs(coalesce(amount_b, 0) - a)
				FROM {pairs} WHERE in_a AND outcome_b = 'won'
				UNION ALL
				-- Lost deals leave at their amount at A: what a CRM records on losing is often zero.
				SELECT deal_id, 'lost', a FROM {pairs} WHERE in_a AND outcome_b = 'lost'
				UNION ALL
				-- Absent from B: the export dropped it. Nobody recorded a loss, so it is not one (an export
				-- of open deals only would otherwise turn every win into a loss); it is removed.
				SELECT deal_id, 'removed', a FROM {pairs} WHERE in_a AND NOT present_b
				UNION ALL
				-- Still open, but its close date left P: later is pushed, earlier is pulled out. It leaves
				-- at its amount at A; what it is worth now counts in the period it went to.
				SELECT deal_id, CASE WHEN close_b > close_a THEN 'pushed' ELSE 'pulled_out' END, a
				FROM {pairs} WHERE in_a AND outcome_b = 'open' AND NOT in_b
				UNION ALL
				-- Pipeline at both: compared by amount, even when a was 0, so a zero-amount deal that gains an
				-- amount reads as an increase, not as pulled in.
				SELECT deal_id, CASE WHEN b > a THEN 'increased' ELSE 'decreased' END, abs(b - a)
				FROM {pairs} WHERE in_a AND in_b
			)
			-- A change of nothing is no movement (a win at its amount at A is no increase), but a deal
			-- that was won, lost, removed or moved with amount 0 or none still counts in its part.
			SELECT * FROM pieces WHERE amount <> 0 OR part NOT IN ('increased', 'decreased') ORDER BY deal_id`
		],
		[
			'created_and_closed',
			/* sql */ `
			SELECT s.deal_id, s.owner_id, s.amount, s.close_date, st.outcome,
				($period_start::DATE IS NULL OR s.close_date BETWEEN $period_start::DATE AND $period_end::DATE) AS in_period,
				d.deal_type, coalesce(d.crm_id, s.deal_id::VARCHAR) AS crm_id, d.name AS deal_name,
				a.name AS account, coalesce(a.key_account, false) AS key_account
			FROM snapshots s
			JOIN stages st ON st.id = s.stage_id AND st.outcome IN ('won', 'lost')
			LEFT JOIN deals d ON d.id = s.deal_id
			LEFT JOIN accounts a ON a.id = d.account_id
			WHERE s.snapshot_date = $to::DATE
				AND s.deal_id NOT IN (SELECT deal_id FROM snapshots WHERE snapshot_date = $from::DATE)`
		],
		[
			'pushes',
			/* sql */ `
			WITH history AS (
				SELECT s.deal_id, s.close_date,
					lag(s.close_date) OVER (PARTITION BY s.deal_id ORDER BY s.snapshot_date) AS previous_close
				FROM snapshots s
				WHERE s.snapshot_date <= $to::DATE
					AND s.deal_id IN (SELECT deal_id FROM {pairs} WHERE in_a AND outcome_b = 'open' AND close_b > close_a)
			)
			SELECT deal_id, count(*) FILTER (WHERE close_date > previous_close)::INTEGER AS times_pushed
			FROM history
			GROUP BY deal_id`
		]
	]
} as const satisfies FactsDefinition<string>;

export type ComparisonTables = Record<(typeof comparisonFacts.tables)[number][0], string>;

function comparisonFactParams(options: MovementOptions): SqlParams {
	return {
		from: options.from,
		to: options.to,
		period_start: options.period?.start ?? null,
		period_end: options.period?.end ?? null
	};
}

/** Asks `question` of the comparison facts of A and B over the whole open pipeline, as they are. */
export function withComparisonFacts<R>(db: Queryable, options: MovementOptions, question: (tables: ComparisonTables) => Promise<R>): Promise<R> {
	return withFacts(db, comparisonFacts, comparisonFactParams(options), question);
}

/**
 * Asks `question` of the comparison facts of A, B and P (the same for every scope), with the CTEs
 * that narrow them to the scope and deal type.
 */
function withComparison<R>(
	db: Queryable,
	scope: Scope,
	options: MovementOptions,
	question: (ctes: { sql: string; params: SqlParams }, tables: ComparisonTables) => Promise<R>
): Promise<R> {
	return withComparisonFacts(db, options, (tables) => question(comparisonCtes(tables, scope, options), tables));
}

/**
 * The comparison narrowed to the scope and deal type:
 * - `parts`: one row per deal the scope holds at B (its owner at B is in it), for the stage moves and
 *   slipped lists;
 * - `held`: every deal the scope held at A or holds at B, with `held_a` and `held_b`;
 * - `pieces`: the waterfall's rows, one per deal and part with its positive `amount`: the parts of the
 *   deals held at B, and the transfers of deals whose owner crossed the scope (at their amount at A).
 */
function comparisonCtes(tables: ComparisonTables, scope: Scope, options: MovementOptions) {
	// Whose team a deal was in is read as of each snapshot where membership has dates.
	const heldA = scopeConditionAt(scope, 'p.owner_a', '$held_a_on::DATE', 'held_a_reps');
	const heldB = scopeConditionAt(scope, 'p.owner_b', '$held_b_on::DATE', 'held_b_reps');
	const sql = /* sql */ `
	held AS (
		SELECT p.*, ${heldA.sql} AS held_a, ${heldB.sql} AS held_b
		FROM ${tables.pairs} p
		WHERE (${heldA.sql} OR ${heldB.sql})
			AND ($deal_type::VARCHAR IS NULL OR p.deal_type = $deal_type::VARCHAR)
	),
	parts AS (
		SELECT * FROM held WHERE held_b
	),
	pieces AS (
		SELECT h.*, x.part, x.amount
		FROM held h
		JOIN ${tables.pieces} x ON x.deal_id = h.deal_id
		WHERE h.held_b
		UNION ALL
		SELECT h.*, 'transferred_in' AS part, h.a AS amount FROM held h WHERE h.held_b AND NOT h.held_a AND h.a <> 0
		UNION ALL
		SELECT h.*, 'transferred_out' AS part, h.a AS amount FROM held h WHERE h.held_a AND NOT h.held_b AND h.a <> 0
	)`;
	const heldOn: SqlParams = scope.memberTeamIds ? { held_a_on: options.from, held_b_on: options.to } : {};
	return { sql, params: { ...heldA.params, ...heldB.params, ...heldOn, deal_type: options.dealType ?? null } };
}

export interface PipelineMovement {
	from: string;
	to: string;
	/** Open pipeline at A (in P) of the deals the scope held at A. */
	start: number;
	/** Open pipeline at B (in P) of the deals the scope holds at B, summed from B alone. */
	end: number;
	/** Positive magnitudes: start + the parts, each with its sign (partSign) = end. */
	parts: Record<MovementPart, number>;
	/** How many deals make up each part. */
	counts: Record<MovementPart, number>;
	startDeals: number;
	endDeals: number;
}

/** The waterfall from open pipeline at A to open pipeline at B. Sums are exact DECIMALs, converted last. */
export async function pipelineMovement(db: Queryable, scope: Scope, options: MovementOptions): Promise<PipelineMovement> {
	const row = await withComparison(db, scope, options, (ctes) => {
		return db.one<Record<string, number>>(
			/* sql */ `
			WITH ${ctes.sql},
			totals AS (
				SELECT
					coalesce(sum(a) FILTER (WHERE held_a), 0)::DOUBLE AS start_amount,
					coalesce(sum(b) FILTER (WHERE held_b), 0)::DOUBLE AS end_amount,
					count(*) FILTER (WHERE held_a AND in_a)::INTEGER AS start_deals,
					count(*) FILTER (WHERE held_b AND in_b)::INTEGER AS end_deals
				FROM held
			),
			sums AS (
				SELECT
					${movementParts.map((part) => `coalesce(sum(amount) FILTER (WHERE part = '${part}'), 0)::DOUBLE AS ${part}`).join(',\n\t\t\t\t\t')},
					${movementParts.map((part) => `count(*) FILTER (WHERE part = '${part}')::INTEGER AS ${part}_count`).join(',\n\t\t\t\t\t')}
				FROM pieces
			)
			SELECT * FROM totals, sums`,
			ctes.params
		);
	});
	const values = row ?? {};
	const parts = Object.fromEntries(movementParts.map((part) => [part, values[part] ?? 0])) as Record<MovementPart, number>;
	const counts = Object.fromEntries(movementParts.map((part) => [part, values[`${part}_count`] ?? 0])) as Record<MovementPart, number>;
	return {
		from: options.from,
		to: options.to,
		start: values.start_amount ?? 0,
		end: values.end_amount ?? 0,
		parts,
		counts,
		startDeals: values.start_deals ?? 0,
		endDeals: values.end_deals ?? 0
	};
}

export interface MovementDeal {
	/** The CRM's id (deals.crm_id). */
	deal_id: string;
	deal_name: string | null;
	owner: string | null;
	part: MovementPart | null;
	stage_from: string | null;
	stage_to: string | null;
	/** Amount in the CRM at A / at B; null where the deal is absent from that snapshot. */
	amount_from: number | null;
	amount_to: number | null;
	/** What this deal adds to (or, negative, takes from) the pipeline between A and B. */
	change: number;
	close_from: string | null;
	close_to: string | null;
}

export interface DealList<T> {
	/** How many deals match, even when `limit` returned fewer. */
	total: number;
	deals: T[];
}

/** Rows of a limited deal query that carry `count(*) OVER () AS total`, as a DealList. */
export function dealList<T>(rows: (T & { total: number })[]): DealList<T> {
	return { total: rows[0]?.total ?? 0, deals: rows.map(({ total: _total, ...deal }) => deal as T) };
}

/**
 * The deals behind the waterfall: those of one part, or of the start or end bar, or (no `part`)
 * every deal in a part, once for each part it is in (a deal pulled into the period and won in the
 * same week is listed in both). Biggest change first.
 */
export async function movementDeals(
	db: Queryable,
	scope: Scope,
	options: MovementOptions & { part?: MovementPart | 'start' | 'end' | null; limit?: number | null }
): Promise<DealList<MovementDeal>> {
	const rows = await withComparison(db, scope, options, (ctes) => {
		return db.all<MovementDeal & { total: number }>(
			/* sql */ `
			WITH ${ctes.sql},
			chosen AS (
				SELECT *, NULL::VARCHAR AS part, b - a AS change FROM held WHERE $part::VARCHAR = 'start' AND held_a AND in_a
				UNION ALL BY NAME
				SELECT *, NULL::VARCHAR AS part, b - a AS change FROM held WHERE $part::VARCHAR = 'end' AND held_b AND in_b
				UNION ALL BY NAME
				SELECT * EXCLUDE (amount),
					CASE WHEN part IN (${movementParts.filter((part) => partSign[part] < 0).map((part) => `'${part}'`).join(', ')}) THEN -amount ELSE amount END AS change
				FROM pieces
				WHERE $part::VARCHAR IS NULL OR part = $part::VARCHAR
			)
			SELECT
				c.crm_id AS deal_id,
				c.deal_name,
				r.name AS owner,
				c.part,
				sa.name AS stage_from,
				sb.name AS stage_to,
				c.amount_a::DOUBLE AS amount_from,
				c.amount_b::DOUBLE AS amount_to,
				c.change::DOUBLE AS change,
				c.close_a AS close_from,
				c.close_b AS close_to,
				count(*) OVER ()::INTEGER AS total
			FROM chosen c
			LEFT JOIN reps r ON r.id = c.owner_id
			LEFT JOIN stages sa ON sa.id = c.stage_a
			LEFT JOIN stages sb ON sb.id = c.stage_b
			ORDER BY CASE $part::VARCHAR WHEN 'start' THEN c.a WHEN 'end' THEN c.b ELSE abs(c.change) END DESC, deal_id, c.part
			LIMIT $limit`,
			{ ...ctes.params, part: options.part ?? null, limit: options.limit ?? null }
		);
	});
	return dealList(rows);
}

export interface CreatedAndClosedDeal {
	deal_id: string;
	deal_name: string | null;
	owner: string | null;
	outcome: 'won' | 'lost';
	amount: number;
	close_date: string;
}

/**
 * Deals that were not in snapshot A and are closed at B: created and closed between the two, so they
 * never were open pipeline at either snapshot and the waterfall cannot show them. With a period, only
 * those whose close date at B falls in it.
 */
export async function dealsCreatedAndClosed(
	db: Queryable,
	scope: Scope,
	options: MovementOptions
): Promise<CreatedAndClosedDeal[]> {
	const reps = scopeCondition(scope, 'c.owner_id');
	return withComparison(db, scope, options, (_ctes, tables) =>
		db.all<CreatedAndClosedDeal>(
			/* sql */ `
			SELECT
				c.crm_id AS deal_id,
				c.deal_name,
				r.name AS owner,
				c.outcome,
				c.amount::DOUBLE AS amount,
				c.close_date
			FROM ${tables.created_and_closed} c
			LEFT JOIN reps r ON r.id = c.owner_id
			WHERE ${reps.sql}
				AND c.in_period
				AND ($deal_type::VARCHAR IS NULL OR c.deal_type = $deal_type::VARCHAR)
			ORDER BY c.outcome DESC, c.amount DESC, deal_id`,
			{ ...reps.params, deal_type: options.dealType ?? null }
		)
	);
}

export interface ClosedOutsidePeriodDeal extends CreatedAndClosedDeal {
	/** Close date at A; null for a deal created after A. */
	close_from: string | null;
}

/**
 * With a period: the deals won or lost between A and B whose close date at B is outside it and that
 * were not the period's pipeline at A (a deal due in July won on 2 April, seen for the quarter ending
 * in March). The waterfall of the period rightly leaves them out; listed beside it, nothing won in the
 * week is invisible. Without a period every such deal is in the waterfall or created and closed.
 */
export async function dealsClosedOutsidePeriod(db: Queryable, scope: Scope, options: MovementOptions): Promise<ClosedOutsidePeriodDeal[]> {
	if (!options.period) return [];
	const reps = scopeCondition(scope, 'c.owner_id');
	return withComparison(db, scope, options, (_ctes, tables) =>
		db.all<ClosedOutsidePeriodDeal>(
			/* sql */ `
			WITH closed AS (
				SELECT deal_id, owner_id, deal_type, crm_id, deal_name, outcome_b AS outcome,
					CASE WHEN outcome_b = 'won' THEN amount_b ELSE amount_a END AS amount, close_b AS close_date, close_a AS close_from
				FROM ${tables.pairs}
				WHERE outcome_a = 'open' AND NOT in_a AND outcome_b IN ('won', 'lost') AND NOT closed_in_period_b
				UNION ALL
				SELECT deal_id, owner_id, deal_type, crm_id, deal_name, outcome, amount, close_date, NULL AS close_from
				FROM ${tables.created_and_closed}
				WHERE NOT in_period
			)
			SELECT
				c.crm_id AS deal_id,
				c.deal_name,
				r.name AS owner,
				c.outcome,
				c.amount::DOUBLE AS amount,
				c.close_date,
				c.close_from
			FROM closed c
			LEFT JOIN reps r ON r.id = c.owner_id
			WHERE ${reps.sql}
				AND ($deal_type::VARCHAR IS NULL OR c.deal_type = $deal_type::VARCHAR)
			ORDER BY c.outcome DESC, c.amount DESC, deal_id`,
			{ ...reps.params, deal_type: options.dealType ?? null }
		)
	);
}

export type MoveDirection = 'forward' | 'backward';

export interface StageTransitionCell {
	/** Stage at A; null for deals not in snapshot A. */
	stage_from_id: number | null;
	stage_from: string | null;
	/** Stage at B; null for deals missing from snapshot B. */
	stage_to_id: number | null;
	stage_to: string | null;
	/** Positions on the ladder, to lay the matrix out; null where the stage is. */
	position_from: number | null;
	position_to: number | null;
	direction: MoveDirection | null;
	deals: number;
	amount_from: number;
	amount_to: number;
}

export interface StageTransitions {
	cells: StageTransitionCell[];
	/** Deals whose stage at B is later than at A (a win counts as later than every open stage). */
	movedForward: number;
	/** Deals open at both snapshots whose stage at B is earlier than at A. */
	movedBackward: number;
}

/**
 * Direction of a deal's stage move between A and B, for deals open at A. Losing a deal is falling
 * out of the funnel, not moving backward, so it is neither.
 */
const directionSql = /* sql */ `
	CASE
		WHEN outcome_a = 'open' AND rank_b > rank_a THEN 'forward'
		WHEN outcome_a = 'open' AND outcome_b = 'open' AND rank_b < rank_a THEN 'backward'
	END`;

/**
 * The stage-to-stage matrix from A to B over the deals that are pipeline (open, due in P) at A or at
 * B, with counts and amounts, plus how many moved forward and backward.
 */
export async function stageTransitions(db: Queryable, scope: Scope, options: MovementOptions): Promise<StageTransitions> {
	const cells = await withComparison(db, scope, options, (ctes) => {
		return db.all<StageTransitionCell>(
			/* sql */ `
			WITH ${ctes.sql},
			moves AS (
				SELECT *, ${directionSql} AS direction
				FROM parts
				WHERE in_a OR in_b
			)
			SELECT
				m.stage_a AS stage_from_id, sa.name AS stage_from, sa.position AS position_from,
				m.stage_b AS stage_to_id, sb.name AS stage_to, sb.position AS position_to,
				m.direction,
				count(*)::INTEGER AS deals,
				coalesce(sum(m.amount_a), 0)::DOUBLE AS amount_from,
				coalesce(sum(m.amount_b), 0)::DOUBLE AS amount_to
			FROM moves m
			LEFT JOIN stages sa ON sa.id = m.stage_a
			LEFT JOIN stages sb ON sb.id = m.stage_b
			GROUP BY m.stage_a, sa.name, sa.position, m.stage_b, sb.name, sb.position, m.direction
			ORDER BY sa.position NULLS FIRST, sb.position NULLS LAST`,
				ctes.params
		);
	});
	const count = (direction: MoveDirection) =>
		cells.filter((cell) => cell.direction === direction).reduce((sum, cell) => sum + cell.deals, 0);
	return { cells, movedForward: count('forward'), movedBackward: count('backward') };
}

export interface TransitionDeal {
	deal_id: string;
	deal_name: string | null;
	owner: string | null;
	stage_from: string | null;
	stage_to: string | null;
	direction: MoveDirection | null;
	/** Steps up (positive) or down (negative) the ladder; null where either side is off the ladder. */
	steps: number | null;
	amount_from: number | null;
	amount_to: number | null;
	close_from: string | null;
	close_to: string | null;
}

/** Which stage a transition starts or ends at: a stage id, or 'none' for absent from that snapshot. */
export type StageKey = number | 'none';

/**
 * The deals behind the transition matrix: filtered by direction and/or one cell (stage at A, stage
 * at B), or to some deals by CRM id. Biggest leaps first, then biggest amounts, so the list reads
 * best example first.
 */
export async function transitionDeals(
	db: Queryable,
	scope: Scope,
	options: MovementOptions & {
		direction?: MoveDirection | null;
		stageFrom?: StageKey | null;
		stageTo?: StageKey | null;
		dealIds?: readonly string[] | null;
		limit?: number | null;
	}
): Promise<DealList<TransitionDeal>> {
	const stageParam = (key: StageKey | null | undefined) => (key === undefined || key === null ? null : key === 'none' ? -1 : key);
	const rows = await withComparison(db, scope, options, (ctes) => {
		return db.all<TransitionDeal & { total: number }>(
			/* sql */ `
			WITH ${ctes.sql},
			moves AS (
				SELECT *, ${directionSql} AS direction
				FROM parts
				WHERE in_a OR in_b
			)
			SELECT
				m.crm_id AS deal_id,
				m.deal_name,
				r.name AS owner,
				sa.name AS stage_from,
				sb.name AS stage_to,
				m.direction,
				(m.rank_b - m.rank_a)::INTEGER AS steps,
				m.amount_a::DOUBLE AS amount_from,
				m.amount_b::DOUBLE AS amount_to,
				m.close_a AS close_from,
				m.close_b AS close_to,
				count(*) OVER ()::INTEGER AS total
			FROM moves m
			LEFT JOIN reps r ON r.id = m.owner_id
			LEFT JOIN stages sa ON sa.id = m.stage_a
			LEFT JOIN stages sb ON sb.id = m.stage_b
			WHERE ($direction::VARCHAR IS NULL OR m.direction = $direction::VARCHAR)
				AND ($stage_from::INTEGER IS NULL OR coalesce(m.stage_a, -1) = $stage_from::INTEGER)
				AND ($stage_to::INTEGER IS NULL OR coalesce(m.stage_b, -1) = $stage_to::INTEGER)
				AND ($deal_ids::VARCHAR[] IS NULL OR list_contains($deal_ids::VARCHAR[], m.crm_id))
			ORDER BY abs(m.rank_b - m.rank_a) DESC NULLS LAST, coalesce(m.amount_b, m.amount_a) DESC, deal_id
			LIMIT $limit`,
			{
				...ctes.params,
				direction: options.direction ?? null,
				stage_from: stageParam(options.stageFrom),
				stage_to: stageParam(options.stageTo),
				deal_ids: options.dealIds ? listValue([...options.dealIds]) : null,
				limit: options.limit ?? null
			}
		);
	});
	return dealList(rows);
}

/** What went well: deals that moved forward between A and B, the biggest leaps first. */
export function dealsMovedForward(db: Queryable, scope: Scope, options: MovementOptions & { limit?: number | null }) {
	return transitionDeals(db, scope, { ...options, direction: 'forward' });
}

export interface SlippedDeal {
	deal_id: string;
	deal_name: string | null;
	owner: string | null;
	stage: string | null;
	amount: number;
	close_from: string;
	close_to: string;
	days_slipped: number;
	/** Push count: how many times, in all snapshots up to B, the close date moved later. */
	times_pushed: number;
}

/**
 * Slipped: deals open at A (and due in P at A) and still open at B, whose close date moved later
 * between A and B, with how often each has slipped over its whole history. Most often pushed first.
 */
export async function slippedDeals(
	db: Queryable,
	scope: Scope,
	options: MovementOptions & { limit?: number | null }
): Promise<DealList<SlippedDeal>> {
	const rows = await withComparison(db, scope, options, (ctes, tables) => {
		return db.all<SlippedDeal & { total: number }>(
			/* sql */ `
			WITH ${ctes.sql},
			slipped AS (
				SELECT * FROM parts
				WHERE in_a AND outcome_b = 'open' AND close_b > close_a
			)
			SELECT
				s.crm_id AS deal_id,
				s.deal_name,
				r.name AS owner,
				st.name AS stage,
				s.amount_b::DOUBLE AS amount,
				s.close_a AS close_from,
				s.close_b AS close_to,
				(s.close_b - s.close_a)::INTEGER AS days_slipped,
				p.times_pushed,
				count(*) OVER ()::INTEGER AS total
			FROM slipped s
			JOIN ${tables.pushes} p ON p.deal_id = s.deal_id
			LEFT JOIN reps r ON r.id = s.owner_id
			LEFT JOIN stages st ON st.id = s.stage_b
			ORDER BY p.times_pushed DESC, s.amount_b DESC, deal_id
			LIMIT $limit`,
				{ ...ctes.params, limit: options.limit ?? null }
		);
	});
	return dealList(rows);
}

export interface MovementFilterOptions {
	teams: { name: string }[];
	reps: { email: string; name: string; team: string | null }[];
}

/** The teams and reps a user may pick from: only what their scope holds (a rep sees only themselves). */
export async function movementFilterOptions(db: Queryable, scope: Scope): Promise<MovementFilterOptions> {
	const reps = scopeCondition(scope, 'r.id');
	const teams = teamScopeCondition(scope, 't.id');
	return {
		teams: await db.all<{ name: string }>(`SELECT t.name FROM teams t WHERE ${teams.sql} ORDER BY t.name`, teams.params),
		reps: await db.all<{ email: string; name: string; team: string | null }>(
			`SELECT r.email, r.name, t.name AS team
			FROM reps r
			LEFT JOIN teams t ON t.id = r.team_id
			WHERE ${reps.sql}
			ORDER BY t.name NULLS LAST, r.name`,
			reps.params
		)
	};
}
