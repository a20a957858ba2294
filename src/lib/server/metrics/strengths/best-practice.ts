import { sql, type Queryable } from '../../db/index.ts';
import { repsInScopeWithTeam, type Scope } from '../../auth/scope.ts';
import type { IsoDate } from '../../../domain/periods.ts';
import { withDealFacts } from '../facts/strengths.ts';

export interface BestPracticeDeal {
	deal_id: string;
	deal_name: string | null;
	deal_type: string | null;
	amount: number;
	/** The snapshot that first showed the win, whose amount `amount` is. */
	amount_on: IsoDate;
	created: IsoDate;
	closed: IsoDate;
	cycle_days: number;
	/** Median days to win for the same deal type on the rep's team in the period. */
	typical_cycle_days: number;
}

/**
 * Question: which of a rep's deals could the team learn from? Deals the rep won in the period
 * faster than their team usually wins that type of deal, fastest relative to usual first, bigger
 * first among equals. The deals are the rep's own (listed by the scope); the typical cycle is a
 * team-level median.
 */
export async function bestPracticeDeals(
	db: Queryable,
	scope: Scope,
	{ from, to, limit = 5 }: { from: IsoDate; to: IsoDate; limit?: number }
): Promise<BestPracticeDeal[]> {
	const shown = repsInScopeWithTeam(scope, sql`w.closed_owner`, sql`w.team_id`);
	return withDealFacts(db, (tables) =>
		db.all<BestPracticeDeal>(
			sql`
			WITH
			known_deals AS (SELECT * FROM ${tables.known_deals}),
			won AS (
				SELECT k.*, r.team_id, k.closed_on - k.created_on AS cycle_days
				FROM known_deals k
				-- The team the rep won it in (dated membership), whose usual cycle it is compared with.
				LEFT JOIN rep_team_spans r ON r.rep_id = k.closed_owner AND k.closed_on >= r.valid_from AND k.closed_on < r.valid_to
				WHERE k.closed_owner IS NOT NULL AND k.outcome = 'won' AND k.closed_on BETWEEN ${from}::DATE AND ${to}::DATE
			),
			typical AS (
				SELECT team_id, deal_type, median(cycle_days) AS typical_cycle_days
				FROM won
				GROUP BY ALL
			)
			SELECT
				coalesce(d.crm_id, w.deal_id::VARCHAR) AS deal_id,
				d.name AS deal_name,
				w.deal_type,
				w.closed_amount::DOUBLE AS amount,
				w.closed_seen_on AS amount_on,
				w.created_on AS created,
				w.closed_on AS closed,
				w.cycle_days::INTEGER AS cycle_days,
				t.typical_cycle_days::DOUBLE AS typical_cycle_days
			FROM won w
			JOIN typical t ON t.team_id IS NOT DISTINCT FROM w.team_id AND t.deal_type IS NOT DISTINCT FROM w.deal_type
			LEFT JOIN deals d ON d.id = w.deal_id
			WHERE ${shown} AND w.cycle_days < t.typical_cycle_days
			ORDER BY w.cycle_days / t.typical_cycle_days, w.closed_amount DESC, deal_id
			LIMIT ${limit}`
		)
	);
}
