import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import { movementParts, waterfallGapCents, type MovementPart, type Period } from '../../src/lib/domain/movement.ts';
import {
	dealsCreatedAndClosed,
	movementDeals,
	pipelineMovement,
	type MovementOptions
} from '../../src/lib/server/metrics/movement.ts';
import { annOnly, benOnly, catOnly, everyone, history, load, northLeader, pipelineDatabase, week } from './movement-fixtures.ts';

let db: Database;
let cleanup: () => void;
beforeEach(async () => ({ db, cleanup } = await pipelineDatabase()));
afterEach(() => cleanup());

const q1: Period = { start: '2026-01-01', end: '2026-03-31' };

/** The waterfall from week `from` to week `to`, checked to add up, with its deals. */
async function waterfall(from: number, to: number, options: Partial<MovementOptions> = {}, scope: Scope = everyone) {
	const opts = { from: week(from), to: week(to), ...options };
	const movement = await db.read((q) => pipelineMovement(q, scope, opts));
	expect(waterfallGapCents(movement.start, movement.parts, movement.end), 'start + parts - end, in cents').toBe(0);
	const { deals } = await db.read((q) => movementDeals(q, scope, opts));
	return { ...movement, deals };
}

/** Every part zero except those given. */
function onlyParts(expected: Partial<Record<MovementPart, number>>): Record<MovementPart, number> {
	return Object.fromEntries(movementParts.map((part) => [part, expected[part] ?? 0])) as Record<MovementPart, number>;
}

describe('the waterfall from open pipeline at A to open pipeline at B', () => {
	// Issue 18 changed this: won deals used to leave at their amount at A, and the 250 showed nowhere.
	it('a deal closed won between A and B counts in won at the amount won, the change from A in increased', async () => {
		await load(db, history('W1', 0, [['Negotiation', '1000.00', '2026-03-31'], ['Won', '1250.00', '2026-01-09']]));
		const m = await waterfall(0, 1);
		expect(m.start).toBe(1000);
		expect(m.end).toBe(0);
		expect(m.parts).toEqual(onlyParts({ won: 1250, increased: 250 }));
		expect(m.counts.won).toBe(1);
		expect(m.deals).toEqual([
			expect.objectContaining({ deal_id: 'W1', part: 'won', stage_from: 'Negotiation', stage_to: 'Closed Won', amount_from: 1000, amount_to: 1250, change: -1250 }),
			expect.objectContaining({ deal_id: 'W1', part: 'increased', change: 250 })
		]);
	});

	it('a deal won for less than it stood at A shows the difference as decreased', async () => {
		await load(db, history('W2', 0, [['Negotiation', '60000.00', '2026-03-31'], ['Won', '40000.00', '2026-01-09']]));
		const m = await waterfall(0, 1);
		expect(m.parts).toEqual(onlyParts({ won: 40000, decreased: 20000 }));
	});

	it('a deal won at exactly its amount at A is only in won', async () => {
		await load(db, history('W3', 0, [['Negotiation', '500.00', '2026-03-31'], ['Won', '500.00', '2026-01-09']]));
		expect((await waterfall(0, 1)).parts).toEqual(onlyParts({ won: 500 }));
	});

	it('a deal closed lost counts in lost at its amount at A', async () => {
		await load(db, history('L1', 0, [['Proposal', '700.50', '2026-02-15'], ['Lost', '700.50', '2026-01-10']]));
		const m = await waterfall(0, 1);
		expect(m.parts).toEqual(onlyParts({ lost: 700.5 }));
		expect(m.deals[0]).toMatchObject({ deal_id: 'L1', part: 'lost', stage_to: 'Closed Lost' });
	});

	// Issue 18 changed this: a deal missing from B used to count as lost.
	it('a deal missing from B is removed, not lost: nobody recorded a loss, the export dropped it', async () => {
		await load(db, history('M1', 0, [['Discovery', '300.00', '2026-02-15'], null]));
		await load(db, history('KEEP', 0, [['Lead', '10.00', '2026-02-15'], ['Lead', '10.00', '2026-02-15']]));
		const m = await waterfall(0, 1);
		expect(m.parts).toEqual(onlyParts({ removed: 300 }));
		expect(m.deals).toEqual([expect.objectContaining({ deal_id: 'M1', part: 'removed', stage_to: null, amount_to: null, change: -300 })]);
		expect(m.end).toBe(10);
	});

	it('a new deal (absent from A) adds its amount at B', async () => {
		await load(db, history('N1', 1, [['Lead', '450.25', '2026-03-01']]));
		await load(db, history('OLD', 0, [['Lead', '1.00', '2026-03-01'], ['Lead', '1.00', '2026-03-01']]));
		const m = await waterfall(0, 1);
		expect(m.parts).toEqual(onlyParts({ new: 450.25 }));
		expect(m.deals).toEqual([expect.objectContaining({ deal_id: 'N1', part: 'new', stage_from: null, amount_from: null, change: 450.25 })]);
	});

	it('amount changes count as increased and decreased by the difference', async () => {
		await load(db, [
			...history('UP', 0, [['Demo', '1000.00', '2026-02-01'], ['Demo', '1200.10', '2026-02-01']]),
			...history('DOWN', 0, [['Demo', '1000.00', '2026-02-01'], ['Proposal', '600.00', '2026-02-01']]),
			...history('SAME', 0, [['Demo', '500.00', '2026-02-01'], ['Proposal', '500.00', '2026-02-01']])
		]);
		const m = await waterfall(0, 1);
		expect(m.parts).toEqual(onlyParts({ increased: 200.1, decreased: 400 }));
		expect(m.counts).toMatchObject({ increased: 1, decreased: 1 });
		expect(m.deals.map((d) => [d.deal_id, d.part])).toEqual([
			['DOWN', 'decreased'],
			['UP', 'increased']
		]);
		expect(m.deals.find((d) => d.deal_id === 'SAME')).toBeUndefined();
	});

	it('an amount dropping to zero is a decrease by the whole amount, not a loss', async () => {
		await load(db, history('ZERO', 0, [['Demo', '800.00', '2026-02-01'], ['Demo', '0.00', '2026-02-01']]));
		const m = await waterfall(0, 1);
		expect(m.parts).toEqual(onlyParts({ decreased: 800 }));
	});

	it('a zero-amount deal at A that gains an amount reads as increased, not pulled in', async () => {
		await load(db, history('Z', 0, [['Lead', '0.00', '2026-02-01'], ['Lead', '90.00', '2026-02-01']]));
		const m = await waterfall(0, 1);
		expect(m.parts).toEqual(onlyParts({ increased: 90 }));
	});

	describe('with a target period P for close dates', () => {
		it('a deal whose close date moves out of P is pushed, at its amount at A', async () => {
			await load(db, history('P1', 0, [['Proposal', '2000.00', '2026-03-15'], ['Proposal', '2000.00', '2026-04-15']]));
			const m = await waterfall(0, 1, { period: q1 });
			expect(m.parts).toEqual(onlyParts({ pushed: 2000 }));
			expect(m.end).toBe(0);
		});

		it('without a period, the same deal is not pushed: it is still open pipeline', async () => {
			await load(db, history('P1', 0, [['Proposal', '2000.00', '2026-03-15'], ['Proposal', '2000.00', '2026-04-15']]));
			const m = await waterfall(0, 1);
			expect(m.parts).toEqual(onlyParts({}));
			expect(m.start).toBe(2000);
			expect(m.end).toBe(2000);
		});

		it('an amount change plus a push in the same week counts once, as pushed at the amount at A', async () => {
			await load(db, history('PA', 0, [['Proposal', '1000.00', '2026-03-15'], ['Negotiation', '1500.00', '2026-04-30']]));
			const inPeriod = await waterfall(0, 1, { period: q1 });
			expect(inPeriod.parts).toEqual(onlyParts({ pushed: 1000 }));
			expect(inPeriod.deals).toEqual([expect.objectContaining({ part: 'pushed', amount_from: 1000, amount_to: 1500, change: -1000 })]);
			const whole = await waterfall(0, 1);
			expect(whole.parts).toEqual(onlyParts({ increased: 500 }));
		});

		// Issue 18 changed this: moving out of P earlier used to count as pushed.
		it('a close date moved earlier, out of the start of P, is pulled out, not pushed', async () => {
			await load(db, history('EARLY', 0, [['Proposal', '100.00', '2026-04-15'], ['Proposal', '100.00', '2026-03-20']]));
			const m = await waterfall(0, 1, { period: { start: '2026-04-01', end: '2026-06-30' } });
			expect(m.parts).toEqual(onlyParts({ pulled_out: 100 }));
		});

		it('a close date moved later, from before P into it, slipped in, at its amount at B', async () => {
			await load(db, history('LATE', 0, [['Proposal', '100.00', '2025-12-20'], ['Proposal', '120.00', '2026-02-10']]));
			const m = await waterfall(0, 1, { period: q1 });
			expect(m.parts).toEqual(onlyParts({ slipped_in: 120 }));
		});

		it('a deal present at A with a close date outside P that moves into P is pulled in, at its amount at B', async () => {
			await load(db, history('IN', 0, [['Discovery', '800.00', '2026-05-01'], ['Discovery', '900.00', '2026-03-01']]));
			const m = await waterfall(0, 1, { period: q1 });
			expect(m.start).toBe(0);
			expect(m.parts).toEqual(onlyParts({ pulled_in: 900 }));
		});

		it('a deal due outside P at both snapshots is not pipeline and in no part', async () => {
			await load(db, history('OUT', 0, [['Discovery', '800.00', '2026-05-01'], ['Discovery', '950.00', '2026-06-01']]));
			const m = await waterfall(0, 1, { period: q1 });
			expect([m.start, m.end]).toEqual([0, 0]);
			expect(m.parts).toEqual(onlyParts({}));
			expect(m.deals).toEqual([]);
		});

		// Issue 18 changed this: such a win used to be in no part at all.
		it('a deal due after P and won inside P in the same week is pulled in and won, at the amount won', async () => {
			await load(db, history('OUTWON', 0, [['Negotiation', '500.00', '2026-05-01'], ['Won', '550.00', '2026-01-12']]));
			const m = await waterfall(0, 1, { period: q1 });
			expect([m.start, m.end]).toEqual([0, 0]);
			expect(m.parts).toEqual(onlyParts({ pulled_in: 550, won: 550 }));
			expect(m.deals.map((d) => [d.deal_id, d.part]).sort()).toEqual([
				['OUTWON', 'pulled_in'],
				['OUTWON', 'won']
			]);
		});

		it('a deal due before P and lost inside P in the same week slipped in and is lost, at its amount at A', async () => {
			await load(db, history('OUTLOST', 0, [['Negotiation', '500.00', '2025-12-01'], ['Lost', '0.00', '2026-01-12']]));
			const m = await waterfall(0, 1, { period: q1 });
			expect(m.parts).toEqual(onlyParts({ slipped_in: 500, lost: 500 }));
		});
	});

	it('a deal reopened after being lost at A is pulled in: it was present at A, but not pipeline', async () => {
		await load(db, history('RE', 0, [['Lost', '400.00', '2026-01-02'], ['Qualified', '450.00', '2026-03-01']]));
		const m = await waterfall(0, 1);
		expect(m.start).toBe(0);
		expect(m.parts).toEqual(onlyParts({ pulled_in: 450 }));
		expect(m.deals[0]).toMatchObject({ part: 'pulled_in', stage_from: 'Closed Lost', stage_to: 'Qualified' });
	});

	it('deals closed before A and still closed at B are in no part', async () => {
		await load(db, [
			...history('DONE', 0, [['Won', '999.00', '2025-12-20'], ['Won', '999.00', '2025-12-20']]),
			...history('GONE', 0, [['Lost', '999.00', '2025-12-20'], null])
		]);
		const m = await waterfall(0, 1);
		expect(m.parts).toEqual(onlyParts({}));
		expect([m.start, m.end]).toEqual([0, 0]);
	});

	it('compares only A and B: a deal that came and went between them is in neither', async () => {
		await load(db, [
			...history('BLIP', 1, [['Lead', '100.00', '2026-03-01']]),
			...history('STAY', 0, [['Lead', '10.00', '2026-03-01'], ['Lead', '20.00', '2026-03-01'], ['Qualified', '30.00', '2026-03-01']])
		]);
		const m = await waterfall(0, 2);
		expect(m.parts).toEqual(onlyParts({ increased: 20 }));
	});

	it('sums cents exactly where floating point would drift', async () => {
		const rows = Array.from({ length: 30 }, (_, i) => history(`C${i}`, 0, [['Lead', '0.10', '2026-03-01'], ['Lead', '0.30', '2026-03-01']])).flat();
		await load(db, rows);
		const m = await waterfall(0, 1);
		expect(m.start).toBe(3);
		expect(m.parts.increased).toBe(6);
		expect(m.end).toBe(9);
	});

	describe('scope', () => {
		it("a rep's waterfall holds only their own deals", async () => {
			await load(db, [
				...history('ANN', 0, [['Lead', '100.00', '2026-03-01', 'ann'], ['Won', '100.00', '2026-01-10', 'ann']]),
				...history('BEN', 0, [['Lead', '200.00', '2026-03-01', 'ben'], ['Lost', '200.00', '2026-01-10', 'ben']])
			]);
			expect((await waterfall(0, 1, {}, annOnly)).parts).toEqual(onlyParts({ won: 100 }));
			expect((await waterfall(0, 1, {}, benOnly)).parts).toEqual(onlyParts({ lost: 200 }));
			expect((await waterfall(0, 1, {}, northLeader)).parts).toEqual(onlyParts({ won: 100, lost: 200 }));
		});

		// Issue 18 changed this: the deal used to move with its history, so Ann's start was not her
		// previous week's end. Now each snapshot counts for its own owner and the hand-over is a transfer.
		it('a deal handed to another rep between A and B is transferred at its amount at A; the rest of the week is the new owner\'s', async () => {
			await load(db, history('HAND', 0, [['Demo', '500.00', '2026-03-01', 'ann'], ['Demo', '650.00', '2026-03-01', 'ben']]));
			const ann = await waterfall(0, 1, {}, annOnly);
			expect([ann.start, ann.end]).toEqual([500, 0]);
			expect(ann.parts).toEqual(onlyParts({ transferred_out: 500 }));
			expect(ann.deals).toEqual([expect.objectContaining({ deal_id: 'HAND', part: 'transferred_out', change: -500 })]);
			const ben = await waterfall(0, 1, {}, benOnly);
			expect([ben.start, ben.end]).toEqual([0, 650]);
			expect(ben.parts).toEqual(onlyParts({ transferred_in: 500, increased: 150 }));
			const team = await waterfall(0, 1, {}, northLeader);
			expect(team.parts).toEqual(onlyParts({ increased: 150 }));
			const company = await waterfall(0, 1);
			expect(company.parts).toEqual(onlyParts({ increased: 150 }));
		});

		it('a deal handed to another team and won there is transferred out of the old team and won by the new one', async () => {
			await load(db, history('CROSS', 0, [['Negotiation', '800.00', '2026-03-01', 'ann'], ['Won', '900.00', '2026-01-10', 'cat']]));
			expect((await waterfall(0, 1, {}, northLeader)).parts).toEqual(onlyParts({ transferred_out: 800 }));
			expect((await waterfall(0, 1, {}, catOnly)).parts).toEqual(onlyParts({ transferred_in: 800, increased: 100, won: 900 }));
			expect((await waterfall(0, 1)).parts).toEqual(onlyParts({ increased: 100, won: 900 }));
		});

		it('a deal missing from B stays with its owner at A', async () => {
			await load(db, history('VANISH', 0, [['Demo', '500.00', '2026-03-01', 'ben'], null]));
			expect((await waterfall(0, 1, {}, benOnly)).parts).toEqual(onlyParts({ removed: 500 }));
			expect((await waterfall(0, 1, {}, annOnly)).parts).toEqual(onlyParts({}));
		});
	});

	it('the deal type filter keeps only deals of that type', async () => {
		await load(
			db,
			[
				...history('NB', 0, [['Lead', '100.00', '2026-03-01'], ['Lead', '150.00', '2026-03-01']]),
				...history('RN', 0, [['Lead', '100.00', '2026-03-01'], ['Won', '100.00', '2026-01-10']])
			],
			[{ crm: 'RN', type: 'renewal' }]
		);
		expect((await waterfall(0, 1, { dealType: 'renewal' })).parts).toEqual(onlyParts({ won: 100 }));
		expect((await waterfall(0, 1, { dealType: 'new_business' })).parts).toEqual(onlyParts({ increased: 50 }));
	});

	it('drills into one part, and into the deals behind the start and end bars', async () => {
		await load(db, [
			...history('A', 0, [['Lead', '100.00', '2026-03-01'], ['Won', '100.00', '2026-01-10']]),
			...history('B', 0, [['Lead', '300.00', '2026-03-01'], ['Lead', '300.00', '2026-03-01']]),
			...history('C', 1, [['Lead', '50.00', '2026-03-01']])
		]);
		const opts = { from: week(0), to: week(1) };
		const won = await db.read((q) => movementDeals(q, everyone, { ...opts, part: 'won' }));
		expect(won).toEqual({ total: 1, deals: [expect.objectContaining({ deal_id: 'A' })] });
		const start = await db.read((q) => movementDeals(q, everyone, { ...opts, part: 'start' }));
		expect(start.deals.map((d) => d.deal_id)).toEqual(['B', 'A']);
		const end = await db.read((q) => movementDeals(q, everyone, { ...opts, part: 'end', limit: 1 }));
		expect(end).toEqual({ total: 2, deals: [expect.objectContaining({ deal_id: 'B' })] });
	});
});

describe('deals created and closed between A and B', () => {
	it('are listed beside the waterfall, which cannot show them', async () => {
		await load(db, [
			...history('QUICKWIN', 1, [['Won', '300.00', '2026-01-10']]),
			...history('QUICKLOSS', 1, [['Lost', '200.00', '2026-01-11']]),
			...history('OLDWIN', 0, [['Proposal', '900.00', '2026-02-01'], ['Won', '900.00', '2026-01-10']]),
			...history('NEWOPEN', 1, [['Lead', '50.00', '2026-02-01']])
		]);
		const m = await waterfall(0, 1);
		expect(m.deals.map((d) => d.deal_id).sort()).toEqual(['NEWOPEN', 'OLDWIN']);
		const listed = await db.read((q) => dealsCreatedAndClosed(q, everyone, { from: week(0), to: week(1) }));
		expect(listed.map((d) => [d.deal_id, d.outcome, d.amount])).toEqual([
			['QUICKWIN', 'won', 300],
			['QUICKLOSS', 'lost', 200]
		]);
	});
});
