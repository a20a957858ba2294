import { sql, type Queryable, type Sql } from '../db/index.ts';
import { repsInScope, repsInScopeAt, teamsInScope, type Scope } from '../auth/scope.ts';
import { withFacts } from './facts/index.ts';
import { dealHistoryFacts, derivedOf, segmentOf, type DealHistoryTables } from './facts/history.ts';
import { fiscalQuarterStart } from './fiscal-quarters.ts';
import { keepsTeammatesApart, withheldTeamFigure, type TeamFigureWithheld } from './team-privacy.ts';

/**
 * Revenue mix: how much of what a scope wins, and of what it has open, comes from new customers and
 * how much from existing ones; and the new-business-weighted revenue a leader reads strengths by.
 *
 * Definitions (domain notes):
 * - A deal counts as **won in the period** when the first snapshot showing it Closed Won has a close
 *   date inside [from, to]; its amount and owner are those of that snapshot.
 * - **Pipeline** is the open deals at the latest snapshot on or before `to`: total = sum of amount,
 *   weighted = sum of amount x probability.
 * - **New-business-weighted revenue** = won new business x w + won existing, w chosen by the leader.
 * - A deal is **new business** when its type says so; upsell, cross-sell and renewal are **existing**
 *   customers. Where the type is missing it is derived (and flagged): new business when the account
 *   had no won deal before the deal was created.
 */

/** The leader's new-business weight: 1 counts both alike; the slider stops at 3. */
export const newBusinessWeightRange = { min: 1, max: 3, step: 0.1, fallback: 1 } as const;
/** The key the weight is remembered under in user_preferences. */
export const newBusinessWeightPreference = 'revenue.new_business_weight';

export function isNewBusinessWeight(value: unknown): value is number {
	return (
		typeof value === 'number' &&
		Number.isFinite(value) &&
		value >= newBusinessWeightRange.min &&
		value <= newBusinessWeightRange.max
	);
}

/** How the over-time view groups a period. */
export const periodBuckets = ['month', 'quarter'] as const;
export type PeriodBucket = (typeof periodBuckets)[number];

export type Segment = 'new_business' | 'existing';
export const segments: readonly Segment[] = ['new_business', 'existing'];

export interface RevenueMixPeriod {
	/** First close date counted, inclusive ('YYYY-MM-DD'). */
	from: string;
	/** Last close date counted, inclusive; pipeline is read at the latest snapshot on or before it. */
	to: string;
}

export interface WeightedPeriod extends RevenueMixPeriod {
	newBusinessWeight: number;
}

export interface SegmentSplit {
	new_business: number;
	existing: number;
}

export interface PipelineSplit {
	new_business: { total: number; weighted: number };
	existing: { total: number; weighted: number };
}

/**
 * Asks `question` of the facts every revenue question starts from, the same for every scope and
 * period (facts/history.ts): each deal's first win with its type, the deals' types, the renewal
 * deals' histories, the snapshot dates and the open pipeline of every snapshot.
 */
export function withRevenueFacts<R>(db: Queryable, question: (tables: DealHistoryTables) => Promise<R>): Promise<R> {
	return withFacts(db, dealHistoryFacts, {}, question);
}

/** Deals won in the period whose owner (when won) satisfies `condition` (on `fw`, the typed first win). */
const wonInPeriodCte = (tables: DealHistoryTables, query: RevenueMixPeriod, condition: Sql) => sql`
	won_in_period AS (
		SELECT fw.deal_id, fw.owner_id, fw.won_date, fw.amount, fw.segment, fw.segment_derived, fw.account_id, fw.source, fw.sourced_by
		FROM ${tables.won_typed} fw
		WHERE fw.won_date BETWEEN ${query.from}::DATE AND ${query.to}::DATE AND ${condition}
	)`;

/**
 * The snapshot the period's pipeline is read at: the latest on or before `to`; null when none is.
 * Read first, so that the pipeline's statement names the day and DuckDB reads only that snapshot's
 * rows of the history, and joins them with the deals' types from their side.
 */
async function pipelineSnapshot(db: Queryable, tables: DealHistoryTables, query: RevenueMixPeriod): Promise<string | null> {
	const row = await db.one<{ snapshot_date: string | null }>(
		sql`SELECT max(snapshot_date) AS snapshot_date FROM ${tables.snapshot_dates} WHERE snapshot_date <= ${query.to}::DATE`
	);
	return row?.snapshot_date ?? null;
}

/** Open deals at the snapshot `day` (`pipelineSnapshot`) whose owner satisfies `condition` (`s`, `td`). */
const openAtEndCtes = (tables: DealHistoryTables, day: string | null, condition: Sql) => sql`
	pipeline_snapshot AS (SELECT ${day}::DATE AS snapshot_date),
	open_at_end AS (
		SELECT
			s.deal_id,
			s.owner_id,
			s.amount,
			s.amount * s.probability AS weighted,
			${segmentOf(sql`td`)} AS segment,
			${derivedOf(sql`td`)} AS segment_derived,
			td.source,
			td.sourced_by
		FROM snapshots s
		JOIN stages st ON st.id = s.stage_id AND st.outcome = 'open'
		LEFT JOIN ${tables.typed_deals} td ON td.deal_id = s.deal_id
		WHERE s.snapshot_date = ${day}::DATE AND ${condition}
	)`;

/** Sums per segment, as DOUBLE columns named `<prefix>_new_business` / `<prefix>_existing`. */
const bySegment = (expression: Sql, prefix: string) =>
	sql.join(
		segments.map((segment) => sql`coalesce(sum(${expression}) FILTER (WHERE segment = ${segment}), 0)::DOUBLE AS ${sql.id(`${prefix}_${segment}`)}`),
		sql`,\n\t\t\t`
	);
const [amount, weighted, one] = [sql`amount`, sql`weighted`, sql`1`];

interface SplitColumns {
	won_new_business: number;
	won_existing: number;
	pipeline_total_new_business: number;
	pipeline_total_existing: number;
	pipeline_weighted_new_business: number;
	pipeline_weighted_existing: number;
}

function pipelineSplit(row: SplitColumns): PipelineSplit {
	return {
		new_business: { total: row.pipeline_total_new_business, weighted: row.pipeline_weighted_new_business },
		existing: { total: row.pipeline_total_existing, weighted: row.pipeline_weighted_existing }
	};
}

/**
 * Asks `question` with what most splits start from: the revenue facts, the scope's deals won in the
 * period (`won_in_period`) and its deals open at the latest snapshot up to `to` (`open_at_end`), as
 * CTEs to put after `WITH`, carrying the scope's and the period's parameters.
 */
function withScopedSplit<R>(
	db: Queryable,
	scope: Scope,
	query: RevenueMixPeriod,
	question: (split: Sql, tables: DealHistoryTables) => Promise<R>
): Promise<R> {
	// A deal counts for the team its owner was in when it was won (or at the pipeline's snapshot).
	const won = repsInScopeAt(scope, sql`fw.owner_id`, sql`fw.won_date`);
	const open = repsInScopeAt(scope, sql`s.owner_id`, sql`s.snapshot_date`);
	return withRevenueFacts(db, async (facts) => {
		const day = await pipelineSnapshot(db, facts, query);
		return question(sql`${wonInPeriodCte(facts, query, won)},\n${openAtEndCtes(facts, day, open)}`, facts);
	});
}

export interface RevenueMix {
	from: string;
	to: string;
	/** The snapshot the pipeline is read at; null when none is on or before `to`. */
	pipeline_as_of: string | null;
	new_business_weight: number;
	won: SegmentSplit;
	won_deals: SegmentSplit;
	/** won.new_business x weight + won.existing */
	weighted_score: number;
	pipeline: PipelineSplit;
	/** How many of the counted deals had no type, so theirs was derived from the account's history. */
	derived: { won_deals: number; open_deals: number };
}

/** Won revenue and open pipeline, split into new business and existing customers, for a scope. */
export async function revenueMix(db: Queryable, scope: Scope, query: WeightedPeriod): Promise<RevenueMix> {
	const row = await withScopedSplit(db, scope, query, (split) =>
		db.one<
			SplitColumns & {
				pipeline_as_of: string | null;
				won_deals_new_business: number;
				won_deals_existing: number;
				weighted_score: number;
				derived_won: number;
				derived_open: number;
			}
		>(
			sql`
			WITH ${split},
			won AS (
				SELECT
					${bySegment(amount, 'won')},
					${bySegment(one, 'won_deals')},
					count(*) FILTER (WHERE segment_derived)::INTEGER AS derived_won
				FROM won_in_period
			),
			open AS (
				SELECT
					${bySegment(amount, 'pipeline_total')},
					${bySegment(weighted, 'pipeline_weighted')},
					count(*) FILTER (WHERE segment_derived)::INTEGER AS derived_open
				FROM open_at_end
			)
			SELECT
				(SELECT snapshot_date FROM pipeline_snapshot) AS pipeline_as_of,
				won.*,
				won.won_new_business * ${query.newBusinessWeight} + won.won_existing AS weighted_score,
				open.*
			FROM won, open`
		)
	);
	if (!row) throw new Error('The revenue-mix aggregate returned no row.');
	return {
		from: query.from,
		to: query.to,
		pipeline_as_of: row.pipeline_as_of,
		new_business_weight: query.newBusinessWeight,
		won: { new_business: row.won_new_business, existing: row.won_existing },
		won_deals: { new_business: row.won_deals_new_business, existing: row.won_deals_existing },
		weighted_score: row.weighted_score,
		pipeline: pipelineSplit(row),
		derived: { won_deals: row.derived_won, open_deals: row.derived_open }
	};
}

export interface RevenueMixBucketRow {
	/** First day of the month or quarter. */
	period_start: string;
	segment: Segment;
	won: number;
	won_deals: number;
	/** The snapshot inside the bucket the pipeline is read at (its last one up to `to`); null if none. */
	pipeline_as_of: string | null;
	pipeline_total: number | null;
	pipeline_weighted: number | null;
}

/**
 * Over time, as tidy rows (one per bucket and segment, every bucket present): won revenue by the
 * month or quarter of its close date, and the open pipeline at the bucket's last snapshot.
 */
export async function revenueMixOverTime(
	db: Queryable,
	scope: Scope,
	query: RevenueMixPeriod & { bucket: PeriodBucket }
): Promise<RevenueMixBucketRow[]> {
	const months = query.bucket === 'quarter' ? 3 : 1;
	// Quarters are the company's fiscal quarters (FISCAL_YEAR_START).
	const bucketStart = (date: Sql) => (query.bucket === 'quarter' ? fiscalQuarterStart(date) : sql`date_trunc('month', ${date})::DATE`);
	return withRevenueFacts(db, (facts) =>
		db.all<RevenueMixBucketRow>(
			sql`
			WITH ${wonInPeriodCte(facts, query, repsInScope(scope, sql`fw.owner_id`))},
			buckets AS (
				SELECT
					b::DATE AS period_start,
					least((b + to_months(${months}::INTEGER))::DATE - 1, ${query.to}::DATE) AS period_end
				FROM generate_series(${bucketStart(sql`${query.from}::DATE`)}, ${query.to}::DATE, to_months(${months}::INTEGER)) g(b)
			),
			-- A bucket after the latest snapshot has no pipeline: repeating the last one would invent it.
			bucket_snapshots AS (
				SELECT b.period_start, max(d.snapshot_date) AS snapshot_date
				FROM buckets b
				JOIN ${facts.snapshot_dates} d
					ON d.snapshot_date BETWEEN b.period_start AND b.period_end AND d.snapshot_date <= ${query.to}::DATE
				GROUP BY b.period_start
			),
			open_by_bucket AS (
				SELECT
					bs.period_start,
					o.segment,
					sum(o.pipeline_total)::DOUBLE AS pipeline_total,
					sum(o.pipeline_weighted)::DOUBLE AS pipeline_weighted
				FROM bucket_snapshots bs
				JOIN ${facts.open_by_snapshot} o ON o.snapshot_date = bs.snapshot_date
				WHERE ${repsInScope(scope, sql`o.owner_id`)}
				GROUP BY ALL
			),
			won_by_bucket AS (
				SELECT
					${bucketStart(sql`won_date`)} AS period_start,
					segment,
					sum(amount)::DOUBLE AS won,
					count(*)::INTEGER AS won_deals
				FROM won_in_period
				GROUP BY ALL
			)
			SELECT
				b.period_start,
				seg.segment,
				coalesce(w.won, 0) AS won,
				coalesce(w.won_deals, 0) AS won_deals,
				bs.snapshot_date AS pipeline_as_of,
				CASE WHEN bs.snapshot_date IS NOT NULL THEN coalesce(o.pipeline_total, 0) END AS pipeline_total,
				CASE WHEN bs.snapshot_date IS NOT NULL THEN coalesce(o.pipeline_weighted, 0) END AS pipeline_weighted
			FROM buckets b
			CROSS JOIN (VALUES ('new_business', 1), ('existing', 2)) seg(segment, position)
			LEFT JOIN bucket_snapshots bs ON bs.period_start = b.period_start
			LEFT JOIN won_by_bucket w ON w.period_start = b.period_start AND w.segment = seg.segment
			LEFT JOIN open_by_bucket o ON o.period_start = b.period_start AND o.segment = seg.segment
			ORDER BY b.period_start, seg.position`
		)
	);
}

export interface RevenueMixByMonth {
	/** 'YYYY-MM' */
	month: string;
	won: SegmentSplit;
	weighted_score: number;
	pipeline_as_of: string | null;
	pipeline: PipelineSplit | null;
}

/** The API's nested shape of `revenueMixOverTime` rows (by month), with the weighted score per month. */
export function nestByMonth(rows: RevenueMixBucketRow[], newBusinessWeight: number): RevenueMixByMonth[] {
	const months = new Map<string, RevenueMixBucketRow[]>();
	for (const row of rows) months.set(row.period_start, [...(months.get(row.period_start) ?? []), row]);
	return [...months].map(([start, parts]) => {
		const part = (segment: Segment) => parts.find((p) => p.segment === segment)!;
		const [newBusiness, existing] = [part('new_business'), part('existing')];
		const asOf = newBusiness.pipeline_as_of;
		return {
			month: start.slice(0, 7),
			won: { new_business: newBusiness.won, existing: existing.won },
			weighted_score: newBusiness.won * newBusinessWeight + existing.won,
			pipeline_as_of: asOf,
			pipeline:
				asOf === null
					? null
					: {
							new_business: { total: newBusiness.pipeline_total ?? 0, weighted: newBusiness.pipeline_weighted ?? 0 },
							existing: { total: existing.pipeline_total ?? 0, weighted: existing.pipeline_weighted ?? 0 }
						}
		};
	});
}

export interface RepRevenueMixRow extends SplitColumns {
	rep_id: number;
	name: string;
	email: string | null;
	role: string | null;
	team: string | null;
	weighted_score: number;
}

/**
 * Per rep in the scope: the same split, by team and name. Every active rep in the scope has a row,
 * with zeros if need be: the weight changes the figures, it never hides anyone nor puts anyone first.
 */
export async function revenueMixByRep(db: Queryable, scope: Scope, query: WeightedPeriod): Promise<RepRevenueMixRow[]> {
	return withScopedSplit(db, scope, query, (split) =>
		db.all<RepRevenueMixRow>(
			sql`
			WITH ${split},
			people AS (
				SELECT r.id AS rep_id FROM reps r WHERE r.active AND ${repsInScope(scope, sql`r.id`)}
				UNION SELECT owner_id FROM won_in_period
				UNION SELECT owner_id FROM open_at_end
			),
			won_by_rep AS (
				SELECT owner_id AS rep_id, ${bySegment(amount, 'won')}
				FROM won_in_period
				GROUP BY owner_id
			),
			open_by_rep AS (
				SELECT owner_id AS rep_id, ${bySegment(amount, 'pipeline_total')}, ${bySegment(weighted, 'pipeline_weighted')}
				FROM open_at_end
				GROUP BY owner_id
			)
			SELECT
				p.rep_id,
				coalesce(r.name, 'Rep #' || p.rep_id) AS name,
				r.email,
				r.role,
				t.name AS team,
				coalesce(w.won_new_business, 0) AS won_new_business,
				coalesce(w.won_existing, 0) AS won_existing,
				coalesce(w.won_new_business, 0) * ${query.newBusinessWeight} + coalesce(w.won_existing, 0) AS weighted_score,
				coalesce(o.pipeline_total_new_business, 0) AS pipeline_total_new_business,
				coalesce(o.pipeline_total_existing, 0) AS pipeline_total_existing,
				coalesce(o.pipeline_weighted_new_business, 0) AS pipeline_weighted_new_business,
				coalesce(o.pipeline_weighted_existing, 0) AS pipeline_weighted_existing
			FROM people p
			LEFT JOIN reps r ON r.id = p.rep_id
			LEFT JOIN teams t ON t.id = r.team_id
			LEFT JOIN won_by_rep w ON w.rep_id = p.rep_id
			LEFT JOIN open_by_rep o ON o.rep_id = p.rep_id
			-- By team and name, never by figure: the product promises no leaderboard (sorting is the reader's choice).
			ORDER BY t.name NULLS LAST, name, p.rep_id`
		)
	);
}

export interface TeamRevenueMixRow extends SplitColumns {
	team_id: number | null;
	team: string | null;
	weighted_score: number;
}

export interface TeamRevenueMix {
	teams: TeamRevenueMixRow[];
	/** Why a rep's team totals are left out (team-privacy.ts); null when nothing was. */
	withheld: TeamFigureWithheld | null;
}

/**
 * Team totals for the teams in the scope, over every rep whose team it is (so a rep sees their
 * team's aggregate without seeing a teammate's row). Deals are placed by their owner's team. A rep
 * gets their team's totals only under the team-privacy rule: enough colleagues with a deal in them,
 * over whole months.
 */
export async function revenueMixByTeam(db: Queryable, scope: Scope, query: WeightedPeriod): Promise<TeamRevenueMix> {
	// Unrestricted, deals of owners with no rep record still count (under no team).
	const inTeams = (column: Sql) => (scope.teamIds === null ? sql`true` : sql`${column} IN (SELECT r.id FROM reps r WHERE ${teamsInScope(scope, sql`r.team_id`)})`);
	const rows = await withRevenueFacts(db, async (facts) =>
		db.all<TeamRevenueMixRow & { other_reps: number; latest_snapshot: string | null }>(
			sql`
			WITH ${wonInPeriodCte(facts, query, inTeams(sql`fw.owner_id`))},
			${openAtEndCtes(facts, await pipelineSnapshot(db, facts, query), inTeams(sql`s.owner_id`))},
			won_by_team AS (
				SELECT r.team_id, ${bySegment(amount, 'won')}
				FROM won_in_period w LEFT JOIN reps r ON r.id = w.owner_id
				GROUP BY r.team_id
			),
			open_by_team AS (
				SELECT r.team_id, ${bySegment(amount, 'pipeline_total')}, ${bySegment(weighted, 'pipeline_weighted')}
				FROM open_at_end o LEFT JOIN reps r ON r.id = o.owner_id
				GROUP BY r.team_id
			),
			-- The colleagues behind each team's totals: owners of a counted deal other than the viewer.
			behind_team AS (
				SELECT r.team_id, count(DISTINCT c.owner_id) FILTER (WHERE c.owner_id IS DISTINCT FROM ${scope.ownRepId}::INTEGER)::INTEGER AS other_reps
				FROM (SELECT owner_id FROM won_in_period UNION ALL SELECT owner_id FROM open_at_end) c
				LEFT JOIN reps r ON r.id = c.owner_id
				GROUP BY r.team_id
			),
			team_ids AS (
				SELECT t.id AS team_id FROM teams t WHERE ${teamsInScope(scope, sql`t.id`)}
				UNION SELECT team_id FROM won_by_team
				UNION SELECT team_id FROM open_by_team
			)
			SELECT
				ti.team_id,
				t.name AS team,
				coalesce(w.won_new_business, 0) AS won_new_business,
				coalesce(w.won_existing, 0) AS won_existing,
				coalesce(w.won_new_business, 0) * ${query.newBusinessWeight} + coalesce(w.won_existing, 0) AS weighted_score,
				coalesce(o.pipeline_total_new_business, 0) AS pipeline_total_new_business,
				coalesce(o.pipeline_total_existing, 0) AS pipeline_total_existing,
				coalesce(o.pipeline_weighted_new_business, 0) AS pipeline_weighted_new_business,
				coalesce(o.pipeline_weighted_existing, 0) AS pipeline_weighted_existing,
				coalesce(b.other_reps, 0) AS other_reps,
				(SELECT max(snapshot_date) FROM snapshots) AS latest_snapshot
			FROM team_ids ti
			LEFT JOIN teams t ON t.id = ti.team_id
			LEFT JOIN won_by_team w ON w.team_id IS NOT DISTINCT FROM ti.team_id
			LEFT JOIN open_by_team o ON o.team_id IS NOT DISTINCT FROM ti.team_id
			LEFT JOIN behind_team b ON b.team_id IS NOT DISTINCT FROM ti.team_id
			ORDER BY t.name NULLS LAST`
		)
	);
	let withheld: TeamFigureWithheld | null = null;
	const shown: TeamRevenueMixRow[] = [];
	for (const { other_reps, latest_snapshot, ...row } of rows) {
		const reason = withheldTeamFigure(scope, { otherReps: other_reps, period: query, latestSnapshot: latest_snapshot });
		if (reason === null) shown.push(row);
		else withheld ??= reason;
	}
	return { teams: shown, withheld };
}

export interface SourceRow {
	/** inbound, sdr, bdr, partner, ...; 'unknown' when the CRM left it empty. */
	source: string;
	won: number;
	won_deals: number;
	pipeline_total: number;
	pipeline_weighted: number;
}

/**
 * Where new business came from: won new-business revenue and open new-business pipeline by source.
 * The relay's early legs (SDR, BDR, partner) show here even though an AE owns and closes the deal.
 */
export async function newBusinessBySource(db: Queryable, scope: Scope, query: RevenueMixPeriod): Promise<SourceRow[]> {
	return withScopedSplit(db, scope, query, (split) =>
		db.all<SourceRow>(
			sql`
			WITH ${split},
			won_by_source AS (
				SELECT coalesce(source, 'unknown') AS source, sum(amount)::DOUBLE AS won, count(*)::INTEGER AS won_deals
				FROM won_in_period WHERE segment = 'new_business'
				GROUP BY ALL
			),
			open_by_source AS (
				SELECT coalesce(source, 'unknown') AS source, sum(amount)::DOUBLE AS pipeline_total, sum(weighted)::DOUBLE AS pipeline_weighted
				FROM open_at_end WHERE segment = 'new_business'
				GROUP BY ALL
			)
			SELECT
				source,
				coalesce(w.won, 0) AS won,
				coalesce(w.won_deals, 0) AS won_deals,
				coalesce(o.pipeline_total, 0) AS pipeline_total,
				coalesce(o.pipeline_weighted, 0) AS pipeline_weighted
			FROM won_by_source w
			FULL JOIN open_by_source o USING (source)
			ORDER BY coalesce(list_position(['inbound', 'sdr', 'bdr', 'partner'], source), 99), source`
		)
	);
}

export interface OpenerRow {
	rep_id: number;
	name: string;
	role: string | null;
	/** Won new business, over the deals whose amounts the viewer may see. */
	won: number;
	/** Every deal opened and won in the period: the outcome, whoever owns it. */
	won_deals: number;
	/** Every deal opened and open at the pipeline snapshot. */
	open_deals: number;
	pipeline_total: number;
	pipeline_weighted: number;
	/** Deals counted above whose amounts are left out: owned by another team than a rep viewer's. */
	amounts_withheld: number;
}

/**
 * The relay's credit to the people who opened new business: per SDR/BDR (the deal's `sourced_by`),
 * the new business they opened that was won in the period or is open now. A deal counts when its
 * owner or its opener is in the scope, so an SDR sees what they opened for any AE, and an AE team's
 * leader sees who fed their team. A rep sees how the deals they opened came out, but amounts only of
 * deals owned in their own team: another team's deal sizes are that team's business (team-privacy.ts).
 */
export async function newBusinessByOpener(db: Queryable, scope: Scope, query: RevenueMixPeriod): Promise<OpenerRow[]> {
	const [wonOwner, wonOpener, openOwner, openOpener] = [
		repsInScope(scope, sql`fw.owner_id`),
		repsInScope(scope, sql`fw.sourced_by`),
		repsInScope(scope, sql`s.owner_id`),
		repsInScope(scope, sql`td.sourced_by`)
	];
	const amountShown = keepsTeammatesApart(scope)
		? sql`(owner_id IS NOT DISTINCT FROM ${scope.ownRepId}::INTEGER OR owner_id IN (SELECT r.id FROM reps r WHERE ${teamsInScope(scope, sql`r.team_id`)}))`
		: sql`true`;
	return withRevenueFacts(db, async (facts) =>
		db.all<OpenerRow>(
			sql`
			WITH ${wonInPeriodCte(facts, query, sql`(${wonOwner} OR ${wonOpener})`)},
			${openAtEndCtes(facts, await pipelineSnapshot(db, facts, query), sql`(${openOwner} OR ${openOpener})`)},
			won_by_opener AS (
				SELECT sourced_by AS rep_id,
					coalesce(sum(amount) FILTER (WHERE ${amountShown}), 0)::DOUBLE AS won,
					count(*)::INTEGER AS won_deals,
					count(*) FILTER (WHERE NOT ${amountShown})::INTEGER AS won_withheld
				FROM won_in_period WHERE segment = 'new_business' AND sourced_by IS NOT NULL
				GROUP BY ALL
			),
			open_by_opener AS (
				SELECT sourced_by AS rep_id,
					count(*)::INTEGER AS open_deals,
					coalesce(sum(amount) FILTER (WHERE ${amountShown}), 0)::DOUBLE AS pipeline_total,
					coalesce(sum(weighted) FILTER (WHERE ${amountShown}), 0)::DOUBLE AS pipeline_weighted,
					count(*) FILTER (WHERE NOT ${amountShown})::INTEGER AS open_withheld
				FROM open_at_end WHERE segment = 'new_business' AND sourced_by IS NOT NULL
				GROUP BY ALL
			)
			SELECT
				rep_id,
				coalesce(r.name, 'Rep #' || rep_id) AS name,
				r.role,
				coalesce(w.won, 0) AS won,
				coalesce(w.won_deals, 0) AS won_deals,
				coalesce(o.open_deals, 0) AS open_deals,
				coalesce(o.pipeline_total, 0) AS pipeline_total,
				coalesce(o.pipeline_weighted, 0) AS pipeline_weighted,
				(coalesce(w.won_withheld, 0) + coalesce(o.open_withheld, 0))::INTEGER AS amounts_withheld
			FROM won_by_opener w
			FULL JOIN open_by_opener o USING (rep_id)
			LEFT JOIN reps r ON r.id = rep_id
			-- By name, never by figure: no leaderboard of openers.
			ORDER BY name, rep_id`
		)
	);
}

export interface DealSegmentRow {
	deal_id: number;
	crm_id: string | null;
	/** 'won' when won in the period, 'open' when open at the pipeline snapshot. */
	counted_as: 'won' | 'open';
	deal_type: string | null;
	segment: Segment;
	derived: boolean;
}

/** Which segment each deal on the page is counted in, and whether that was derived. */
export async function dealSegments(db: Queryable, scope: Scope, query: RevenueMixPeriod): Promise<DealSegmentRow[]> {
	return withScopedSplit(db, scope, query, (split, facts) =>
		db.all<DealSegmentRow>(
			sql`
			WITH ${split},
			counted AS (
				SELECT deal_id, 'won' AS counted_as, segment, segment_derived FROM won_in_period
				UNION ALL
				SELECT deal_id, 'open', segment, segment_derived FROM open_at_end
			)
			SELECT c.deal_id, td.crm_id, c.counted_as, td.deal_type, c.segment, c.segment_derived AS derived
			FROM counted c
			LEFT JOIN ${facts.typed_deals} td USING (deal_id)
			ORDER BY c.deal_id, c.counted_as`
		)
	);
}
