import type { OriginalAmount } from './originals.ts';
import type { Queryable } from '../db/index.ts';
import { scopeCondition, type Scope } from '../auth/scope.ts';
import { ladderSql } from './deal-history.ts';
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
export const pushedTimes = 3;

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

/**
 * The flags of the open pipeline at snapshot `asOf` (a loaded snapshot date) in the scope: each
 * deal's owner at its latest snapshot decides whether the scope sees it, so a rep sees only their
 * own deals' flags. Deals are listed only when they carry a flag, most flags first.
 */
export async function dataQuality(db: Queryable, scope: Scope, asOf: IsoDate): Promise<DataQuality> {
	const reps = scopeCondition(scope, 'latest.owner_id');
	// Only deals the scope ever held can be its deals now: reading just their histories keeps a
	// rep's question (the 1:1 asks it) small. The latest owner decides below.
	const held = scopeCondition(scope, 'owner_id', 'held_reps');
	const rows = await db.all<Omit<DataQualityDeal, 'flags'> & { flags: string[]; open_at_as_of: boolean }>(
		/* sql */ `
		WITH
		ladder AS (${ladderSql}),
		-- Each deal's rows up to the snapshot, with the row before it, for the history flags.
		history AS (
			SELECT s.deal_id, s.snapshot_date, s.owner_id, s.stage_id, s.amount, s.close_date, l.outcome, l.rank,
				lag(l.rank) OVER w AS previous_rank, lag(l.outcome) OVER w AS previous_outcome,
				lag(s.close_date) OVER w AS previous_close
			FROM snapshots s JOIN ladder l ON l.id = s.stage_id
			WHERE s.snapshot_date <= $as_of::DATE
				AND ${scope.repIds === null ? 'true' : `s.deal_id IN (SELECT deal_id FROM snapshots WHERE snapshot_date <= $as_of::DATE AND ${held.sql})`}
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
		latest AS (
			SELECT deal_id, max(snapshot_date) AS last_seen, arg_max(owner_id, snapshot_date) AS owner_id,
				arg_max(stage_id, snapshot_date) AS stage_id, arg_max(outcome, snapshot_date) AS outcome,
				arg_max(amount, snapshot_date) AS amount, arg_max(close_date, snapshot_date) AS close_date
			FROM history
			GROUP BY deal_id
		),
		flagged AS (
			SELECT latest.*, d.crm_id, d.name AS deal_name, d.created_date, a.name AS account,
				latest.last_seen = $as_of::DATE AS open_at_as_of,
				list_filter([
					CASE WHEN latest.close_date IS NULL THEN 'no_close_date' END,
					CASE WHEN latest.amount IS NULL THEN 'no_amount' END,
					CASE WHEN latest.close_date < $as_of::DATE THEN 'past_close_date' END,
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
			WHERE latest.outcome = 'open' AND ${reps.sql}
		)
		SELECT
			coalesce(f.crm_id, f.deal_id::VARCHAR) AS deal_id, f.deal_name, f.account,
			r.name AS owner, r.email AS owner_email, st.name AS stage,
			f.amount::DOUBLE AS amount, f.close_date, f.last_seen, f.open_at_as_of,
			CASE WHEN f.open_at_as_of THEN f.open_flags ELSE ['vanished'] END AS flags
		FROM flagged f
		LEFT JOIN reps r ON r.id = f.owner_id
		LEFT JOIN stages st ON st.id = f.stage_id
		ORDER BY len(flags) DESC, f.last_seen DESC, f.amount DESC NULLS LAST, 1`,
		{ as_of: asOf, ...reps.params, ...(scope.repIds === null ? {} : held.params) }
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
 * How many open deals at snapshot `asOf` have no amount and no close date, for the views that sum
 * amounts or place deals in months: they count these deals but must say that their sums leave them out.
 */
export async function openDealGaps(db: Queryable, scope: Scope, asOf: IsoDate): Promise<{ without_amount: number; without_close_date: number }> {
	const reps = scopeCondition(scope, 's.owner_id');
	const row = await db.one<{ without_amount: number; without_close_date: number }>(
		`SELECT count(*) FILTER (WHERE s.amount IS NULL)::INTEGER AS without_amount,
			count(*) FILTER (WHERE s.close_date IS NULL)::INTEGER AS without_close_date
		FROM snapshots s
		JOIN stages st ON st.id = s.stage_id AND st.outcome = 'open'
		WHERE s.snapshot_date = $as_of::DATE AND ${reps.sql}`,
		{ as_of: asOf, ...reps.params }
	);
	return row ?? { without_amount: 0, without_close_date: 0 };
}
