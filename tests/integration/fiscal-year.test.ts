import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { fiscalYearStartFromEnv } from '../../src/lib/server/db/config.ts';
import { periodFor } from '../../src/lib/domain/movement.ts';
import { formatQuarter } from '../../src/lib/domain/format.ts';
import { addDays, monthsBetween, monthStart, quarterOf, quarterStart, setFiscalYearStart } from '../../src/lib/domain/periods.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { fiscalQuarter, fiscalQuarterStart } from '../../src/lib/server/metrics/fiscal-quarters.ts';
import { sql } from '../../src/lib/server/db/sql.ts';
import { forecastByPeriod } from '../../src/lib/server/metrics/forecast.ts';
import { revenueMixOverTime } from '../../src/lib/server/metrics/revenue-mix.ts';
import { periodFromSearch } from '../../src/lib/domain/revenue-period.ts';
import { writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

/**
 * FISCAL_YEAR_START decides every quarter: a company whose year starts in April calls April to June
 * 2026 "FY27 Q1" in the forecast and in revenue, and one whose year starts in February closes its
 * quarters at the end of April, July, October and January.
 */

const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };

const pipeline = [
	'snapshot_date,deal_id,owner,team,stage,amount,close_date,created_date,deal_type',
	'2026-02-09,D-WON,ann@example.test,North,Negotiation,500,2026-02-27,2026-01-05,new_business',
	'2026-02-09,D-MAR,ann@example.test,North,Proposal,1000,2026-03-20,2026-01-05,new_business',
	'2026-03-02,D-WON,ann@example.test,North,Closed Won,500,2026-02-16,2026-01-05,new_business',
	'2026-03-02,D-MAR,ann@example.test,North,Proposal,1000,2026-03-20,2026-01-05,new_business',
	'2026-03-02,D-APR,ann@example.test,North,Proposal,2000,2026-04-15,2026-01-05,new_business',
	'2026-03-02,D-JUN,ann@example.test,North,Proposal,3000,2026-06-30,2026-01-05,new_business',
	'2026-03-02,D-JUL,ann@example.test,North,Proposal,4000,2026-07-01,2026-01-05,new_business'
].join('\n');

let db: Database;
let cleanup: () => void;
beforeEach(async () => {
	const fresh = await freshDatabase();
	({ db, cleanup } = fresh);
	expect((await importFiles(db, [writeFile(fresh.dir, 'pipeline.csv', pipeline)], { format: 'native' })).status).toBe('ok');
});
afterEach(() => {
	setFiscalYearStart(1);
	cleanup();
});

describe('a fiscal year starting in April', () => {
	beforeEach(() => setFiscalYearStart(4));

	it('the forecast sums open pipeline into fiscal quarters labelled FY26 Q4, FY27 Q1, FY27 Q2', async () => {
		const forecast = await db.read((q) => forecastByPeriod(q, everyone, { asOf: '2026-03-02', months: 5 }));
		expect(forecast.quarters.map((q) => [q.quarter, formatQuarter(q.quarter), q.total, q.closed])).toEqual([
			['2026-Q4', 'FY26 Q4', 1000, 500],
			['2027-Q1', 'FY27 Q1', 5000, 0],
			['2027-Q2', 'FY27 Q2', 4000, 0]
		]);
	});

	it('revenue by quarter and the revenue page\'s quarter and year are fiscal', async () => {
		const rows = await db.read((q) =>
			revenueMixOverTime(q, everyone, { from: '2025-11-01', to: '2026-09-30', bucket: 'quarter' })
		);
		const won = rows.filter((r) => r.segment === 'new_business').map((r) => [formatQuarter(quarterOf(r.period_start)), r.won]);
		expect(won).toEqual([
			['FY26 Q3', 0],
			['FY26 Q4', 500],
			['FY27 Q1', 0],
			['FY27 Q2', 0]
		]);
		const search = (text: string) => periodFromSearch(new URLSearchParams(text), '2026-03-02').period;
		expect(search('period=quarter&quarter=2027-Q1')).toMatchObject({ from: '2026-04-01', to: '2026-06-30' });
		expect(search('period=year&year=2027')).toMatchObject({ from: '2026-04-01', to: '2027-03-31' });
		// By default: the fiscal quarter to date of the latest snapshot.
		expect(search('')).toMatchObject({ from: '2026-01-01', to: '2026-03-02' });
	});
});

describe('a fiscal year starting in February', () => {
	beforeEach(() => setFiscalYearStart(2));

	it('quarters run February to April, May to July: in the forecast, in revenue and in the movement period', async () => {
		const forecast = await db.read((q) => forecastByPeriod(q, everyone, { asOf: '2026-03-02', months: 5 }));
		expect(forecast.quarters.map((q) => [q.quarter, formatQuarter(q.quarter), q.total, q.closed])).toEqual([
			['2027-Q1', 'FY27 Q1', 3000, 500],
			['2027-Q2', 'FY27 Q2', 7000, 0]
		]);
		const rows = await db.read((q) =>
			revenueMixOverTime(q, everyone, { from: '2026-01-15', to: '2026-08-31', bucket: 'quarter' })
		);
		expect(rows.filter((r) => r.segment === 'new_business').map((r) => [r.period_start, r.won])).toEqual([
			['2025-11-01', 0],
			['2026-02-01', 500],
			['2026-05-01', 0],
			['2026-08-01', 0]
		]);
		expect(periodFor('this_quarter', '2026-05-10')).toEqual({ start: '2026-05-01', end: '2026-07-31' });
		expect(periodFor('next_quarter', '2026-12-31')).toEqual({ start: '2027-02-01', end: '2027-04-30' });
	});
});

describe('fiscal quarters in SQL', () => {
	it.each([1, 2, 4, 7, 10, 12])('agree with periods.ts on every day at a quarter edge (year starting in month %i)', async (start) => {
		setFiscalYearStart(start);
		const days = monthsBetween('2025-01', '2028-12').flatMap((month) => [monthStart(month), addDays(monthStart(month), -1)]);
		const rows = await db.all<{ day: string; quarter: string; start: string }>(
			sql`SELECT strftime(d, '%Y-%m-%d') AS day, ${fiscalQuarter(sql`d`)} AS quarter, strftime(${fiscalQuarterStart(sql`d`)}, '%Y-%m-%d') AS start
			FROM (SELECT unnest(${days}::VARCHAR[])::DATE AS d) ORDER BY d`
		);
		expect(rows.length).toBe(days.length);
		for (const row of rows) expect([row.day, row.quarter, row.start]).toEqual([row.day, quarterOf(row.day), quarterStart(quarterOf(row.day))]);
	});

	it('FISCAL_YEAR_START is a month from 1 to 12, January when unset', () => {
		expect(fiscalYearStartFromEnv({})).toBe(1);
		expect(fiscalYearStartFromEnv({ FISCAL_YEAR_START: '4' })).toBe(4);
		expect(() => fiscalYearStartFromEnv({ FISCAL_YEAR_START: '13' })).toThrow(/FISCAL_YEAR_START/);
		expect(() => fiscalYearStartFromEnv({ FISCAL_YEAR_START: 'April' })).toThrow(/FISCAL_YEAR_START/);
	});
});
