import type { Scope } from '../auth/scope.ts';
import type { Queryable } from '../db/index.ts';
import { isoOfDay, openDealsAt, teamOnDay, type LongRangeFacts, type OpenDealFact } from './long-range-facts.ts';
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
	const inScope = repsInScopeOnDay(facts, scope, asOfDay);
	return sellingAt(facts, asOfDay, openDeals).filter((id) => inScope === null || inScope.has(id));
}

/**
 * The scope's reps on `day`: for a scope of whole teams with dated membership, those in its teams
 * then (a rep who moved counts for the old team before the move); else its rep list (null: everyone).
 */
export function repsInScopeOnDay(facts: LongRangeFacts, scope: Scope, day: number): Set<number> | null {
	const teams = scope.memberTeamIds;
	if (!teams) return scope.repIds === null ? null : new Set(scope.repIds);
	return new Set([...facts.reps.values()].filter((rep) => teams.includes(teamOnDay(rep, day) ?? -1)).map((rep) => rep.id));
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

/** The open deals of `day` (`openDeals`) that the scope's reps held then. */
export function inScope(facts: LongRangeFacts, scope: Scope, day: number, openDeals: readonly OpenDealFact[]): OpenDealFact[] {
	const reps = repsInScopeOnDay(facts, scope, day);
	if (reps === null) return [...openDeals];
	return openDeals.filter((d) => reps.has(d.ownerId));
}
