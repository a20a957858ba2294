import { listValue } from '@duckdb/node-api';
import { sql, type Queryable, type Sql } from '../db/index.ts';
import { withFacts } from './facts/index.ts';
import { comparisonFacts, type ComparisonKey, type ComparisonTables } from './facts/comparison.ts';
import { repsInScope, repsInScopeAt, type Scope } from '../auth/scope.ts';
import type { DealType } from '../../domain/roles.ts';
import { movementParts, partSign, type MovementPart, type Period } from '../../domain/movement.ts';
import { ladderSql } from './deal-history.ts';
import type { MovementDeal, DealList, CreatedAndClosedDeal, ClosedOutsidePeriodDeal, MoveDirection, StageTransitionCell, StageTransitions, TransitionDeal, SlippedDeal } from '../../domain/movement.ts';

export type { MovementDeal, DealList, CreatedAndClosedDeal, ClosedOutsidePeriodDeal, MoveDirection, StageTransitionCell, StageTransitions, TransitionDeal, SlippedDeal } from '../../domain/movement.ts';

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


function comparisonKey(options: MovementOptions): ComparisonKey {
	return {
		from: options.from,
		to: options.to,
		period_start: options.period?.start ?? null,
		period_end: options.period?.end ?? null
	};
}

/** Asks `question` of the comparison facts of A and B over the whole open pipeline, as they are. */
export function withComparisonFacts<R>(db: Queryable, options: MovementOptions, question: (tables: ComparisonTables) => Promise<R>): Promise<R> {
	return withFacts(db, comparisonFacts, comparisonKey(options), question);
}

/**
 * Asks `question` of the comparison facts of A, B and P (the same for every scope), with the CTEs
 * that narrow them to the scope and deal type.
 */
function withComparison<R>(
	db: Queryable,
	scope: Scope,
	options: MovementOptions,
	question: (ctes: Sql, tables: ComparisonTables) => Promise<R>
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
function comparisonCtes(tables: ComparisonTables, scope: Scope, options: MovementOptions): Sql {
	// Whose team a deal was in is read as of each snapshot where membership has dates.
	const heldA = repsInScopeAt(scope, sql`p.owner_a`, sql`${options.from}::DATE`);
	const heldB = repsInScopeAt(scope, sql`p.owner_b`, sql`${options.to}::DATE`);
	const dealType = options.dealType ?? null;
	return sql`
	held AS (
		SELECT p.*, ${heldA} AS held_a, ${heldB} AS held_b
		FROM ${tables.pairs} p
		WHERE (${heldA} OR ${heldB})
			AND (${dealType}::VARCHAR IS NULL OR p.deal_type = ${dealType}::VARCHAR)
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
			sql`
			WITH ${ctes},
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
					${sql.join(movementParts.map((part) => sql`coalesce(sum(amount) FILTER (WHERE part = ${part}), 0)::DOUBLE AS ${sql.id(part)}`))},
					${sql.join(movementParts.map((part) => sql`count(*) FILTER (WHERE part = ${part})::INTEGER AS ${sql.id(`${part}_count`)}`))}
				FROM pieces
			)
			SELECT * FROM totals, sums`
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
	options: MovementOptions & { part?: MovementPart | 'start' | 'end' | null; limit?: number | null; offset?: number }
): Promise<DealList<MovementDeal>> {
	const part = options.part ?? null;
	const limit = options.limit ?? null;
	const offset = options.offset ?? 0;
	const subtracted = movementParts.filter((part) => partSign[part] < 0);
	const rows = await withComparison(db, scope, options, (ctes) => {
		return db.all<MovementDeal & { total: number }>(
			sql`
			WITH ${ctes},
			chosen AS (
				SELECT *, NULL::VARCHAR AS part, b - a AS change FROM held WHERE ${part}::VARCHAR = 'start' AND held_a AND in_a
				UNION ALL BY NAME
				SELECT *, NULL::VARCHAR AS part, b - a AS change FROM held WHERE ${part}::VARCHAR = 'end' AND held_b AND in_b
				UNION ALL BY NAME
				SELECT * EXCLUDE (amount),
					CASE WHEN list_contains(${subtracted}::VARCHAR[], part) THEN -amount ELSE amount END AS change
				FROM pieces
				WHERE ${part}::VARCHAR IS NULL OR part = ${part}::VARCHAR
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
			ORDER BY CASE ${part}::VARCHAR WHEN 'start' THEN c.a WHEN 'end' THEN c.b ELSE abs(c.change) END DESC, deal_id, c.part
			LIMIT ${limit} OFFSET ${offset}`
		);
	});
	return dealList(rows);
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
	const reps = repsInScope(scope, sql`c.owner_id`);
	const dealType = options.dealType ?? null;
	return withComparison(db, scope, options, (_ctes, tables) =>
		db.all<CreatedAndClosedDeal>(
			sql`
			SELECT
				c.crm_id AS deal_id,
				c.deal_name,
				r.name AS owner,
				c.outcome,
				c.amount::DOUBLE AS amount,
				c.close_date
			FROM ${tables.created_and_closed} c
			LEFT JOIN reps r ON r.id = c.owner_id
			WHERE ${reps}
				AND c.in_period
				AND (${dealType}::VARCHAR IS NULL OR c.deal_type = ${dealType}::VARCHAR)
			ORDER BY c.outcome DESC, c.amount DESC, deal_id`
		)
	);
}

/**
 * With a period: the deals won or lost between A and B whose close date at B is outside it and that
 * were not the period's pipeline at A (a deal due in July won on 2 April, seen for the quarter ending
 * in March). The waterfall of the period rightly leaves them out; listed beside it, nothing won in the
 * week is invisible. Without a period every such deal is in the waterfall or created and closed.
 */
export async function dealsClosedOutsidePeriod(db: Queryable, scope: Scope, options: MovementOptions): Promise<ClosedOutsidePeriodDeal[]> {
	if (!options.period) return [];
	const reps = repsInScope(scope, sql`c.owner_id`);
	const dealType = options.dealType ?? null;
	return withComparison(db, scope, options, (_ctes, tables) =>
		db.all<ClosedOutsidePeriodDeal>(
			sql`
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
			WHERE ${reps}
				AND (${dealType}::VARCHAR IS NULL OR c.deal_type = ${dealType}::VARCHAR)
			ORDER BY c.outcome DESC, c.amount DESC, deal_id`
		)
	);
}

/**
 * Direction of a deal's stage move between A and B, for deals open at A. Losing a deal is falling
 * out of the funnel, not moving backward, so it is neither.
 */
const directionSql = sql`
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
			sql`
			WITH ${ctes},
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
			ORDER BY sa.position NULLS FIRST, sb.position NULLS LAST`
		);
	});
	const count = (direction: MoveDirection) =>
		cells.filter((cell) => cell.direction === direction).reduce((sum, cell) => sum + cell.deals, 0);
	return { cells, movedForward: count('forward'), movedBackward: count('backward') };
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
	const direction = options.direction ?? null;
	const stageFrom = stageParam(options.stageFrom);
	const stageTo = stageParam(options.stageTo);
	const dealIds = options.dealIds ? listValue([...options.dealIds]) : null;
	const limit = options.limit ?? null;
	const rows = await withComparison(db, scope, options, (ctes) => {
		return db.all<TransitionDeal & { total: number }>(
			sql`
			WITH ${ctes},
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
			WHERE (${direction}::VARCHAR IS NULL OR m.direction = ${direction}::VARCHAR)
				AND (${stageFrom}::INTEGER IS NULL OR coalesce(m.stage_a, -1) = ${stageFrom}::INTEGER)
				AND (${stageTo}::INTEGER IS NULL OR coalesce(m.stage_b, -1) = ${stageTo}::INTEGER)
				AND (${dealIds}::VARCHAR[] IS NULL OR list_contains(${dealIds}::VARCHAR[], m.crm_id))
			ORDER BY abs(m.rank_b - m.rank_a) DESC NULLS LAST, coalesce(m.amount_b, m.amount_a) DESC, deal_id
			LIMIT ${limit}`
		);
	});
	return dealList(rows);
}

/** What went well: deals that moved forward between A and B, the biggest leaps first. */
export function dealsMovedForward(db: Queryable, scope: Scope, options: MovementOptions & { limit?: number | null }) {
	return transitionDeals(db, scope, { ...options, direction: 'forward' });
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
	const limit = options.limit ?? null;
	const rows = await withComparison(db, scope, options, (ctes, tables) => {
		return db.all<SlippedDeal & { total: number }>(
			sql`
			WITH ${ctes},
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
			LIMIT ${limit}`
		);
	});
	return dealList(rows);
}
