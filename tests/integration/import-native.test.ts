import { DuckDBInstance } from '@duckdb/node-api';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { contentChecksums, fixture, importLogRows, snapshotTable, writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

let db: Database;
let dir: string;
let cleanup: () => void;
beforeEach(async () => {
	({ db, dir, cleanup } = await freshDatabase());
});
afterEach(() => cleanup());

const header = 'snapshot_date,deal_id,owner,stage,amount,close_date';

describe('native snapshot import', () => {
	it('turns one row per deal per date into snapshots, with deals, reps, accounts and teams created', async () => {
		const summary = await importFiles(db, [fixture('import', 'native-two-weeks.csv')], { user: 'admin@demo.test' });

		expect(summary).toMatchObject({
			status: 'ok',
			format: 'native',
			rows_read: 7,
			rows_loaded: 7,
			rows_rejected: 0,
			snapshots: ['2026-03-02', '2026-03-09'],
			snapshots_replaced: [],
			created: { teams: 2, reps: 2, accounts: 3, deals: 4 },
			errors: []
		});
		expect(await snapshotTable(db)).toEqual([
			{ snapshot_date: '2026-03-02', deal: 'OPP-1', owner: 'anna.berg@example.com', stage: 'Discovery', amount: '48000.00', probability: 0.2, close_date: '2026-06-30', forecast_category: 'pipeline' },
			// A blank probability takes the stage's default (Proposal: 60 %).
			{ snapshot_date: '2026-03-02', deal: 'OPP-2', owner: 'anna.berg@example.com', stage: 'Proposal', amount: '12500.50', probability: 0.6, close_date: '2026-04-15', forecast_category: 'best_case' },
			{ snapshot_date: '2026-03-02', deal: 'OPP-3', owner: 'carl.dorn@example.com', stage: 'Negotiation', amount: '30000.00', probability: 0.8, close_date: '2026-03-31', forecast_category: 'commit' },
			{ snapshot_date: '2026-03-09', deal: 'OPP-1', owner: 'anna.berg@example.com', stage: 'Solution/Demo', amount: '52000.00', probability: 0.4, close_date: '2026-06-30', forecast_category: 'pipeline' },
			{ snapshot_date: '2026-03-09', deal: 'OPP-2', owner: 'anna.berg@example.com', stage: 'Closed Won', amount: '12500.50', probability: 1, close_date: '2026-03-06', forecast_category: 'closed' },
			{ snapshot_date: '2026-03-09', deal: 'OPP-3', owner: 'carl.dorn@example.com', stage: 'Negotiation', amount: '30000.00', probability: 0.8, close_date: '2026-04-30', forecast_category: 'commit' },
			{ snapshot_date: '2026-03-09', deal: 'OPP-4', owner: 'carl.dorn@example.com', stage: 'Lead', amount: '5000.00', probability: 0.05, close_date: '2026-09-30', forecast_category: null }
		]);
		expect(await db.all('SELECT r.email, r.name, r.role, t.name AS team FROM reps r JOIN teams t ON t.id = r.team_id ORDER BY r.email')).toEqual([
			{ email: 'anna.berg@example.com', name: 'Anna Berg', role: 'AE', team: 'Nord' },
			{ email: 'carl.dorn@example.com', name: 'Carl Dorn', role: 'AM', team: 'Süd' }
		]);
		// CRM spellings of deal types become ours; the deal without an account has none.
		expect(
			await db.all(
				`SELECT d.crm_id, d.name, d.deal_type, a.name AS account, d.created_date, d.source
				FROM deals d LEFT JOIN accounts a ON a.id = d.account_id ORDER BY d.crm_id`
			)
		).toEqual([
			{ crm_id: 'OPP-1', name: 'Nordlicht rollout', deal_type: 'new_business', account: 'Nordlicht GmbH', created_date: '2026-01-15', source: 'inbound' },
			{ crm_id: 'OPP-2', name: 'Hafen upgrade', deal_type: 'upsell', account: 'Hafen AG', created_date: '2025-11-03', source: null },
			{ crm_id: 'OPP-3', name: 'Süd renewal', deal_type: 'renewal', account: 'Südwerk KG', created_date: '2025-10-01', source: null },
			{ crm_id: 'OPP-4', name: 'Neuland pilot', deal_type: 'new_business', account: null, created_date: '2026-03-05', source: 'event' }
		]);
		// A blank account is worth a warning, not a rejection.
		expect(summary.warnings.map((w) => [w.code, w.line])).toEqual([['blank_account', 8]]);
		expect(await importLogRows(db)).toEqual([
			{ status: 'ok', file_name: 'native-two-weeks.csv', rows_read: 7, rows_loaded: 7, rows_rejected: 0 }
		]);
	});

	it('stores each snapshot date together, ordered by deal, so zone maps can skip other dates', async () => {
		const file = writeFile(
			dir,
			'shuffled.csv',
			[header, '2026-03-09,B,a@x.test,Lead,1,2026-06-30', '2026-03-02,C,a@x.test,Lead,1,2026-06-30', '2026-03-09,A,a@x.test,Lead,1,2026-06-30', '2026-03-02,A,a@x.test,Lead,1,2026-06-30'].join('\n')
		);
		await importFiles(db, [file]);
		const stored = await db.all<{ snapshot_date: string; deal: string }>(
			'SELECT s.snapshot_date, d.crm_id AS deal FROM snapshots s JOIN deals d ON d.id = s.deal_id ORDER BY s.rowid'
		);
		const ids = await db.all<{ crm_id: string; id: number }>('SELECT crm_id, id FROM deals');
		const idOf = Object.fromEntries(ids.map((d) => [d.crm_id, d.id]));
		const sorted = [...stored].sort((a, b) => a.snapshot_date.localeCompare(b.snapshot_date) || idOf[a.deal] - idOf[b.deal]);
		expect(stored).toEqual(sorted);
	});

	it('matches headers in any order and case, and reports extra columns as ignored', async () => {
		const file = writeFile(
			dir,
			'reordered.csv',
			['Amount,Stage,CLOSE_DATE,Owner,Deal ID,Snapshot Date,Internal Notes', '100,Lead,2026-06-30,a@x.test,D-1,2026-03-02,call back'].join('\n')
		);
		const summary = await importFiles(db, [file]);
		expect(summary.status).toBe('ok');
		expect(summary.preview.files[0].mapping).toMatchObject({ deal_id: 'Deal ID', snapshot_date: 'Snapshot Date', close_date: 'CLOSE_DATE' });
		// Both are header-level warnings on line 1; their order carries no meaning.
		expect(summary.warnings).toHaveLength(2);
		expect(summary.warnings).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ code: 'unused_column', line: 1, column: 'Internal Notes', message: 'Column Internal Notes is not used and was ignored.' }),
				expect.objectContaining({ code: 'no_account_column', line: 1 })
			])
		);
	});

	it('reads probability as 0-1, 0-100 or a percentage, decided per column', async () => {
		const fractions = writeFile(dir, 'f.csv', [`${header},probability`, '2026-03-02,A,a@x.test,Lead,1,2026-06-30,0.25', '2026-03-02,B,a@x.test,Lead,1,2026-06-30,1'].join('\n'));
		const percents = writeFile(dir, 'p.csv', [`${header},probability`, '2026-03-09,A,a@x.test,Lead,1,2026-06-30,25', '2026-03-09,B,a@x.test,Lead,1,2026-06-30,1', '2026-03-09,C,a@x.test,Lead,1,2026-06-30,60%'].join('\n'));
		await importFiles(db, [fractions]);
		await importFiles(db, [percents]);
		const probabilities = (await snapshotTable(db)).map((r) => [r.snapshot_date, r.deal, r.probability]);
		// "1" is 100 % where the column holds fractions, 1 % where another value shows it holds percents.
		expect(probabilities).toEqual([
			['2026-03-02', 'A', 0.25],
			['2026-03-02', 'B', 1],
			['2026-03-09', 'A', 0.25],
			['2026-03-09', 'B', 0.01],
			['2026-03-09', 'C', 0.6]
		]);
	});

	it('re-importing the same file changes nothing, and says which dates it replaced', async () => {
		const file = fixture('import', 'native-two-weeks.csv');
		await importFiles(db, [file]);
		const before = await contentChecksums(db);
		const again = await importFiles(db, [file]);
		expect(again).toMatchObject({ status: 'ok', rows_loaded: 7 });
		expect(again.snapshots_replaced).toEqual([
			{ date: '2026-03-02', rows: 3, deleted: 0, teams: [{ team: 'Nord', rows: 2, deleted: 0 }, { team: 'Süd', rows: 1, deleted: 0 }] },
			{ date: '2026-03-09', rows: 4, deleted: 0, teams: [{ team: 'Nord', rows: 2, deleted: 0 }, { team: 'Süd', rows: 2, deleted: 0 }] }
		]);
		expect(again.created).toEqual({ teams: 0, reps: 0, accounts: 0, deals: 0 });
		expect(await contentChecksums(db)).toEqual(before);
	});

	it("importing a date that exists replaces the rows of the owners the file names on it, and leaves other owners and dates alone", async () => {
		await importFiles(db, [fixture('import', 'native-two-weeks.csv')]);
		const file = writeFile(dir, 'correction.csv', [header, '2026-03-09,OPP-1,anna.berg@example.com,Proposal,55000,2026-06-30'].join('\n'));
		const summary = await importFiles(db, [file]);
		// Anna's OPP-2 is no longer in her file for that week, so it goes; Carl's week stays whole.
		expect(summary.snapshots_replaced).toEqual([{ date: '2026-03-09', rows: 2, deleted: 1, teams: [{ team: 'Nord', rows: 2, deleted: 1 }] }]);
		const rows = await snapshotTable(db);
		expect(rows.filter((r) => r.snapshot_date === '2026-03-09').map((r) => [r.deal, r.owner, r.stage, r.amount])).toEqual([
			['OPP-1', 'anna.berg@example.com', 'Proposal', '55000.00'],
			['OPP-3', 'carl.dorn@example.com', 'Negotiation', '30000.00'],
			['OPP-4', 'carl.dorn@example.com', 'Lead', '5000.00']
		]);
		expect(rows.filter((r) => r.snapshot_date === '2026-03-02')).toHaveLength(3);
	});

	it('with replaceDates, importing a date that exists replaces that date entirely and says which teams lose rows', async () => {
		await importFiles(db, [fixture('import', 'native-two-weeks.csv')]);
		const file = writeFile(dir, 'correction.csv', [header, '2026-03-09,OPP-1,anna.berg@example.com,Proposal,55000,2026-06-30'].join('\n'));
		const preview = await importFiles(db, [file], { replaceDates: true, dryRun: true });
		expect(preview.snapshots_replaced).toEqual([
			{ date: '2026-03-09', rows: 4, deleted: 3, teams: [{ team: 'Nord', rows: 2, deleted: 1 }, { team: 'Süd', rows: 2, deleted: 2 }] }
		]);
		const summary = await importFiles(db, [file], { replaceDates: true });
		expect(summary.snapshots_replaced).toEqual(preview.snapshots_replaced);
		const rows = await snapshotTable(db);
		expect(rows.filter((r) => r.snapshot_date === '2026-03-09').map((r) => [r.deal, r.stage, r.amount])).toEqual([
			['OPP-1', 'Proposal', '55000.00']
		]);
		expect(rows.filter((r) => r.snapshot_date === '2026-03-02')).toHaveLength(3);
	});

	it('warns how many open deals a file drops, which the waterfall will show as removed, not lost', async () => {
		await importFiles(db, [fixture('import', 'native-two-weeks.csv')]);
		// Carl's week of 16 March carries OPP-3 but not OPP-4, open the week before; Anna is not in the file.
		const file = writeFile(dir, 'carl.csv', [header, '2026-03-16,OPP-3,carl.dorn@example.com,Negotiation,30000,2026-04-30'].join('\n'));
		const summary = await importFiles(db, [file], { dryRun: true });
		expect(summary.warnings.filter((w) => w.code === 'open_deals_dropped').map((w) => w.params)).toEqual([
			{ count: '1', value: '2026-03-16', other: '2026-03-09' }
		]);
		expect(summary.warnings.find((w) => w.code === 'open_deals_dropped')!.message).toContain('removed from the pipeline');
	});

	it('reads a Parquet file exactly like the CSV it was made from', async () => {
		const parquet = path.join(dir, 'snapshots.parquet');
		const instance = await DuckDBInstance.create(':memory:');
		const connection = await instance.connect();
		// Typed columns (DATE, DECIMAL), as a BI tool would write them.
		await connection.run(
			`COPY (SELECT * REPLACE (snapshot_date::DATE AS snapshot_date, amount::DECIMAL(18, 2) AS amount)
				FROM read_csv('${fixture('import', 'native-two-weeks.csv')}', all_varchar = true)) TO '${parquet}' (FORMAT parquet)`
		);
		connection.closeSync();
		instance.closeSync();

		const summary = await importFiles(db, [parquet]);
		expect(summary).toMatchObject({ status: 'ok', rows_loaded: 7 });
		expect(summary.preview.files[0].kind).toBe('parquet');
		const fromParquet = await snapshotTable(db);

		const other = await freshDatabase();
		try {
			await importFiles(other.db, [fixture('import', 'native-two-weeks.csv')]);
			expect(fromParquet).toEqual(await snapshotTable(other.db));
		} finally {
			other.cleanup();
		}
	});

	it('reads US dates when a value proves the month comes first, and says so', async () => {
		const file = writeFile(dir, 'us.csv', [header, '03/02/2026,A,a@x.test,Lead,1,06/30/26', '2026-03-09,A,a@x.test,Lead,1,06/30/2026 05:00 PM'].join('\n'));
		const summary = await importFiles(db, [file]);
		expect(summary.status).toBe('ok');
		expect(summary.preview.dateOrder).toEqual({ order: 'mdy', reason: '06/30/26 (close_date, line 2)' });
		expect((await snapshotTable(db)).map((r) => [r.snapshot_date, r.close_date])).toEqual([
			['2026-03-02', '2026-06-30'],
			['2026-03-09', '2026-06-30']
		]);
	});

	it('refuses dates that could be day/month or month/day unless the order is given', async () => {
		const file = writeFile(dir, 'ambiguous.csv', [header, '2026-03-02,A,a@x.test,Lead,1,04/05/2026'].join('\n'));
		const refused = await importFiles(db, [file]);
		expect(refused.status).toBe('error');
		expect(refused.errors).toEqual([
			expect.objectContaining({
				code: 'ambiguous_dates',
				line: 2,
				column: 'close_date',
				value: '04/05/2026',
				message: '“04/05/2026” could be day/month or month/day, and no date in the file settles it; give the order with --date-format mdy or dmy.'
			})
		]);
		const european = await importFiles(db, [file], { dateFormat: 'dmy' });
		expect(european.status).toBe('ok');
		expect((await snapshotTable(db))[0].close_date).toBe('2026-05-04');
	});

	it('matches owners without an e-mail address by name, and gives new ones a placeholder address', async () => {
		const file = writeFile(dir, 'names.csv', [header, '2026-03-02,A,Jörg Müller,Lead,1,2026-06-30', '2026-03-02,B,jörg müller,Lead,1,2026-06-30'].join('\n'));
		const summary = await importFiles(db, [file]);
		expect(summary.status).toBe('ok');
		expect(summary.warnings.filter((w) => w.code === 'owner_not_email').map((w) => [w.line, w.value])).toEqual([
			[2, 'Jörg Müller'],
			[3, 'jörg müller']
		]);
		expect(await db.all('SELECT email, name FROM reps')).toEqual([{ email: 'jorg.muller@no-email.invalid', name: 'Jörg Müller' }]);
	});

	it('counts lines as the file has them, quoted line breaks and blank lines included', async () => {
		const file = writeFile(
			dir,
			'multiline.csv',
			[`${header},deal_name`, '2026-03-02,A,a@x.test,Lead,1,2026-06-30,"First line', 'second line"', '', '2026-03-02,B,a@x.test,Lead,12x,2026-06-30,plain'].join('\n')
		);
		const summary = await importFiles(db, [file]);
		expect(summary.errors).toEqual([
			// Record 2 of the data, but line 5 of the file: the deal name spans lines 2-3, line 4 is blank.
			expect.objectContaining({ code: 'not_a_number', line: 5, column: 'amount', value: '12x' })
		]);
	});

	it('a dry run checks everything and writes nothing but its log entry', async () => {
		const before = await contentChecksums(db);
		const summary = await importFiles(db, [fixture('import', 'native-two-weeks.csv')], { dryRun: true });
		expect(summary).toMatchObject({ status: 'ok', dry_run: true, rows_loaded: 0, snapshots: ['2026-03-02', '2026-03-09'] });
		expect(await contentChecksums(db)).toEqual(before);
		expect((await importLogRows(db)).map((r) => r.status)).toEqual(['dry_run']);
	});
});
