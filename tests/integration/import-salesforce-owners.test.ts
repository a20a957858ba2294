import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { narrowScope, type Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { movementDeals, pipelineMovement } from '../../src/lib/server/metrics/movement.ts';
import { writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

/**
 * Salesforce's OpportunityFieldHistory (Field = Owner) in the Salesforce preset: a deal handed from
 * Ann (team North) to Bob (team South) on Wednesday 14 January keeps its past with Ann, so North's
 * movement shows it transferred out that week, not as if Bob had always held it.
 */

let db: Database;
let dir: string;
let cleanup: () => void;
beforeEach(async () => ({ db, dir, cleanup } = await freshDatabase()));
afterEach(() => cleanup());

const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };
const ann = '005000000000001AAA';
const bob = '005000000000002AAA';

async function salesforceExport(fieldHistory: string[]) {
	// Ann and Bob already work here, in their teams (a native snapshot of another deal each).
	const teams = writeFile(
		dir,
		'teams.csv',
		[
			'snapshot_date,deal_id,owner,owner_name,team,stage,amount,close_date',
			'2026-01-05,N-1,ann@example.test,Ann,North,Lead,10,2026-06-30',
			'2026-01-05,S-1,bob@example.test,Bob,South,Lead,10,2026-06-30'
		].join('\n')
	);
	expect((await importFiles(db, [teams])).errors).toEqual([]);
	const files = [
		writeFile(dir, 'User.csv', ['Id,Name,Email', `${ann},Ann,ann@example.test`, `${bob},Bob,bob@example.test`].join('\n')),
		writeFile(
			dir,
			'Opportunity.csv',
			['Id,Name,StageName,Amount,CloseDate,OwnerId,CreatedDate', `006000000000001AAA,Handover,Proposal/Price Quote,5000,2026-03-31,${bob},2026-01-05`].join('\n')
		),
		writeFile(
			dir,
			'OpportunityHistory.csv',
			[
				'OpportunityId,CreatedDate,StageName,Amount,CloseDate,CreatedById',
				`006000000000001AAA,2026-01-05T10:00:00Z,Qualification,5000,2026-03-31,${ann}`,
				`006000000000001AAA,2026-01-20T10:00:00Z,Proposal/Price Quote,5000,2026-03-31,${bob}`
			].join('\n')
		),
		writeFile(dir, 'OpportunityFieldHistory.csv', ['OpportunityId,CreatedDate,Field,OldValue,NewValue', ...fieldHistory].join('\n'))
	];
	return importFiles(db, files, { format: 'salesforce' });
}

const ownersByWeek = () =>
	db.all(
		`SELECT s.snapshot_date, r.email AS owner FROM snapshots s JOIN deals d ON d.id = s.deal_id JOIN reps r ON r.id = s.owner_id
		WHERE d.crm_id = '006000000000001AAA' ORDER BY 1`
	);

describe('owner history from OpportunityFieldHistory', () => {
	it("puts each past snapshot under the owner of its time, and North's movement shows the handover as a transfer", async () => {
		// Salesforce writes an owner change twice: with user ids and with names. Other fields are ignored.
		const summary = await salesforceExport([
			`006000000000001AAA,2026-01-14T09:00:00Z,Owner,${ann},${bob}`,
			'006000000000001AAA,2026-01-14T09:00:00Z,Owner,Ann,Bob',
			'006000000000001AAA,2026-01-15T09:00:00Z,Amount,4000,5000'
		]);
		expect(summary.errors).toEqual([]);
		expect(summary.warnings.map((w) => w.code)).not.toContain('sf_file_skipped');
		expect(await ownersByWeek()).toEqual([
			{ snapshot_date: '2026-01-05', owner: 'ann@example.test' },
			{ snapshot_date: '2026-01-12', owner: 'ann@example.test' },
			{ snapshot_date: '2026-01-19', owner: 'bob@example.test' },
			{ snapshot_date: '2026-01-26', owner: 'bob@example.test' }
		]);
		expect(await db.one('SELECT count(*)::INTEGER AS n FROM reps')).toEqual({ n: 2 });

		const north = await db.read((q) => narrowScope(q, everyone, { team: 'North' }));
		const week = { from: '2026-01-12', to: '2026-01-19' };
		const movement = await db.read((q) => pipelineMovement(q, north, week));
		expect(movement.parts.transferred_out).toBe(5000);
		const south = await db.read((q) => narrowScope(q, everyone, { team: 'South' }));
		expect((await db.read((q) => pipelineMovement(q, south, week))).parts.transferred_in).toBe(5000);
		// North held it at the start of the week and no longer at its end.
		expect([movement.start, movement.end]).toEqual([5000, 0]);
		const listed = await db.read((q) => movementDeals(q, north, week));
		expect(listed.deals.map((d) => [d.deal_id, d.part])).toEqual([['006000000000001AAA', 'transferred_out']]);
	});

	it("without owner changes, every snapshot carries today's owner, as before", async () => {
		const summary = await salesforceExport(['006000000000001AAA,2026-01-15T09:00:00Z,Amount,4000,5000']);
		expect(summary.errors).toEqual([]);
		expect((await ownersByWeek()).map((r) => (r as { owner: string }).owner)).toEqual(Array(4).fill('bob@example.test'));
	});
});
