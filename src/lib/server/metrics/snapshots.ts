import { sql, type Queryable } from '../db/index.ts';
import { repsInScope, type Scope } from '../auth/scope.ts';
import { rememberedWhileDataUnchanged } from './remembered.ts';

export interface SnapshotSummary {
	snapshot_date: string;
	deals: number;
	open_deals: number;
	total_pipeline: number;
	weighted_pipeline: number;
	won_to_date: number;
}

/**
 * The snapshot dates loaded, newest first. Dates carry no one's data, so they are not scoped. Every
 * page asks (the layout, the pickers), and reading them means a pass over the whole table, so they are
 * remembered until the data changes.
 */
export async function snapshotDates(db: Queryable): Promise<string[]> {
	const dates = await rememberedWhileDataUnchanged(db, 'snapshot dates', async () => {
		const rows = await db.all<{ snapshot_date: string }>('SELECT DISTINCT snapshot_date FROM snapshots ORDER BY snapshot_date DESC');
		return rows.map((r) => r.snapshot_date);
	});
	return [...dates];
}

/** Per snapshot: how many deals, and the total and weighted open pipeline the scope may see. */
export async function snapshotSummaries(db: Queryable, scope: Scope): Promise<SnapshotSummary[]> {
	return db.all<SnapshotSummary>(
		sql`SELECT
			s.snapshot_date,
			count(*)::INTEGER AS deals,
			count(*) FILTER (WHERE st.outcome = 'open')::INTEGER AS open_deals,
			coalesce(sum(s.amount) FILTER (WHERE st.outcome = 'open'), 0)::DOUBLE AS total_pipeline,
			coalesce(sum(s.amount * s.probability) FILTER (WHERE st.outcome = 'open'), 0)::DOUBLE AS weighted_pipeline,
			coalesce(sum(s.amount) FILTER (WHERE st.outcome = 'won'), 0)::DOUBLE AS won_to_date
		FROM snapshots s
		JOIN stages st ON st.id = s.stage_id
		WHERE ${repsInScope(scope, sql`s.owner_id`)}
		GROUP BY s.snapshot_date
		ORDER BY s.snapshot_date DESC`
	);
}

/** The headline at one snapshot (default: the latest). */
export async function pipelineAt(db: Queryable, scope: Scope, snapshotDate?: string) {
	return db.one<{ snapshot_date: string | null; open_deals: number; total_pipeline: number; weighted_pipeline: number }>(
		sql`WITH chosen AS (
			SELECT coalesce(${snapshotDate ?? null}::DATE, (SELECT max(snapshot_date) FROM snapshots)) AS snapshot_date
		)
		SELECT
			(SELECT snapshot_date FROM chosen) AS snapshot_date,
			count(*)::INTEGER AS open_deals,
			coalesce(sum(s.amount), 0)::DOUBLE AS total_pipeline,
			coalesce(sum(s.amount * s.probability), 0)::DOUBLE AS weighted_pipeline
		FROM snapshots s
		JOIN stages st ON st.id = s.stage_id AND st.outcome = 'open'
		WHERE s.snapshot_date = (SELECT snapshot_date FROM chosen) AND ${repsInScope(scope, sql`s.owner_id`)}`
	);
}
