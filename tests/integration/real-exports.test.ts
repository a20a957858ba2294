import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { SessionUser } from '../../src/lib/server/auth/session.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { dataQuality } from '../../src/lib/server/metrics/data-quality.ts';
import { forecastByPeriod } from '../../src/lib/server/metrics/forecast.ts';
import { pipelineMovement, stageTransitions } from '../../src/lib/server/metrics/movement.ts';
import { waterfallGapCents } from '../../src/lib/domain/movement.ts';
import { fixture, snapshotTable, writeFile } from '../fixtures/import/helpers.ts';
import { askEndpoint, freshDatabase } from './helpers.ts';
import * as dataQualityApi from '../../src/routes/api/v1/data-quality/+server.ts';
import * as forecastApi from '../../src/routes/api/v1/forecast/+server.ts';

/**
 * Real CRM exports have gaps: open deals nobody has priced or dated, first-stage deals without a
 * created date, owners by name only, reps without a team, lost deals carrying amount 0. They import
 * as they are, and every view counts them where they belong.
 */

let db: Database;
let dir: string;
let cleanup: () => void;
beforeEach(async () => ({ db, dir, cleanup } = await freshDatabase()));
afterEach(() => cleanup());

const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };

/** The public CRM sample's deal list, read as the README says. */
const crmSample = {
	format: 'deals' as const,
	map: {
		opportunity_id: 'deal_id',
		sales_agent: 'owner',
		product: 'deal_name',
		account: 'account_name',
		deal_stage: 'stage',
		engage_date: 'created_date',
		close_value: 'amount'
	},
	stageMap: { Prospecting: 'Lead', Engaging: 'Discovery', Won: 'Closed Won', Lost: 'Closed Lost' }
};

async function repId(email: string): Promise<number> {
	const row = await db.one<{ id: number }>('SELECT id FROM reps WHERE email = $email OR name = $email', { email });
	return row!.id;
}

/** Calls an endpoint's GET as SvelteKit would, with `user` signed in, on this test's database. */
function ask(handler: (event: never) => Promise<Response> | Response, path: string, user: SessionUser) {
	(globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb = Promise.resolve(db);
	return askEndpoint(handler, path, user);
}

const executive: SessionUser = { id: 'u-exec', email: 'exec@example.test', name: 'Exec', role: 'executive', repId: null, teamIds: [] };

describe('a deal list shaped like the public CRM sample', () => {
	it('imports whole: open deals without close date or amount and first-stage deals without created date are warnings, not errors', async () => {
		const summary = await importFiles(db, [fixture('import', 'crm-sample-deals.csv')], crmSample);
		expect(summary.errors).toEqual([]);
		expect(summary).toMatchObject({ status: 'ok', rows_read: 8, snapshots: ['2026-10-05', '2026-10-12', '2026-10-19', '2026-10-26'] });
		const warned = (code: string) => summary.warnings.filter((w) => w.code === code).map((w) => w.line);
		expect(warned('amount_blank')).toEqual([5, 6, 7, 8]);
		expect(warned('close_date_blank')).toEqual([5, 6, 7, 8]);
		expect(warned('created_date_blank')).toEqual([7, 8]);
		expect(warned('owner_not_email')).toHaveLength(2);

		// Stored as unknown, never invented: no amount, no close date, no created date.
		const rows = await snapshotTable(db);
		expect(rows.filter((r) => r.deal === 'OPP04').at(-1)).toMatchObject({ stage: 'Discovery', amount: null, close_date: null });
		const created = await db.all<{ crm_id: string; created_date: string | null }>(
			`SELECT crm_id, created_date FROM deals WHERE crm_id IN ('OPP05', 'OPP06', 'OPP07') ORDER BY crm_id`
		);
		expect(created).toEqual([
			{ crm_id: 'OPP05', created_date: '2026-10-12' },
			{ crm_id: 'OPP06', created_date: null },
			{ crm_id: 'OPP07', created_date: null }
		]);
		// Owners by name only become reps without a team.
		expect(await db.all('SELECT name, team_id FROM reps ORDER BY name')).toEqual([
			{ name: 'Darcel Schlecht', team_id: null },
			{ name: 'Moses Frase', team_id: null }
		]);
	});

	it('a first-stage deal with no date at all is first seen in the last snapshot, the export itself', async () => {
		await importFiles(db, [fixture('import', 'crm-sample-deals.csv')], crmSample);
		const rows = await snapshotTable(db);
		expect(rows.filter((r) => r.deal === 'OPP06').map((r) => `${r.snapshot_date} ${r.stage}`)).toEqual(['2026-10-26 Lead']);
	});

	it('the movement counts every deal that moved, lost deals at amount 0 and new deals without an amount included', async () => {
		await importFiles(db, [fixture('import', 'crm-sample-deals.csv')], crmSample);
		const options = { from: '2026-10-19', to: '2026-10-26' };
		const movement = await db.read((q) => pipelineMovement(q, everyone, options));
		expect(waterfallGapCents(movement.start, movement.parts, movement.end)).toBe(0);
		expect(movement.counts).toMatchObject({ won: 1, lost: 2, new: 2 });
		expect(movement.parts).toMatchObject({ won: 1000, lost: 0, new: 0 });
		expect(movement.startDeals).toBe(5);
		expect(movement.endDeals).toBe(4);

		const matrix = await db.read((q) => stageTransitions(q, everyone, options));
		const cell = (from: string | null, to: string | null) =>
			matrix.cells.find((c) => c.stage_from === from && c.stage_to === to)?.deals ?? 0;
		expect(cell('Lead', 'Closed Won')).toBe(1);
		expect(cell('Lead', 'Closed Lost')).toBe(2);
		expect(cell('Discovery', 'Discovery')).toBe(2);
		expect(cell(null, 'Lead')).toBe(2);
	});

	it('the forecast puts the undated open deals in "no close date", their unknown amounts counted apart', async () => {
		await importFiles(db, [fixture('import', 'crm-sample-deals.csv')], crmSample);
		const bucket = await db.read((q) => forecastByPeriod(q, everyone, { asOf: '2026-10-26', months: 6 }).then((f) => f.buckets.no_close_date));
		expect(bucket).toEqual({ total: 0, weighted: 0, count: 4, without_amount: 4 });
		const answer = await ask(forecastApi.GET, '/api/v1/forecast?as_of=2026-10-26&months=6', executive);
		expect(answer.status).toBe(200);
		expect(answer.body.no_close_date).toEqual({ total: 0, weighted: 0, count: 4, without_amount: 4 });
	});

	it('data quality flags the gaps, and a rep without a team sees only their own deals', async () => {
		await importFiles(db, [fixture('import', 'crm-sample-deals.csv')], crmSample);
		const all = await ask(dataQualityApi.GET, '/api/v1/data-quality', executive);
		expect(all.status).toBe(200);
		expect(all.body).toMatchObject({
			as_of: '2026-10-26',
			open_deals: 4,
			flags: { no_close_date: 4, no_amount: 4, past_close_date: 0, no_created_date: 2, stage_skipped: 0, moved_backward: 0, zero_amount: 0, vanished: 0, pushed_3_times: 0 }
		});
		const moses: SessionUser = { id: 'u-moses', email: 'moses@example.test', name: 'Moses', role: 'rep', repId: await repId('Moses Frase'), teamIds: [] };
		const own = await ask(dataQualityApi.GET, '/api/v1/data-quality', moses);
		expect(own.body.open_deals).toBe(2);
		expect((own.body.deals as { deal_id: string; flags: string[] }[]).map((d) => [d.deal_id, d.flags])).toEqual([
			['OPP06', ['no_close_date', 'no_amount', 'no_created_date']],
			['OPP05', ['no_close_date', 'no_amount']]
		]);
	});
});

describe('native snapshots with gaps', () => {
	async function loadGaps() {
		const summary = await importFiles(db, [fixture('import', 'gaps-snapshots.csv')]);
		expect(summary.errors).toEqual([]);
		expect(summary.status).toBe('ok');
		return summary;
	}

	it('an open deal without amount or close date loads as unknown, with a counted warning', async () => {
		const summary = await loadGaps();
		expect(summary.warnings.filter((w) => w.code === 'amount_blank')).toHaveLength(1);
		expect(summary.warnings.filter((w) => w.code === 'close_date_blank')).toHaveLength(2);
		const blank = (await snapshotTable(db)).find((r) => r.deal === 'D-BLANK');
		expect(blank).toMatchObject({ amount: null, close_date: null, stage: 'Lead' });
	});

	it('errors stay errors: a negative amount, an unparseable date, an unknown stage, a duplicate deal, a closed deal without close date', async () => {
		const file = writeFile(
			dir,
			'broken.csv',
			[
				'snapshot_date,deal_id,owner,stage,amount,close_date',
				'2026-01-05,A,ann@example.test,Lead,-5,2026-03-01',
				'2026-01-05,B,ann@example.test,Lead,5,someday',
				'2026-01-05,C,ann@example.test,Dreaming,5,2026-03-01',
				'2026-01-05,D,ann@example.test,Lead,5,2026-03-01',
				'2026-01-05,D,ann@example.test,Lead,6,2026-03-01',
				'2026-01-05,E,ann@example.test,Closed Won,5,',
				'2026-01-05,F,ann@example.test,Lead,,'
			].join('\n')
		);
		const summary = await importFiles(db, [file]);
		expect(summary.status).toBe('error');
		expect(summary.errors.map((e) => [e.line, e.code])).toEqual([
			[2, 'negative_amount'],
			[3, 'not_a_date'],
			[4, 'unknown_stage'],
			[6, 'duplicate_deal'],
			[7, 'closed_without_close_date']
		]);
		expect(await db.one('SELECT count(*)::INTEGER AS n FROM snapshots')).toEqual({ n: 0 });
	});

	it('a lost deal with amount 0 counts in the movement as lost', async () => {
		await loadGaps();
		const movement = await db.read((q) => pipelineMovement(q, everyone, { from: '2026-01-19', to: '2026-01-26' }));
		expect(waterfallGapCents(movement.start, movement.parts, movement.end)).toBe(0);
		expect(movement.counts.lost).toBe(1);
		expect(movement.parts.lost).toBe(0);
		// D-BLANK and D-UNDATED are new in the last week, one of them without an amount.
		expect(movement.counts.new).toBe(2);
		expect(movement.parts.new).toBe(400);
	});

	it('the forecast bucket "no close date" holds total, weighted and count of the undated open deals', async () => {
		await loadGaps();
		expect(await db.read((q) => forecastByPeriod(q, everyone, { asOf: '2026-01-26', months: 6 }).then((f) => f.buckets.no_close_date))).toEqual({
			total: 400,
			weighted: 200,
			count: 2,
			without_amount: 1
		});
	});

	it('data quality counts each flag once per deal at the snapshot, and lists the flagged deals', async () => {
		await loadGaps();
		const quality = await db.read((q) => dataQuality(q, everyone, '2026-01-26'));
		expect(quality.open_deals).toBe(8);
		expect(quality.flags).toEqual({
			no_close_date: 2,
			no_amount: 1,
			past_close_date: 1,
			no_created_date: 1,
			stage_skipped: 1,
			moved_backward: 1,
			zero_amount: 1,
			vanished: 1,
			pushed_3_times: 1
		});
		const flagsOf = Object.fromEntries(quality.deals.map((d) => [d.deal_id, d.flags]));
		expect(flagsOf).toEqual({
			'D-BLANK': ['no_close_date', 'no_amount', 'no_created_date'],
			'D-UNDATED': ['no_close_date'],
			'D-PAST': ['past_close_date'],
			'D-SKIP': ['stage_skipped'],
			'D-BACK': ['moved_backward'],
			'D-ZERO': ['zero_amount'],
			'D-GONE': ['vanished'],
			'D-PUSH': ['pushed_3_times']
		});
		expect(quality.deals.find((d) => d.deal_id === 'D-GONE')).toMatchObject({ last_seen: '2026-01-12', owner_email: 'ben@example.test' });
	});

	it('data quality at an earlier date reads the snapshot in effect then: a deal still there has not vanished', async () => {
		await loadGaps();
		const answer = await ask(dataQualityApi.GET, '/api/v1/data-quality?as_of=2026-01-13', executive);
		expect(answer.body).toMatchObject({ as_of: '2026-01-12', flags: { vanished: 0, pushed_3_times: 0, moved_backward: 1 } });
		const bad = await ask(dataQualityApi.GET, '/api/v1/data-quality?as_of=13.01.2026', executive);
		expect(bad.status).toBe(400);
		expect(bad.body.message).toContain('as_of must be a real date');
	});

	it('a rep sees only their own deals’ flags; a leader sees their team’s; another team is a 404', async () => {
		await loadGaps();
		const ann: SessionUser = { id: 'u-ann', email: 'ann@example.test', name: 'Ann', role: 'rep', repId: await repId('ann@example.test'), teamIds: [] };
		const own = await ask(dataQualityApi.GET, '/api/v1/data-quality', ann);
		expect((own.body.deals as { deal_id: string }[]).map((d) => d.deal_id).sort()).toEqual(['D-BACK', 'D-BLANK', 'D-SKIP']);
		expect(own.body.open_deals).toBe(3);
		const south = (await db.one<{ id: number }>(`SELECT id FROM teams WHERE name = 'South'`))!.id;
		const leader: SessionUser = { id: 'u-lead', email: 'lead@example.test', name: 'Lead', role: 'leader', repId: null, teamIds: [south] };
		const team = await ask(dataQualityApi.GET, '/api/v1/data-quality', leader);
		expect((team.body.deals as { deal_id: string }[]).map((d) => d.deal_id).sort()).toEqual(['D-PAST', 'D-UNDATED', 'D-ZERO']);
		expect((await ask(dataQualityApi.GET, '/api/v1/data-quality?team=North', leader)).status).toBe(404);
		expect((await ask(dataQualityApi.GET, '/api/v1/data-quality?rep=ben@example.test', ann)).status).toBe(404);
	});

	it('an empty database answers with zero flags, not an error', async () => {
		const answer = await ask(dataQualityApi.GET, '/api/v1/data-quality', executive);
		expect(answer).toEqual({
			status: 200,
			body: {
				as_of: null,
				open_deals: 0,
				flags: { no_close_date: 0, no_amount: 0, past_close_date: 0, no_created_date: 0, stage_skipped: 0, moved_backward: 0, zero_amount: 0, vanished: 0, pushed_3_times: 0 },
				deals: []
			}
		});
	});
});
