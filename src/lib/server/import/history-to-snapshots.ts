import type { Staging } from './staging.ts';
import { weekdays, type Weekday } from './types.ts';

/**
 * Stage histories become weekly snapshots, so CRM exports that only record changes can be compared
 * week over week like native snapshots.
 *
 * `events`: one row per change of a deal: deal, changed_at (TIMESTAMP), seq (order among changes
 * at the same moment, later wins), stage_id, amount, probability (NULL: the stage's default),
 * close_date, forecast_category.
 * `deals`: one row per deal with its current attributes: deal, owner, owner_name, owner_role, team,
 * deal_name, account_id, account_name, deal_type, created_date, currency, source, sourced_by, file_no, record.
 *
 * A snapshot on date d shows each deal as it stood at the end of d: its latest change at or before
 * d. Dates run weekly on `weekday`, from the first such day on or after the earliest change to the
 * first on or after the latest, so the last change is always in a snapshot. A deal appears from
 * the first snapshot after its first change and stays, closed deals included: comparing any two
 * snapshots must see a deal won in between as won, not as vanished. A blank amount stays unknown
 * (NULL) and so does a blank created date: views read such a deal as created when first seen.
 *
 * `owners` (optional): one row per change of a deal's owner (deal, changed_at, old_owner,
 * old_owner_name, new_owner, new_owner_name). A snapshot then shows the owner of its time: the new
 * owner of the latest change by then, before the first change its old owner; without changes,
 * today's owner. So a deal handed over keeps its past with the rep (and team) who had it.
 */
export async function historyToSnapshots(
	staging: Staging,
	tables: { events: string; deals: string; ladder: string; rows: string; owners?: string },
	weekday: Weekday = 'monday'
): Promise<void> {
	const isoWeekday = weekdays.indexOf(weekday) + 1;
	await staging.run(
		`CREATE TABLE ${tables.rows} AS
		WITH changes AS (
			-- Two changes at the same moment: the later one in the file's order is the state.
			SELECT * FROM ${tables.events}
			QUALIFY row_number() OVER (PARTITION BY deal, changed_at ORDER BY seq DESC) = 1
		),
		bounds AS (SELECT min(changed_at)::DATE AS first_day, max(changed_at)::DATE AS last_day FROM changes),
		snapshot_dates AS (
			SELECT CAST(unnest(generate_series(
				(first_day + ((7 + ${isoWeekday} - isodow(first_day)) % 7)::INTEGER)::TIMESTAMP,
				(last_day + ((7 + ${isoWeekday} - isodow(last_day)) % 7)::INTEGER)::TIMESTAMP,
				INTERVAL 7 DAY
			)) AS DATE) AS snapshot_date
			FROM bounds
		),
		first_change AS (SELECT deal, min(changed_at) AS first_at FROM changes GROUP BY deal),
		grid AS (
			SELECT f.deal, d.snapshot_date, (d.snapshot_date + 1)::TIMESTAMP AS end_of_day
			FROM first_change f JOIN snapshot_dates d ON f.first_at < (d.snapshot_date + 1)::TIMESTAMP
		)
		SELECT deals.file_no, deals.record, g.snapshot_date, g.deal,
			${tables.owners ? 'CASE WHEN o.deal IS NOT NULL THEN o.new_owner WHEN o1.deal IS NOT NULL THEN o1.old_owner ELSE deals.owner END' : 'deals.owner'} AS owner,
			${tables.owners ? 'CASE WHEN o.deal IS NOT NULL THEN o.new_owner_name WHEN o1.deal IS NOT NULL THEN o1.old_owner_name ELSE deals.owner_name END' : 'deals.owner_name'} AS owner_name,
			deals.owner_role, deals.team,
			c.stage_id, c.amount::DECIMAL(18, 2) AS amount,
			coalesce(c.probability, ladder.default_probability) AS probability, c.close_date, c.forecast_category,
			deals.deal_name, deals.account_id, deals.account_name, deals.deal_type,
			deals.created_date,
			deals.currency, deals.source, deals.sourced_by
		FROM grid g
		ASOF JOIN changes c ON c.deal = g.deal AND g.end_of_day > c.changed_at
		JOIN ${tables.deals} deals ON deals.deal = g.deal
		LEFT JOIN ${tables.ladder} ladder ON ladder.id = c.stage_id
		${
			tables.owners
				? `ASOF LEFT JOIN ${tables.owners} o ON o.deal = g.deal AND g.end_of_day > o.changed_at
				LEFT JOIN (SELECT deal, arg_min(old_owner, changed_at) AS old_owner, arg_min(old_owner_name, changed_at) AS old_owner_name
					FROM ${tables.owners} WHERE old_owner IS NOT NULL GROUP BY deal) o1 ON o1.deal = g.deal`
				: ''
		}`
	);
}
