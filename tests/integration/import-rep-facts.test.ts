import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { forecastByPeriod } from '../../src/lib/server/metrics/forecast.ts';
import { fixture, writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

/**
 * Quotas and activities import like deals: checked line by line, never creating a rep, and a
 * leader's file only for their own teams' reps. The pipeline comes first (tests/fixtures/import/
 * gaps-snapshots.csv: Ann and Ben in team North, Cat in South).
 */

let db: Database;
let dir: string;
let cleanup: () => void;
beforeEach(async () => {
	({ db, dir, cleanup } = await freshDatabase());
	expect((await importFiles(db, [fixture('import', 'gaps-snapshots.csv')])).status).toBe('ok');
});
afterEach(() => cleanup());

const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };
const teamId = async (name: string) => (await db.one<{ id: number }>('SELECT id FROM teams WHERE name = $name', { name }))!.id;

describe('--format quotas', () => {
	it('loads each rep\'s quota for its period, and the forecast compares the month against it', async () => {
		const file = writeFile(
			dir,
			'quotas.csv',
			['Rep,Start,End,Target', 'ann@example.test,2026-01-01,2026-01-31,3000', 'BEN@example.test,2026-01-01,2026-01-31,2000'].join('\n')
		);
		const summary = await importFiles(db, [file], { format: 'quotas', map: { Rep: 'rep', Start: 'period_start', End: 'period_end', Target: 'amount' } });
		expect(summary).toMatchObject({ status: 'ok', format: 'quotas', rows_loaded: 2, errors: [] });
		const forecast = await db.read((q) => forecastByPeriod(q, everyone, { asOf: '2026-01-26', months: 1 }));
		expect(forecast.months[0]).toMatchObject({ month: '2026-01', quota: 5000 });
		// Imported again with a corrected target, the period's quota is replaced, not doubled.
		writeFile(dir, 'quotas.csv', ['rep,period_start,period_end,amount', 'ann@example.test,2026-01-01,2026-01-31,3500'].join('\n'));
		expect((await importFiles(db, [file])).format).toBe('quotas');
		const again = await db.read((q) => forecastByPeriod(q, everyone, { asOf: '2026-01-26', months: 1 }));
		expect(again.months[0].quota).toBe(5500);
	});

	it('refuses an unknown rep, a period ending before it starts, and two quotas for one period, each at its line', async () => {
		const file = writeFile(
			dir,
			'quotas.csv',
			[
				'rep,period_start,period_end,amount',
				'nobody@example.test,2026-01-01,2026-03-31,100',
				'ann@example.test,2026-03-31,2026-01-01,100',
				'cat@example.test,2026-01-01,2026-03-31,100',
				'cat@example.test,2026-01-01,2026-03-31,200'
			].join('\n')
		);
		const summary = await importFiles(db, [file]);
		expect(summary.status).toBe('error');
		expect(summary.errors.map((e) => [e.line, e.code])).toEqual([
			[2, 'rep_unknown'],
			[3, 'period_end_before_start'],
			[5, 'duplicate_quota']
		]);
		expect(await db.one('SELECT count(*)::INTEGER AS n FROM quotas')).toEqual({ n: 0 });
	});

	it("a leader's quota file may only name reps of their own teams", async () => {
		const file = writeFile(dir, 'quotas.csv', ['rep,period_start,period_end,amount', 'ann@example.test,2026-01-01,2026-01-31,100'].join('\n'));
		const south = await importFiles(db, [file], { importer: { role: 'leader', teamIds: [await teamId('South')] } });
		expect(south.errors.map((e) => [e.line, e.code])).toEqual([[2, 'owner_outside_team']]);
		const north = await importFiles(db, [file], { importer: { role: 'leader', teamIds: [await teamId('North')] } });
		expect(north.status).toBe('ok');
	});
});

describe('--format activities', () => {
	it('adds up a rep\'s rows of one kind on one day and reads CRM spellings of the kinds', async () => {
		const file = writeFile(
			dir,
			'activities.csv',
			[
				'rep,date,kind,count',
				'ann@example.test,2026-01-12,Calls,5',
				'ann@example.test,2026-01-12,call,3',
				'ann@example.test,2026-01-12,Meeting booked,1',
				'cat@example.test,2026-01-13,Proposal sent,2'
			].join('\n')
		);
		const summary = await importFiles(db, [file]);
		expect(summary).toMatchObject({ status: 'ok', format: 'activities', rows_loaded: 4 });
		expect(
			await db.all(`SELECT a.activity_date, r.email, a.kind, a.count FROM activities a JOIN reps r ON r.id = a.rep_id ORDER BY ALL`)
		).toEqual([
			{ activity_date: '2026-01-12', email: 'ann@example.test', kind: 'call', count: 8 },
			{ activity_date: '2026-01-12', email: 'ann@example.test', kind: 'meeting_booked', count: 1 },
			{ activity_date: '2026-01-13', email: 'cat@example.test', kind: 'proposal_sent', count: 2 }
		]);
	});

	it('refuses an unknown kind, a fractional or negative count and an unknown rep', async () => {
		const file = writeFile(
			dir,
			'activities.csv',
			['rep,date,kind,count', 'ann@example.test,2026-01-12,lunch,1', 'ann@example.test,2026-01-12,call,1.5', 'ann@example.test,2026-01-12,call,-1', 'zed@example.test,2026-01-12,call,1'].join('\n')
		);
		const summary = await importFiles(db, [file], { format: 'activities' });
		expect(summary.errors.map((e) => [e.line, e.code])).toEqual([
			[2, 'unknown_activity_kind'],
			[3, 'count_not_whole'],
			[4, 'negative_amount'],
			[5, 'rep_unknown']
		]);
	});
});
