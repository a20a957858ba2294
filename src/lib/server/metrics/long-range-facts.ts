import { sql, type Queryable, type Sql } from '../db/index.ts';
import type { IsoDate } from '../../domain/periods.ts';
import { membershipHasDates } from '../auth/scope.ts';
import { calibratedRates } from './calibration.ts';
import { dealHistories, dealHistoryTables } from './facts/history.ts';
import { rememberedWhileDataUnchanged } from './remembered.ts';
import { withRevenueFacts } from './revenue-mix.ts';

/**
 * What the 6-18 month view learns from, the same whoever asks: every deal's birth and win, the reps,
 * and the open deals with their calibrated chance of winning at the first snapshot of every month.
 * Read once per data version (the snapshots change only on import) and kept in this process as
 * plain arrays, so a leader's, rep's or executive's projection, and the backtest at every past month,
 * only filter and add up.
 *
 * Months are counted as whole numbers (year x 12 + month - 1) and days as days since 1970-01-01, so
 * the model's arithmetic never parses a date.
 */

export interface DealFact {
	dealId: number;
	/** The rep who held the deal when it first appeared: whose creation it counts as. */
	creatorId: number;
	/** The first snapshot showing the deal: from then on a forecast could know it exists. */
	seenDay: number;
	createdMonth: number;
	newBusiness: boolean;
	/** The first snapshot showing it won, its close month and amount (facts/history.ts); null if never won. */
	wonDay: number | null;
	wonMonth: number | null;
	wonAmount: number;
	/** Who held it when it was won: whose actual revenue it is. */
	wonOwnerId: number | null;
}

export interface RepFact {
	id: number;
	/** Their team of today. */
	teamId: number | null;
	/** The teams they were in, from which day up to which (rep_team_spans): see `teamOnDay`. */
	spans: readonly { fromDay: number; toDay: number; teamId: number | null }[];
	/** The first snapshot holding one of their deals; a rep seen from the first snapshot on is not new. */
	firstSeenDay: number;
	active: boolean;
}

/** An open deal at one snapshot, with the calibrated stage-to-won rate of its rep then. */
export interface OpenDealFact {
	dealId: number;
	ownerId: number;
	amount: number;
	closeMonth: number;
	pWin: number;
}

export interface LongRangeFacts {
	deals: DealFact[];
	dealById: Map<number, DealFact>;
	reps: Map<number, RepFact>;
	teams: { id: number; name: string }[];
	/** Every snapshot date, as days, ascending. */
	snapshotDays: number[];
	/** The first snapshot of each month (as days), with the deals open then: the backtest's and slip history's points. */
	points: Map<number, OpenDealFact[]>;
	/** Whether team membership has dates (a roster with valid_from, a rep moved by a deal import). */
	membershipDated: boolean;
}

/**
 * The team `rep` was in on `day` (dated membership; without dates, their team of today), null if
 * none: a rep's creation and a team's history are learned in the team of the time.
 */
export function teamOnDay(rep: RepFact | undefined, day: number): number | null {
	return rep?.spans.find((span) => span.fromDay <= day && day < span.toDay)?.teamId ?? null;
}

const epoch = Date.UTC(1970, 0, 1);
export const dayOf = (date: IsoDate) => Math.round((Date.parse(`${date}T00:00:00Z`) - epoch) / 86_400_000);
export const isoOfDay = (day: number): IsoDate => new Date(epoch + day * 86_400_000).toISOString().slice(0, 10);
export const monthIndexOfDay = (day: number) => {
	const date = new Date(epoch + day * 86_400_000);
	return date.getUTCFullYear() * 12 + date.getUTCMonth();
};
export const monthName = (index: number) => `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
export const monthIndex = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
export const daysInMonth = (index: number) => new Date(Date.UTC(Math.floor(index / 12), (index % 12) + 1, 0)).getUTCDate();
export const dayOfMonthStart = (index: number) => Math.round((Date.UTC(Math.floor(index / 12), index % 12, 1) - epoch) / 86_400_000);

/**
 * Deals open at each date of a CTE `rate_dates(rate_date)`, weighted with the calibrated rate their
 * rep had then (calibration.ts): the same expectation the Forecast page's calibrated line uses.
 */
const openDealsSql = (dates: Sql) => sql`
	WITH
	rate_dates AS (${dates}),
	${calibratedRates}
	SELECT
		datediff('day', DATE '1970-01-01', s.snapshot_date)::INTEGER AS day,
		s.deal_id::INTEGER AS deal_id,
		s.owner_id::INTEGER AS owner_id,
		s.amount::DOUBLE AS amount,
		(year(s.close_date) * 12 + month(s.close_date) - 1)::INTEGER AS close_month,
		coalesce(r.rate, c.rate)::DOUBLE AS p_win
	FROM snapshots s
	JOIN rate_dates d ON d.rate_date = s.snapshot_date
	JOIN stages st ON st.id = s.stage_id AND st.outcome = 'open'
	JOIN company_rates c ON c.rate_date = s.snapshot_date AND c.stage_id = s.stage_id
	LEFT JOIN rep_rates r ON r.rate_date = s.snapshot_date AND r.owner_id = s.owner_id AND r.stage_id = s.stage_id`;

type OpenDealRow = { day: number; deal_id: number; owner_id: number; amount: number; close_month: number; p_win: number };

const openDealFact = (row: OpenDealRow): OpenDealFact => ({
	dealId: row.deal_id,
	ownerId: row.owner_id,
	amount: row.amount,
	closeMonth: row.close_month,
	pWin: row.p_win
});

async function readFacts(db: Queryable): Promise<LongRangeFacts> {
	await dealHistories(db);
	const deals = await withRevenueFacts(db, (tables) =>
		db.all<{
			deal_id: number;
			creator_id: number;
			seen_day: number;
			created_month: number;
			new_business: boolean;
			won_day: number | null;
			won_month: number | null;
			won_amount: number | null;
			won_owner_id: number | null;
		}>(
			/* sql */ `
			WITH
			first_seen AS (
				SELECT deal_id, min(snapshot_date) AS seen_on, arg_min(owner_id, snapshot_date) AS creator_id
				FROM snapshots
				GROUP BY deal_id
			)
			SELECT
				f.deal_id::INTEGER AS deal_id,
				f.creator_id::INTEGER AS creator_id,
				datediff('day', DATE '1970-01-01', f.seen_on)::INTEGER AS seen_day,
				-- A creation date after the first sighting is a CRM's edit; the sighting is the fact.
				(year(least(coalesce(d.created_date, f.seen_on), f.seen_on)) * 12
					+ month(least(coalesce(d.created_date, f.seen_on), f.seen_on)) - 1)::INTEGER AS created_month,
				coalesce(td.segment, 'new_business') = 'new_business' AS new_business,
				datediff('day', DATE '1970-01-01', w.won_on)::INTEGER AS won_day,
				(year(w.close_date) * 12 + month(w.close_date) - 1)::INTEGER AS won_month,
				w.amount::DOUBLE AS won_amount,
				w.owner_id::INTEGER AS won_owner_id
			FROM first_seen f
			LEFT JOIN deals d ON d.id = f.deal_id
			LEFT JOIN ${tables.typed_deals} td ON td.deal_id = f.deal_id
			LEFT JOIN ${dealHistoryTables.won_deals} w ON w.deal_id = f.deal_id
			ORDER BY f.deal_id`
		)
	);
	const reps = await db.all<{ id: number; team_id: number | null; first_seen_day: number | null; active: boolean }>(
		/* sql */ `
		SELECT r.id::INTEGER AS id, r.team_id::INTEGER AS team_id, r.active,
			datediff('day', DATE '1970-01-01', (SELECT min(snapshot_date) FROM snapshots s WHERE s.owner_id = r.id))::INTEGER AS first_seen_day
		FROM reps r`
	);
	const spans = await db.all<{ rep_id: number; team_id: number | null; from_day: number; to_day: number }>(
		`SELECT rep_id::INTEGER AS rep_id, team_id::INTEGER AS team_id,
			datediff('day', DATE '1970-01-01', valid_from)::INTEGER AS from_day, datediff('day', DATE '1970-01-01', valid_to)::INTEGER AS to_day
		FROM rep_team_spans ORDER BY rep_id, valid_from`
	);
	const dated = await membershipHasDates(db);
	const spansOf = new Map<number, RepFact['spans'][number][]>();
	for (const s of spans) {
		let list = spansOf.get(s.rep_id);
		if (!list) spansOf.set(s.rep_id, (list = []));
		list.push({ fromDay: s.from_day, toDay: s.to_day, teamId: s.team_id });
	}
	const teams = await db.all<{ id: number; name: string }>('SELECT id::INTEGER AS id, name FROM teams ORDER BY name');
	const days = await db.all<{ day: number }>(
		`SELECT datediff('day', DATE '1970-01-01', snapshot_date)::INTEGER AS day FROM ${dealHistoryTables.snapshot_dates} ORDER BY 1`
	);
	// A month at a time: two years hold about a million open deals at month starts, and reading them
	// in one answer held them three times over (DuckDB's, its rows, the facts) at the peak.
	const monthStarts = await db.all<{ day: string }>(
		`SELECT min(snapshot_date) AS day FROM ${dealHistoryTables.snapshot_dates} GROUP BY date_trunc('month', snapshot_date) ORDER BY 1`
	);
	const points = new Map<number, OpenDealFact[]>();
	for (const { day } of monthStarts) points.set(dayOf(day), await openDealsOn(db, day));
	const dealFacts = deals.map(
		(d): DealFact => ({
			dealId: d.deal_id,
			creatorId: d.creator_id,
			seenDay: d.seen_day,
			createdMonth: d.created_month,
			newBusiness: d.new_business,
			wonDay: d.won_day,
			wonMonth: d.won_month,
			wonAmount: d.won_amount ?? 0,
			wonOwnerId: d.won_owner_id
		})
	);
	return {
		deals: dealFacts,
		dealById: new Map(dealFacts.map((d) => [d.dealId, d])),
		reps: new Map(
			reps.map((r) => [
				r.id,
				{ id: r.id, teamId: r.team_id, spans: spansOf.get(r.id) ?? [], active: r.active, firstSeenDay: r.first_seen_day ?? Number.MAX_SAFE_INTEGER }
			])
		),
		teams,
		snapshotDays: days.map((d) => d.day),
		points,
		membershipDated: dated
	};
}

/** The facts for the data as it is now, read once per data version. */
export function longRangeFacts(db: Queryable): Promise<LongRangeFacts> {
	return rememberedWhileDataUnchanged(db, 'long-range facts', () => readFacts(db));
}

/** The deals open at one snapshot (any, not only a month's first), calibrated, for everyone. */
export async function openDealsAt(db: Queryable, asOf: IsoDate): Promise<OpenDealFact[]> {
	const facts = await longRangeFacts(db);
	const known = facts.points.get(dayOf(asOf));
	if (known) return known;
	return rememberedWhileDataUnchanged(db, `long-range open deals ${asOf}`, () => openDealsOn(db, asOf));
}

/** The deals open at snapshot `date`, each with its calibrated chance of winning then. */
async function openDealsOn(db: Queryable, date: string): Promise<OpenDealFact[]> {
	const rows = await db.all<OpenDealRow>(openDealsSql(sql`SELECT ${date}::DATE AS rate_date`));
	return rows.map(openDealFact);
}
