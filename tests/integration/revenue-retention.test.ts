import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { keyAccountConcentration, netRevenueRetention } from '../../src/lib/server/metrics/retention.ts';
import { revenueMix } from '../../src/lib/server/metrics/revenue-mix.ts';
import { freshDatabase } from './helpers.ts';

const won = 7;
const lost = 8;
const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };
/** Team North: Ann (AE) and Cleo (AM). Dan (AM) is in South. */
const northLeader: Scope = { role: 'leader', repIds: [1, 3], teamIds: [1], ownRepId: null };
const january = { from: '2026-01-01', to: '2026-01-31' };

type Value = string | number | boolean | null;

async function insert(db: Database, table: string, columns: string[], rows: Value[][]) {
	const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `$${c}`).join(', ')})`;
	await db.write(async (tx) => {
		for (const row of rows) await tx.run(sql, Object.fromEntries(columns.map((c, i) => [c, row[i]])));
	});
}

const snapshotColumns = ['snapshot_date', 'deal_id', 'owner_id', 'stage_id', 'amount', 'probability', 'close_date'];

let db: Database;
let cleanup: () => void;
beforeEach(async () => {
	({ db, cleanup } = await freshDatabase());
	await insert(db, 'teams', ['id', 'name'], [[1, 'North'], [2, 'South']]);
	await insert(db, 'reps', ['id', 'email', 'name', 'role', 'team_id'], [
		[1, 'ann@example.test', 'Ann', 'AE', 1],
		[3, 'cleo@example.test', 'Cleo', 'AM', 1],
		[4, 'dan@example.test', 'Dan', 'AM', 2]
	]);
});
afterEach(() => cleanup());

describe('net revenue retention per account cohort, read from renewals', () => {
	async function renewalHistory() {
		await insert(db, 'accounts', ['id', 'crm_id', 'name', 'customer_since'], [
			[1, 'A1', 'Acme', '2022-03-01'],
			[2, 'A2', 'Globex', '2022-09-01'],
			[3, 'A3', 'Initech', '2024-02-01'],
			[4, 'A4', 'Umbrella', '2024-05-01'],
			[5, 'A5', 'Hooli', '2023-01-01'],
			[6, 'A6', 'Stark', '2023-01-01']
		]);
		await insert(db, 'deals', ['id', 'crm_id', 'account_id', 'deal_type', 'created_date'], [
			[1, 'acme-renewal', 1, 'renewal', '2025-11-01'],
			[2, 'acme-upsell', 1, 'upsell', '2025-12-01'],
			[3, 'globex-renewal', 2, 'renewal', '2025-11-01'],
			[4, 'initech-renewal', 3, 'renewal', '2025-11-01'],
			[5, 'initech-cross-sell', 3, 'cross_sell', '2025-12-01'],
			[6, 'umbrella-upsell', 4, 'upsell', '2025-12-01'],
			[7, 'hooli-renewal-in-february', 5, 'renewal', '2025-12-01'],
			[8, 'stark-renewal-south', 6, 'renewal', '2025-12-01'],
			[9, 'initech-untyped', 3, null, '2025-12-01']
		]);
		await insert(db, 'snapshots', snapshotColumns, [
			// Acme renews 1,000 for 1,100 and buys a 200 upsell: expansion 300.
			['2026-01-05', 1, 3, 5, 1000, 0.6, '2026-01-16'],
			['2026-01-19', 1, 3, won, 1100, 1, '2026-01-16'],
			['2026-01-19', 2, 1, won, 200, 1, '2026-01-15'],
			// Globex does not renew its 500: churn.
			['2026-01-05', 3, 3, 4, 500, 0.4, '2026-01-23'],
			['2026-01-26', 3, 3, lost, 500, 0, '2026-01-23'],
			// Initech renews 1,000 for 800 (contraction 200) and buys a 150 cross-sell (expansion). A
			// deal of unknown type won there is left out: derived types cannot tell expansion apart.
			['2026-01-05', 4, 3, 5, 1000, 0.6, '2026-01-09'],
			['2026-01-12', 4, 3, won, 800, 1, '2026-01-09'],
			['2026-01-12', 5, 1, won, 150, 1, '2026-01-08'],
			['2026-01-12', 9, 1, won, 999, 1, '2026-01-08'],
			// Umbrella expands but has no renewal in the period: not in the cohort.
			['2026-01-12', 6, 3, won, 300, 1, '2026-01-10'],
			// Hooli's renewal is decided in February; Stark's belongs to South.
			['2026-01-26', 7, 3, 5, 700, 0.6, '2026-02-03'],
			['2026-02-09', 7, 3, won, 700, 1, '2026-02-03'],
			['2026-01-05', 8, 4, 5, 600, 0.6, '2026-01-20'],
			['2026-01-26', 8, 4, lost, 600, 0, '2026-01-20']
		]);
	}

	it('starting = amount up for renewal; churn, contraction and expansion as the renewals and upsells went', async () => {
		await renewalHistory();
		const nrr = await db.read((q) => netRevenueRetention(q, northLeader, january));
		expect(nrr.renewal_deals_known).toBe(4);
		expect(nrr.cohorts.map((c) => [c.cohort, c.accounts, c.renewals, c.starting, c.expansion, c.contraction, c.churn])).toEqual([
			['2022', 2, 2, 1500, 300, 0, 500],
			['2024', 1, 1, 1000, 150, 200, 0]
		]);
		expect(nrr.cohorts[0].nrr).toBeCloseTo((1500 + 300 - 500) / 1500, 10);
		expect(nrr.cohorts[1].nrr).toBeCloseTo((1000 + 150 - 200) / 1000, 10);
		expect(nrr.total).toMatchObject({ is_total: true, accounts: 3, starting: 2500, expansion: 450, contraction: 200, churn: 500 });
		expect(nrr.total!.nrr).toBeCloseTo(0.9, 10);
	});

	it('a renewal still open after its close date counts as at risk, apart from churn, so NRR is not overstated', async () => {
		await renewalHistory();
		await insert(db, 'deals', ['id', 'crm_id', 'account_id', 'deal_type', 'created_date'], [
			[10, 'umbrella-renewal-late', 4, 'renewal', '2025-12-01'],
			[11, 'acme-renewal-removed', 1, 'renewal', '2025-12-01'],
			[12, 'globex-renewal-not-yet-due', 2, 'renewal', '2025-12-01']
		]);
		// The latest snapshot is 9 February (Hooli's win).
		await insert(db, 'snapshots', snapshotColumns, [
			// Umbrella's 400 was due on 28 January and is still open on 9 February: at risk in January.
			['2026-01-12', 10, 3, 5, 400, 0.6, '2026-01-28'],
			['2026-02-09', 10, 3, 5, 400, 0.6, '2026-01-28'],
			// Gone from the latest snapshot: removed, neither at risk nor decided.
			['2026-01-12', 11, 3, 5, 900, 0.6, '2026-01-20'],
			// Open and due after the latest snapshot: not late.
			['2026-02-09', 12, 3, 5, 250, 0.6, '2026-02-20']
		]);
		const nrr = await db.read((q) => netRevenueRetention(q, northLeader, january));
		const cohort2024 = nrr.cohorts.find((c) => c.cohort === '2024')!;
		// Umbrella joins the 2024 cohort with its renewal at risk, and its January upsell becomes expansion.
		expect([cohort2024.accounts, cohort2024.renewals, cohort2024.starting, cohort2024.expansion, cohort2024.churn]).toEqual([2, 2, 1400, 450, 0]);
		expect([cohort2024.renewals_at_risk, cohort2024.at_risk]).toEqual([1, 400]);
		expect(cohort2024.nrr).toBeCloseTo((1400 + 450 - 200 - 400) / 1400, 10);
		expect(nrr.total).toMatchObject({ starting: 2900, churn: 500, at_risk: 400, renewals_at_risk: 1 });
		expect(nrr.total!.nrr).toBeCloseTo((2900 + 750 - 200 - 500 - 400) / 2900, 10);
		// Without the late renewal NRR would read higher: that is what it must not hide.
		expect(nrr.total!.nrr!).toBeLessThan(0.9);
	});

	it('the scope decides whose renewals count', async () => {
		await renewalHistory();
		const all = await db.read((q) => netRevenueRetention(q, everyone, january));
		// Stark (2023 cohort) joins with its lost renewal of 600.
		expect(all.cohorts.map((c) => [c.cohort, c.churn])).toEqual([['2022', 500], ['2023', 600], ['2024', 0]]);
		const dan = await db.read((q) => netRevenueRetention(q, { role: 'rep', repIds: [4], teamIds: [2], ownRepId: 4 }, january));
		expect(dan.total).toMatchObject({ starting: 600, churn: 600, nrr: 0 });
	});

	it('without renewal deals there is nothing to read NRR from, and it says so instead of showing 0%', async () => {
		await insert(db, 'deals', ['id', 'crm_id', 'account_id', 'deal_type', 'created_date'], [[1, 'new', null, 'new_business', '2025-12-01']]);
		await insert(db, 'snapshots', snapshotColumns, [['2026-01-12', 1, 1, won, 100, 1, '2026-01-08']]);
		const nrr = await db.read((q) => netRevenueRetention(q, everyone, january));
		expect(nrr).toEqual({ renewal_deals_known: 0, cohorts: [], total: null });
	});
});

describe('key-account concentration', () => {
	/** Twelve accounts winning 1,200 down to 100 in January (Acme's 1,200 in two deals), and one deal with no account. */
	async function twelveAccounts() {
		await insert(
			db,
			'accounts',
			['id', 'crm_id', 'name', 'key_account'],
			Array.from({ length: 12 }, (_, i) => [i + 1, `A${i + 1}`, `Account ${i + 1}`, i === 0 || i === 11])
		);
		const deals: Value[][] = Array.from({ length: 12 }, (_, i) => [i + 1, `D${i + 1}`, i + 1]);
		deals.push([13, 'D13', 1], [14, 'D14', null], [15, 'D15-south', 2]);
		await insert(db, 'deals', ['id', 'crm_id', 'account_id'], deals);
		const amounts = [700, 1100, 1000, 900, 800, 700, 600, 500, 400, 300, 200, 100];
		await insert(db, 'snapshots', snapshotColumns, [
			...amounts.map((amount, i) => ['2026-01-12', i + 1, 1, won, amount, 1, '2026-01-09']),
			['2026-01-19', 13, 3, won, 500, 1, '2026-01-16'],
			['2026-01-19', 14, 1, won, 50, 1, '2026-01-16'],
			['2026-01-19', 15, 4, won, 5000, 1, '2026-01-16']
		]);
	}

	it('the top 10 accounts’ share of revenue won, and the key accounts’ share', async () => {
		await twelveAccounts();
		const c = await db.read((q) => keyAccountConcentration(q, northLeader, january));
		const total = 1200 + 1100 + 1000 + 900 + 800 + 700 + 600 + 500 + 400 + 300 + 200 + 100 + 50;
		expect(c.total_won).toBe(total);
		expect(c.accounts).toBe(12);
		expect(c.top_won).toBe(total - 200 - 100 - 50);
		expect(c.top_share).toBeCloseTo((total - 350) / total, 10);
		expect(c.key_account_won).toBe(1200 + 100);
		expect(c.key_account_share).toBeCloseTo(1300 / total, 10);
		expect(c.top_accounts.map((a) => [a.rank, a.name, a.won, a.key_account])).toEqual([
			[1, 'Account 1', 1200, true],
			[2, 'Account 2', 1100, false],
			[3, 'Account 3', 1000, false],
			[4, 'Account 4', 900, false],
			[5, 'Account 5', 800, false],
			[6, 'Account 6', 700, false],
			[7, 'Account 7', 600, false],
			[8, 'Account 8', 500, false],
			[9, 'Account 9', 400, false],
			[10, 'Account 10', 300, false]
		]);
		expect(c.top_accounts[0].share).toBeCloseTo(1200 / total, 10);
		// The same won revenue as the page's headline.
		const m = await db.read((q) => revenueMix(q, northLeader, { ...january, newBusinessWeight: 1 }));
		expect(m.won.new_business + m.won.existing).toBe(total);
	});

	it('nothing won: no shares rather than 0% or a division by zero', async () => {
		const c = await db.read((q) => keyAccountConcentration(q, everyone, january));
		expect(c).toEqual({ total_won: 0, accounts: 0, top_won: 0, top_share: null, key_account_won: 0, key_account_share: null, top_accounts: [] });
	});
});
