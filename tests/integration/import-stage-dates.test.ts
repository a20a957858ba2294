import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { contentChecksums, fixture, snapshotTable, writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

let db: Database;
let dir: string;
let cleanup: () => void;
beforeEach(async () => {
	({ db, dir, cleanup } = await freshDatabase());
});
afterEach(() => cleanup());

/** Each deal's stage at each snapshot date, as one line per deal. */
async function stagesByDeal(db: Database): Promise<Record<string, string[]>> {
	const result: Record<string, string[]> = {};
	for (const row of await snapshotTable(db)) (result[row.deal] ??= []).push(`${row.snapshot_date} ${row.stage}`);
	return result;
}

describe('HubSpot deals export with "Date entered" columns', () => {
	it('replays each deal through its stage dates into weekly snapshots', async () => {
		const summary = await importFiles(db, [fixture('import', 'hubspot-deals.csv')]);
		expect(summary).toMatchObject({
			status: 'ok',
			format: 'hubspot',
			rows_read: 3,
			snapshots: ['2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26', '2026-02-02', '2026-02-09', '2026-02-16'],
			rows_loaded: 20,
			errors: [],
			warnings: []
		});
		// HubSpot's default pipeline on our ladder: Appointment Scheduled = Qualified, Qualified To
		// Buy = Discovery, Presentation Scheduled = Solution/Demo, Decision Maker Bought-In =
		// Proposal, Contract Sent = Negotiation.
		expect(await stagesByDeal(db)).toEqual({
			'9001': [
				'2026-01-05 Qualified',
				'2026-01-12 Discovery',
				'2026-01-19 Discovery',
				'2026-01-26 Solution/Demo',
				'2026-02-02 Solution/Demo',
				'2026-02-09 Negotiation',
				'2026-02-16 Negotiation'
			],
			'9002': [
				'2026-01-05 Qualified',
				'2026-01-12 Qualified',
				'2026-01-19 Proposal',
				'2026-01-26 Proposal',
				'2026-02-02 Closed Won',
				'2026-02-09 Closed Won',
				'2026-02-16 Closed Won'
			],
			'9003': [
				'2026-01-12 Qualified',
				'2026-01-19 Discovery',
				'2026-01-26 Discovery',
				'2026-02-02 Discovery',
				'2026-02-09 Discovery',
				'2026-02-16 Closed Lost'
			]
		});
		// The export knows only today's amount and probability: every week shows the amount, and
		// the deal's own probability only in the stage it is in now.
		const acme = (await snapshotTable(db)).filter((r) => r.deal === '9001');
		expect(acme.map((r) => [r.amount, r.probability])).toEqual([
			['50000.00', 0.1],
			['50000.00', 0.2],
			['50000.00', 0.2],
			['50000.00', 0.4],
			['50000.00', 0.4],
			['50000.00', 0.9],
			['50000.00', 0.9]
		]);
		expect(
			await db.all(`SELECT d.crm_id, d.deal_type, a.crm_id AS account_id, a.name AS account FROM deals d JOIN accounts a ON a.id = d.account_id ORDER BY 1`)
		).toEqual([
			{ crm_id: '9001', deal_type: 'new_business', account_id: '501', account: 'Acme Corp' },
			{ crm_id: '9002', deal_type: 'renewal', account_id: '502', account: 'Beta Ltd' },
			{ crm_id: '9003', deal_type: 'new_business', account_id: '503', account: 'Gamma Inc' }
		]);
	});

	it('refuses a stage column whose stage it cannot place, unless it is mapped', async () => {
		const file = writeFile(
			dir,
			'custom.csv',
			'Record ID,Amount,Close Date,Create Date,Deal owner,Deal Stage,"Date entered ""Verbal Commit (Enterprise)"""\n' +
				'1,100,2026-03-31,2026-01-05,a@x.test,Verbal Commit,2026-01-20\n'
		);
		const refused = await importFiles(db, [file]);
		expect(refused.errors).toEqual([
			expect.objectContaining({ code: 'unknown_stage', line: 1, column: 'Date entered "Verbal Commit (Enterprise)"', value: 'Verbal Commit' })
		]);
		const mapped = await importFiles(db, [file], { stageMap: { 'Verbal Commit': 'Negotiation' } });
		expect(mapped.status).toBe('ok');
		expect(Object.values(await stagesByDeal(db))[0]).toEqual(['2026-01-05 Lead', '2026-01-12 Lead', '2026-01-19 Lead', '2026-01-26 Negotiation']);
	});
});

describe('HubSpot deals export whose Deal Stage carries its pipeline', () => {
	/** A portal with two pipelines writes `<stage> (<pipeline>)` in Deal Stage, as in the headers. */
	const twoPipelines =
		'Record ID,Amount,Close Date,Create Date,Deal owner,Deal Stage,"Date entered ""Contract Sent (Sales Pipeline)""",' +
		'"Date entered ""Closed Won (Sales Pipeline)""","Date entered ""Verbal Commit (Enterprise)"""\n' +
		'1,100,2026-01-30,2026-01-05,a@x.test,Closed Won (Sales Pipeline),2026-01-14,2026-01-28,\n' +
		'2,200,2026-03-31,2026-01-05,a@x.test,Contract Sent (Sales Pipeline),2026-01-21,,\n' +
		'3,300,2026-03-31,2026-01-05,a@x.test,Verbal Commit (Enterprise),,,2026-01-21\n';

	it('reads `Closed Won (Sales Pipeline)` as Closed Won, like the "Date entered" headers', async () => {
		const file = writeFile(dir, 'two-pipelines.csv', twoPipelines);
		const summary = await importFiles(db, [file], { stageMap: { 'Verbal Commit': 'Negotiation' } });
		expect(summary).toMatchObject({ status: 'ok', format: 'hubspot', errors: [] });
		expect(await stagesByDeal(db)).toEqual({
			'1': ['2026-01-05 Lead', '2026-01-12 Lead', '2026-01-19 Negotiation', '2026-01-26 Negotiation', '2026-02-02 Closed Won'],
			'2': ['2026-01-05 Lead', '2026-01-12 Lead', '2026-01-19 Lead', '2026-01-26 Negotiation', '2026-02-02 Negotiation'],
			'3': ['2026-01-05 Lead', '2026-01-12 Lead', '2026-01-19 Lead', '2026-01-26 Negotiation', '2026-02-02 Negotiation']
		});
	});

	it('reads "Existing Business" as a renewal when its pipeline or its name says renewal, else as expansion (upsell)', async () => {
		const header =
			'Record ID,Deal Name,Deal Stage,Pipeline,Amount,Close Date,Create Date,Deal owner,Deal Type,"Date entered ""Contract Sent (Sales Pipeline)"""\n';
		const file = writeFile(
			dir,
			'existing-business.csv',
			header +
				'1,Beta renewal 2026,Contract Sent,Sales Pipeline,100,2026-03-31,2026-01-05,a@x.test,existingbusiness,2026-01-14\n' +
				'2,Beta Verlängerung,Contract Sent,Sales Pipeline,100,2026-03-31,2026-01-05,a@x.test,Existing Business,2026-01-14\n' +
				'3,Beta 2027,Contract Sent,Renewals,100,2026-03-31,2026-01-05,a@x.test,existingbusiness,2026-01-14\n' +
				'4,Beta analytics add-on,Contract Sent,Sales Pipeline,100,2026-03-31,2026-01-05,a@x.test,existingbusiness,2026-01-14\n' +
				'6,Renewables add-on,Contract Sent,Sales Pipeline,100,2026-03-31,2026-01-05,a@x.test,existingbusiness,2026-01-14\n' +
				// Only existing business is read by the rule: a new-business deal named "renewal" stays new business.
				'5,Renewal of interest,Contract Sent,Sales Pipeline,100,2026-03-31,2026-01-05,a@x.test,newbusiness,2026-01-14\n'
		);
		const summary = await importFiles(db, [file]);
		expect(summary).toMatchObject({ status: 'ok', format: 'hubspot', errors: [] });
		expect(await db.all('SELECT crm_id, deal_type FROM deals ORDER BY crm_id')).toEqual([
			{ crm_id: '1', deal_type: 'renewal' },
			{ crm_id: '2', deal_type: 'renewal' },
			{ crm_id: '3', deal_type: 'renewal' },
			{ crm_id: '4', deal_type: 'upsell' },
			{ crm_id: '5', deal_type: 'new_business' },
			{ crm_id: '6', deal_type: 'upsell' }
		]);
	});

	it('still refuses a stage value it cannot place, naming the value as written', async () => {
		const file = writeFile(
			dir,
			'enterprise.csv',
			'Record ID,Amount,Close Date,Create Date,Deal owner,Deal Stage,"Date entered ""Contract Sent (Sales Pipeline)"""\n' +
				'1,100,2026-03-31,2026-01-05,a@x.test,Verbal Commit (Enterprise),2026-01-14\n'
		);
		const refused = await importFiles(db, [file]);
		expect(refused.status).toBe('error');
		expect(refused.errors).toEqual([
			expect.objectContaining({ code: 'unknown_stage', line: 2, column: 'Deal Stage', value: 'Verbal Commit (Enterprise)' })
		]);
	});


	it('skips a file that is not a deals export, with a warning naming it, and imports the deals', async () => {
		const deals = writeFile(dir, 'deals.csv', twoPipelines);
		const companies = writeFile(dir, 'companies.csv', 'Record ID,Company name,Country\n501,Acme Corp,DE\n');
		const summary = await importFiles(db, [deals, companies], { format: 'hubspot', stageMap: { 'Verbal Commit': 'Negotiation' } });
		expect(summary).toMatchObject({ status: 'ok', format: 'hubspot', errors: [] });
		expect(summary.warnings).toEqual([
			expect.objectContaining({
				code: 'hubspot_file_skipped',
				file: 'companies.csv',
				message: 'Skipped companies.csv: it has no “Date entered …” columns, so it is not a deals export the HubSpot preset reads; nothing in it was imported.'
			})
		]);
		expect(Object.keys(await stagesByDeal(db))).toEqual(['1', '2', '3']);
	});
});

describe('plain deal list with a column mapping', () => {
	const map = {
		'Opp ID': 'deal_id',
		Rep: 'owner',
		Customer: 'account_name',
		Value: 'amount',
		Opened: 'created_date',
		'Demo held': 'entered:Solution/Demo',
		'Proposal sent': 'entered:Proposal',
		'Won on': 'entered:Closed Won',
		'Lost on': 'entered:Closed Lost',
		'Expected close': 'close_date',
		Status: 'stage'
	};

	it('turns created, stage-reached and close dates into history, then weekly snapshots', async () => {
		const summary = await importFiles(db, [fixture('import', 'deal-list.csv')], { map });
		expect(summary).toMatchObject({ status: 'ok', format: 'deals', rows_loaded: 19, errors: [], warnings: [] });
		expect(summary.preview.files[0].mapping).toMatchObject({ deal_id: 'Opp ID', owner: 'Rep', close_date: 'Expected close' });
		// A new deal starts in the ladder's first stage on the day it was opened.
		expect(await stagesByDeal(db)).toEqual({
			'X-1': [
				'2026-01-05 Lead',
				'2026-01-12 Lead',
				'2026-01-19 Solution/Demo',
				'2026-01-26 Solution/Demo',
				'2026-02-02 Proposal',
				'2026-02-09 Proposal',
				'2026-02-16 Closed Won'
			],
			'X-2': [
				'2026-01-12 Lead',
				'2026-01-19 Lead',
				'2026-01-26 Solution/Demo',
				'2026-02-02 Solution/Demo',
				'2026-02-09 Solution/Demo',
				'2026-02-16 Solution/Demo'
			],
			'X-3': ['2026-01-12 Lead', '2026-01-19 Lead', '2026-01-26 Lead', '2026-02-02 Closed Lost', '2026-02-09 Closed Lost', '2026-02-16 Closed Lost']
		});
	});

	it('needs no mapping when the columns carry the field names', async () => {
		const file = writeFile(
			dir,
			'named.csv',
			'deal_id,owner,amount,created_date,close_date,proposal_date,entered_closed_won\nD-1,a@x.test,100,2026-01-05,2026-01-20,2026-01-12,2026-01-20\n'
		);
		const summary = await importFiles(db, [file]);
		expect(summary).toMatchObject({ status: 'ok', format: 'deals' });
		expect(await stagesByDeal(db)).toEqual({ 'D-1': ['2026-01-05 Lead', '2026-01-12 Proposal', '2026-01-19 Proposal', '2026-01-26 Closed Won'] });
	});

	it('reports a mapping that names a column the file lacks, or a field that does not exist', async () => {
		const before = await contentChecksums(db);
		const summary = await importFiles(db, [fixture('import', 'deal-list.csv')], {
			map: { ...map, 'Opp Id ': 'deal_id', Region: 'team', Status: 'status' }
		});
		expect(summary.status).toBe('error');
		expect(summary.errors.map((e) => e.message)).toEqual([
			'The mapping names column “Region”, which no file has; the files have: Opp ID, Rep, Customer, Value, Opened, Demo held, Proposal sent, Won on, Lost on, Expected close, Status.',
			'“status” is not a field a column can be mapped to; expected one of deal_id, owner, amount, close_date, stage, probability, forecast_category, deal_name, account_id, account_name, owner_name, owner_role, team, deal_type, created_date, currency, source, sourced_by, entered:<stage>.'
		]);
		expect(await contentChecksums(db)).toEqual(before);
	});
});
