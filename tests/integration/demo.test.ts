import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import { dayFromIso } from '../../src/lib/server/demo/calendar.ts';
import {
	DEFAULT_DEMO_SEED,
	demoRepTraits,
	PipelineNotEmptyError,
	seedDemo,
	type RepTraits
} from '../../src/lib/server/demo/index.ts';
import { DEAL_VOLUME, simulateDemoCompany } from '../../src/lib/server/demo/simulate.ts';
import { freshDatabase } from './helpers.ts';

const until = '2026-05-11';

/** Every pipeline table, each reduced to its row count and a digest of all its rows in key order. */
async function fingerprint(db: Database): Promise<Record<string, string>> {
	const keys: Record<string, string> = {
		teams: 'id',
		reps: 'id',
		accounts: 'id',
		deals: 'id',
		snapshots: 'snapshot_date, deal_id',
		activities: 'activity_date, rep_id, kind',
		quotas: 'rep_id, period_start'
	};
	const prints: Record<string, string> = {};
	for (const [table, key] of Object.entries(keys)) {
		const row = await db.one<{ n: number; digest: string }>(
			`SELECT count(*) AS n, md5(string_agg(CAST(t AS VARCHAR), chr(10) ORDER BY ${key})) AS digest FROM ${table} t`
		);
		prints[table] = `${row!.n} ${row!.digest}`;
	}
	return prints;
}

/** Spearman's rank correlation (ties share their mean rank). */
function spearman(xs: number[], ys: number[]): number {
	const rank = (values: number[]) => {
		const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
		const ranks = new Array<number>(values.length);
		for (let i = 0; i < order.length; ) {
			let j = i;
			while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
			for (let k = i; k <= j; k++) ranks[order[k][1]] = (i + j) / 2;
			i = j + 1;
		}
		return ranks;
	};
	const rx = rank(xs);
	const ry = rank(ys);
	const mean = (rx.length - 1) / 2;
	let num = 0;
	let dx = 0;
	let dy = 0;
	for (let i = 0; i < rx.length; i++) {
		num += (rx[i] - mean) * (ry[i] - mean);
		dx += (rx[i] - mean) ** 2;
		dy += (ry[i] - mean) ** 2;
	}
	return num / Math.sqrt(dx * dy);
}

const traitsOf = (email: string): RepTraits => {
	const traits = demoRepTraits[email];
	if (!traits) throw new Error(`no hidden traits for ${email}`);
	return traits;
};

describe('the demo company is reproducible', () => {
	it('the same seed, scale and until give identical rows in two fresh databases; another seed gives other rows', async () => {
		const first = await freshDatabase();
		const second = await freshDatabase();
		const other = await freshDatabase();
		try {
			await seedDemo(first.db, { until, seed: 7, scale: 0.2 });
			await seedDemo(second.db, { until, seed: 7, scale: 0.2 });
			await seedDemo(other.db, { until, seed: 8, scale: 0.2 });
			const a = await fingerprint(first.db);
			expect(await fingerprint(second.db)).toEqual(a);
			const b = await fingerprint(other.db);
			expect(b.deals).not.toEqual(a.deals);
			expect(b.snapshots).not.toEqual(a.snapshots);
			// The people are the same whatever the seed: only their weeks play out differently.
			expect(b.teams).toEqual(a.teams);
			expect(b.reps).toEqual(a.reps);
		} finally {
			first.cleanup();
			second.cleanup();
			other.cleanup();
		}
	});

	it('refuses to seed over existing pipeline data, and --force replaces it with exactly the same company', async () => {
		const fresh = await freshDatabase();
		try {
			await seedDemo(fresh.db, { until, seed: 3, scale: 0.1, weeks: 30 });
			const before = await fingerprint(fresh.db);
			await expect(seedDemo(fresh.db, { until, seed: 3, scale: 0.1, weeks: 30 })).rejects.toThrow(PipelineNotEmptyError);
			await expect(seedDemo(fresh.db, { until, seed: 3, scale: 0.1, weeks: 30 })).rejects.toThrow(/--force/);
			await seedDemo(fresh.db, { until, seed: 3, scale: 0.1, weeks: 30, force: true });
			expect(await fingerprint(fresh.db)).toEqual(before);
			// Ids come from the sequences' defaults after seeding, so new rows never collide with demo rows.
			await fresh.db.write((tx) => tx.run(`INSERT INTO teams (name) VALUES ('Imported')`));
			const imported = await fresh.db.one<{ id: number }>(`SELECT id FROM teams WHERE name = 'Imported'`);
			expect(imported!.id).toBeGreaterThan(3);
		} finally {
			fresh.cleanup();
		}
	});

	it('takes snapshots on Mondays only', async () => {
		const fresh = await freshDatabase();
		try {
			await expect(seedDemo(fresh.db, { until: '2026-05-13' })).rejects.toThrow(/Wednesday.*2026-05-11/);
		} finally {
			fresh.cleanup();
		}
	});
});

describe("the demo company at the performance issue's volume", () => {
	it('scale 40 over 52 weekly snapshots holds about 200,000 deals', () => {
		// The simulation alone, without a database: the deals are counted as they are opened.
		const company = simulateDemoCompany(
			{ seed: DEFAULT_DEMO_SEED, scale: 40, until: dayFromIso('2026-11-23'), weeks: 52 },
			() => {}
		);
		expect(company.deals.length).toBeGreaterThan(190_000);
		expect(company.deals.length).toBeLessThan(215_000);
		expect(company.snapshotDates).toBe(52);
	});
});

describe('the demo company at the default scale', () => {
	let db: Database;
	let cleanup: () => void;

	beforeAll(async () => {
		const fresh = await freshDatabase();
		db = fresh.db;
		cleanup = fresh.cleanup;
		await seedDemo(db, { until, seed: 42 });
	});
	afterAll(() => cleanup?.());

	/** One row per rep: traits joined by e-mail, the way a later feature's test would look them up. */
	async function repsWith<T extends object>(sql: string): Promise<(T & { email: string; traits: RepTraits })[]> {
		const rows = await db.all<T & { email: string }>(sql);
		return rows.map((row) => ({ ...row, traits: traitsOf(row.email) }));
	}

	describe('has the shape of a real sales organisation', () => {
		it('three teams, each with 2 SDRs, a BDR, 4 AEs, 2 AMs and a KAM still active, and two people who left', async () => {
			const teams = await db.all<{ name: string }>('SELECT name FROM teams ORDER BY id');
			expect(teams.map((t) => t.name)).toEqual(['North', 'South', 'Enterprise']);
			const roles = await db.all<{ team: string; role: string; n: number }>(`
				SELECT t.name AS team, r.role, count(*) AS n
				FROM reps r JOIN teams t ON t.id = r.team_id
				WHERE r.active
				GROUP BY ALL ORDER BY ALL`);
			for (const team of ['North', 'South', 'Enterprise']) {
				const count = (role: string) => roles.find((r) => r.team === team && r.role === role)?.n;
				expect([count('SDR'), count('BDR'), count('AE'), count('AM'), count('KAM')]).toEqual([2, 1, 4, 2, 1]);
			}
			const inactive = await db.one<{ n: number }>('SELECT count(*) AS n FROM reps WHERE NOT active');
			expect(inactive!.n).toBe(2);
		});

		it('every rep has a lower-case ASCII firstname.lastname@demo.test address and hidden traits', async () => {
			const reps = await db.all<{ email: string }>('SELECT email FROM reps');
			expect(reps.length).toBe(Object.keys(demoRepTraits).length);
			for (const { email } of reps) {
				expect(email).toMatch(/^[a-z]+\.[a-z]+@demo\.test$/);
				expect(traitsOf(email)).toBeDefined();
			}
		});

		it('1,000 accounts per unit of deal volume, ~5% key accounts, customers with a customer_since no later than the last snapshot', async () => {
			const accounts = await db.one<{ n: number; keys: number; customers: number; late: number; key_customers: number }>(`
				SELECT count(*) AS n,
					count(*) FILTER (key_account) AS keys,
					count(customer_since) AS customers,
					count(*) FILTER (customer_since > DATE '${until}') AS late,
					count(*) FILTER (key_account AND customer_since IS NOT NULL) AS key_customers
				FROM accounts`);
			expect(accounts!.n).toBe(Math.round(1000 * DEAL_VOLUME));
			expect(accounts!.keys / accounts!.n).toBeGreaterThan(0.03);
			expect(accounts!.keys / accounts!.n).toBeLessThan(0.08);
			expect(accounts!.customers / accounts!.n).toBeGreaterThan(0.3);
			expect(accounts!.customers / accounts!.n).toBeLessThan(0.9);
			expect(accounts!.late).toBe(0);
			expect(accounts!.key_customers / accounts!.keys).toBeGreaterThan(0.6);
		});

		it('about 5,000 deals per unit of deal volume in EUR, with every deal type and source, sourced_by naming the SDR or BDR who opened it', async () => {
			const deals = await db.one<{ n: number; types: number; sources: number; not_eur: number }>(`
				SELECT count(*) AS n, count(DISTINCT deal_type) AS types, count(DISTINCT source) AS sources,
					count(*) FILTER (currency <> 'EUR') AS not_eur
				FROM deals`);
			expect(deals!.n / DEAL_VOLUME).toBeGreaterThan(4000);
			expect(deals!.n / DEAL_VOLUME).toBeLessThan(6500);
			expect(deals!.types).toBe(4);
			expect(deals!.sources).toBe(5);
			expect(deals!.not_eur).toBe(0);
			const wrongOpener = await db.one<{ n: number }>(`
				SELECT count(*) AS n FROM deals d LEFT JOIN reps r ON r.id = d.sourced_by
				WHERE CASE d.source
					WHEN 'sdr' THEN r.role IS DISTINCT FROM 'SDR'
					WHEN 'bdr' THEN r.role IS DISTINCT FROM 'BDR'
					ELSE d.sourced_by IS NOT NULL
				END`);
			expect(wrongOpener!.n).toBe(0);
		});

		it('AEs own new business; AMs and KAMs own most deals with existing customers', async () => {
			const owners = await db.all<{ deal_type: string; role: string; n: number }>(`
				WITH first_owner AS (
					SELECT deal_id, arg_min(owner_id, snapshot_date) AS owner_id FROM snapshots GROUP BY deal_id
				)
				SELECT d.deal_type, r.role, count(*) AS n
				FROM deals d JOIN first_owner f ON f.deal_id = d.id JOIN reps r ON r.id = f.owner_id
				GROUP BY ALL`);
			const share = (type: string, roles: string[]) => {
				const all = owners.filter((o) => o.deal_type === type).reduce((s, o) => s + o.n, 0);
				const some = owners.filter((o) => o.deal_type === type && roles.includes(o.role)).reduce((s, o) => s + o.n, 0);
				return some / all;
			};
			expect(share('new_business', ['AE'])).toBe(1);
			expect(share('renewal', ['AM', 'KAM'])).toBe(1);
			expect(share('upsell', ['AM', 'KAM'])).toBe(1);
			expect(share('cross_sell', ['AM', 'KAM'])).toBeGreaterThan(0.75);
		});

		it('new business only with accounts that have not won before; the other types only with customers', async () => {
			const wrong = await db.one<{ new_business_after_win: number; expansion_before_customer: number }>(`
				WITH won AS (
					SELECT deal_id, min(snapshot_date) AS first_seen_won, arg_min(close_date, snapshot_date) AS won_on
					FROM snapshots WHERE stage_id = 7 GROUP BY deal_id
				)
				SELECT
					(SELECT count(*) FROM deals d WHERE d.deal_type = 'new_business' AND EXISTS (
						SELECT 1 FROM won JOIN deals e ON e.id = won.deal_id
						WHERE e.account_id = d.account_id AND won.won_on < d.created_date)) AS new_business_after_win,
					(SELECT count(*) FROM deals d JOIN accounts a ON a.id = d.account_id
					 WHERE d.deal_type <> 'new_business' AND (a.customer_since IS NULL OR a.customer_since > d.created_date)
					) AS expansion_before_customer`);
			expect(wrong).toEqual({ new_business_after_win: 0, expansion_before_customer: 0 });
		});

		it('104 weekly snapshots, all on Mondays, the last on until', async () => {
			const dates = await db.one<{ n: number; not_monday: number; last: string; first: string }>(`
				SELECT count(DISTINCT snapshot_date) AS n,
					count(*) FILTER (isodow(snapshot_date) <> 1) AS not_monday,
					max(snapshot_date) AS last, min(snapshot_date) AS first
				FROM snapshots`);
			expect(dates).toEqual({ n: 104, not_monday: 0, last: until, first: '2024-05-20' });
		});

		it('a deal is in every snapshot from the first Monday on or after its creation to the end', async () => {
			const gaps = await db.one<{ n: number; early: number }>(`
				WITH expected AS (
					SELECT d.id,
						greatest(d.created_date + ((8 - isodow(d.created_date)) % 7)::INTEGER, DATE '2024-05-20') AS first_monday
					FROM deals d
				),
				seen AS (SELECT deal_id, count(*) AS n, min(snapshot_date) AS first_seen FROM snapshots GROUP BY deal_id)
				SELECT
					count(*) FILTER (seen.n IS DISTINCT FROM (DATE '${until}' - e.first_monday) // 7 + 1) AS n,
					count(*) FILTER (seen.first_seen IS DISTINCT FROM e.first_monday) AS early
				FROM expected e LEFT JOIN seen ON seen.deal_id = e.id`);
			expect(gaps).toEqual({ n: 0, early: 0 });
		});

		it('a won deal stays won; a lost deal stays lost unless it is (rarely) reopened', async () => {
			const moves = await db.one<{ after_won: number; reopened: number; lost: number }>(`
				WITH steps AS (
					SELECT deal_id, stage_id, lag(stage_id) OVER (PARTITION BY deal_id ORDER BY snapshot_date) AS before
					FROM snapshots
				)
				SELECT count(*) FILTER (before = 7 AND stage_id <> 7) AS after_won,
					count(DISTINCT deal_id) FILTER (before = 8 AND stage_id <> 8) AS reopened,
					count(DISTINCT deal_id) FILTER (stage_id = 8) AS lost
				FROM steps`);
			expect(moves!.after_won).toBe(0);
			expect(moves!.reopened).toBeGreaterThan(0);
			expect(moves!.reopened / moves!.lost).toBeLessThan(0.05);
		});

		it('amounts are non-negative with cents; probabilities in [0, 1]; categories follow them', async () => {
			const checks = await db.one<Record<string, number>>(`
				SELECT
					count(*) FILTER (amount < 0) AS negative,
					count(DISTINCT amount) FILTER (amount * 100 % 100 <> 0) AS with_cents,
					count(*) FILTER (probability NOT BETWEEN 0 AND 1) AS bad_probability,
					count(*) FILTER (stage_id = 7 AND (probability <> 1 OR forecast_category <> 'closed')) AS bad_won,
					count(*) FILTER (stage_id = 8 AND (probability <> 0 OR forecast_category <> 'omitted')) AS bad_lost,
					count(*) FILTER (stage_id < 7 AND forecast_category <> CASE
						WHEN probability >= 0.7 THEN 'commit' WHEN probability >= 0.4 THEN 'best_case' ELSE 'pipeline' END
					) AS bad_open
				FROM snapshots`);
			expect(checks).toMatchObject({ negative: 0, bad_probability: 0, bad_won: 0, bad_lost: 0, bad_open: 0 });
			expect(checks!.with_cents).toBeGreaterThan(1000);
		});

		it('deals live: they move forward, stall, slip, change size, and now and then go backwards', async () => {
			const life = await db.one<Record<string, number>>(`
				WITH steps AS (
					SELECT deal_id, stage_id, amount, close_date,
						lag(stage_id) OVER w AS stage_before, lag(amount) OVER w AS amount_before,
						lag(close_date) OVER w AS close_before
					FROM snapshots WINDOW w AS (PARTITION BY deal_id ORDER BY snapshot_date)
				)
				SELECT count(DISTINCT deal_id) FILTER (stage_id > stage_before AND stage_id <= 7) AS moved_forward,
					count(DISTINCT deal_id) FILTER (stage_id < stage_before AND stage_before < 7) AS moved_backward,
					count(DISTINCT deal_id) FILTER (amount <> amount_before) AS resized,
					count(DISTINCT deal_id) FILTER (close_date > close_before AND stage_id < 7) AS slipped
				FROM steps`);
			expect(life!.moved_forward).toBeGreaterThan(1000);
			expect(life!.moved_backward).toBeGreaterThan(5);
			expect(life!.moved_backward).toBeLessThan(life!.moved_forward / 10);
			expect(life!.resized).toBeGreaterThan(300);
			expect(life!.slipped).toBeGreaterThan(300);
		});

		it('a new deal is expected to close 1 to 18 months after it was opened', async () => {
			const first = await db.one<{ n: number; outside: number }>(`
				SELECT count(*) AS n,
					count(*) FILTER (s.close_date - d.created_date NOT BETWEEN 28 AND 549) AS outside
				FROM deals d JOIN snapshots s ON s.deal_id = d.id
					AND s.snapshot_date = d.created_date + ((8 - isodow(d.created_date)) % 7)::INTEGER
				WHERE d.created_date >= DATE '2024-05-20'`);
			expect(first!.n).toBeGreaterThan(4000);
			expect(first!.outside).toBe(0);
		});

		it('enterprise deals are bigger and take 6 to 18 months; mid-market ones 1 to 6', async () => {
			const cycles = await db.all<{ segment: string; median_days: number; median_amount: number }>(`
				WITH won AS (
					SELECT deal_id, arg_min(close_date, snapshot_date) AS won_on, arg_min(amount, snapshot_date) AS amount,
						arg_min(owner_id, snapshot_date) AS owner_id
					FROM snapshots WHERE stage_id = 7 GROUP BY deal_id
				)
				SELECT CASE t.name WHEN 'Enterprise' THEN 'enterprise' ELSE 'midmarket' END AS segment,
					median(won.won_on - d.created_date) AS median_days, median(won.amount) AS median_amount
				FROM won JOIN deals d ON d.id = won.deal_id JOIN reps r ON r.id = won.owner_id JOIN teams t ON t.id = r.team_id
				WHERE d.deal_type = 'new_business' AND d.created_date >= DATE '2024-05-20'
				GROUP BY ALL`);
			const enterprise = cycles.find((c) => c.segment === 'enterprise')!;
			const midmarket = cycles.find((c) => c.segment === 'midmarket')!;
			expect(enterprise.median_days).toBeGreaterThan(182);
			expect(enterprise.median_days).toBeLessThan(548);
			expect(midmarket.median_days).toBeGreaterThan(30);
			expect(midmarket.median_days).toBeLessThan(182);
			expect(enterprise.median_amount).toBeGreaterThan(4 * midmarket.median_amount);
		});

		it('the open pipeline at the last snapshot reaches 18 months ahead, every quarter of it', async () => {
			const bands = await db.all<{ band: number; n: number }>(`
				SELECT (close_date - DATE '${until}') // 91 AS band, count(*) AS n
				FROM snapshots WHERE snapshot_date = DATE '${until}' AND stage_id < 7 AND close_date >= DATE '${until}'
				GROUP BY ALL ORDER BY band`);
			for (let band = 0; band < 6; band++) expect(bands.find((b) => b.band === band)?.n ?? 0).toBeGreaterThan(0);
		});

		it('activities are weekly per rep, on Mondays, and fit the role', async () => {
			const kinds = await db.all<{ role: string; kind: string; per_week: number; not_monday: number }>(`
				SELECT r.role, a.kind, avg(a.count) AS per_week, count(*) FILTER (isodow(a.activity_date) <> 1) AS not_monday
				FROM activities a JOIN reps r ON r.id = a.rep_id GROUP BY ALL`);
			const perWeek = (role: string, kind: string) => kinds.find((k) => k.role === role && k.kind === kind)?.per_week ?? 0;
			expect(kinds.every((k) => k.not_monday === 0)).toBe(true);
			expect(perWeek('SDR', 'call')).toBeGreaterThan(3 * perWeek('AE', 'call'));
			expect(perWeek('SDR', 'meeting_booked')).toBeGreaterThan(1);
			expect(perWeek('SDR', 'demo')).toBe(0);
			expect(perWeek('AE', 'meeting_booked')).toBe(0);
			expect(perWeek('AE', 'demo')).toBeGreaterThan(1);
			expect(perWeek('AE', 'proposal_sent')).toBeGreaterThan(0.3);
		});

		it('quarterly quotas for AEs, AMs and KAMs through 18 months ahead, which typical reps roughly meet', async () => {
			const quotas = await db.one<{ roles: string[]; bad_period: number; last_end: string }>(`
				SELECT list_sort(list_distinct(list(r.role))) AS roles,
					count(*) FILTER (q.period_start <> date_trunc('quarter', q.period_start)
						OR q.period_end <> q.period_start + INTERVAL 3 MONTH - INTERVAL 1 DAY) AS bad_period,
					max(q.period_end) AS last_end
				FROM quotas q JOIN reps r ON r.id = q.rep_id`);
			expect(quotas!.roles).toEqual(['AE', 'AM', 'KAM']);
			expect(quotas!.bad_period).toBe(0);
			expect(quotas!.last_end >= '2027-11-11').toBe(true);
			const attainment = await db.one<{ median: number }>(`
				WITH won AS (
					SELECT deal_id, arg_min(close_date, snapshot_date) AS won_on, arg_min(amount, snapshot_date) AS amount,
						arg_min(owner_id, snapshot_date) AS owner_id
					FROM snapshots WHERE stage_id = 7 GROUP BY deal_id
				)
				SELECT median(coalesce(w.total, 0) / q.amount) AS median
				FROM quotas q
				LEFT JOIN LATERAL (SELECT sum(amount) AS total FROM won
					WHERE won.owner_id = q.rep_id AND won.won_on BETWEEN q.period_start AND q.period_end) w ON true
				WHERE q.period_end < DATE '${until}'`);
			expect(attainment!.median).toBeGreaterThan(0.6);
			expect(attainment!.median).toBeLessThan(1.2);
		});
	});

	describe('hides rep traits the product can find in the raw data', () => {
		it('strong closers win a larger share of their closed deals than the others', async () => {
			const aes = await repsWith<{ won: number; lost: number }>(`
				WITH outcome AS (
					SELECT deal_id, arg_max(stage_id, snapshot_date) AS stage_id, arg_max(owner_id, snapshot_date) AS owner_id
					FROM snapshots GROUP BY deal_id
				)
				SELECT r.email, count(*) FILTER (o.stage_id = 7) AS won, count(*) FILTER (o.stage_id = 8) AS lost
				FROM reps r JOIN outcome o ON o.owner_id = r.id
				WHERE r.role = 'AE' GROUP BY r.email`);
			const winRate = (rep: { won: number; lost: number }) => rep.won / (rep.won + rep.lost);
			const pooled = (reps: typeof aes) =>
				reps.reduce((s, r) => s + r.won, 0) / reps.reduce((s, r) => s + r.won + r.lost, 0);
			const strong = aes.filter((r) => r.traits.closing >= 1.3);
			const others = aes.filter((r) => r.traits.closing < 1.3);
			expect(strong.length).toBeGreaterThanOrEqual(3);
			expect(pooled(strong)).toBeGreaterThan(1.4 * pooled(others));
			expect(spearman(aes.map((r) => r.traits.closing), aes.map(winRate))).toBeGreaterThanOrEqual(0.6);
		});

		it('strong openers open more opportunities than their teammates in the same role', async () => {
			// Enterprise reps open fewer, bigger deals by design, so each rep is compared with the
			// average of their own team and role, per week they were with the company.
			const openers = await repsWith<{ role: string; relative: number }>(`
				WITH opened AS (
					SELECT coalesce(d.sourced_by, s.owner_id) AS rep_id, count(*) AS n
					FROM deals d JOIN snapshots s ON s.deal_id = d.id AND s.snapshot_date = (
						SELECT min(snapshot_date) FROM snapshots x WHERE x.deal_id = d.id)
					WHERE d.created_date >= DATE '2024-05-20' AND d.source IN ('sdr', 'bdr', 'inbound', 'partner')
					GROUP BY ALL
				),
				weeks AS (SELECT rep_id, count(DISTINCT activity_date) AS weeks FROM activities GROUP BY rep_id),
				rates AS (
					SELECT r.email, r.role, r.team_id, o.n / w.weeks AS per_week
					FROM reps r JOIN opened o ON o.rep_id = r.id JOIN weeks w ON w.rep_id = r.id
				)
				SELECT email, role, per_week / avg(per_week) OVER (PARTITION BY team_id, role) AS relative
				FROM rates WHERE role IN ('SDR', 'AE')`);
			expect(openers.length).toBe(7 + 13);
			const strong = openers.filter((r) => r.traits.opening >= 1.4);
			const weak = openers.filter((r) => r.traits.opening <= 0.8);
			const mean = (reps: typeof openers) => reps.reduce((s, r) => s + r.relative, 0) / reps.length;
			expect(mean(strong)).toBeGreaterThan(1.4 * mean(weak));
			expect(spearman(openers.map((r) => r.traits.opening), openers.map((r) => r.relative))).toBeGreaterThanOrEqual(0.6);
		});

		it("optimistic forecasters' commit deals close in their quarter far less often than reliable forecasters'", async () => {
			const forecasters = await repsWith<{ committed: number; closed_in_quarter: number }>(`
				WITH outcome AS (
					SELECT deal_id, arg_max(stage_id, snapshot_date) AS stage_id, arg_max(close_date, snapshot_date) AS closed_on
					FROM snapshots GROUP BY deal_id
				)
				SELECT r.email, count(*) AS committed,
					count(*) FILTER (o.stage_id = 7 AND date_trunc('quarter', o.closed_on) = date_trunc('quarter', s.snapshot_date))
						AS closed_in_quarter
				FROM snapshots s JOIN outcome o USING (deal_id) JOIN reps r ON r.id = s.owner_id
				WHERE s.forecast_category = 'commit' AND r.role = 'AE'
					AND date_trunc('quarter', s.close_date) = date_trunc('quarter', s.snapshot_date)
				GROUP BY r.email`);
			const rate = (forecasting: string) => {
				const reps = forecasters.filter((r) => r.traits.forecasting === forecasting);
				return reps.reduce((s, r) => s + r.closed_in_quarter, 0) / reps.reduce((s, r) => s + r.committed, 0);
			};
			expect(rate('optimistic')).toBeLessThan(rate('reliable') - 0.15);
		});

		it("reliable forecasters' probabilities match how often their deals are won; optimists' run high", async () => {
			// The first year's snapshots only: nearly all of their deals have closed since. Among later
			// ones, the deals already closed lean towards losses, which come sooner than wins.
			const forecasters = await repsWith<{ stated: number; won: number; rows: number }>(`
				WITH outcome AS (SELECT deal_id, arg_max(stage_id, snapshot_date) AS stage_id FROM snapshots GROUP BY deal_id)
				SELECT r.email, sum(s.probability) AS stated, sum((o.stage_id = 7)::INTEGER) AS won, count(*) AS rows
				FROM snapshots s JOIN outcome o USING (deal_id) JOIN reps r ON r.id = s.owner_id
				WHERE s.snapshot_date < DATE '2025-05-19' AND s.stage_id < 7 AND o.stage_id >= 7 AND r.role = 'AE'
				GROUP BY r.email`);
			/** How far the stated probability runs above the share actually won. */
			const overstatement = (reps: typeof forecasters) => {
				const sum = (pick: (r: (typeof forecasters)[number]) => number) => reps.reduce((s, r) => s + pick(r), 0);
				return (sum((r) => r.stated) - sum((r) => r.won)) / sum((r) => r.rows);
			};
			const reliable = forecasters.filter((r) => r.traits.forecasting === 'reliable');
			const optimistic = forecasters.filter((r) => r.traits.forecasting === 'optimistic');
			expect(Math.abs(overstatement(reliable))).toBeLessThan(0.06);
			expect(overstatement(optimistic)).toBeGreaterThan(0.15);
			for (const rep of optimistic) {
				expect(overstatement([rep]), rep.email).toBeGreaterThan(overstatement(reliable) + 0.03);
			}
		});

		it('slippers push their close dates more often', async () => {
			const aes = await repsWith<{ pushes_per_deal: number }>(`
				WITH steps AS (
					SELECT deal_id, owner_id, stage_id, close_date,
						lag(close_date) OVER (PARTITION BY deal_id ORDER BY snapshot_date) AS close_before
					FROM snapshots
				)
				SELECT r.email,
					count(*) FILTER (close_date > close_before AND stage_id < 7) / count(DISTINCT deal_id) AS pushes_per_deal
				FROM steps JOIN reps r ON r.id = steps.owner_id WHERE r.role = 'AE' GROUP BY r.email`);
			expect(spearman(aes.map((r) => r.traits.slipping), aes.map((r) => r.pushes_per_deal))).toBeGreaterThanOrEqual(0.6);
		});

		it('strong expanders win more upsell and cross-sell per customer they look after', async () => {
			const managers = await repsWith<{ accounts: number; expansion_won: number }>(`
				WITH outcome AS (
					SELECT deal_id, arg_max(stage_id, snapshot_date) AS stage_id, arg_max(owner_id, snapshot_date) AS owner_id
					FROM snapshots GROUP BY deal_id
				)
				SELECT r.email,
					count(DISTINCT d.account_id) FILTER (d.deal_type = 'renewal') AS accounts,
					sum(CASE WHEN d.deal_type IN ('upsell', 'cross_sell') AND o.stage_id = 7 THEN 1 ELSE 0 END) AS expansion_won
				FROM reps r JOIN outcome o ON o.owner_id = r.id JOIN deals d ON d.id = o.deal_id
				WHERE r.role IN ('AM', 'KAM') GROUP BY r.email`);
			const perAccount = (reps: typeof managers) =>
				reps.reduce((s, r) => s + r.expansion_won, 0) / reps.reduce((s, r) => s + r.accounts, 0);
			const strong = managers.filter((r) => r.traits.expanding >= 1.35);
			const weak = managers.filter((r) => r.traits.expanding <= 0.9);
			expect(perAccount(strong)).toBeGreaterThan(1.5 * perAccount(weak));
		});
	});
});
