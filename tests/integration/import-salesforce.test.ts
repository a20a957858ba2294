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

// Real exports from a Salesforce Developer Edition org (MIT, see tests/fixtures/salesforce-sample/).
const sample = (name: string) => fixture('salesforce-sample', name);
const sampleFiles = [sample('OpportunityHistory.csv'), sample('Opportunity.csv'), sample('Account.csv')];

describe('Salesforce OpportunityHistory import', () => {
	it('rebuilds weekly Monday snapshots from the sample export, each deal as it stood at the end of the day', async () => {
		const summary = await importFiles(db, sampleFiles);
		expect(summary).toMatchObject({
			status: 'ok',
			format: 'salesforce',
			rows_read: 48 + 36 + 18,
			// The history runs from Monday 23 Feb 2026 20:55 to Saturday 7 Mar 2026, so the last
			// snapshot is the Monday after.
			snapshots: ['2026-02-23', '2026-03-02', '2026-03-09'],
			rows_loaded: 31 + 36 + 36,
			created: { teams: 0, reps: 1, accounts: 14, deals: 36 }
		});
		expect(summary.preview.dateOrder).toEqual({ order: 'mdy', reason: '02/23/26 08:55 PM (CreatedDate, line 2)' });

		expect(
			await db.all(`SELECT snapshot_date, count(*)::INTEGER AS deals, sum(amount)::DOUBLE AS total FROM snapshots GROUP BY 1 ORDER BY 1`)
		).toEqual([
			// Five opportunities were created on 24 Feb, after the first snapshot.
			{ snapshot_date: '2026-02-23', deals: 31, total: 5_760_000 },
			{ snapshot_date: '2026-03-02', deals: 36, total: 5_760_000 },
			{ snapshot_date: '2026-03-09', deals: 36, total: 5_760_000 }
		]);

		const rows = await snapshotTable(db);
		const deal = (id: string) => rows.filter((r) => r.deal === id).map(({ deal: _d, owner: _o, ...r }) => r);
		// United Oil SLA: won on 23 Feb, reopened as lost on 7 Mar (the history's second row).
		expect(deal('006bm00000LKJNTAA5')).toEqual([
			{ snapshot_date: '2026-02-23', stage: 'Closed Won', amount: '120000.00', probability: 1, close_date: '2021-01-27', forecast_category: 'closed' },
			{ snapshot_date: '2026-03-02', stage: 'Closed Won', amount: '120000.00', probability: 1, close_date: '2021-01-27', forecast_category: 'closed' },
			{ snapshot_date: '2026-03-09', stage: 'Closed Lost', amount: '120000.00', probability: 0, close_date: '2024-02-03', forecast_category: 'omitted' }
		]);
		// Zenith: Prospecting at 02:19, Proposal/Price Quote at 02:20 the same night; no amount yet, so
		// its amount is unknown (NULL), not 0.
		expect(deal('006bm00000LKdM8AAL')).toEqual([
			{ snapshot_date: '2026-03-02', stage: 'Proposal', amount: null, probability: 0.75, close_date: '2026-03-31', forecast_category: 'pipeline' },
			{ snapshot_date: '2026-03-09', stage: 'Proposal', amount: null, probability: 0.75, close_date: '2026-03-31', forecast_category: 'pipeline' }
		]);
		// Salesforce's default stages map onto our ladder, keeping Salesforce's probabilities.
		expect(deal('006bm00000LKJNOAA5').map((r) => [r.stage, r.probability])).toEqual([
			['Negotiation', 0.9],
			['Negotiation', 0.9],
			['Negotiation', 0.9]
		]);

		expect(
			await db.all(
				`SELECT d.name, a.name AS account, d.source, d.created_date FROM deals d LEFT JOIN accounts a ON a.id = d.account_id
				WHERE d.crm_id IN ('006bm00000LKJNNAA5', '006bm00000LKdM8AAL') ORDER BY d.crm_id`
			)
		).toEqual([
			{ name: 'Dickenson Mobile Generators', account: 'Dickenson plc', source: 'Purchased List', created_date: '2026-02-23' },
			{ name: 'Zenith Industrial Partners-', account: 'Zenith Industrial Partners', source: 'Web', created_date: '2026-02-24' }
		]);
	});

	it('says plainly what the sample lacks: no owner column, blank amounts, close dates before creation', async () => {
		const summary = await importFiles(db, sampleFiles);
		const counts: Record<string, number> = {};
		for (const w of summary.warnings) counts[w.code] = (counts[w.code] ?? 0) + 1;
		expect(counts).toEqual({ sf_no_owner: 1, owner_not_email: 1, amount_blank: 11, close_before_created: 39 });
		expect(summary.warnings.find((w) => w.code === 'sf_no_owner')).toMatchObject({
			file: 'Opportunity.csv',
			line: 1,
			message:
				'The Opportunity export has no OwnerId column; each deal goes to the user who last changed its stage (CreatedById in the history).'
		});
		// Without a User export the Salesforce user id is all there is to name the owner by.
		expect(await db.all('SELECT email, name FROM reps')).toEqual([
			{ email: '005bm00000ncjmqaax@no-email.invalid', name: '005bm00000NCJmQAAX' }
		]);
	});

	it('turns owner ids into e-mail addresses with a User export', async () => {
		const users = writeFile(dir, 'User.csv', 'Id,Username,Email,Name\n005bm00000NCJmQAAX,ian@example.org,ian.fink@example.org,Ian Fink\n');
		const summary = await importFiles(db, [...sampleFiles, users]);
		expect(summary.status).toBe('ok');
		expect(summary.preview.files.map((f) => f.role)).toEqual(['OpportunityHistory', 'Opportunity', 'Account', 'User']);
		expect(await db.all('SELECT email, name FROM reps')).toEqual([{ email: 'ian.fink@example.org', name: 'Ian Fink' }]);
	});

	it('takes its snapshots on the weekday asked for', async () => {
		const summary = await importFiles(db, sampleFiles, { weekday: 'friday' });
		expect(summary.snapshots).toEqual(['2026-02-27', '2026-03-06', '2026-03-13']);
	});

	it('re-importing the sample changes nothing', async () => {
		await importFiles(db, sampleFiles);
		const before = await contentChecksums(db);
		const again = await importFiles(db, sampleFiles);
		expect(again.snapshots_replaced.map((s) => s.date)).toEqual(['2026-02-23', '2026-03-02', '2026-03-09']);
		expect(again.snapshots_replaced.every((s) => s.rows > 0 && s.deleted === 0)).toBe(true);
		expect(await contentChecksums(db)).toEqual(before);
	});

	it('needs the Opportunity export next to the history', async () => {
		const before = await contentChecksums(db);
		const summary = await importFiles(db, [sample('OpportunityHistory.csv')]);
		expect(summary.status).toBe('error');
		expect(summary.errors.map((e) => e.message)).toEqual(['The Salesforce preset needs the Opportunity export as well.']);
		expect(await contentChecksums(db)).toEqual(before);
	});

	it('skips a file the preset does not read, such as the sample’s derived stage grouping, with a warning naming it', async () => {
		const summary = await importFiles(db, [...sampleFiles, sample('OpportunityHistoryGroup.csv')], { format: 'salesforce' });
		expect(summary.status).toBe('ok');
		expect(summary.errors).toEqual([]);
		expect(summary.warnings).toContainEqual(
			expect.objectContaining({
				code: 'sf_file_skipped',
				file: 'OpportunityHistoryGroup.csv',
				line: 1,
				message:
					'Skipped OpportunityHistoryGroup.csv: it is not one of the Salesforce exports the preset reads (OpportunityHistory, Opportunity, Account, User), so nothing in it was imported.'
			})
		);
		// Exactly what the three files alone import (the migrations' own timestamps aside).
		const withExtra = await contentChecksums(db, ['imports', 'schema_version']);
		const alone = await freshDatabase();
		try {
			await importFiles(alone.db, sampleFiles);
			expect(await contentChecksums(alone.db, ['imports', 'schema_version'])).toEqual(withExtra);
		} finally {
			alone.cleanup();
		}
	});

});
