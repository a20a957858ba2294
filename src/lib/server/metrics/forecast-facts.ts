import type { DataOrigin, Queryable } from '../db/index.ts';
import type { IsoDate } from '../../domain/periods.ts';
import { wonDealsSql } from './deal-history.ts';
import { dataFingerprint } from './remembered.ts';

/**
 * Facts about whole deal histories that every forecast question needs, computed once from all the
 * snapshots and kept until the snapshots change:
 *
 * - `forecast_cache.won_deals(deal_id, won_on, close_date, amount, owner_id)`: the deals whose outcome
 *   is won (`dealOutcomesSql` in deal-history.ts: the latest closed stage, so a win corrected to lost
 *   is not here), with the close date, amount and owner of the first snapshot of that outcome. A deal
 *   counts as won in a period when that close date falls in it: later snapshots may carry the deal
 *   on with edited dates or amounts, and counting one keeps every win in exactly one period.
 *   `won_on` says from when on a forecast could know about the win.
 * - `forecast_cache.stage_outcomes(owner_id, stage_id, decided_on, deals, won)`: decided deals by the
 *   stages they were ever open in, what calibration learns from. A deal is decided at the first
 *   snapshot after the last one showing it open, when that snapshot shows it closed: won if its
 *   outcome (the latest closed stage) is won and was shown by then, lost otherwise; it is credited to the rep who held it last while open. A
 *   deal gone from that snapshot is not decided: an export of open deals only drops every win, and
 *   learning those as losses would pull every rate down (pipeline movement calls them removed). A
 *   deal seen open again after a gap was not lost.
 * - `forecast_cache.snapshot_dates(snapshot_date)`.
 *
 * These read every row of every snapshot, most of them deals closed long ago (about 3 million rows
 * at ten times the demo), which would cost more than everything else on a page together. So they
 * live in an in-memory database attached to the DuckDB instance, shared by all its connections and
 * gone on restart, and are rebuilt when the data's fingerprint changes (`dataFingerprint` in
 * remembered.ts: row counts, highest rowids, snapshot dates, stages, reps, latest import). A write that
 * UPDATEs snapshot rows in place would not change it; imports replace rows instead, and
 * `forgetForecastFacts` is there for anything that ever does.
 *
 * Every fact is independent of the as-of date: questions about the past filter by `won_on` and
 * `decided_on`, so nothing after their as-of date leaks in.
 */

const buildSql = [
	/* sql */ `CREATE OR REPLACE TABLE forecast_cache.snapshot_dates AS
		SELECT DISTINCT snapshot_date FROM snapshots ORDER BY snapshot_date`,
	`CREATE OR REPLACE TABLE forecast_cache.won_deals AS ${wonDealsSql}`,
	/* sql */ `CREATE OR REPLACE TABLE forecast_cache.stage_outcomes AS
		WITH
		next_snapshot AS (
			SELECT snapshot_date, lead(snapshot_date) OVER (ORDER BY snapshot_date) AS next_snapshot_date
			FROM forecast_cache.snapshot_dates
		),
		open_histories AS (
			-- Only the open rows: a small part of each snapshot.
			SELECT
				s.deal_id,
				max(s.snapshot_date) AS last_open,
				arg_max(s.owner_id, s.snapshot_date) AS owner_id,
				list(DISTINCT s.stage_id) AS open_stages
			FROM snapshots s
			WHERE s.stage_id IN (SELECT id FROM stages WHERE outcome = 'open')
			GROUP BY s.deal_id
		),
		decided AS (
			SELECT
				h.owner_id,
				h.open_stages,
				n.next_snapshot_date AS decided_on,
				coalesce(w.won_on <= n.next_snapshot_date, false) AS won
			FROM open_histories h
			JOIN next_snapshot n ON n.snapshot_date = h.last_open
			-- Shown (closed) in the next snapshot; absent from it, the deal was removed, not decided.
			JOIN snapshots shown ON shown.deal_id = h.deal_id AND shown.snapshot_date = n.next_snapshot_date
			LEFT JOIN forecast_cache.won_deals w ON w.deal_id = h.deal_id
			WHERE n.next_snapshot_date IS NOT NULL
		)
		SELECT owner_id, stage_id, decided_on, count(*) AS deals, count(*) FILTER (WHERE won) AS won
		FROM (SELECT owner_id, decided_on, won, unnest(open_stages) AS stage_id FROM decided)
		GROUP BY ALL`
];

/** One rebuild at a time per database; everyone else waits for it instead of repeating it. */
const rebuilding = new Map<string, Promise<void>>();

async function storedFingerprint(db: Queryable): Promise<string | null> {
	const table = await db.one<{ n: number }>(
		`SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = 'forecast_cache' AND table_name = 'fingerprint'`
	);
	if (!table?.n) return null;
	return (await db.one<{ fingerprint: string }>('SELECT fingerprint FROM forecast_cache.fingerprint'))?.fingerprint ?? null;
}

async function rebuild(db: Queryable, fingerprint: string): Promise<void> {
	// One transaction. The fingerprint was taken before: should the data change meanwhile, the facts
	// are newer than it and are merely rebuilt once more, never kept as current when they are not.
	await db.all('BEGIN TRANSACTION');
	try {
		for (const sql of buildSql) await db.all(sql);
		await db.all('CREATE OR REPLACE TABLE forecast_cache.fingerprint AS SELECT $fingerprint::VARCHAR AS fingerprint', { fingerprint });
		await db.all('COMMIT');
	} catch (error) {
		await db.all('ROLLBACK').catch(() => {});
		throw error;
	}
}

/** Per database, the fingerprint its `forecast_cache` was last seen to describe: then no query is needed. */
const described = new WeakMap<DataOrigin, string>();

/** Makes sure the `forecast_cache` tables describe the snapshots as they are now. */
export async function forecastFacts(db: Queryable): Promise<void> {
	if (db.origin && described.get(db.origin) === (await dataFingerprint(db)).fingerprint) return;
	await cacheFacts(db);
	if (db.origin) described.set(db.origin, (await storedFingerprint(db)) ?? '');
}

async function cacheFacts(db: Queryable): Promise<void> {
	await db.all(`ATTACH IF NOT EXISTS ':memory:' AS forecast_cache`);
	const key = (await db.one<{ key: string }>(
		`SELECT coalesce(path, database_name) AS key FROM duckdb_databases() WHERE database_name = current_database()`
	))!.key;
	for (;;) {
		const current = (await dataFingerprint(db)).fingerprint;
		if ((await storedFingerprint(db)) === current) return;
		const running = rebuilding.get(key);
		if (running) {
			// Someone is rebuilding already; once they are done, check again (the data may have moved on).
			await running.catch(() => {});
			continue;
		}
		const work = rebuild(db, current).finally(() => rebuilding.delete(key));
		rebuilding.set(key, work);
		await work;
		return;
	}
}

/** Drops the cached facts, so the next question rebuilds them. */
export async function forgetForecastFacts(db: Queryable): Promise<void> {
	if (db.origin) described.delete(db.origin);
	await db.all(`ATTACH IF NOT EXISTS ':memory:' AS forecast_cache`);
	await db.all('DROP TABLE IF EXISTS forecast_cache.fingerprint');
}

/** Snapshot dates loaded, newest first, from the cached facts. */
export async function forecastSnapshotDates(db: Queryable): Promise<IsoDate[]> {
	await forecastFacts(db);
	const rows = await db.all<{ snapshot_date: IsoDate }>(
		'SELECT snapshot_date FROM forecast_cache.snapshot_dates ORDER BY snapshot_date DESC'
	);
	return rows.map((r) => r.snapshot_date);
}
