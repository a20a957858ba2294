import { spawn } from 'node:child_process';
import path from 'node:path';
import type { RequestEvent } from '@sveltejs/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionUser } from '../../src/lib/server/auth/session.ts';
import { Database } from '../../src/lib/server/db/database.ts';
import { importFiles, type ImportOptions } from '../../src/lib/server/import/index.ts';
import { fixture } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';
import * as movementApi from '../../src/routes/api/v1/movement/+server.ts';

/**
 * `--ladder from-file --stages-order a,b,c`: a company's first import brings its own stage names
 * (the public CRM sample's Prospecting, Engaging, Won, Lost), and every view speaks them. Only into
 * a database without deals, and only with every stage of the file in the order.
 */

let db: Database;
let dir: string;
let file: string;
let cleanup: () => void;
beforeEach(async () => ({ db, dir, file, cleanup } = await freshDatabase()));
afterEach(() => {
	delete (globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb;
	cleanup();
});

const sample = fixture('import', 'crm-sample-deals.csv');
const map = { opportunity_id: 'deal_id', sales_agent: 'owner', product: 'deal_name', account: 'account_name', deal_stage: 'stage', engage_date: 'created_date', close_value: 'amount' };
const firstImport = (order: string[], more: ImportOptions = {}) => importFiles(db, [sample], { format: 'deals', map, ladderFromOrder: order, ...more });
const ladder = () => db.all('SELECT name, position, default_probability AS probability, outcome FROM stages ORDER BY position');
const defaultLadder = ['Lead', 'Qualified', 'Discovery', 'Solution/Demo', 'Proposal', 'Negotiation', 'Closed Won', 'Closed Lost'];
const admin: SessionUser = { id: 'u-admin', email: 'admin@example.test', name: 'Admin', role: 'admin', repId: null, teamIds: [] };

async function movement(from: string, to: string) {
	(globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb = Promise.resolve(db);
	const url = new URL(`http://localhost/api/v1/movement?from=${from}&to=${to}`);
	const event = { url, params: {}, locals: { user: admin, session: null }, route: { id: '/api/v1/movement' }, request: new Request(url) } as unknown as RequestEvent;
	const response = await movementApi.GET(event as never);
	return (await response.json()) as { deals: { deal_id: string; stage_from: string | null; stage_to: string | null }[]; moved_forward: number };
}

describe('a stage ladder taken from the first file', () => {
	it("makes the file's stage names the ladder, in the order given, and the movement API's stage matrix speaks them", async () => {
		const summary = await firstImport(['Prospecting', 'Engaging', 'Won', 'Lost']);
		expect(summary.errors).toEqual([]);
		expect(summary.status).toBe('ok');
		expect(await ladder()).toEqual([
			{ name: 'Prospecting', position: 1, probability: 0.33, outcome: 'open' },
			{ name: 'Engaging', position: 2, probability: 0.67, outcome: 'open' },
			{ name: 'Won', position: 3, probability: 1, outcome: 'won' },
			{ name: 'Lost', position: 4, probability: 0, outcome: 'lost' }
		]);
		const answer = await movement('2026-10-19', '2026-10-26');
		const moves = answer.deals.map((d) => [d.deal_id, d.stage_from, d.stage_to]);
		expect(moves).toEqual(expect.arrayContaining([['OPP01', 'Prospecting', 'Won']]));
		const stageNames = new Set(answer.deals.flatMap((d) => [d.stage_from, d.stage_to]).filter(Boolean));
		expect([...stageNames].every((name) => ['Prospecting', 'Engaging', 'Won', 'Lost'].includes(name!))).toBe(true);
	});

	it('takes the outcome where it is given, for names that do not say won or lost', async () => {
		const summary = await firstImport(['Prospecting', 'Engaging', 'Won=won', 'Lost=lost']);
		expect(summary.errors).toEqual([]);
		const refused = await importFiles(db, [sample], { format: 'deals', map, ladderFromOrder: ['Prospecting', 'Engaging', 'Signed', 'Dropped'], dryRun: true });
		expect(refused.errors.map((e) => e.code)).toEqual(['ladder_order_invalid']);
		expect(refused.errors[0].message).toContain('give the outcome where the name does not say it, e.g. "Signed=won,Dropped=lost"');
	});

	it('is refused, naming the stage, when the file has a stage the order leaves out; nothing is written', async () => {
		const summary = await firstImport(['Prospecting', 'Won', 'Lost']);
		expect(summary.status).toBe('error');
		expect(summary.errors[0]).toMatchObject({ code: 'ladder_order_missing', value: null });
		expect(summary.errors[0].message).toBe(
			'The file has stages that --stages-order does not name: Engaging. Add each in its place in the funnel (the order given: Prospecting, Won, Lost).'
		);
		expect((await ladder()).map((s) => (s as { name: string }).name)).toEqual(defaultLadder);
		expect(await db.one('SELECT count(*)::INTEGER AS n FROM deals')).toEqual({ n: 0 });
	});

	it('is refused once the database has deals: the ladder gives their snapshots their meaning', async () => {
		const stageMap = { Prospecting: 'Lead', Engaging: 'Discovery', Won: 'Closed Won', Lost: 'Closed Lost' };
		expect((await importFiles(db, [sample], { format: 'deals', map, stageMap })).errors).toEqual([]);
		const summary = await firstImport(['Prospecting', 'Engaging', 'Won', 'Lost']);
		expect(summary.errors.map((e) => e.message)).toEqual([
			"The database already has 8 deals: a stage ladder is taken from a file only by the first import into an empty database. Change the ladder with npm run stages -- set FILE or on the Settings page, and map the file's stages with --stages."
		]);
		expect((await ladder()).map((s) => (s as { name: string }).name)).toEqual(defaultLadder);
	});

	it('works from the command line as the README writes it', async () => {
		db.close();
		const args = ['--import', 'tsx', 'scripts/import.ts', sample, '--format', 'deals', '--map', Object.entries(map).map(([a, b]) => `${a}=${b}`).join(','), '--ladder', 'from-file', '--stages-order', 'Prospecting,Engaging,Won,Lost', '--json'];
		const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
			const child = spawn(process.execPath, args, { env: { ...process.env, DATABASE_PATH: file, DUCKDB_THREADS: '2' } });
			let stdout = '';
			child.stdout.on('data', (chunk) => (stdout += chunk));
			child.on('close', (code) => resolve({ code, stdout }));
		});
		expect(JSON.parse(result.stdout)).toMatchObject({ status: 'ok', errors: [] });
		expect(result.code).toBe(0);
		db = await Database.open({ path: file, threads: 2, memoryLimit: '1GB' }, { lockDown: { directories: [dir, path.dirname(sample)] } });
		expect((await ladder()).map((s) => (s as { name: string }).name)).toEqual(['Prospecting', 'Engaging', 'Won', 'Lost']);
	});
});
