import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import { movementParts, waterfallGapCents, type MovementPart, type Period } from '../../src/lib/domain/movement.ts';
import { dealsClosedOutsidePeriod, movementDeals, pipelineMovement, type MovementOptions } from '../../src/lib/server/metrics/movement.ts';
import { parseMovementQuery } from '../../src/lib/server/metrics/movement-query.ts';
import { annOnly, catOnly, everyone, history, load, northLeader, pipelineDatabase, week } from './movement-fixtures.ts';

/**
 * Issue 18's hand-built cases: the quarter turn, wins at the amount won, removed deals and transfers,
 * each with the exact parts for the whole company, a team and a quarter.
 *
 * Week 12 is Monday 30 March 2026 and week 13 Monday 6 April: the comparison across a quarter turn.
 */

let db: Database;
let cleanup: () => void;
beforeEach(async () => ({ db, cleanup } = await pipelineDatabase()));
afterEach(() => cleanup());

const q1: Period = { start: '2026-01-01', end: '2026-03-31' };
const q2: Period = { start: '2026-04-01', end: '2026-06-30' };

function onlyParts(expected: Partial<Record<MovementPart, number>>): Record<MovementPart, number> {
	return Object.fromEntries(movementParts.map((part) => [part, expected[part] ?? 0])) as Record<MovementPart, number>;
}

async function waterfall(scope: Scope, options: Partial<MovementOptions> = {}) {
	const opts = { from: week(12), to: week(13), ...options };
	const movement = await db.read((q) => pipelineMovement(q, scope, opts));
	expect(waterfallGapCents(movement.start, movement.parts, movement.end), 'start + parts - end, in cents').toBe(0);
	const { deals } = await db.read((q) => movementDeals(q, scope, opts));
	return { ...movement, deals: deals.map((d) => [d.deal_id, d.part, d.change]) };
}

describe('the quarter turn: comparing 30 March with 6 April', () => {
	it('"this quarter" is the quarter of A, never of B', () => {
		const snapshots = [week(12), week(13)];
		const parsed = parseMovementQuery(new URLSearchParams({ period: 'this_quarter' }), snapshots);
		expect(parsed.ok && parsed.query.period).toEqual(q1);
		const next = parseMovementQuery(new URLSearchParams({ period: 'next_quarter' }), snapshots);
		expect(next.ok && next.query.period).toEqual(q2);
	});

	it('a deal due 31 March that slipped to 20 April is pushed out of the quarter of A, not pulled into the next', async () => {
		await load(db, history('SLIP', 12, [['Proposal', '1000.00', '2026-03-31'], ['Proposal', '1000.00', '2026-04-20']]));
		expect((await waterfall(everyone, { period: q1 })).parts).toEqual(onlyParts({ pushed: 1000 }));
		// Chosen explicitly, the next quarter sees it arrive from an earlier period: slipped in.
		expect((await waterfall(everyone, { period: q2 })).parts).toEqual(onlyParts({ slipped_in: 1000 }));
		expect((await waterfall(everyone)).parts).toEqual(onlyParts({}));
	});

	it('a deal due in July won on 2 April is not in the quarter of A, and is listed beside it as won outside the period', async () => {
		await load(db, history('JULY', 12, [['Negotiation', '5000.00', '2026-07-15'], ['Won', '6000.00', '2026-04-02']]));
		const first = await waterfall(everyone, { period: q1 });
		expect(first.parts).toEqual(onlyParts({}));
		const beside = await db.read((q) => dealsClosedOutsidePeriod(q, everyone, { from: week(12), to: week(13), period: q1 }));
		expect(beside).toEqual([
			expect.objectContaining({ deal_id: 'JULY', outcome: 'won', amount: 6000, close_date: '2026-04-02', close_from: '2026-07-15' })
		]);
		// For the quarter it closed in, it entered (its close date moved earlier) and was won, at the amount won.
		const second = await waterfall(everyone, { period: q2 });
		expect(second.parts).toEqual(onlyParts({ pulled_in: 6000, won: 6000 }));
		expect(await db.read((q) => dealsClosedOutsidePeriod(q, everyone, { from: week(12), to: week(13), period: q2 }))).toEqual([]);
		// Without a period it was open pipeline at A: won, at the amount won.
		expect((await waterfall(everyone)).parts).toEqual(onlyParts({ won: 6000, increased: 1000 }));
	});

	it('deals created and closed outside the period are listed beside it too; without a period nothing is', async () => {
		await load(db, [
			...history('OLD', 12, [['Lead', '10.00', '2026-03-20'], ['Lead', '10.00', '2026-03-20']]),
			...history('QUICK', 13, [['Won', '300.00', '2026-04-03']])
		]);
		const beside = await db.read((q) => dealsClosedOutsidePeriod(q, everyone, { from: week(12), to: week(13), period: q1 }));
		expect(beside.map((d) => [d.deal_id, d.close_from])).toEqual([['QUICK', null]]);
		expect(await db.read((q) => dealsClosedOutsidePeriod(q, everyone, { from: week(12), to: week(13) }))).toEqual([]);
	});

	it('a deal in the quarter of A won with a close date after it still leaves the quarter as won', async () => {
		await load(db, history('LATEWIN', 12, [['Negotiation', '700.00', '2026-03-31'], ['Won', '700.00', '2026-04-01']]));
		expect((await waterfall(everyone, { period: q1 })).parts).toEqual(onlyParts({ won: 700 }));
	});
});

describe('one week with every kind of change: exact parts for the company, a team and a quarter', () => {
	beforeEach(async () => {
		await load(db, [
			// Ann (North): won for more than it stood at A.
			...history('WONUP', 12, [['Negotiation', '40000.00', '2026-03-27', 'ann'], ['Won', '60000.00', '2026-04-01', 'ann']]),
			// Ben (North): lost, its amount zeroed in the CRM; it leaves at its amount at A.
			...history('LOST', 12, [['Proposal', '8000.00', '2026-03-15', 'ben'], ['Lost', '0.00', '2026-04-01', 'ben']]),
			// Ben: dropped from the export.
			...history('GONE', 12, [['Demo', '3000.00', '2026-03-20', 'ben'], null]),
			// Ann: due 31 March, slipped to 20 April.
			...history('SLIP', 12, [['Proposal', '1000.00', '2026-03-31', 'ann'], ['Proposal', '1000.00', '2026-04-20', 'ann']]),
			// Ann: due 10 April, now 25 March: moved into Q1 from later.
			...history('PULL', 12, [['Demo', '2500.00', '2026-04-10', 'ann'], ['Demo', '2500.00', '2026-03-25', 'ann']]),
			// Cat (South): handed to Ann, and bigger.
			...history('HAND', 12, [['Demo', '5000.00', '2026-03-30', 'cat'], ['Demo', '5500.00', '2026-03-30', 'ann']]),
			// Ann: new this week.
			...history('FRESH', 13, [['Lead', '1200.00', '2026-05-15', 'ann']]),
			// Cat: unchanged, due in Q2.
			...history('STEADY', 12, [['Qualified', '900.00', '2026-05-01', 'cat'], ['Qualified', '900.00', '2026-05-01', 'cat']])
		]);
	});

	it('for the whole company', async () => {
		const m = await waterfall(everyone);
		expect([m.start, m.end]).toEqual([60400, 11100]);
		expect(m.parts).toEqual(onlyParts({ new: 1200, increased: 20500, won: 60000, lost: 8000, removed: 3000 }));
		expect(m.counts).toEqual(onlyParts({ new: 1, increased: 2, won: 1, lost: 1, removed: 1 }));
	});

	it('for team North, which received a deal from South', async () => {
		const m = await waterfall(northLeader);
		expect([m.start, m.end]).toEqual([54500, 10200]);
		expect(m.parts).toEqual(onlyParts({ new: 1200, increased: 20500, transferred_in: 5000, won: 60000, lost: 8000, removed: 3000 }));
		const south = await waterfall(catOnly);
		expect([south.start, south.end]).toEqual([5900, 900]);
		expect(south.parts).toEqual(onlyParts({ transferred_out: 5000 }));
		expect(south.deals).toEqual([['HAND', 'transferred_out', -5000]]);
	});

	it('for the quarter of A, for Ann', async () => {
		const m = await waterfall(annOnly, { period: q1 });
		// At A: WONUP 40,000 + SLIP 1,000 (HAND was Cat's). At B: PULL 2,500 + HAND 5,500.
		expect([m.start, m.end]).toEqual([41000, 8000]);
		expect(m.parts).toEqual(onlyParts({ pulled_in: 2500, transferred_in: 5000, increased: 20500, won: 60000, pushed: 1000 }));
		expect(m.deals).toEqual([
			['WONUP', 'won', -60000],
			['WONUP', 'increased', 20000],
			['HAND', 'transferred_in', 5000],
			['PULL', 'pulled_in', 2500],
			['SLIP', 'pushed', -1000],
			['HAND', 'increased', 500]
		]);
	});
});
