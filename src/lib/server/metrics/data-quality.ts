import type { OriginalAmount } from './originals.ts';
import { sql, type Queryable } from '../db/index.ts';
import { repsInScopeAt, type Scope } from '../auth/scope.ts';
import { withFacts } from './facts/index.ts';
import { dataQualityFacts } from './facts/data-quality.ts';
import type { IsoDate } from '../../domain/periods.ts';

/**
 * Data quality as a view: what in the open pipeline at one snapshot is missing or looks odd, so the
 * numbers built on it can be trusted or fixed at the source. Real exports have gaps; they import as
 * they are (unknown stays unknown) and show up here instead of being refused.
 *
 * Every flag is about a deal open at the snapshot, except `vanished`, which is about deals that left
 * the export while still open (the waterfall counts them as lost; a CRM clean-up or a broken export
 * looks the same, so it is worth a look). History flags read every snapshot up to the one asked for.
 */

export const dataQualityFlags = [
	'no_close_date',
	'no_amount',
	'past_close_date',
	'no_created_date',
	'stage_skipped',
	'moved_backward',
	'zero_amount',
	'vanished',
	'pushed_3_times'
] as const;
export type DataQualityFlag = (typeof dataQualityFlags)[number];

/** How many times a close date must have moved later before it is flagged. */
export { pushedTimes } from './facts/data-quality.ts';

export interface DataQualityDeal {
	/** The CRM's id. */
	deal_id: string;
	deal_name: string | null;
	account: string | null;
	owner: string | null;
	owner_email: string | null;
	stage: string | null;
	amount: number | null;
	close_date: IsoDate | null;
	/** For a vanished deal: the last snapshot that still showed it. */
	last_seen: IsoDate;
	flags: DataQualityFlag[];
	/** The amount as exported, for a deal in another currency than the reporting one (originals.ts). */
	original?: OriginalAmount;
}

export interface DataQuality {
	as_of: IsoDate | null;
	open_deals: number;
	flags: Record<DataQualityFlag, number>;
	deals: DataQualityDeal[];
}

export function emptyFlagCounts(): Record<DataQualityFlag, number> {
	return Object.fromEntries(dataQualityFlags.map((flag) => [flag, 0])) as Record<DataQualityFlag, number>;
}

/** A deal's flags: those of an open deal, or that it vanished while open. */
const flagsOf = sql`CASE WHEN f.open_at_as_of THEN f.open_flags ELSE ['vanished'] END`;

/** Each deal's owner at its latest snapshot decides whether the scope sees its flags. */
function inScope(scope: Scope) {
	return repsInScopeAt(scope, sql`f.owner_id`, sql`f.last_seen`);
}

/**
 * The flags of the open pipeline at snapshot `asOf` (a loaded snapshot date) in the scope: each
 * deal's owner at its latest snapshot decides whether the scope sees it, so a rep sees only their
 * own deals' flags; a team scope with dated membership sees the deals its reps held then (on their
 * last snapshot). Deals are listed only when they carry a flag, most flags first.
 */
export async function dataQuality(db: Queryable, scope: Scope, asOf: IsoDate): Promise<DataQuality> {
	const reps = inScope(scope);
	const rows = await withFacts(db, dataQualityFacts, { as_of: asOf }, (tables) =>
		db.all<Omit<DataQualityDeal, 'flags'> & { flags: string[]; open_at_as_of: boolean }>(
			sql`
			SELECT
				coalesce(f.crm_id, f.deal_id::VARCHAR) AS deal_id, f.deal_name, f.account,
				r.name AS owner, r.email AS owner_email, st.name AS stage,
				f.amount::DOUBLE AS amount, f.close_date, f.last_seen, f.open_at_as_of,
				${flagsOf} AS flags
			FROM ${tables.flagged} f
			LEFT JOIN reps r ON r.id = f.owner_id
			LEFT JOIN stages st ON st.id = f.stage_id
			WHERE ${reps}
			ORDER BY len(flags) DESC, f.last_seen DESC, f.amount DESC NULLS LAST, 1`
		)
	);
	const flags = emptyFlagCounts();
	let openDeals = 0;
	const deals: DataQualityDeal[] = [];
	for (const { open_at_as_of, flags: dealFlags, ...deal } of rows) {
		if (open_at_as_of) openDeals += 1;
		if (dealFlags.length === 0) continue;
		for (const flag of dealFlags) flags[flag as DataQualityFlag] += 1;
		deals.push({ ...deal, flags: dealFlags as DataQualityFlag[] });
	}
	return { as_of: asOf, open_deals: openDeals, flags, deals };
}

/**
 * How many deals carry each flag at snapshot `asOf` in the scope, as `dataQuality` counts them,
 * without the deals: the 1:1 names only the most pressing gap.
 */
export async function dataQualityFlagCounts(db: Queryable, scope: Scope, asOf: IsoDate): Promise<Record<DataQualityFlag, number>> {
	const rows = await withFacts(db, dataQualityFacts, { as_of: asOf }, (tables) =>
		db.all<{ flag: DataQualityFlag; deals: number }>(
			sql`SELECT flag, count(*)::INTEGER AS deals
			FROM (SELECT unnest(${flagsOf}) AS flag FROM ${tables.flagged} f WHERE ${inScope(scope)})
			GROUP BY flag`
		)
	);
	const flags = emptyFlagCounts();
	for (const { flag, deals } of rows) flags[flag] = deals;
	return flags;
}

/**
 * How many open deals at snapshot `asOf` have no amount and no close date, for the views that sum
 * amounts or place deals in months: they count these deals but must say that their sums leave them out.
 */
export async function openDealGaps(db: Queryable, scope: Scope, asOf: IsoDate): Promise<{ without_amount: number; without_close_date: number }> {
	const reps = repsInScopeAt(scope, sql`s.owner_id`, sql`s.snapshot_date`);
	const row = await db.one<{ without_amount: number; without_close_date: number }>(
		sql`SELECT count(*) FILTER (WHERE s.amount IS NULL)::INTEGER AS without_amount,
			count(*) FILTER (WHERE s.close_date IS NULL)::INTEGER AS without_close_date
		FROM snapshots s
		JOIN stages st ON st.id = s.stage_id AND st.outcome = 'open'
		WHERE s.snapshot_date = ${asOf}::DATE AND ${reps}`
	);
	return row ?? { without_amount: 0, without_close_date: 0 };
}
