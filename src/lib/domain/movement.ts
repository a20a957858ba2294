/**
 * The vocabulary of pipeline movement, shared by the server (which classifies deals) and the page
 * (which draws the waterfall). Pure functions only: no database, no messages.
 */

import { addQuarters, quarterEnd, quarterOf, quarterStart } from './periods.ts';

/**
 * The parts of the waterfall in the order the identity reads:
 * start + new + pulled_in + slipped_in + increased + transferred_in - decreased - won - lost - removed
 * - pushed - pulled_out - transferred_out = end.
 *
 * The period parts (pulled_in, slipped_in, pushed, pulled_out) say which way a close date crossed the
 * period's edge; the transfer parts only occur when the scope is narrower than the company (a team, a
 * rep), for deals whose owner crossed it.
 */
export const movementParts = [
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
] as const;
export type MovementPart = (typeof movementParts)[number];

/** Whether a part adds to the pipeline (+1) or takes from it (-1). */
export const partSign: Readonly<Record<MovementPart, 1 | -1>> = {
	new: 1,
	pulled_in: 1,
	slipped_in: 1,
	increased: 1,
	transferred_in: 1,
	decreased: -1,
	won: -1,
	lost: -1,
	removed: -1,
	pushed: -1,
	pulled_out: -1,
	transferred_out: -1
};

/**
 * Parts that only exist with a period or a narrowed scope. The waterfall leaves their bars out while
 * they hold no deal, so a leader looking at the whole company is not shown four empty bars.
 */
export const occasionalParts: ReadonlySet<MovementPart> = new Set(['slipped_in', 'pulled_out', 'removed', 'transferred_in', 'transferred_out']);

export function isMovementPart(value: unknown): value is MovementPart {
	return typeof value === 'string' && (movementParts as readonly string[]).includes(value);
}

/** A close-date window, both ends inclusive, as 'YYYY-MM-DD'. */
export interface Period {
	start: string;
	end: string;
}

/**
 * Quick picks for the target period, each relative to snapshot A: "this quarter" is the quarter the
 * leader looked at last week. Anchoring at B would silently change the period at a quarter turn, and
 * a deal due 31 March that slipped to 20 April would read as pulled into April's quarter.
 */
export const periodPicks = ['this_quarter', 'next_quarter', 'next_6_months', 'next_12_months', 'next_18_months'] as const;
export type PeriodPick = (typeof periodPicks)[number];

export function isPeriodPick(value: unknown): value is PeriodPick {
	return typeof value === 'string' && (periodPicks as readonly string[]).includes(value);
}

const isoPattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written 'YYYY-MM-DD' (so '2026-02-30' is false). */
export function isIsoDate(value: unknown): value is string {
	if (typeof value !== 'string') return false;
	const match = isoPattern.exec(value);
	if (!match) return false;
	const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
	return toIso(date) === value;
}

function parseIso(iso: string): Date {
	if (!isIsoDate(iso)) throw new Error(`"${iso}" is not a date written YYYY-MM-DD`);
	return new Date(`${iso}T00:00:00Z`);
}

function toIso(date: Date): string {
	return date.toISOString().slice(0, 10);
}

/** The first day of the month `months` after the month of `date` (UTC). */
function monthStart(date: Date, months = 0): Date {
	return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
}

/** The last day of the month `months` after the month of `date` (UTC). */
function monthEnd(date: Date, months = 0): Date {
	return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months + 1, 0));
}

/**
 * The close-date window a quick pick stands for, seen from `anchor` (snapshot A). Quarters are the
 * company's fiscal quarters (FISCAL_YEAR_START, see periods.ts). "Next N months" are N whole calendar
 * months starting with the anchor's own month, so a deal due earlier this month and still open counts
 * as due now rather than vanishing.
 */
export function periodFor(pick: PeriodPick, anchor: string): Period {
	const day = parseIso(anchor);
	const quarter = quarterOf(toIso(day));
	switch (pick) {
		case 'this_quarter':
			return { start: quarterStart(quarter), end: quarterEnd(quarter) };
		case 'next_quarter':
			return { start: quarterStart(addQuarters(quarter, 1)), end: quarterEnd(addQuarters(quarter, 1)) };
		case 'next_6_months':
			return { start: toIso(monthStart(day)), end: toIso(monthEnd(day, 5)) };
		case 'next_12_months':
			return { start: toIso(monthStart(day)), end: toIso(monthEnd(day, 11)) };
		case 'next_18_months':
			return { start: toIso(monthStart(day)), end: toIso(monthEnd(day, 17)) };
	}
}

/** `days` days before `iso`, as 'YYYY-MM-DD'. */
export function daysBefore(iso: string, days: number): string {
	const day = parseIso(iso);
	return toIso(new Date(day.getTime() - days * 86_400_000));
}

/**
 * How far back velocity and conversion look: long enough to hold several cycles of most stages,
 * short enough to describe how the team sells now, and to keep the query to a quarter of the history.
 */
export const defaultWindowWeeks = 26;

export type WaterfallKey = 'start' | MovementPart | 'end';

export interface WaterfallBar {
	key: WaterfallKey;
	/** Floating bar from y1 to y2; for start and end bars y1 is 0. */
	y1: number;
	y2: number;
	/** Signed change (for parts) or the total (for start and end). */
	value: number;
	kind: 'total' | 'up' | 'down';
}

/**
 * The floating bars of the waterfall. Running totals are kept in whole cents so that the last part
 * lands exactly on the end bar rather than a rounding error away from it.
 */
export function waterfallBars(start: number, parts: Readonly<Record<MovementPart, number>>, end: number): WaterfallBar[] {
	const cents = (value: number) => Math.round(value * 100);
	const bars: WaterfallBar[] = [{ key: 'start', y1: 0, y2: start, value: start, kind: 'total' }];
	let running = cents(start);
	for (const part of movementParts) {
		const change = partSign[part] * cents(parts[part]);
		const next = running + change;
		bars.push({ key: part, y1: running / 100, y2: next / 100, value: change / 100, kind: change < 0 ? 'down' : 'up' });
		running = next;
	}
	bars.push({ key: 'end', y1: 0, y2: end, value: end, kind: 'total' });
	return bars;
}

/** start + the signed parts - end, in whole cents: zero when the waterfall adds up. */
export function waterfallGapCents(start: number, parts: Readonly<Record<MovementPart, number>>, end: number): number {
	const cents = (value: number) => Math.round(value * 100);
	return movementParts.reduce((sum, part) => sum + partSign[part] * cents(parts[part]), cents(start)) - cents(end);
}

// ---------------------------------------------------------------------------------------------
// The rows the movement questions answer with, as the page shows them

export interface MovementDeal {
	/** The CRM's id (deals.crm_id). */
	deal_id: string;
	deal_name: string | null;
	owner: string | null;
	part: MovementPart | null;
	stage_from: string | null;
	stage_to: string | null;
	/** Amount in the CRM at A / at B; null where the deal is absent from that snapshot. */
	amount_from: number | null;
	amount_to: number | null;
	/** What this deal adds to (or, negative, takes from) the pipeline between A and B. */
	change: number;
	close_from: string | null;
	close_to: string | null;
}

export interface DealList<T> {
	/** How many deals match, even when `limit` returned fewer. */
	total: number;
	deals: T[];
}

export interface CreatedAndClosedDeal {
	deal_id: string;
	deal_name: string | null;
	owner: string | null;
	outcome: 'won' | 'lost';
	amount: number;
	close_date: string;
}

export interface ClosedOutsidePeriodDeal extends CreatedAndClosedDeal {
	/** Close date at A; null for a deal created after A. */
	close_from: string | null;
}

export type MoveDirection = 'forward' | 'backward';

export interface StageTransitionCell {
	/** Stage at A; null for deals not in snapshot A. */
	stage_from_id: number | null;
	stage_from: string | null;
	/** Stage at B; null for deals missing from snapshot B. */
	stage_to_id: number | null;
	stage_to: string | null;
	/** Positions on the ladder, to lay the matrix out; null where the stage is. */
	position_from: number | null;
	position_to: number | null;
	direction: MoveDirection | null;
	deals: number;
	amount_from: number;
	amount_to: number;
}

export interface StageTransitions {
	cells: StageTransitionCell[];
	/** Deals whose stage at B is later than at A (a win counts as later than every open stage). */
	movedForward: number;
	/** Deals open at both snapshots whose stage at B is earlier than at A. */
	movedBackward: number;
}

export interface TransitionDeal {
	deal_id: string;
	deal_name: string | null;
	owner: string | null;
	stage_from: string | null;
	stage_to: string | null;
	direction: MoveDirection | null;
	/** Steps up (positive) or down (negative) the ladder; null where either side is off the ladder. */
	steps: number | null;
	amount_from: number | null;
	amount_to: number | null;
	close_from: string | null;
	close_to: string | null;
}

export interface SlippedDeal {
	deal_id: string;
	deal_name: string | null;
	owner: string | null;
	stage: string | null;
	amount: number;
	close_from: string;
	close_to: string;
	days_slipped: number;
	/** Push count: how many times, in all snapshots up to B, the close date moved later. */
	times_pushed: number;
}
