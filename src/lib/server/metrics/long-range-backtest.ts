import type { Scope } from '../auth/scope.ts';
import type { Queryable } from '../db/index.ts';
import { isoOfDay, longRangeFacts, monthIndexOfDay, type LongRangeFacts } from './long-range-facts.ts';
import { inScope, learnedAt, repsInScopeOnDay, sellingReps } from './long-range-scope.ts';
import { baseline, project } from './long-range-projection.ts';
import { rememberedWhileDataUnchanged } from './remembered.ts';
import { dataFingerprint } from './facts/version.ts';
import { keepsTeammatesApart } from './team-privacy.ts';

/**
 * How the long-range projection fared on the company's own past: at the first snapshot of every
 * month with at least six months of history before it and three whole months after, the projection
 * made then (learning only what was known then) is compared with what the reps in scope actually won
 * in months +1 to +18.
 *
 * - error_pct: for a horizon of N months, |expected - won| / won over the N months together, the median
 *   over the as-of months that have N months behind them ("6 months out we are usually within ...").
 * - inside_band: the share of those months whose won revenue fell between P10 and P90.
 *
 * The backtest reads no snapshot again (long-range-facts.ts holds what it needs) and simulates fewer
 * draws than the page's band; it is worked out once per scope and data version.
 */

export const backtestHorizons = [3, 6, 12, 18] as const;
const backtestDraws = 200;
const historyBefore = 6;
const minimumAfter = 3;

export interface BacktestHorizon {
	horizon_months: number;
	/** As-of months with the horizon's whole months behind them. */
	points: number;
	/** Median error in percent of what was won; null without points. */
	error_pct: number | null;
	/** Share of months whose actual was inside P10-P90; null without points. */
	inside_band: number | null;
}

export interface BacktestPoint {
	as_of: string;
	months: { month: number; expected: number; p10: number; p90: number; actual: number }[];
}

export async function backtestPoints(db: Queryable, facts: LongRangeFacts, scope: Scope, fingerprint: string): Promise<BacktestPoint[]> {
	const firstMonth = monthIndexOfDay(facts.snapshotDays[0] ?? 0);
	const latestDay = facts.snapshotDays.at(-1);
	if (latestDay === undefined) return [];
	// Months whose every day has been seen: the latest snapshot's month is still running.
	const lastWhole = monthIndexOfDay(latestDay) - 1;
	// A win is the scope's when its owner was in scope when it was won (dated membership).
	// Wins are first shown at a snapshot, so there are few such days: each day's reps are found once.
	const repsOn = new Map<number, Set<number> | null>();
	const reps = (day: number) => repsOn.get(day) ?? repsOn.set(day, repsInScopeOnDay(facts, scope, day)).get(day)!;
	const won = new Map<number, number>();
	for (const deal of facts.deals) {
		if (deal.wonMonth === null || deal.wonOwnerId === null) continue;
		const held = reps(deal.wonDay ?? latestDay);
		if (held && !held.has(deal.wonOwnerId)) continue;
		won.set(deal.wonMonth, (won.get(deal.wonMonth) ?? 0) + deal.wonAmount);
	}
	const points: BacktestPoint[] = [];
	for (const day of [...facts.points.keys()].sort((a, b) => a - b)) {
		const month = monthIndexOfDay(day);
		const horizon = Math.min(18, lastWhole - month);
		if (month - firstMonth < historyBefore || horizon < minimumAfter) continue;
		const model = await learnedAt(db, facts, day);
		const allOpen = facts.points.get(day)!;
		const projection = project({
			model,
			isNewBusiness: (id) => facts.dealById.get(id)?.newBusiness ?? true,
			openDeals: inScope(facts, scope, day, allOpen),
			reps: sellingReps(facts, scope, day, allOpen),
			months: horizon,
			assumptions: baseline,
			draws: backtestDraws,
			seed: JSON.stringify([fingerprint, 'backtest', day, scope.repIds]),
			viewerRepId: keepsTeammatesApart(scope) ? (scope.ownRepId ?? -1) : null
		});
		points.push({
			as_of: isoOfDay(day),
			months: projection.months.map((m) => ({ month: m.month, expected: m.expected, p10: m.p10, p90: m.p90, actual: won.get(m.month) ?? 0 }))
		});
	}
	return points;
}

function median(values: number[]): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summariseBacktest(points: BacktestPoint[]): BacktestHorizon[] {
	return backtestHorizons.map((horizon) => {
		const errors: number[] = [];
		let inside = 0;
		let months = 0;
		for (const point of points) {
			if (point.months.length < horizon) continue;
			const window = point.months.slice(0, horizon);
			const expected = window.reduce((sum, m) => sum + m.expected, 0);
			const actual = window.reduce((sum, m) => sum + m.actual, 0);
			if (actual > 0) errors.push((Math.abs(expected - actual) / actual) * 100);
			for (const m of window) {
				months++;
				if (m.actual >= m.p10 && m.actual <= m.p90) inside++;
			}
		}
		const error = median(errors);
		return {
			horizon_months: horizon,
			points: errors.length,
			error_pct: error === null ? null : Math.round(error * 10) / 10,
			inside_band: months === 0 ? null : Math.round((inside / months) * 1000) / 1000
		};
	});
}

/** The backtest for `scope`, once per data version. */
export function longRangeBacktest(db: Queryable, facts: LongRangeFacts, scope: Scope, fingerprint: string): Promise<BacktestHorizon[]> {
	const key = JSON.stringify([scope.repIds, scope.memberTeamIds ?? null, keepsTeammatesApart(scope) ? scope.ownRepId : null]);
	return rememberedWhileDataUnchanged(db, `long-range backtest ${key}`, async () =>
		summariseBacktest(await backtestPoints(db, facts, scope, fingerprint))
	);
}

/**
 * Works out the backtests people open first, the company's and each team's, ahead of them (the
 * backtest replays a projection at every past month, the one slow part of the view). A leader's
 * scope is their team's reps, so their question finds the answer ready.
 */
export async function warmLongRangeBacktests(db: Queryable): Promise<void> {
	const facts = await longRangeFacts(db);
	if (facts.snapshotDays.length === 0) return;
	const { fingerprint } = await dataFingerprint(db);
	const scopes: Scope[] = [{ role: 'executive', repIds: null, teamIds: null, ownRepId: null }];
	for (const team of facts.teams) {
		const reps = [...facts.reps.values()].filter((r) => r.teamId === team.id).map((r) => r.id).sort((a, b) => a - b);
		const leader: Scope = { role: 'leader', repIds: reps, teamIds: [team.id], ownRepId: null };
		scopes.push(facts.membershipDated ? { ...leader, memberTeamIds: [team.id] } : leader);
	}
	for (const scope of scopes) await longRangeBacktest(db, facts, scope, fingerprint);
}
