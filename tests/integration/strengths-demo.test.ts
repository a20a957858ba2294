import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { demoRepTraits, seedDemo } from '../../src/lib/server/demo/index.ts';
import { spearman } from '../../src/lib/domain/shrinkage.ts';
import {
	kpisByRole,
	teamStrengths,
	trailingPeriod,
	type Dimension,
	type RepKpis,
	type RepProfile
} from '../../src/lib/server/metrics/strengths/index.ts';
import { freshDatabase } from './helpers.ts';

/**
 * The strengths on the demo company: every KPI against a direct, deliberately plain SQL reading of
 * its definition, and the profiles against the traits the generator hid in its reps.
 */

const until = '2026-11-23';
const period = trailingPeriod(until, 12);
const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };

let db: Database;
let cleanup: () => void;
let profiles: RepProfile[];

beforeAll(async () => {
	({ db, cleanup } = await freshDatabase());
	await seedDemo(db, { until });
	profiles = (await db.read((q) => teamStrengths(q, everyone, period))).profiles;
});
afterAll(() => cleanup?.());

type Expected = Partial<Record<keyof RepKpis, number | null>>;

/**
 * The KPIs straight from their definitions, one question at a time, without the metric module's
 * shared per-deal facts: window functions pick the snapshot that first showed each deal's outcome
 * (its latest closed stage, issue 18; it used to be the first closed snapshot), the stages it
 * ever reached, and its first owner.
 */
async function directKpis(): Promise<Map<string, Expected>> {
	const params = { from: period.from, to: period.to };
	const rows = await db.all<Record<string, number | string | null>>(
		`WITH
		ranked AS (
			SELECT s.*, st.outcome, CASE st.outcome WHEN 'open' THEN st.position WHEN 'won' THEN 7 END AS rank
			FROM snapshots s JOIN stages st ON st.id = s.stage_id
		),
		-- A deal's outcome is its latest row's, if closed, read at the row that began its final run.
		first_closure AS (
			SELECT * EXCLUDE (final_outcome, previous_outcome) FROM (
				SELECT r.*,
					last_value(outcome) OVER (PARTITION BY deal_id ORDER BY snapshot_date ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS final_outcome,
					lag(outcome) OVER (PARTITION BY deal_id ORDER BY snapshot_date) AS previous_outcome
				FROM ranked r
			)
			WHERE final_outcome <> 'open' AND outcome = final_outcome AND (previous_outcome IS NULL OR previous_outcome <> outcome)
			QUALIFY row_number() OVER (PARTITION BY deal_id ORDER BY snapshot_date DESC) = 1
		),
		first_row AS (
			SELECT * FROM ranked QUALIFY row_number() OVER (PARTITION BY deal_id ORDER BY snapshot_date) = 1
		),
		reach AS (
			SELECT deal_id,
				max(rank) AS top,
				min(snapshot_date) FILTER (WHERE rank >= 3) AS discovery_on,
				min(snapshot_date) FILTER (WHERE rank >= 5) AS proposal_on
			FROM ranked GROUP BY deal_id
		),
		discovery_owner AS (
			SELECT r.deal_id, r.owner_id FROM ranked r JOIN reach x ON x.deal_id = r.deal_id AND r.snapshot_date = x.discovery_on
		),
		closed AS (
			SELECT f.*, d.deal_type, d.account_id, d.created_date, x.top,
				-- A first renewal: a customer for less than 18 months when it closed.
				a.customer_since > f.close_date - INTERVAL 18 MONTH AS first_renewal
			FROM first_closure f JOIN deals d ON d.id = f.deal_id JOIN reach x ON x.deal_id = f.deal_id
			LEFT JOIN accounts a ON a.id = d.account_id
			WHERE f.close_date BETWEEN $from AND $to
		),
		closing AS (
			SELECT owner_id AS rep_id,
				count(*) FILTER (WHERE outcome = 'won') AS won_count,
				count(*) FILTER (WHERE outcome = 'lost') AS lost_count,
				coalesce(sum(amount) FILTER (WHERE outcome = 'won'), 0)::DOUBLE AS won_value,
				coalesce(sum(amount) FILTER (WHERE outcome = 'lost'), 0)::DOUBLE AS lost_value,
				median(close_date - created_date) FILTER (WHERE outcome = 'won')::DOUBLE AS median_cycle_days,
				avg(close_date - created_date) FILTER (WHERE outcome = 'won')::DOUBLE AS avg_cycle_days,
				count(*) FILTER (WHERE outcome = 'won' AND deal_type IN ('upsell', 'cross_sell')) AS expansion_won_count,
				count(*) FILTER (WHERE outcome = 'lost' AND deal_type IN ('upsell', 'cross_sell')) AS expansion_lost_count,
				coalesce(sum(amount) FILTER (WHERE outcome = 'won' AND deal_type IN ('upsell', 'cross_sell')), 0)::DOUBLE AS expansion_won_value,
				count(*) FILTER (WHERE outcome = 'won' AND deal_type = 'renewal') AS renewals_won,
				count(*) FILTER (WHERE outcome = 'lost' AND deal_type = 'renewal') AS renewals_lost,
				coalesce(sum(amount) FILTER (WHERE outcome = 'won' AND deal_type = 'renewal'), 0)::DOUBLE AS renewal_won_value,
				count(*) FILTER (WHERE outcome = 'won' AND deal_type = 'renewal' AND first_renewal) AS first_renewals_won,
				count(*) FILTER (WHERE outcome = 'lost' AND deal_type = 'renewal' AND first_renewal) AS first_renewals_lost
			FROM closed GROUP BY owner_id
		),
		up_for_renewal AS (
			SELECT c.owner_id AS rep_id, sum(fr.amount)::DOUBLE AS starting
			FROM closed c JOIN first_row fr ON fr.deal_id = c.deal_id
			WHERE c.deal_type = 'renewal' GROUP BY c.owner_id
		),
		at_risk AS (
			-- Renewals still open in the latest snapshot whose close date in the period has passed.
			SELECT r.owner_id AS rep_id, count(*) AS renewals_at_risk, sum(fr.amount)::DOUBLE AS at_risk_value
			FROM ranked r JOIN deals d ON d.id = r.deal_id JOIN first_row fr ON fr.deal_id = r.deal_id
			WHERE r.snapshot_date = (SELECT max(snapshot_date) FROM snapshots) AND r.outcome = 'open' AND d.deal_type = 'renewal'
				AND r.close_date BETWEEN $from AND $to AND r.close_date < r.snapshot_date
			GROUP BY r.owner_id
		),
		nrr_expansion AS (
			SELECT e.owner_id AS rep_id, sum(e.amount)::DOUBLE AS expansion
			FROM closed e
			WHERE e.outcome = 'won' AND e.deal_type IN ('upsell', 'cross_sell')
				AND EXISTS (SELECT 1 FROM closed r WHERE r.deal_type = 'renewal' AND r.owner_id = e.owner_id AND r.account_id = e.account_id)
			GROUP BY e.owner_id
		),
		opener AS (
			SELECT d.id AS deal_id, d.created_date, d.source,
				CASE WHEN d.sourced_by IS NOT NULL THEN d.sourced_by WHEN d.deal_type = 'new_business' THEN fr.owner_id END AS rep_id
			FROM deals d JOIN first_row fr ON fr.deal_id = d.id
		),
		opening AS (
			SELECT o.rep_id,
				count(*) AS opened,
				count(*) FILTER (WHERE x.top >= 2) AS opened_qualified,
				count(*) FILTER (WHERE x.top >= 3) AS opened_opportunity,
				coalesce(sum(f.amount) FILTER (WHERE f.outcome = 'won'), 0)::DOUBLE AS sourced_won_value,
				coalesce(sum(f.amount) FILTER (WHERE f.outcome = 'won' AND o.source = 'partner'), 0)::DOUBLE AS partner_revenue
			FROM opener o JOIN reach x ON x.deal_id = o.deal_id LEFT JOIN first_closure f ON f.deal_id = o.deal_id
			WHERE o.created_date BETWEEN $from AND $to AND o.rep_id IS NOT NULL
			GROUP BY o.rep_id
		),
		advancing AS (
			SELECT o.owner_id AS rep_id,
				median((x.proposal_on - x.discovery_on) / 2) FILTER (WHERE x.proposal_on > x.discovery_on)::DOUBLE AS mid_days_per_stage
			FROM reach x JOIN discovery_owner o ON o.deal_id = x.deal_id
			WHERE x.discovery_on BETWEEN $from AND $to AND x.discovery_on > (SELECT min(snapshot_date) FROM snapshots)
			GROUP BY o.owner_id
		),
		activity AS (
			SELECT rep_id,
				sum(count) FILTER (WHERE kind = 'call') AS calls,
				sum(count) FILTER (WHERE kind = 'email') AS emails,
				sum(count) FILTER (WHERE kind = 'meeting_booked') AS meetings_booked,
				sum(count) FILTER (WHERE kind = 'meeting_held') AS meetings_held,
				sum(count) FILTER (WHERE kind = 'demo') AS demos,
				sum(count) FILTER (WHERE kind = 'proposal_sent') AS proposals_sent
			FROM activities WHERE activity_date BETWEEN $from AND $to GROUP BY rep_id
		),
		last_snapshot AS (SELECT max(snapshot_date) AS as_of FROM snapshots WHERE snapshot_date <= $to),
		this_quarter AS (
			SELECT as_of, date_trunc('quarter', as_of)::DATE AS q_start, (date_trunc('quarter', as_of) + INTERVAL 3 MONTH - INTERVAL 1 DAY)::DATE AS q_end
			FROM last_snapshot
		),
		open_now AS (
			SELECT r.owner_id AS rep_id, count(*) AS open_deals,
				coalesce(sum(r.amount) FILTER (WHERE r.close_date >= date_trunc('month', q.as_of) AND r.close_date <= q.q_end), 0)::DOUBLE AS due
			FROM ranked r, this_quarter q
			WHERE r.snapshot_date = q.as_of AND r.outcome = 'open'
			GROUP BY r.owner_id
		),
		quarter_won AS (
			SELECT f.owner_id AS rep_id, sum(f.amount)::DOUBLE AS won
			FROM first_closure f, this_quarter q
			WHERE f.outcome = 'won' AND f.close_date BETWEEN q.q_start AND q.as_of
			GROUP BY f.owner_id
		),
		quota AS (
			SELECT q.rep_id,
				sum(q.amount * (least(q.period_end, $to::DATE) - greatest(q.period_start, $from::DATE) + 1) / (q.period_end - q.period_start + 1))
					FILTER (WHERE q.period_start <= $to::DATE AND q.period_end >= $from::DATE)::DOUBLE AS quota,
				sum(q.amount) FILTER (WHERE q.period_start = (SELECT q_start FROM this_quarter))::DOUBLE AS quarter_quota
			FROM quotas q GROUP BY q.rep_id
		)
		SELECT r.email,
			c.*, u.starting, ar.renewals_at_risk, ar.at_risk_value, ne.expansion AS nrr_expansion, o.*, a.mid_days_per_stage, ac.*, n.open_deals, n.due, qw.won AS quarter_won, qu.quota, qu.quarter_quota
		FROM reps r
		LEFT JOIN closing c ON c.rep_id = r.id
		LEFT JOIN up_for_renewal u ON u.rep_id = r.id
		LEFT JOIN at_risk ar ON ar.rep_id = r.id
		LEFT JOIN nrr_expansion ne ON ne.rep_id = r.id
		LEFT JOIN opening o ON o.rep_id = r.id
		LEFT JOIN advancing a ON a.rep_id = r.id
		LEFT JOIN activity ac ON ac.rep_id = r.id
		LEFT JOIN open_now n ON n.rep_id = r.id
		LEFT JOIN quarter_won qw ON qw.rep_id = r.id
		LEFT JOIN quota qu ON qu.rep_id = r.id`,
		params
	);
	const n = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));
	const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
	const result = new Map<string, Expected>();
	for (const row of rows) {
		const won = n(row.won_count);
		const lost = n(row.lost_count);
		const winRate = ratio(won, won + lost);
		const winRateValue = ratio(n(row.won_value), n(row.won_value) + n(row.lost_value));
		const avgWon = ratio(n(row.won_value), won);
		const avgCycle = row.avg_cycle_days === null ? null : Number(row.avg_cycle_days);
		const quarterQuota = row.quarter_quota === null ? null : Number(row.quarter_quota);
		const remaining = quarterQuota === null ? null : quarterQuota - n(row.quarter_won);
		result.set(String(row.email), {
			won_count: won,
			lost_count: lost,
			won_value: n(row.won_value),
			win_rate: winRate,
			win_rate_value: winRateValue,
			avg_won_amount: avgWon,
			median_cycle_days: row.median_cycle_days === null ? null : Number(row.median_cycle_days),
			opened: n(row.opened),
			calls: n(row.calls),
			emails: n(row.emails),
			meetings_booked: n(row.meetings_booked),
			qualification_rate: ratio(n(row.opened_qualified), n(row.opened)),
			opportunity_rate: ratio(n(row.opened_opportunity), n(row.opened_qualified)),
			strategic_prospects: n(row.opened_opportunity),
			response_rate: ratio(n(row.meetings_booked), n(row.calls) + n(row.emails)),
			sourced_won_value: n(row.sourced_won_value),
			partner_revenue: n(row.partner_revenue),
			// (open opportunities x win rate x average deal size) / average cycle length in days
			velocity: winRate !== null && avgWon !== null && avgCycle ? (n(row.open_deals) * winRate * avgWon) / avgCycle : null,
			quota: row.quota === null ? null : Number(row.quota),
			quota_attainment: row.quota === null ? null : ratio(n(row.won_value), Number(row.quota)),
			coverage: remaining !== null && remaining > 0 ? n(row.due) / remaining : null,
			needed_coverage: winRateValue ? 1 / winRateValue : null,
			mid_days_per_stage: row.mid_days_per_stage === null ? null : Number(row.mid_days_per_stage),
			meetings_held: n(row.meetings_held),
			demos: n(row.demos),
			proposals_sent: n(row.proposals_sent),
			renewals_won: n(row.renewals_won),
			renewals_lost: n(row.renewals_lost),
			retention_rate: ratio(n(row.renewals_won), n(row.renewals_won) + n(row.renewals_lost)),
			first_renewal_retention: ratio(n(row.first_renewals_won), n(row.first_renewals_won) + n(row.first_renewals_lost)),
			// Renewals at risk are up for renewal and not (yet) retained (issue 19).
			nrr: ratio(n(row.renewal_won_value) + n(row.nrr_expansion), n(row.starting) + n(row.at_risk_value)),
			renewals_at_risk: n(row.renewals_at_risk),
			expansion_won_count: n(row.expansion_won_count),
			expansion_won_value: n(row.expansion_won_value),
			expansion_win_rate: ratio(n(row.expansion_won_count), n(row.expansion_won_count) + n(row.expansion_lost_count))
		});
	}
	return result;
}

/** The period of the same length just before `period`, for account growth. */
const previous = (() => {
	const day = 86_400_000;
	const length = (Date.parse(period.to) - Date.parse(period.from)) / day + 1;
	const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
	return { from: iso(Date.parse(period.from) - length * day), to: iso(Date.parse(period.from) - day) };
})();

/** Accounts in care, their value and growth, read account by account. */
async function directAccountKpis(): Promise<Map<string, Expected>> {
	const rows = await db.all<{ email: string; accounts: number; key_accounts: number; lifetime: number | null; now: number | null; before: number | null }>(
		`WITH
		ranked AS (
			SELECT s.*, st.outcome FROM snapshots s JOIN stages st ON st.id = s.stage_id
		),
		-- The snapshot that began the final run of each deal's latest closed stage (its outcome).
		first_closure AS (
			SELECT * EXCLUDE (final_outcome, previous_outcome) FROM (
				SELECT r.*,
					last_value(outcome) OVER (PARTITION BY deal_id ORDER BY snapshot_date ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS final_outcome,
					lag(outcome) OVER (PARTITION BY deal_id ORDER BY snapshot_date) AS previous_outcome
				FROM ranked r
			)
			WHERE final_outcome <> 'open' AND outcome = final_outcome AND (previous_outcome IS NULL OR previous_outcome <> outcome)
			QUALIFY row_number() OVER (PARTITION BY deal_id ORDER BY snapshot_date DESC) = 1
		),
		holder AS (
			-- Who held each account-management deal: its owner when it first closed, else now.
			SELECT d.id AS deal_id, d.account_id,
				coalesce(f.owner_id, (SELECT arg_max(r.owner_id, r.snapshot_date) FROM ranked r WHERE r.deal_id = d.id)) AS rep_id,
				(SELECT min(r.snapshot_date) FROM ranked r WHERE r.deal_id = d.id) AS first_seen,
				f.close_date
			FROM deals d LEFT JOIN first_closure f ON f.deal_id = d.id
			WHERE d.deal_type IN ('renewal', 'upsell', 'cross_sell')
		),
		care AS (
			SELECT DISTINCT rep_id, account_id FROM holder
			WHERE first_seen <= $to AND (close_date IS NULL OR close_date > $to::DATE - 365)
		),
		wins AS (
			SELECT d.account_id, f.close_date, f.amount FROM first_closure f JOIN deals d ON d.id = f.deal_id WHERE f.outcome = 'won'
		)
		SELECT r.email, count(DISTINCT c.account_id)::INTEGER AS accounts,
			count(DISTINCT c.account_id) FILTER (WHERE a.key_account)::INTEGER AS key_accounts,
			sum(w.amount) FILTER (WHERE w.close_date <= $to)::DOUBLE AS lifetime,
			sum(w.amount) FILTER (WHERE w.close_date BETWEEN $from AND $to)::DOUBLE AS now,
			sum(w.amount) FILTER (WHERE w.close_date BETWEEN $before_from AND $before_to)::DOUBLE AS before
		FROM care c JOIN reps r ON r.id = c.rep_id JOIN accounts a ON a.id = c.account_id LEFT JOIN wins w ON w.account_id = c.account_id
		GROUP BY r.email`,
		{ from: period.from, to: period.to, before_from: previous.from, before_to: previous.to }
	);
	return new Map(
		rows.map((row) => [
			row.email,
			{
				accounts_in_care: row.accounts,
				key_accounts_in_care: row.key_accounts,
				lifetime_value_per_account: row.accounts > 0 ? (row.lifetime ?? 0) / row.accounts : null,
				account_growth: row.before ? (row.now ?? 0) / row.before - 1 : null
			}
		])
	);
}

/** Month by month: the pipeline due in the month at its first snapshot, against what was won in it. */
async function directForecastKpis(): Promise<Map<string, Expected>> {
	const rows = await db.all<{ email: string; committed: number; hits: number; forecast: number; won: number; error: number }>(
		`WITH
		ranked AS (SELECT s.*, st.outcome FROM snapshots s JOIN stages st ON st.id = s.stage_id),
		-- The snapshot that began the final run of each deal's latest closed stage (its outcome).
		first_closure AS (
			SELECT * EXCLUDE (final_outcome, previous_outcome) FROM (
				SELECT r.*,
					last_value(outcome) OVER (PARTITION BY deal_id ORDER BY snapshot_date ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS final_outcome,
					lag(outcome) OVER (PARTITION BY deal_id ORDER BY snapshot_date) AS previous_outcome
				FROM ranked r
			)
			WHERE final_outcome <> 'open' AND outcome = final_outcome AND (previous_outcome IS NULL OR previous_outcome <> outcome)
			QUALIFY row_number() OVER (PARTITION BY deal_id ORDER BY snapshot_date DESC) = 1
		),
		months AS (
			SELECT m::DATE AS month_start, last_day(m::DATE) AS month_end,
				(SELECT min(snapshot_date) FROM snapshots WHERE snapshot_date >= m::DATE) AS frozen
			FROM range(date_trunc('month', $from::DATE), $to::DATE, INTERVAL 1 MONTH) t(m)
		),
		usable AS (
			SELECT * FROM months
			WHERE month_start >= $from AND month_end <= $to AND month_end < (SELECT max(snapshot_date) FROM snapshots) AND frozen <= month_start + 6
		),
		due AS (
			SELECT u.month_start, r.owner_id AS rep_id, r.deal_id, r.amount * r.probability AS weighted, r.forecast_category
			FROM usable u JOIN ranked r ON r.snapshot_date = u.frozen AND r.outcome = 'open' AND r.close_date BETWEEN u.month_start AND u.month_end
		),
		won AS (
			SELECT u.month_start, f.owner_id AS rep_id, f.amount, f.snapshot_date <= u.frozen AS known_at_freeze
			FROM usable u JOIN first_closure f ON f.outcome = 'won' AND f.close_date BETWEEN u.month_start AND u.month_end
		),
		per_month AS (
			SELECT coalesce(d.rep_id, w.rep_id) AS rep_id, coalesce(d.month_start, w.month_start) AS month_start,
				coalesce(d.weighted, 0) + coalesce(w.known, 0) AS forecast, coalesce(w.won, 0) AS won
			FROM (SELECT rep_id, month_start, sum(weighted) AS weighted FROM due GROUP BY ALL) d
			FULL JOIN (SELECT rep_id, month_start, sum(amount) AS won, sum(amount) FILTER (WHERE known_at_freeze) AS known FROM won GROUP BY ALL) w
				ON w.rep_id = d.rep_id AND w.month_start = d.month_start
		),
		hits AS (
			SELECT d.rep_id, count(*) AS committed,
				count(*) FILTER (WHERE f.outcome = 'won' AND f.close_date BETWEEN d.month_start AND last_day(d.month_start)) AS hits
			FROM due d LEFT JOIN first_closure f ON f.deal_id = d.deal_id
			WHERE d.forecast_category = 'commit'
			GROUP BY d.rep_id
		)
		SELECT r.email, coalesce(h.committed, 0)::INTEGER AS committed, coalesce(h.hits, 0)::INTEGER AS hits,
			coalesce(sum(p.forecast), 0)::DOUBLE AS forecast, coalesce(sum(p.won), 0)::DOUBLE AS won,
			coalesce(sum(abs(p.forecast - p.won)), 0)::DOUBLE AS error
		FROM reps r LEFT JOIN hits h ON h.rep_id = r.id LEFT JOIN per_month p ON p.rep_id = r.id
		GROUP BY ALL`,
		{ from: period.from, to: period.to }
	);
	return new Map(
		rows.map((row) => [
			row.email,
			{
				commit_hit_rate: row.committed > 0 ? row.hits / row.committed : null,
				forecast_accuracy: row.won > 0 ? 1 - row.error / row.won : null,
				forecast_bias: row.won > 0 ? row.forecast / row.won : null
			}
		])
	);
}

describe('the KPIs on the demo company, against their definitions read directly', () => {
	it('agrees on every KPI of every rep over the last twelve months', async () => {
		const [main, accounts, forecasts] = await Promise.all([directKpis(), directAccountKpis(), directForecastKpis()]);
		expect(profiles.length).toBeGreaterThan(25);
		let compared = 0;
		for (const profile of profiles) {
			const expected: Expected = {
				...main.get(profile.rep.email),
				accounts_in_care: 0,
				key_accounts_in_care: 0,
				lifetime_value_per_account: null,
				account_growth: null,
				...accounts.get(profile.rep.email),
				...forecasts.get(profile.rep.email)
			};
			for (const [key, value] of Object.entries(profile.kpis) as [keyof RepKpis, number | null][]) {
				const want = expected[key];
				const where = `${profile.rep.name} (${profile.rep.role}): ${key}`;
				expect(want, `${where} has a direct reading`).not.toBeUndefined();
				if (want === null || value === null) expect(value, where).toBe(want);
				else expect(value, where).toBeCloseTo(want!, 6);
				compared++;
			}
		}
		expect(compared).toBe(profiles.length * Object.keys(profiles[0].kpis).length);
	});

	it('shows each role only its own KPIs in the tables, and every role has some', () => {
		for (const keys of Object.values(kpisByRole)) expect(keys.length).toBeGreaterThan(3);
		expect(kpisByRole.SDR).not.toContain('win_rate');
		expect(kpisByRole.AM).not.toContain('opened');
		// Every rep has a number for at least half of their role's KPIs: the tables are not empty shells.
		for (const profile of profiles.filter((p) => p.rep.active)) {
			const filled = kpisByRole[profile.rep.role].filter((k) => profile.kpis[k] !== null && profile.kpis[k] !== 0);
			expect(filled.length, profile.rep.name).toBeGreaterThanOrEqual(kpisByRole[profile.rep.role].length / 2);
		}
	});
});

describe('the profiles find the traits the demo generator hid in its reps', () => {
	function rankCorrelation(dimension: Dimension, trait: 'opening' | 'closing' | 'expanding') {
		const points = profiles.flatMap((p) => {
			const score = p.dimensions.find((d) => d.name === dimension);
			return score?.index != null ? [[score.index, demoRepTraits[p.rep.email][trait]] as const] : [];
		});
		return { n: points.length, rho: spearman(points.map((p) => p[0]), points.map((p) => p[1])) };
	}

	it('ranks the strong openers above the others on opening (Spearman >= 0.6)', () => {
		const { n, rho } = rankCorrelation('opening', 'opening');
		expect(n).toBeGreaterThanOrEqual(15);
		expect(rho).toBeGreaterThanOrEqual(0.6);
		const opening = (email: string) => profiles.find((p) => p.rep.email === email)!.dimensions.find((d) => d.name === 'opening')!.index!;
		// Lena Wagner (trait 1.8) against Jonas Becker (0.7), the two SDRs of team North.
		expect(opening('lena.wagner@demo.test')).toBeGreaterThan(opening('jonas.becker@demo.test'));
	});

	it('ranks the strong closers above the others on closing (Spearman >= 0.6)', () => {
		const { n, rho } = rankCorrelation('closing', 'closing');
		expect(n).toBeGreaterThanOrEqual(10);
		expect(rho).toBeGreaterThanOrEqual(0.6);
		const closing = (email: string) => profiles.find((p) => p.rep.email === email)!.dimensions.find((d) => d.name === 'closing')!.index!;
		// Anna Fischer (trait 1.25) against Felix Hoffmann (0.75), both AEs in team North.
		expect(closing('anna.fischer@demo.test')).toBeGreaterThan(closing('felix.hoffmann@demo.test'));
	});

	it('ranks the reliable forecasters above the optimistic ones on forecasting', () => {
		const points = profiles.flatMap((p) => {
			const score = p.dimensions.find((d) => d.name === 'forecasting');
			return score?.index != null ? [[score.index, demoRepTraits[p.rep.email].forecasting === 'reliable' ? 1 : 0] as const] : [];
		});
		expect(spearman(points.map((p) => p[0]), points.map((p) => p[1]))).toBeGreaterThanOrEqual(0.4);
	});
});

describe('a rep’s own view on the demo company', () => {
	it('holds only their own profile, and no other rep’s name', async () => {
		const sophie = profiles.find((p) => p.rep.email === 'sophie.schneider@demo.test')!;
		const [row] = await db.all<{ id: number; team_id: number }>(`SELECT id, team_id FROM reps WHERE email = 'sophie.schneider@demo.test'`);
		const own: Scope = { role: 'rep', repIds: [row.id], teamIds: [row.team_id], ownRepId: row.id };
		const view = await db.read((q) => teamStrengths(q, own, period));
		expect(view.profiles).toHaveLength(1);
		// Five AEs on team North: enough to share the median, which is the leader's.
		const mine = view.profiles[0].dimensions.find((d) => d.name === 'closing')!;
		expect(mine.team_median).toBeCloseTo(sophie.dimensions.find((d) => d.name === 'closing')!.team_median!, 12);
		const others = profiles.filter((p) => p.rep.email !== sophie.rep.email).map((p) => p.rep.name);
		const text = JSON.stringify(view);
		for (const name of others) expect(text).not.toContain(name);
	});
});
