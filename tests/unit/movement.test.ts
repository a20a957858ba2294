import { describe, expect, it } from 'vitest';
import {
	daysBefore,
	isIsoDate,
	isMovementPart,
	isPeriodPick,
	movementParts,
	partSign,
	periodFor,
	waterfallBars,
	waterfallGapCents,
	type MovementPart
} from '../../src/lib/domain/movement.ts';

const parts = (values: Partial<Record<MovementPart, number>>) =>
	Object.fromEntries(movementParts.map((p) => [p, values[p] ?? 0])) as Record<MovementPart, number>;

describe('the parts of the waterfall', () => {
	it('read in the order of the identity: what adds first, then what takes away', () => {
		// Issue 18 added slipped_in, transferred_in, removed, pulled_out and transferred_out.
		expect(movementParts).toEqual([
			'new',
			'pulled_in',
			'slipped_in',
			'increased',
			'transferred_in',
			'decreased',
			'won',
			'lost',
			'removed',
			'pushed',
			'pulled_out',
			'transferred_out'
		]);
		expect(movementParts.filter((p) => partSign[p] > 0)).toEqual(['new', 'pulled_in', 'slipped_in', 'increased', 'transferred_in']);
	});

	it('are recognised by name, and nothing else is', () => {
		expect(isMovementPart('pulled_in')).toBe(true);
		expect(isMovementPart('start')).toBe(false);
		expect(isMovementPart(undefined)).toBe(false);
	});
});

describe('quick picks for the target period, seen from snapshot B', () => {
	it('this quarter and next quarter are calendar quarters', () => {
		expect(periodFor('this_quarter', '2026-11-23')).toEqual({ start: '2026-10-01', end: '2026-12-31' });
		expect(periodFor('next_quarter', '2026-11-23')).toEqual({ start: '2027-01-01', end: '2027-03-31' });
		expect(periodFor('this_quarter', '2026-01-01')).toEqual({ start: '2026-01-01', end: '2026-03-31' });
		expect(periodFor('next_quarter', '2026-03-31')).toEqual({ start: '2026-04-01', end: '2026-06-30' });
	});

	it('the next N months are N whole months starting with the current one', () => {
		expect(periodFor('next_6_months', '2026-11-23')).toEqual({ start: '2026-11-01', end: '2027-04-30' });
		expect(periodFor('next_12_months', '2026-11-23')).toEqual({ start: '2026-11-01', end: '2027-10-31' });
		expect(periodFor('next_18_months', '2026-11-23')).toEqual({ start: '2026-11-01', end: '2028-04-30' });
	});

	it('end on the real last day of a month, leap years included', () => {
		expect(periodFor('next_6_months', '2027-09-15')).toEqual({ start: '2027-09-01', end: '2028-02-29' });
		expect(periodFor('next_6_months', '2026-09-30')).toEqual({ start: '2026-09-01', end: '2027-02-28' });
	});

	it('are recognised by name', () => {
		expect(isPeriodPick('next_12_months')).toBe(true);
		expect(isPeriodPick('next_24_months')).toBe(false);
	});

	it('refuse an anchor that is not a date', () => {
		expect(() => periodFor('this_quarter', '23.11.2026')).toThrow(/YYYY-MM-DD/);
	});
});

describe('dates written YYYY-MM-DD', () => {
	it('must be real calendar days', () => {
		expect(isIsoDate('2026-11-23')).toBe(true);
		expect(isIsoDate('2028-02-29')).toBe(true);
		expect(isIsoDate('2026-02-29')).toBe(false);
		expect(isIsoDate('2026-2-3')).toBe(false);
		expect(isIsoDate('2026-11-23T00:00:00Z')).toBe(false);
		expect(isIsoDate(20261123)).toBe(false);
	});

	it('step back whole days across month and year ends', () => {
		expect(daysBefore('2026-11-23', 182)).toBe('2026-05-25');
		expect(daysBefore('2026-01-05', 7)).toBe('2025-12-29');
	});
});

describe('the floating bars of the waterfall', () => {
	it('start at 0 for the totals and float each part from the running total', () => {
		const bars = waterfallBars(1000, parts({ new: 300, won: 200, pushed: 100 }), 1000);
		expect(bars.map((b) => [b.key, b.y1, b.y2, b.kind])).toEqual([
			['start', 0, 1000, 'total'],
			['new', 1000, 1300, 'up'],
			['pulled_in', 1300, 1300, 'up'],
			['slipped_in', 1300, 1300, 'up'],
			['increased', 1300, 1300, 'up'],
			['transferred_in', 1300, 1300, 'up'],
			['decreased', 1300, 1300, 'up'],
			['won', 1300, 1100, 'down'],
			['lost', 1100, 1100, 'up'],
			['removed', 1100, 1100, 'up'],
			['pushed', 1100, 1000, 'down'],
			['pulled_out', 1000, 1000, 'up'],
			['transferred_out', 1000, 1000, 'up'],
			['end', 0, 1000, 'total']
		]);
		expect(bars.find((b) => b.key === 'won')?.value).toBe(-200);
	});

	it('keep cents exact, so the last part lands exactly on the end bar', () => {
		const bars = waterfallBars(0.1, parts({ new: 0.2, increased: 0.7, decreased: 0.3 }), 0.7);
		expect(bars.at(-2)?.y2).toBe(0.7);
		expect(bars.at(-1)?.y2).toBe(0.7);
	});

	it('the gap is zero exactly when the parts add up, and says by how many cents they do not', () => {
		expect(waterfallGapCents(0.1, parts({ new: 0.2 }), 0.3)).toBe(0);
		expect(waterfallGapCents(100, parts({ won: 40, new: 10 }), 70.01)).toBe(-1);
	});
});
