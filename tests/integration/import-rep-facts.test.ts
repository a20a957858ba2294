import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { narrowScope, type Scope } from '../../src/lib/server/auth/scope.ts';
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

	it("a team's own quota is what the team's forecast compares against; a rep's forecast keeps the rep's quota", async () => {
		const file = writeFile(
			dir,
			'quotas.csv',
			[
				'rep,team,period_start,period_end,amount',
				'ann@example.test,,2026-01-01,2026-01-31,3000',
				'ben@example.test,,2026-01-01,2026-01-31,2000',
				'cat@example.test,,2026-01-01,2026-01-31,4000',
				',north,2026-01-01,2026-03-31,27000'
			].join('\n')
		);
		expect(await importFiles(db, [file])).toMatchObject({ status: 'ok', format: 'quotas', rows_loaded: 4, errors: [] });
		const forecastOf = async (filter: { team?: string; rep?: string }) => {
			const scope = await db.read((q) => narrowScope(q, everyone, filter));
			return (await db.read((q) => forecastByPeriod(q, scope, { asOf: '2026-01-26', months: 3 }))).months.map((m) => [m.month, m.quota]);
		};
		// North's quarter target, by the days of each month (31, 28, 31 of 90), not Ann's and Ben's 5,000.
		expect(await forecastOf({ team: 'North' })).toEqual([
			['2026-01', 9300],
			['2026-02', 8400],
			['2026-03', 9300]
		]);
		expect(await forecastOf({ rep: 'ann@example.test' })).toEqual([
			['2026-01', 3000],
			['2026-02', null],
			['2026-03', null]
		]);
		// The company: North's own quota plus South's reps' quotas.
		expect((await forecastOf({}))[0]).toEqual(['2026-01', 13300]);
		expect((await forecastOf({ team: 'South' }))[0]).toEqual(['2026-01', 4000]);
	});

	it('refuses a quota row naming both a rep and a team or neither, an unknown team, and another team for a leader', async () => {
		const file = writeFile(
			dir,
			'quotas.csv',
			[
				'rep,team,period_start,period_end,amount',
				'ann@example.test,North,2026-01-01,2026-01-31,1',
				',,2026-01-01,2026-01-31,1',
				',Atlantis,2026-01-01,2026-01-31,1',
				',South,2026-01-01,2026-01-31,1'
			].join('\n')
		);
		const summary = await importFiles(db, [file], { importer: { role: 'leader', teamIds: [await teamId('North')] } });
		expect(summary.errors.map((e) => [e.line, e.code])).toEqual([
			[2, 'quota_rep_or_team'],
			[3, 'quota_rep_or_team'],
			[4, 'team_unknown'],
			[5, 'quota_team_outside']
		]);
		expect(await db.one('SELECT count(*)::INTEGER AS n FROM team_quotas')).toEqual({ n: 0 });
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

describe('--format roster', () => {
	const sampleRoster = { format: 'roster' as const, map: { sales_agent: 'name', manager: 'leader', regional_office: 'team' } };
	const crmSample = {
		format: 'deals' as const,
		map: { opportunity_id: 'deal_id', sales_agent: 'owner', product: 'deal_name', account: 'account_name', deal_stage: 'stage', engage_date: 'created_date', close_value: 'amount' },
		stageMap: { Prospecting: 'Lead', Engaging: 'Discovery', Won: 'Closed Won', Lost: 'Closed Lost' }
	};

	it("puts the CRM sample's reps without a team into their regional teams, and their manager over the team", async () => {
		expect((await importFiles(db, [fixture('import', 'crm-sample-deals.csv')], crmSample)).status).toBe('ok');
		await db.write((tx) =>
			tx.run(`INSERT INTO users (id, email, name, password_hash, role) VALUES ('u-dustin', 'dustin@example.test', 'Dustin Brinkmann', 'x', 'leader')`)
		);
		const summary = await importFiles(db, [fixture('import', 'sales-teams.csv')], sampleRoster);
		expect(summary).toMatchObject({ status: 'ok', format: 'roster', rows_loaded: 3, created: { teams: 2, reps: 1 } });
		expect(summary.warnings.map((w) => [w.code, w.value])).toEqual([['leader_not_a_user', 'Melvin Marxen']]);
		expect(
			await db.all(`SELECT r.name, r.role, t.name AS team FROM reps r LEFT JOIN teams t ON t.id = r.team_id WHERE r.name IN ('Moses Frase', 'Darcel Schlecht', 'Anna Snelling') ORDER BY 1`)
		).toEqual([
			{ name: 'Anna Snelling', role: 'AE', team: 'Central' },
			{ name: 'Darcel Schlecht', role: 'AE', team: 'East' },
			{ name: 'Moses Frase', role: 'AE', team: 'Central' }
		]);
		expect(await db.all(`SELECT ut.user_id, t.name AS team FROM user_teams ut JOIN teams t ON t.id = ut.team_id`)).toEqual([
			{ user_id: 'u-dustin', team: 'Central' }
		]);
	});

	it('is refused as a whole when a leader imports it: who sees whom is an admin\'s decision', async () => {
		const summary = await importFiles(db, [fixture('import', 'sales-teams.csv')], {
			...sampleRoster,
			importer: { role: 'leader', teamIds: [await teamId('North')] }
		});
		expect(summary.status).toBe('error');
		expect(summary.errors.map((e) => e.code)).toEqual(['roster_admin_only']);
		expect(await db.one(`SELECT count(*)::INTEGER AS n FROM teams WHERE name IN ('Central', 'East')`)).toEqual({ n: 0 });
	});

	it('moves a known rep to the team the roster names, by e-mail, and keeps the team of a rep whose team is blank', async () => {
		const file = writeFile(dir, 'roster.csv', ['email,team,role', 'ann@example.test,South,AM', 'ben@example.test,,'].join('\n'));
		const summary = await importFiles(db, [file]);
		expect(summary).toMatchObject({ status: 'ok', format: 'roster', created: { teams: 0, reps: 0 } });
		expect(await db.all(`SELECT r.email, r.role, t.name AS team FROM reps r JOIN teams t ON t.id = r.team_id WHERE r.email IN ('ann@example.test', 'ben@example.test') ORDER BY 1`)).toEqual([
			{ email: 'ann@example.test', role: 'AM', team: 'South' },
			{ email: 'ben@example.test', role: 'AE', team: 'North' }
		]);
	});
});

describe('sourced_by in deal files', () => {
	it('credits the SDR who opened a deal; an opener nobody knows is a warning and left out', async () => {
		const team = writeFile(dir, 'roster.csv', ['email,name,team,role', 'sam@example.test,Sam Sourcer,North,SDR'].join('\n'));
		expect((await importFiles(db, [team])).status).toBe('ok');
		const file = writeFile(
			dir,
			'week.csv',
			[
				'snapshot_date,deal_id,owner,stage,amount,close_date,sourced_by',
				'2026-02-02,S-1,ann@example.test,Lead,100,2026-05-31,sam@example.test',
				'2026-02-02,S-2,ann@example.test,Lead,100,2026-05-31,Sam Sourcer',
				'2026-02-02,S-3,ann@example.test,Lead,100,2026-05-31,Nobody Known'
			].join('\n')
		);
		const summary = await importFiles(db, [file]);
		expect(summary.status).toBe('ok');
		expect(summary.warnings.filter((w) => w.code === 'sourced_by_unknown').map((w) => [w.line, w.value])).toEqual([[4, 'Nobody Known']]);
		expect(
			await db.all(`SELECT d.crm_id, r.email FROM deals d LEFT JOIN reps r ON r.id = d.sourced_by WHERE d.crm_id LIKE 'S-%' ORDER BY 1`)
		).toEqual([
			{ crm_id: 'S-1', email: 'sam@example.test' },
			{ crm_id: 'S-2', email: 'sam@example.test' },
			{ crm_id: 'S-3', email: null }
		]);
	});

	it("a leader may only credit reps of their own teams: another team's rep would then see this team's deal", async () => {
		const file = writeFile(
			dir,
			'week.csv',
			['snapshot_date,deal_id,owner,stage,amount,close_date,sourced_by', '2026-02-02,S-9,ann@example.test,Lead,100,2026-05-31,cat@example.test'].join('\n')
		);
		const summary = await importFiles(db, [file], { importer: { role: 'leader', teamIds: [await teamId('North')] } });
		expect(summary.errors.map((e) => [e.line, e.column, e.code])).toEqual([[2, 'sourced_by', 'owner_outside_team']]);
	});
});
