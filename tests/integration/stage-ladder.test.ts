import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { stageTransitions } from '../../src/lib/server/metrics/movement.ts';
import { LadderError, parseLadder, setLadder } from '../../src/lib/server/stage-ladder.ts';
import { fixture } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

let db: Database;
let cleanup: () => void;
beforeEach(async () => ({ db, cleanup } = await freshDatabase()));
afterEach(() => cleanup());

const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };
const sampleLadder = ['name,outcome,probability', 'Prospecting,open,10%', 'Engaging,open,40%', 'Won,won', 'Lost,lost'].join('\n');
const map = { opportunity_id: 'deal_id', sales_agent: 'owner', product: 'deal_name', account: 'account_name', deal_stage: 'stage', engage_date: 'created_date', close_value: 'amount' };

describe("the company's own stage ladder", () => {
	it('a ladder in the CRM sample\'s words lets its deal list import without --stages, and the views speak those words', async () => {
		await setLadder(db, parseLadder(sampleLadder));
		const summary = await importFiles(db, [fixture('import', 'crm-sample-deals.csv')], { format: 'deals', map });
		expect(summary.errors).toEqual([]);
		const matrix = await db.read((q) => stageTransitions(q, everyone, { from: '2026-10-19', to: '2026-10-26' }));
		expect(matrix.cells.map((c) => [c.stage_from, c.stage_to, c.deals])).toEqual(
			expect.arrayContaining([
				['Prospecting', 'Won', 1],
				['Prospecting', 'Lost', 2],
				['Engaging', 'Engaging', 2]
			])
		);
		expect(await db.all('SELECT name, position, default_probability, outcome FROM stages ORDER BY position')).toEqual([
			{ name: 'Prospecting', position: 1, default_probability: 0.1, outcome: 'open' },
			{ name: 'Engaging', position: 2, default_probability: 0.4, outcome: 'open' },
			{ name: 'Won', position: 3, default_probability: 1, outcome: 'won' },
			{ name: 'Lost', position: 4, default_probability: 0, outcome: 'lost' }
		]);
	});

	it('refuses a ladder that drops a stage the snapshots use, and keeps the old one', async () => {
		await setLadder(db, parseLadder(sampleLadder));
		await importFiles(db, [fixture('import', 'crm-sample-deals.csv')], { format: 'deals', map });
		await expect(setLadder(db, parseLadder(['name,outcome', 'Prospecting,open', 'Won,won', 'Lost,lost'].join('\n')))).rejects.toThrow(
			'The snapshots use Engaging; a new ladder must keep it'
		);
		expect((await db.all('SELECT name FROM stages ORDER BY position')).map((s) => (s as { name: string }).name)).toEqual([
			'Prospecting',
			'Engaging',
			'Won',
			'Lost'
		]);
	});

	it('says what is wrong with a ladder file', () => {
		expect(() => parseLadder('name,outcome\nA,open\nB,won')).toThrow(LadderError);
		expect(() => parseLadder('name,outcome\nA,open\nB,won\nC,lost\nD,maybe')).toThrow('line 5: outcome must be open, won or lost, got "maybe".');
		expect(() => parseLadder('name,outcome,probability\nA,open,150\nB,won\nC,lost')).toThrow('line 2: probability must be 0 to 1');
	});
});
