import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/index.ts';
import { longRangeForecast, type LongRange } from '../../src/lib/server/metrics/long-range.ts';
import { simulateCompany, type CompanySettings, type SimulatedCompany } from './long-range-company.ts';
import { freshDatabase } from './helpers.ts';

/**
 * How it is judged: on simulated companies whose truth is known (three years of weekly snapshots,
 * steady creation, known win rate and cycle), the projection made from the middle of the data lands,
 * summed over the following 12 to 16 months, within 20% of what was actually won; at least 60% of
 * the months' actuals fall inside P10-P90; and from month 7 on at least half of the expected revenue
 * comes from deals not yet created. Several companies, none of them the one the model was built on.
 * The band is also checked where it is easiest to be too sure, far out: over the backtest at every
 * past month, 12 and 18 months ahead.
 */

const executive: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };

const companies: (CompanySettings & { name: string })[] = [
	{ name: 'short cycles, mostly on time', seed: 11, weeks: 156, createdPerRepWeek: 1.5, winRate: { new_business: 0.3, existing: 0.5 }, cycleDays: [30, 150], slipShare: 0.2, medianAmount: 20_000, newRepWeek: null },
	{ name: 'long cycles, much slipping', seed: 23, weeks: 156, createdPerRepWeek: 1.2, winRate: { new_business: 0.25, existing: 0.45 }, cycleDays: [60, 240], slipShare: 0.5, medianAmount: 35_000, newRepWeek: null },
	{ name: 'a new rep joining, high win rate', seed: 37, weeks: 156, createdPerRepWeek: 1, winRate: { new_business: 0.4, existing: 0.6 }, cycleDays: [45, 180], slipShare: 0.3, medianAmount: 15_000, newRepWeek: 60 },
	{ name: 'many small deals', seed: 53, weeks: 156, createdPerRepWeek: 3, winRate: { new_business: 0.2, existing: 0.5 }, cycleDays: [20, 120], slipShare: 0.25, medianAmount: 8_000, newRepWeek: null }
];

describe.each(companies)('the projection from the middle of a simulated company: $name', (settings) => {
	let db: Database;
	let cleanup: () => void;
	let company: SimulatedCompany;
	let projection: LongRange;

	beforeAll(async () => {
		({ db, cleanup } = await freshDatabase());
		company = await simulateCompany(db, settings);
		const asOf = company.snapshotDates[Math.floor(company.snapshotDates.length / 2)];
		projection = await db.read((q) => longRangeForecast(q, executive, { asOf, months: 16 }));
	}, 60_000);
	afterAll(() => cleanup());

	const actual = (month: string) => company.wonByMonth.get(month) ?? 0;

	it('summed over the next 12 and the next 16 months, lands within 20% of what was won', () => {
		for (const months of [12, 16]) {
			const window = projection.months.slice(0, months);
			const expected = window.reduce((sum, m) => sum + m.expected, 0);
			const won = window.reduce((sum, m) => sum + actual(m.month), 0);
			expect(Math.abs(expected - won) / won, `${months} months: expected ${Math.round(expected)}, won ${won}`).toBeLessThan(0.2);
		}
	});

	it('puts at least 60% of the months’ actual revenue inside its P10-P90 band', () => {
		const inside = projection.months.filter((m) => actual(m.month) >= m.p10 && actual(m.month) <= m.p90);
		expect(inside.length / projection.months.length).toBeGreaterThanOrEqual(0.6);
	});

	it('from month 7 on, expects at least half of the revenue from deals not yet created', () => {
		const later = projection.months.slice(6);
		const future = later.reduce((sum, m) => sum + m.future, 0);
		const expected = later.reduce((sum, m) => sum + m.expected, 0);
		expect(future / expected).toBeGreaterThanOrEqual(0.5);
	});

	it('is backtested at the past months with enough future behind them', () => {
		const six = projection.backtest.find((b) => b.horizon_months === 6)!;
		expect(six.points).toBeGreaterThan(0);
		expect(six.error_pct).not.toBeNull();
		expect(six.inside_band).toBeGreaterThan(0);
	});

	it('keeps its band honest far out: at every past month, 12 and 18 months ahead, at least 60% of the months’ actuals fell inside P10-P90', () => {
		for (const horizon of [12, 18]) {
			const far = projection.backtest.find((b) => b.horizon_months === horizon)!;
			expect(far.points, `${horizon} months`).toBeGreaterThan(3);
			expect(far.inside_band, `${horizon} months`).toBeGreaterThanOrEqual(0.6);
		}
	});
});
