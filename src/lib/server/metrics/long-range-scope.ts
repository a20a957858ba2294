import type { Scope } from '../auth/scope.ts';
import type { Queryable } from '../db/index.ts';
import { isoOfDay, openDealsAt, type LongRangeFacts, type OpenDealFact } from './long-range-facts.ts';
import { learnModel, type LearnedModel } from './long-range-model.ts';
import { rememberedWhileDataUnchanged } from './remembered.ts';

/** What a scope's long-range projection counts: its open deals, its selling reps, and the model learned at the day. */

/** The model learned at a day, shared by every scope and scenario. */
export function learnedAt(db: Queryable, facts: LongRangeFacts, asOfDay: number): Promise<LearnedModel> {
	return rememberedWhileDataUnchanged(db, `long-range model ${asOfDay}`, async () => learnModel(facts, asOfDay, await openDealsAt(db, isoOfDay(asOfDay))));
}

/**
 * Reps whose creation counts at a day: those in scope still selling then (holding an open deal, or
 * having created one in the two months before); at the latest snapshot, only reps marked active.
 */
export function sellingReps(facts: LongRangeFacts, scope: Scope, asOfDay: number, openDeals: readonly OpenDealFact[]): number[] {
	const inScope = scope.repIds === null ? null : new Set(scope.repIds);
	return sellingAt(facts, asOfDay, openDeals).filter((id) => inScope === null || inScope.has(id));
}

/**
 * Who was selling at a day is the same whoever asks, and finding it reads every deal: it is worked
 * out once per day's open deals (kept as long as they are) and only filtered by scope per request.
 */
const selling = new WeakMap<readonly OpenDealFact[], { facts: LongRangeFacts; day: number; reps: number[] }>();

function sellingAt(facts: LongRangeFacts, asOfDay: number, openDeals: readonly OpenDealFact[]): number[] {
	const known = selling.get(openDeals);
	if (known && known.facts === facts && known.day === asOfDay) return known.reps;
	const ids = new Set(openDeals.map((d) => d.ownerId));
	for (const deal of facts.deals) if (deal.seenDay <= asOfDay && deal.seenDay > asOfDay - 61) ids.add(deal.creatorId);
	const latest = facts.snapshotDays.at(-1) === asOfDay;
	const reps = [...ids].filter((id) => facts.reps.has(id) && (!latest || facts.reps.get(id)!.active));
	selling.set(openDeals, { facts, day: asOfDay, reps });
	return reps;
}

export function inScope(scope: Scope, openDeals: readonly OpenDealFact[]): OpenDealFact[] {
	if (scope.repIds === null) return [...openDeals];
	const reps = new Set(scope.repIds);
	return openDeals.filter((d) => reps.has(d.ownerId));
}
