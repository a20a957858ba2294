import { isActionFailure, isHttpError, isRedirect, type RequestEvent } from '@sveltejs/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { SessionUser } from '../../src/lib/server/auth/session.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { stageTransitions } from '../../src/lib/server/metrics/movement.ts';
import { writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';
import * as settingsPage from '../../src/routes/(app)/admin/settings/+page.server.ts';

/**
 * The Settings page's stage ladder, called as SvelteKit calls it (the signed-in user on `locals`, the
 * form as the browser posts it): an admin's edit is saved whole or not at all, every refusal names
 * its row and field, and nobody else may read or change the ladder.
 */

let db: Database;
let dir: string;
let cleanup: () => void;
beforeEach(async () => {
	({ db, dir, cleanup } = await freshDatabase());
	(globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb = Promise.resolve(db);
});
afterEach(() => {
	delete (globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb;
	cleanup();
});

const admin: SessionUser = { id: 'u-admin', email: 'admin@example.test', name: 'Admin', role: 'admin', repId: null, teamIds: [] };
const leader: SessionUser = { id: 'u-lead', email: 'lead@example.test', name: 'Lead', role: 'leader', repId: null, teamIds: [1] };
const executive: SessionUser = { id: 'u-exec', email: 'exec@example.test', name: 'Exec', role: 'executive', repId: null, teamIds: [] };
const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };

type Row = [position: number, name: string, outcome: string, probability: string];

function event(user: SessionUser | null, rows?: Row[], remove: number[] = []): RequestEvent {
	const url = new URL('http://localhost/admin/settings');
	let request = new Request(url);
	if (rows) {
		const form = new FormData();
		for (const [position, name, outcome, probability] of rows) {
			form.append('position', String(position));
			form.append('name', name);
			form.append('outcome', outcome);
			form.append('probability', probability);
		}
		for (const row of remove) form.append('remove', String(row));
		request = new Request(`${url}?/stages`, { method: 'POST', body: form });
	}
	return { url, params: {}, locals: { user, session: null }, route: { id: '/(app)/admin/settings' }, request } as unknown as RequestEvent;
}

const load = (user: SessionUser | null) => settingsPage.load(event(user) as never) as Promise<{ stages: { name: string; outcome: string; probability: string; inUse: boolean }[] }>;
const save = (user: SessionUser | null, rows: Row[], remove: number[] = []) => settingsPage.actions.stages(event(user, rows, remove) as never);
const ladder = () => db.all('SELECT name, position, default_probability AS probability, outcome FROM stages ORDER BY position');

async function refusal(work: () => unknown): Promise<number | 'login'> {
	try {
		await work();
	} catch (caught) {
		if (isHttpError(caught)) return caught.status;
		if (isRedirect(caught)) return 'login';
		throw caught;
	}
	throw new Error('not refused');
}

describe('the stage ladder on the Settings page', () => {
	it("an admin renames the company's ladder, reorders it and adds a stage; the stage matrix then speaks those words", async () => {
		const before = await load(admin);
		expect(before.stages.map((s) => [s.name, s.outcome, s.probability])).toEqual([
			['Lead', 'open', '5'],
			['Qualified', 'open', '10'],
			['Discovery', 'open', '20'],
			['Solution/Demo', 'open', '40'],
			['Proposal', 'open', '60'],
			['Negotiation', 'open', '80'],
			['Closed Won', 'won', '100'],
			['Closed Lost', 'lost', '0']
		]);
		// The rows as the page posts them: every stage, then the spare row (here filled in), Lead removed
		// and Engaging put before Closed Won by its position.
		const result = await save(
			admin,
			[
				[1, 'Lead', 'open', '5'],
				[1, 'Prospecting', 'open', '10'],
				[3, 'Won', 'won', ''],
				[4, 'Lost', 'lost', ''],
				[2, 'Engaging', 'open', '45,5']
			],
			[0]
		);
		expect(result).toMatchObject({ saved: true, problems: [] });
		expect(await ladder()).toEqual([
			{ name: 'Prospecting', position: 1, probability: 0.1, outcome: 'open' },
			{ name: 'Engaging', position: 2, probability: 0.455, outcome: 'open' },
			{ name: 'Won', position: 3, probability: 1, outcome: 'won' },
			{ name: 'Lost', position: 4, probability: 0, outcome: 'lost' }
		]);
		expect((await load(admin)).stages.map((s) => s.name)).toEqual(['Prospecting', 'Engaging', 'Won', 'Lost']);

		// A deal list in those words imports without a mapping, and the matrix shows them.
		const file = writeFile(
			dir,
			'deals.csv',
			[
				'snapshot_date,deal_id,owner,stage,amount,close_date',
				'2026-10-19,D1,ann@example.test,Prospecting,100,2026-12-01',
				'2026-10-19,D2,ann@example.test,Engaging,200,2026-12-01',
				'2026-10-26,D1,ann@example.test,Engaging,100,2026-12-01',
				'2026-10-26,D2,ann@example.test,Won,200,2026-10-25'
			].join('\n')
		);
		expect((await importFiles(db, [file], { format: 'native' })).errors).toEqual([]);
		const matrix = await db.read((q) => stageTransitions(q, everyone, { from: '2026-10-19', to: '2026-10-26' }));
		expect(matrix.cells.map((c) => [c.stage_from, c.stage_to, c.deals])).toEqual(
			expect.arrayContaining([
				['Prospecting', 'Engaging', 1],
				['Engaging', 'Won', 1]
			])
		);
		expect((await load(admin)).stages.filter((s) => s.inUse).map((s) => s.name)).toEqual(['Prospecting', 'Engaging', 'Won']);
	});

	it('refuses a ladder with field problems, names each row and field, and changes nothing', async () => {
		const before = await ladder();
		const result = await save(admin, [
			[1, 'Lead', 'open', '150'],
			[2, '', 'open', '10'],
			[3, 'Closed Won', 'maybe', ''],
			[4.5, 'Closed Lost', 'lost', ''],
			[5, '', 'open', '']
		]);
		expect(isActionFailure(result)).toBe(true);
		expect((result as { status: number }).status).toBe(400);
		expect((result as { data: { problems: unknown[] } }).data.problems).toEqual([
			{ row: 0, field: 'probability', code: 'probability_invalid' },
			{ row: 1, field: 'name', code: 'name_required' },
			{ row: 2, field: 'outcome', code: 'outcome_invalid' },
			{ row: 3, field: 'position', code: 'position_invalid' }
		]);
		expect(await ladder()).toEqual(before);
	});

	it('refuses a ladder without a lost stage, one naming a stage twice, and one dropping a stage in use', async () => {
		const before = await ladder();
		const problems = async (rows: Row[]) => ((await save(admin, rows)) as { data: { problems: unknown[] } }).data.problems;
		expect(await problems([[1, 'Open', 'open', ''], [2, 'Won', 'won', '']])).toEqual([{ row: null, field: null, code: 'ladder_shape', detail: '' }]);
		expect(await problems([[1, 'Open', 'open', ''], [2, 'OPEN', 'open', ''], [3, 'Won', 'won', ''], [4, 'Lost', 'lost', '']])).toEqual([
			{ row: null, field: null, code: 'name_twice', detail: 'OPEN' }
		]);
		const file = writeFile(dir, 'deals.csv', ['snapshot_date,deal_id,owner,stage,amount,close_date', '2026-10-19,D1,ann@example.test,Discovery,100,2026-12-01'].join('\n'));
		expect((await importFiles(db, [file], { format: 'native' })).errors).toEqual([]);
		expect(await problems([[1, 'Lead', 'open', ''], [2, 'Closed Won', 'won', ''], [3, 'Closed Lost', 'lost', '']])).toEqual([
			{ row: null, field: null, code: 'stage_in_use', detail: 'Discovery' }
		]);
		expect(await ladder()).toEqual(before);
	});

	it('is for admins only: leaders and executives get 403, and someone signed out is sent to sign in', async () => {
		for (const user of [leader, executive]) {
			expect(await refusal(() => load(user))).toBe(403);
			expect(await refusal(() => save(user, [[1, 'Open', 'open', ''], [2, 'Won', 'won', ''], [3, 'Lost', 'lost', '']]))).toBe(403);
		}
		expect(await refusal(() => load(null))).toBe('login');
		expect((await ladder()).length).toBe(8);
	});
});
