import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import { seedDemo } from '../../src/lib/server/demo/index.ts';
import { importFiles, type Importer } from '../../src/lib/server/import/index.ts';
import { contentChecksums, fixture, snapshotTable, writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

/*
 * The fixture's two teams: Nord (anna.berg, AE: OPP-1, OPP-2 on accounts ACC-1, ACC-2) and Süd
 * (carl.dorn, AM: OPP-3 on ACC-3, OPP-4 without an account), on 2 and 9 March 2026. The importer
 * below is Nord's leader.
 */
let db: Database;
let dir: string;
let cleanup: () => void;
let nordLeader: Importer;
beforeEach(async () => {
	({ db, dir, cleanup } = await freshDatabase());
	await importFiles(db, [fixture('import', 'native-two-weeks.csv')]);
	const nord = await db.one<{ id: number }>("SELECT id FROM teams WHERE name = 'Nord'");
	nordLeader = { role: 'leader', teamIds: [nord!.id] };
});
afterEach(() => cleanup());

const header = 'snapshot_date,deal_id,owner,team,stage,amount,close_date,account_id,account_name';
const teamOf = async (email: string) =>
	(await db.one<{ team: string | null }>('SELECT t.name AS team FROM reps r LEFT JOIN teams t ON t.id = r.team_id WHERE r.email = $email', { email }))
		?.team;

describe("a leader's import stays inside the leader's teams", () => {
	it("refuses a row naming another team's rep, with file, line and column, and writes nothing", async () => {
		const before = await contentChecksums(db);
		// The attack: another team's AE, labelled with the leader's own team, for an old date.
		const file = writeFile(dir, 'take-over.csv', [header, '2026-01-05,OPP-77,carl.dorn@example.com,Nord,Lead,1000,2026-06-30,,'].join('\n'));
		const summary = await importFiles(db, [file], { importer: nordLeader });
		expect(summary.status).toBe('error');
		expect(summary.errors).toContainEqual(
			expect.objectContaining({ code: 'owner_outside_team', file: 'take-over.csv', line: 2, column: 'owner', value: 'carl.dorn@example.com' })
		);
		const error = summary.errors.find((e) => e.code === 'owner_outside_team')!;
		expect(error.message).toContain('belongs to team Süd, outside your team');
		expect(await teamOf('carl.dorn@example.com')).toBe('Süd');
		expect(await contentChecksums(db)).toEqual(before);
	});

	it('refuses an owner who is not a rep yet: only admins add reps', async () => {
		const before = await contentChecksums(db);
		const file = writeFile(dir, 'new-rep.csv', [header, '2026-03-09,OPP-9,new.person@example.com,Nord,Lead,1000,2026-06-30,,'].join('\n'));
		const summary = await importFiles(db, [file], { importer: nordLeader });
		expect(summary.errors.map((e) => [e.code, e.line, e.column, e.value])).toEqual([['owner_not_a_rep', 2, 'owner', 'new.person@example.com']]);
		expect(await contentChecksums(db)).toEqual(before);
	});

	it('refuses a team column that would move the leader’s own rep or create a team', async () => {
		const before = await contentChecksums(db);
		const file = writeFile(
			dir,
			'move.csv',
			[header, '2026-03-16,OPP-1,anna.berg@example.com,Süd,Discovery,1000,2026-06-30,,', '2026-03-16,OPP-2,anna.berg@example.com,Brand New,Lead,1,2026-06-30,,'].join('\n')
		);
		const summary = await importFiles(db, [file], { importer: nordLeader });
		expect(summary.errors.map((e) => [e.code, e.line, e.column, e.value])).toEqual([
			['team_change_not_allowed', 2, 'team', 'Süd'],
			['team_change_not_allowed', 3, 'team', 'Brand New']
		]);
		expect(await teamOf('anna.berg@example.com')).toBe('Nord');
		expect(await contentChecksums(db)).toEqual(before);
	});

	it("refuses a deal another team's rep holds, even under the leader's own rep", async () => {
		const before = await contentChecksums(db);
		const file = writeFile(dir, 'steal.csv', [header, '2026-03-16,OPP-3,anna.berg@example.com,Nord,Negotiation,30000,2026-04-30,ACC-3,Stolen'].join('\n'));
		const summary = await importFiles(db, [file], { importer: nordLeader });
		expect(summary.errors.map((e) => [e.code, e.line, e.column, e.value])).toEqual([['deal_outside_team', 2, 'deal_id', 'OPP-3']]);
		expect(summary.errors[0].message).toContain('belongs to team Süd');
		expect(await contentChecksums(db)).toEqual(before);
	});

	it("imports the leader's own reps' week, renaming their own accounts but never one another team sells to", async () => {
		const file = writeFile(
			dir,
			'nord-week.csv',
			[
				header,
				'2026-03-16,OPP-1,anna.berg@example.com,Nord,Proposal,52000,2026-06-30,ACC-1,Nordlicht Group',
				'2026-03-16,OPP-5,anna.berg@example.com,,Lead,8000,2026-09-30,ACC-3,Renamed by Nord'
			].join('\n')
		);
		const summary = await importFiles(db, [file], { importer: nordLeader });
		expect(summary.errors).toEqual([]);
		expect(summary).toMatchObject({ status: 'ok', rows_loaded: 2, created: { teams: 0, reps: 0, accounts: 0, deals: 1 } });
		const names = await db.all<{ crm_id: string; name: string }>("SELECT crm_id, name FROM accounts WHERE crm_id IN ('ACC-1', 'ACC-3') ORDER BY 1");
		expect(names).toEqual([
			{ crm_id: 'ACC-1', name: 'Nordlicht Group' },
			{ crm_id: 'ACC-3', name: 'Südwerk KG' }
		]);
	});

	it("a leader's one-row file for the newest date leaves every other team's rows of that date as they were", async () => {
		const othersBefore = (await snapshotTable(db)).filter((r) => r.owner !== 'anna.berg@example.com');
		const file = writeFile(dir, 'one-row.csv', [header, '2026-03-09,OPP-1,anna.berg@example.com,,Proposal,60000,2026-06-30,,'].join('\n'));
		const summary = await importFiles(db, [file], { importer: nordLeader });
		expect(summary.status).toBe('ok');
		expect(summary.snapshots_replaced).toEqual([{ date: '2026-03-09', rows: 2, deleted: 1, teams: [{ team: 'Nord', rows: 2, deleted: 1 }] }]);
		expect((await snapshotTable(db)).filter((r) => r.owner !== 'anna.berg@example.com')).toEqual(othersBefore);
	});

	it('may not replace whole dates: that is an admin’s choice', async () => {
		const before = await contentChecksums(db);
		const file = writeFile(dir, 'all.csv', [header, '2026-03-09,OPP-1,anna.berg@example.com,,Proposal,60000,2026-06-30,,'].join('\n'));
		const summary = await importFiles(db, [file], { importer: nordLeader, replaceDates: true });
		expect(summary.errors.map((e) => e.code)).toEqual(['replace_dates_admin_only']);
		expect(await contentChecksums(db)).toEqual(before);
	});

	it('a leader without teams can import nothing', async () => {
		const file = writeFile(dir, 'none.csv', [header, '2026-03-16,OPP-1,anna.berg@example.com,,Proposal,60000,2026-06-30,,'].join('\n'));
		const summary = await importFiles(db, [file], { importer: { role: 'leader', teamIds: [] } });
		expect(summary.errors.map((e) => e.code).sort()).toEqual(['deal_outside_team', 'owner_outside_team']);
	});
});

describe("on the demo company, a leader's one-row file for the newest week", () => {
	it("leaves every other team's rows and pipeline of that week exactly as they were", async () => {
		const demo = await freshDatabase();
		try {
			await seedDemo(demo.db, { until: '2026-05-11', seed: 5, scale: 0.1, weeks: 10 });
			const newest = (await demo.db.one<{ d: string }>('SELECT max(snapshot_date) AS d FROM snapshots'))!.d;
			const team1 = (await demo.db.one<{ id: number }>('SELECT min(id) AS id FROM teams'))!.id;
			// One of team 1's rows that week, imported again with a new amount.
			const row = (await demo.db.one<{ deal: string; owner: string; stage: string; close_date: string }>(
				`SELECT d.crm_id AS deal, r.email AS owner, st.name AS stage, s.close_date
				FROM snapshots s JOIN deals d ON d.id = s.deal_id JOIN reps r ON r.id = s.owner_id JOIN stages st ON st.id = s.stage_id
				WHERE s.snapshot_date = $newest AND r.team_id = $team AND st.outcome = 'open' ORDER BY d.crm_id LIMIT 1`,
				{ newest, team: team1 }
			))!;
			const otherTeams = () =>
				demo.db.all(
					`SELECT r.team_id, count(*) AS deals, sum(s.amount)::VARCHAR AS total_pipeline,
						md5(string_agg(CAST(s AS VARCHAR), ',' ORDER BY s.deal_id)) AS rows
					FROM snapshots s JOIN reps r ON r.id = s.owner_id
					WHERE s.snapshot_date = $newest AND r.team_id <> $team GROUP BY r.team_id ORDER BY r.team_id`,
					{ newest, team: team1 }
				);
			const before = await otherTeams();
			expect(before.length).toBeGreaterThanOrEqual(2);
			const file = writeFile(demo.dir, 'one-row.csv', [
				'snapshot_date,deal_id,owner,stage,amount,close_date',
				`${newest},${row.deal},${row.owner},${row.stage},12345,${row.close_date}`
			].join('\n'));
			const summary = await importFiles(demo.db, [file], { importer: { role: 'leader', teamIds: [team1] } });
			expect(summary.errors).toEqual([]);
			expect(summary.status).toBe('ok');
			expect(summary.snapshots_replaced.flatMap((s) => s.teams.map((t) => t.team))).toEqual([
				(await demo.db.one<{ name: string }>('SELECT name FROM teams WHERE id = $team', { team: team1 }))!.name
			]);
			expect(await otherTeams()).toEqual(before);
		} finally {
			demo.cleanup();
		}
	});
});
