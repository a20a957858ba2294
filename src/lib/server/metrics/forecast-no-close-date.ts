import type { Queryable } from '../db/index.ts';
import { scopeCondition, type Scope } from '../auth/scope.ts';
import type { IsoDate } from '../../domain/periods.ts';

/**
 * The forecast bucket for open deals without a close date. Every open deal is in exactly one bucket
 * (a month of the horizon, overdue, later, or this one); a deal nobody has dated yet cannot be put in
 * a month, but it is pipeline all the same and must not disappear from the forecast. Amounts nobody
 * has set yet are unknown: they add nothing to the sums and are counted in `without_amount`.
 */
export interface NoCloseDateBucket {
	total: number;
	weighted: number;
	count: number;
	without_amount: number;
}

export async function noCloseDateBucket(db: Queryable, scope: Scope, asOf: IsoDate): Promise<NoCloseDateBucket> {
	const reps = scopeCondition(scope, 's.owner_id');
	const row = await db.one<NoCloseDateBucket>(
		`SELECT
			coalesce(sum(s.amount), 0)::DOUBLE AS total,
			coalesce(sum(s.amount * s.probability), 0)::DOUBLE AS weighted,
			count(*)::INTEGER AS count,
			count(*) FILTER (WHERE s.amount IS NULL)::INTEGER AS without_amount
		FROM snapshots s
		JOIN stages st ON st.id = s.stage_id AND st.outcome = 'open'
		WHERE s.snapshot_date = $as_of::DATE AND s.close_date IS NULL AND ${reps.sql}`,
		{ as_of: asOf, ...reps.params }
	);
	return row ?? { total: 0, weighted: 0, count: 0, without_amount: 0 };
}
