import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import {
	dealSegments,
	nestByMonth,
	newBusinessByOpener,
	newBusinessBySource,
	revenueMix,
	revenueMixByRep,
	revenueMixByTeam,
	revenueMixOverTime
} from '../../src/lib/server/metrics/revenue-mix.ts';
import { freshDatabase } from './helpers.ts';

/*
 * A hand-made company: team North (Ann and Ben, AEs; Cleo, AM; Sam, SDR; Zoe, a new AE with nothing
 * yet; Olaf, who left) and team South (Dan). Weekly snapshots on the Mondays of January 2026 and
 * 2 February. Stages: 1-6 open, 7 Closed Won, 8 Closed Lost.
 */
const won = 7;
const lost = 8;
const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };
const northLeader: Scope = { role: 'leader', repIds: [1, 2, 3, 5, 6, 7], teamIds: [1], ownRepId: null };
const benAlone: Scope = { role: 'rep', repIds: [2], teamIds: [1], ownRepId: 2 };
const samAlone: Scope = { role: 'rep', repIds: [5], teamIds: [1], ownRepId: 5 };
const january = { from: '2026-01-01', to: '2026-01-31' };

type Value = string | number | boolean | null;

/** Inserts rows given as tuples in the order of `columns`, with bound parameters. */
async function insert(db: Database, table: string, columns: string[], rows: Value[][]) {
	const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `$${c}`).join(', ')})`;
	await db.write(async (tx) => {
		for (const row of rows) await tx.run(sql, Object.fromEntries(columns.map((c, i) => [c, row[i]])));
	});
}

const snapshotColumns = ['snapshot_date', 'deal_id', 'owner_id', 'stage_id', 'amount', 'probability', 'close_date'];

async function handMadeCompany(db: Database) {
	await insert(db, 'teams', ['id', 'name'], [[1, 'North'], [2, 'South']]);
	await insert(db, 'reps', ['id', 'email', 'name', 'role', 'team_id', 'active'], [
		[1, 'ann@example.test', 'Ann', 'AE', 1, true],
		[2, 'ben@example.test', 'Ben', 'AE', 1, true],
		[3, 'cleo@example.test', 'Cleo', 'AM', 1, true],
		[4, 'dan@example.test', 'Dan', 'AE', 2, true],
		[5, 'sam@example.test', 'Sam', 'SDR', 1, true],
		[6, 'zoe@example.test', 'Zoe', 'AE', 1, true],
		[7, 'olaf@example.test', 'Olaf', 'AE', 1, false]
	]);
	await insert(db, 'accounts', ['id', 'crm_id', 'name', 'customer_since'], [
		[1, 'A1', 'Acme', null],
		[2, 'A2', 'Globex', '2024-03-01'],
		[3, 'A3', 'Initech', '2023-06-01']
	]);
	await insert(db, 'deals', ['id', 'crm_id', 'account_id', 'deal_type', 'source', 'sourced_by', 'created_date'], [
		[1, 'D1', 1, 'new_business', 'inbound', null, '2025-11-01'],
		[2, 'D2', 2, 'upsell', 'existing', null, '2025-12-01'],
		[3, 'D3', 2, 'renewal', 'existing', null, '2025-10-01'],
		[4, 'D4', 2, 'cross_sell', 'existing', null, '2025-12-01'],
		[5, 'D5', 1, 'new_business', 'partner', null, '2025-11-15'],
		[6, 'D6', 1, 'new_business', 'sdr', 5, '2026-01-20'],
		[7, 'D7', 3, 'renewal', 'existing', null, '2026-01-20'],
		[8, 'D8', 1, 'new_business', 'inbound', null, '2026-01-20'],
		[9, 'D9', 1, 'new_business', 'sdr', 5, '2025-12-10'],
		[10, 'D10', 3, 'renewal', 'existing', null, '2025-11-20']
	]);
	await insert(db, 'snapshots', snapshotColumns, [
		// D1: won on 9 January as first seen on the 12th at 1,000; raised to 1,200 and re-dated a week later.
		['2026-01-05', 1, 1, 5, 1000, 0.6, '2026-01-15'],
		['2026-01-12', 1, 1, won, 1000, 1, '2026-01-09'],
		['2026-01-19', 1, 1, won, 1200, 1, '2026-01-20'],
		// D2: open in Negotiation on 26 January, first seen won on 2 February with a January close date.
		['2026-01-26', 2, 1, 6, 500, 0.8, '2026-01-30'],
		['2026-02-02', 2, 1, won, 500, 1, '2026-01-30'],
		// D3: won in December, still shown in the first January snapshot.
		['2026-01-05', 3, 2, won, 700, 1, '2025-12-30'],
		// D4: lost.
		['2026-01-12', 4, 2, lost, 900, 0, '2026-01-10'],
		// D5: Dan's (South) win.
		['2026-01-19', 5, 4, won, 2000, 1, '2026-01-16'],
		// D6: open new business, grown between the end of January and 2 February.
		['2026-01-26', 6, 1, 4, 400, 0.4, '2026-03-31'],
		['2026-02-02', 6, 1, 5, 450, 0.6, '2026-03-31'],
		// D7: Cleo's open renewal.
		['2026-01-26', 7, 3, 3, 300, 0.2, '2026-04-30'],
		['2026-02-02', 7, 3, 3, 300, 0.2, '2026-04-30'],
		// D8: Dan's open new business.
		['2026-01-26', 8, 4, 5, 1000, 0.5, '2026-02-27'],
		// D9: won by Ben, then handed to Dan (South): it stays Ben's win.
		['2026-01-12', 9, 2, 6, 800, 0.8, '2026-01-20'],
		['2026-01-19', 9, 2, won, 800, 1, '2026-01-18'],
		['2026-01-26', 9, 4, won, 800, 1, '2026-01-18'],
		// D10: Cleo's renewal won on 10 January.
		['2026-01-12', 10, 3, won, 1400, 1, '2026-01-10']
	]);
}

describe('revenue mix on a hand-made company', () => {
	let db: Database;
	let cleanup: () => void;
	beforeAll(async () => {
		({ db, cleanup } = await freshDatabase());
		await handMadeCompany(db);
	});
	afterAll(() => cleanup());

	const mix = (scope: Scope, newBusinessWeight = 1, period = january) =>
		db.read((q) => revenueMix(q, scope, { ...period, newBusinessWeight }));

	it('a deal counts as won when the first snapshot showing it Closed Won has a close date in the period, at that snapshot’s amount', async () => {
		const m = await mix(everyone);
		// D1 at 1,000 (not its later 1,200), D2 (decided in February, closed in January), D5, D9 at
		// 800; D3 closed in December and D4 was lost. D10 is a renewal: existing.
		expect(m.won).toEqual({ new_business: 1000 + 2000 + 800, existing: 500 + 1400 });
		expect(m.won_deals).toEqual({ new_business: 3, existing: 2 });
	});

	it('a win belongs to whoever owned the deal when it was first shown won', async () => {
		const m = await mix(northLeader);
		expect(m.won).toEqual({ new_business: 1000 + 800, existing: 500 + 1400 });
		const dan = await mix({ role: 'rep', repIds: [4], teamIds: [2], ownRepId: 4 });
		expect(dan.won).toEqual({ new_business: 2000, existing: 0 });
	});

	it('pipeline is the open deals at the latest snapshot on or before the period’s end, total and amount x probability', async () => {
		const m = await mix(northLeader);
		expect(m.pipeline_as_of).toBe('2026-01-26');
		expect(m.pipeline.new_business).toEqual({ total: 400, weighted: 160 });
		// Upsell D2 (500 at 0.8) and renewal D7 (300 at 0.2); D9, already won, is not pipeline.
		expect(m.pipeline.existing.total).toBe(800);
		expect(m.pipeline.existing.weighted).toBeCloseTo(460, 9);

		const later = await mix(northLeader, 1, { from: '2026-01-01', to: '2026-02-15' });
		expect(later.pipeline_as_of).toBe('2026-02-02');
		expect(later.pipeline.new_business.total).toBe(450);
		expect(later.pipeline.existing.total).toBe(300);
	});

	it('a period before the first snapshot has no pipeline and no wins, and says so', async () => {
		const m = await mix(everyone, 2, { from: '2025-01-01', to: '2025-01-31' });
		expect(m.pipeline_as_of).toBeNull();
		expect(m.won).toEqual({ new_business: 0, existing: 0 });
		expect(m.pipeline.new_business).toEqual({ total: 0, weighted: 0 });
		expect(m.weighted_score).toBe(0);
	});

	it('the new-business-weighted revenue is new business x w + existing, and w leaves the plain split alone', async () => {
		const plain = await mix(northLeader, 1);
		const weighted = await mix(northLeader, 1.5);
		expect(plain.weighted_score).toBe(1800 + 1900);
		expect(weighted.weighted_score).toBe(1800 * 1.5 + 1900);
		expect(weighted.won).toEqual(plain.won);
		expect(weighted.pipeline).toEqual(plain.pipeline);
	});

	it('per rep, every active rep in scope has a row, by team and name: the weight changes the figures, never the order', async () => {
		const order = async (w: number) =>
			(await db.read((q) => revenueMixByRep(q, northLeader, { ...january, newBusinessWeight: w }))).map((r) => [r.name, r.weighted_score]);
		// Ann 1,000 new + 500 existing; Cleo 1,400 existing; Ben 800 new; Sam and Zoe nothing yet.
		// Olaf has left and has nothing in the period, so he has no row. Issue 19: no rank lists, so the
		// rows no longer follow the weighted revenue.
		expect(await order(1)).toEqual([['Ann', 1500], ['Ben', 800], ['Cleo', 1400], ['Sam', 0], ['Zoe', 0]]);
		expect(await order(3)).toEqual([['Ann', 3500], ['Ben', 2400], ['Cleo', 1400], ['Sam', 0], ['Zoe', 0]]);
	});

	it('per rep rows carry the same split as the headline, and add up to it', async () => {
		const rows = await db.read((q) => revenueMixByRep(q, northLeader, { ...january, newBusinessWeight: 2 }));
		const ann = rows.find((r) => r.name === 'Ann')!;
		expect(ann).toMatchObject({
			won_new_business: 1000,
			won_existing: 500,
			weighted_score: 2500,
			pipeline_total_new_business: 400,
			pipeline_total_existing: 500,
			team: 'North',
			role: 'AE'
		});
		const m = await mix(northLeader, 2);
		const sum = (key: 'won_new_business' | 'won_existing' | 'pipeline_total_existing') => rows.reduce((s, r) => s + r[key], 0);
		expect(sum('won_new_business')).toBe(m.won.new_business);
		expect(sum('won_existing')).toBe(m.won.existing);
		expect(sum('pipeline_total_existing')).toBe(m.pipeline.existing.total);
	});

	it('a rep sees only their own row, and no team totals while only two colleagues have deals in them', async () => {
		const query = { ...january, newBusinessWeight: 1 };
		const rows = await db.read((q) => revenueMixByRep(q, benAlone, query));
		expect(rows.map((r) => r.name)).toEqual(['Ben']);
		// North's January is Ann's, Cleo's and Ben's own deals: the total less Ben's would be Ann's and
		// Cleo's together (team-privacy.test.ts has the team where it shows).
		const teams = await db.read((q) => revenueMixByTeam(q, benAlone, query));
		expect(teams).toEqual({ teams: [], withheld: 'too_few_reps' });
		const leaders = await db.read((q) => revenueMixByTeam(q, northLeader, query));
		expect(leaders.teams[0]).toMatchObject({ team: 'North', won_new_business: 1800, won_existing: 1900, pipeline_total_existing: 800 });
	});

	it('an executive gets every team’s totals, and they add up to the company', async () => {
		const query = { ...january, newBusinessWeight: 1.5 };
		const { teams, withheld } = await db.read((q) => revenueMixByTeam(q, everyone, query));
		expect(withheld).toBeNull();
		expect(teams.map((t) => [t.team, t.won_new_business, t.won_existing, t.weighted_score])).toEqual([
			['North', 1800, 1900, 1800 * 1.5 + 1900],
			['South', 2000, 0, 3000]
		]);
	});

	it('over time, every month of the period has a row per segment; wins add up to the period and pipeline is read per month', async () => {
		const quarter = { from: '2026-01-01', to: '2026-03-31' };
		const rows = await db.read((q) => revenueMixOverTime(q, northLeader, { ...quarter, bucket: 'month' }));
		expect(rows.map((r) => [r.period_start, r.segment, r.won, r.pipeline_as_of, r.pipeline_total])).toEqual([
			['2026-01-01', 'new_business', 1800, '2026-01-26', 400],
			['2026-01-01', 'existing', 1900, '2026-01-26', 800],
			['2026-02-01', 'new_business', 0, '2026-02-02', 450],
			['2026-02-01', 'existing', 0, '2026-02-02', 300],
			// No snapshot in March yet: no pipeline rather than February's repeated.
			['2026-03-01', 'new_business', 0, null, null],
			['2026-03-01', 'existing', 0, null, null]
		]);
		const byQuarter = await db.read((q) => revenueMixOverTime(q, northLeader, { ...quarter, bucket: 'quarter' }));
		expect(byQuarter.map((r) => [r.period_start, r.segment, r.won, r.pipeline_as_of])).toEqual([
			['2026-01-01', 'new_business', 1800, '2026-02-02'],
			['2026-01-01', 'existing', 1900, '2026-02-02']
		]);
		const m = await mix(northLeader, 1, quarter);
		expect(byQuarter[0].pipeline_total).toBe(m.pipeline.new_business.total);
	});

	it('by month, the API shape nests the split and the weighted score per month', () => {
		const nested = nestByMonth(
			[
				{ period_start: '2026-01-01', segment: 'new_business', won: 100, won_deals: 1, pipeline_as_of: null, pipeline_total: null, pipeline_weighted: null },
				{ period_start: '2026-01-01', segment: 'existing', won: 50, won_deals: 1, pipeline_as_of: null, pipeline_total: null, pipeline_weighted: null }
			],
			2
		);
		expect(nested).toEqual([{ month: '2026-01', won: { new_business: 100, existing: 50 }, weighted_score: 250, pipeline_as_of: null, pipeline: null }]);
	});

	it('the source split covers new business only, by where it came from', async () => {
		const rows = await db.read((q) => newBusinessBySource(q, northLeader, january));
		expect(rows.map((r) => [r.source, r.won, r.won_deals, r.pipeline_total, r.pipeline_weighted])).toEqual([
			['inbound', 1000, 1, 0, 0],
			['sdr', 800, 1, 400, 160]
		]);
	});

	it('the SDR who opened a deal is credited with it, and sees it, though an AE owns it', async () => {
		const rows = await db.read((q) => newBusinessByOpener(q, samAlone, january));
		expect(rows.map((r) => [r.name, r.role, r.won, r.won_deals, r.open_deals, r.pipeline_total, r.amounts_withheld])).toEqual([['Sam', 'SDR', 800, 1, 1, 400, 0]]);
		// Sam owns no deal, so Sam's own revenue is zero: the credit is an opener's, not an owner's.
		expect((await mix(samAlone)).won).toEqual({ new_business: 0, existing: 0 });
	});
});

describe('deal type, where the data has none, is derived from the account’s history', () => {
	let db: Database;
	let cleanup: () => void;
	beforeEach(async () => ({ db, cleanup } = await freshDatabase()));
	afterEach(() => cleanup());

	/*
	 * Acme had its first win (deal 1) close on 1 March 2025. Globex has been a customer since 2020,
	 * before our snapshots began. Initech only ever lost a deal. One deal has no account.
	 */
	async function accountHistory() {
		await insert(db, 'reps', ['id', 'email', 'name', 'role', 'team_id'], [[1, 'ann@example.test', 'Ann', 'AE', null]]);
		await insert(db, 'accounts', ['id', 'crm_id', 'name', 'customer_since'], [
			[1, 'ACME', 'Acme', null],
			[2, 'GLOBEX', 'Globex', '2020-06-01'],
			[3, 'INITECH', 'Initech', null]
		]);
		await insert(db, 'deals', ['id', 'crm_id', 'account_id', 'deal_type', 'created_date'], [
			[1, 'acme-first', 1, null, '2025-01-10'],
			[2, 'acme-created-before-first-win', 1, null, '2025-02-15'],
			[3, 'acme-created-on-first-win-day', 1, null, '2025-03-01'],
			[4, 'acme-after-first-win', 1, null, '2025-04-01'],
			[5, 'acme-typed-new-business', 1, 'new_business', '2025-05-01'],
			[6, 'globex-long-standing', 2, null, '2025-01-05'],
			[7, 'initech-lost-first', 3, null, '2025-01-02'],
			[8, 'initech-after-loss', 3, null, '2025-02-01'],
			[9, 'no-account', null, null, '2025-02-01'],
			[10, 'acme-undated', 1, null, null],
			[11, 'globex-typed-upsell', 2, 'upsell', '2025-02-01']
		]);
		const open = (deal: number, snapshot: string) => [snapshot, deal, 1, 3, 100, 0.2, '2025-06-30'];
		await insert(db, 'snapshots', snapshotColumns, [
			['2025-02-24', 1, 1, 6, 5000, 0.8, '2025-03-01'],
			['2025-03-03', 1, 1, won, 5000, 1, '2025-03-01'],
			['2025-01-06', 7, 1, lost, 300, 0, '2025-01-03'],
			// Created without a date: dated by its first snapshot, 5 May, after Acme's first win.
			open(10, '2025-05-05'),
			...[2, 3, 4, 5, 6, 8, 9, 11].map((deal) => open(deal, '2025-05-05'))
		]);
	}

	it('new business when the account had no won deal before the deal was created, existing otherwise; explicit types stand', async () => {
		await accountHistory();
		const rows = await db.read((q) => dealSegments(q, everyone, { from: '2025-01-01', to: '2025-05-31' }));
		const segmentOf = Object.fromEntries(rows.map((r) => [r.crm_id, [r.segment, r.derived]]));
		expect(segmentOf).toEqual({
			'acme-first': ['new_business', true],
			'acme-created-before-first-win': ['new_business', true],
			// Won "before" means strictly before: on the same day the deal was not yet a follow-on sale.
			'acme-created-on-first-win-day': ['new_business', true],
			'acme-after-first-win': ['existing', true],
			'acme-typed-new-business': ['new_business', false],
			'globex-long-standing': ['existing', true],
			'initech-after-loss': ['new_business', true],
			'no-account': ['new_business', true],
			'acme-undated': ['existing', true],
			'globex-typed-upsell': ['existing', false]
		});
	});

	it('the headline counts how many of its deals had their type derived', async () => {
		await accountHistory();
		const m = await db.read((q) => revenueMix(q, everyone, { from: '2025-01-01', to: '2025-05-31', newBusinessWeight: 1 }));
		expect(m.won).toEqual({ new_business: 5000, existing: 0 });
		expect(m.derived).toEqual({ won_deals: 1, open_deals: 7 });
		// Open: deals 2, 3, 8, 9 and the typed one (5) are new business; 4, 6, 10 and the upsell (11) existing.
		expect(m.pipeline.new_business.total).toBe(500);
		expect(m.pipeline.existing.total).toBe(400);
	});

	it('a snapshot of a deal missing from the deal list still counts, as derived new business', async () => {
		await insert(db, 'snapshots', snapshotColumns, [['2025-03-03', 99, 1, won, 250, 1, '2025-03-01']]);
		const m = await db.read((q) => revenueMix(q, everyone, { from: '2025-03-01', to: '2025-03-31', newBusinessWeight: 2 }));
		expect(m.won).toEqual({ new_business: 250, existing: 0 });
		expect(m.derived.won_deals).toBe(1);
		expect(m.weighted_score).toBe(500);
	});
});
