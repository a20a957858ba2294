import { defaultWindowWeeks, isMovementPart, type DealList, type MovementPart } from '../../domain/movement.ts';
import type { Scope } from '../auth/scope.ts';
import type { Database, Queryable } from '../db/index.ts';
import { NotAnswerable } from '../errors.ts';
import { openDealGaps } from '../metrics/data-quality.ts';
import {
	dealsClosedOutsidePeriod,
	dealsCreatedAndClosed,
	dealsMovedForward,
	movementDeals,
	pipelineMovement,
	slippedDeals,
	stageTransitions,
	transitionDeals,
	type MovementOptions,
	type StageKey
} from '../metrics/movement.ts';
import { parseMovementQuery, type MovementQuery } from '../metrics/movement-query.ts';
import { withMovementOriginals, withOriginals } from '../metrics/originals.ts';
import { snapshotDates } from '../metrics/snapshots.ts';
import { agingDeals, stageCohortDeals, stageConversion, stalledDeals, stalledThresholds, stalledWindowWeeks } from '../metrics/stage-velocity.ts';
import { MIN_OTHER_REPS_BEHIND_TEAM_FIGURE } from '../metrics/team-privacy.ts';
import { answeredOnce } from '../metrics/remembered.ts';
import { defineQuestion } from '../questions.ts';
import * as v from 'valibot';
import { badInput, badInputFromIssues, chosenScope, type ViewRequest } from './request.ts';

/**
 * The Pipeline movement view (/pipeline and GET /api/v1/movement): snapshot A against B, the
 * waterfall between them, and the lists behind each of its bars. Each question is remembered on its
 * own, so opening a bar or a cell works out only its list.
 */
export const movement = defineQuestion('movement', pipelineMovement);
export const partDeals = defineQuestion('movement deals', async (q, scope, options: Parameters<typeof movementDeals>[2]) => {
	const list = await movementDeals(q, scope, options);
	return { ...list, deals: await withMovementOriginals(q, { from: options.from, to: options.to }, list.deals) };
});
/*
 * Deal lists show a deal exported in another currency as it was exported, too, looked up for the
 * listed deals after the list is built: at snapshot B, or A and B where a list shows both amounts.
 */
type ListedDeal = { deal_id: string };
const atDate = <D extends ListedDeal>(q: Queryable, deals: D[], date: string) => withOriginals(q, deals, (d) => ({ deal: d.deal_id, date }));
const listAt =
	<A, D extends ListedDeal>(ask: (q: Queryable, scope: Scope, args: A) => Promise<DealList<D>>, dateOf: (args: A) => string) =>
	async (q: Queryable, scope: Scope, args: A) => {
		const list = await ask(q, scope, args);
		return { ...list, deals: await atDate(q, list.deals, dateOf(args)) };
	};

export const createdAndClosed = defineQuestion('created and closed', async (q, scope, options: MovementOptions) =>
	atDate(q, await dealsCreatedAndClosed(q, scope, options), options.to)
);
export const closedOutsidePeriod = defineQuestion('closed outside the period', async (q, scope, options: MovementOptions) =>
	atDate(q, await dealsClosedOutsidePeriod(q, scope, options), options.to)
);
export const transitions = defineQuestion('stage transitions', stageTransitions);
export const movedForward = defineQuestion('moved forward', async (q, scope, options: Parameters<typeof dealsMovedForward>[2]) => {
	const list = await dealsMovedForward(q, scope, options);
	return { ...list, deals: await withMovementOriginals(q, { from: options.from, to: options.to }, list.deals) };
});
export const cellDeals = defineQuestion('transition deals', async (q, scope, options: Parameters<typeof transitionDeals>[2]) => {
	const list = await transitionDeals(q, scope, options);
	return { ...list, deals: await withMovementOriginals(q, { from: options.from, to: options.to }, list.deals) };
});
export const stalled = defineQuestion('stalled', listAt(stalledDeals, (options) => options.at));
export const slipped = defineQuestion('slipped', listAt(slippedDeals, (options) => options.to));
export const aging = defineQuestion('aging', listAt(agingDeals, (options) => options.at));
export const conversion = defineQuestion('stage conversion', stageConversion);
export const cohort = defineQuestion('stage cohort', stageCohortDeals);
export const thresholds = defineQuestion('stalled thresholds', stalledThresholds);
/** Open deals at B nobody has priced yet: counted in the waterfall's deals, left out of its sums. */
export const priceGaps = defineQuestion('open deal gaps', (q, scope, at: string) => openDealGaps(q, scope, at));

/** Deal lists show this many rows; the rest are a narrower filter away. */
export const listLimit = 200;

/** A matrix cell in the URL: `3-5` (stage 3 at A to stage 5 at B), `none-1`, `4-none`. */
export function parseCell(raw: string | null): { from: StageKey; to: StageKey } | null {
	const match = raw ? /^(none|\d{1,4})-(none|\d{1,4})$/.exec(raw) : null;
	if (!match) return null;
	const key = (part: string): StageKey => (part === 'none' ? 'none' : Number(part));
	return { from: key(match[1]), to: key(match[2]) };
}

/** What the page's drill-downs ask for: a bar, a cell, the backward moves, a stage's cohort. */
export function parseDrillDown(params: URLSearchParams) {
	const partParam = params.get('part');
	const part: MovementPart | 'start' | 'end' | null = isMovementPart(partParam) || partParam === 'start' || partParam === 'end' ? partParam : null;
	const stageParam = Number(params.get('stage'));
	return {
		part,
		cell: parseCell(params.get('cell')),
		backward: params.get('moves') === 'backward',
		cohortStage: Number.isInteger(stageParam) && stageParam > 0 ? stageParam : null
	};
}

/** The comparison asked for, read against the loaded snapshots; bad parameters are `BadInput`. */
export function parse(params: URLSearchParams, snapshots: readonly string[]): MovementQuery {
	const parsed = parseMovementQuery(params, snapshots);
	if (!parsed.ok) throw badInput(parsed);
	return parsed.query;
}

/** The page's data. */
export async function load(db: Database, request: ViewRequest) {
	const [snapshots, chosen] = await Promise.all([db.read((q) => snapshotDates(q)), chosenScope(db, request)]);
	if (snapshots.length < 2) return { ready: false as const, snapshotCount: snapshots.length };
	const { from, to, period, periodChoice, dealType } = parse(request.url.searchParams, snapshots);
	const { scope, choices, team, rep } = chosen;
	const { part, cell, backward, cohortStage } = parseDrillDown(request.url.searchParams);

	const options = { from, to, period, dealType };
	const window = { at: to, windowWeeks: defaultWindowWeeks, dealType };
	// Separate questions run on separate connections, side by side.
	const [movementNow, partList, createdClosed, outside, moves, forward, cellList, backwardList, stalledList, slippedList, agingList, conversionRows, cohortList, thresholdRows, gaps] =
		await Promise.all([
			movement.ask(db, scope, options),
			part ? partDeals.ask(db, scope, { ...options, part, limit: listLimit }) : null,
			createdAndClosed.ask(db, scope, options),
			closedOutsidePeriod.ask(db, scope, options),
			transitions.ask(db, scope, options),
			movedForward.ask(db, scope, { ...options, limit: listLimit }),
			cell ? cellDeals.ask(db, scope, { ...options, stageFrom: cell.from, stageTo: cell.to, limit: listLimit }) : null,
			backward ? cellDeals.ask(db, scope, { ...options, direction: 'backward' as const, limit: listLimit }) : null,
			stalled.ask(db, scope, { ...window, period, limit: listLimit }),
			slipped.ask(db, scope, { ...options, limit: listLimit }),
			aging.ask(db, scope, { ...window, period, limit: listLimit }),
			conversion.ask(db, scope, window),
			cohortStage ? cohort.ask(db, scope, { ...window, stageId: cohortStage, limit: listLimit }) : null,
			// A team's threshold is a figure over its colleagues' deals: leaders see it, a rep does not.
			scope.role === 'rep' ? [] : thresholds.ask(db, scope, window),
			priceGaps.ask(db, scope, to)
		]);

	return {
		ready: true as const,
		gaps,
		snapshots,
		query: { from, to, period, periodChoice, dealType, team, rep },
		filters: {
			teams: choices.teams.map(({ name }) => ({ name })),
			reps: choices.reps.map(({ email, name, team }) => ({ email, name, team })),
			isRep: scope.role === 'rep'
		},
		listLimit,
		windowWeeks: defaultWindowWeeks,
		minOtherReps: MIN_OTHER_REPS_BEHIND_TEAM_FIGURE,
		movement: movementNow,
		part,
		partDeals: partList,
		createdAndClosed: createdClosed,
		closedOutsidePeriod: outside,
		transitions: moves,
		forward,
		cell: cell ? { from: cell.from, to: cell.to } : null,
		cellDeals: cellList,
		backwardDeals: backwardList,
		stalled: stalledList,
		stalledWindowWeeks: stalledWindowWeeks(defaultWindowWeeks),
		stalledThresholds: thresholdRows,
		slipped: slippedList,
		aging: agingList,
		conversion: conversionRows,
		cohortStage,
		cohort: cohortList
	};
}

/**
 * The API's JSON text: the waterfall, every deal in a part once per part it is in, and with a period the
 * week's wins and losses its waterfall leaves out. Built from the page's own questions.
 */
export async function json(db: Database, request: ViewRequest): Promise<string> {
	const snapshots = await db.read((q) => snapshotDates(q));
	if (snapshots.length < 2) {
		throw new NotAnswerable(`Pipeline movement compares two snapshots; ${snapshots.length} ${snapshots.length === 1 ? 'is' : 'are'} loaded.`);
	}
	const { from, to, period, dealType } = parse(request.url.searchParams, snapshots);
	const page = parseDealPage(request.url.searchParams);
	const { scope } = await chosenScope(db, request);
	const options = { from, to, period, dealType };
	// Remembered as its text: a page of deals written out again on every request would cost more
	// than everything else the endpoint does.
	return answeredOnce(db, ['movement json', scope, options, page], async () =>
		JSON.stringify(await movementJson(db, scope, options, page, request.url))
	);
}

/**
 * The API lists the waterfall's deals a page at a time: a company's week moves thousands of deals,
 * and a first request that writes megabytes nobody reads at once costs every user behind it.
 */
export const dealPageSize = { fallback: 1000, max: 5000 } as const;

const dealPageSchema = v.object({
	limit: v.optional(
		v.pipe(
			v.string(),
			v.transform(Number),
			v.number(),
			v.integer(`limit must be a whole number of deals from 1 to ${dealPageSize.max}`),
			v.minValue(1, `limit must be a whole number of deals from 1 to ${dealPageSize.max}`),
			v.maxValue(dealPageSize.max, `limit must be a whole number of deals from 1 to ${dealPageSize.max}`)
		),
		String(dealPageSize.fallback)
	),
	offset: v.optional(
		v.pipe(v.string(), v.transform(Number), v.number(), v.integer('offset must be a whole number, 0 or more'), v.minValue(0, 'offset must be a whole number, 0 or more')),
		'0'
	)
});

export function parseDealPage(params: URLSearchParams): { limit: number; offset: number } {
	const parsed = v.safeParse(dealPageSchema, { limit: params.get('limit') ?? undefined, offset: params.get('offset') ?? undefined });
	if (!parsed.success) throw badInputFromIssues(parsed.issues);
	return parsed.output;
}

async function movementJson(
	db: Database,
	scope: Scope,
	options: Pick<MovementQuery, 'from' | 'to' | 'period' | 'dealType'>,
	page: { limit: number; offset: number },
	url: URL
) {
	const [waterfall, moves, deals, outside] = await Promise.all([
		movement.ask(db, scope, options),
		transitions.ask(db, scope, options),
		partDeals.ask(db, scope, { ...options, ...page }),
		closedOutsidePeriod.ask(db, scope, options)
	]);
	// One row per deal and part it is in: the parts' counts add up to every row there is.
	const total = Object.values(waterfall.counts).reduce((sum, count) => sum + count, 0);
	const nextOffset = page.offset + page.limit;
	const next = nextOffset < total ? new URL(url) : null;
	if (next) {
		next.searchParams.set('offset', String(nextOffset));
		next.searchParams.set('limit', String(page.limit));
	}
	return {
		from: options.from,
		to: options.to,
		period: options.period,
		deal_type: options.dealType,
		start: waterfall.start,
		end: waterfall.end,
		parts: waterfall.parts,
		counts: waterfall.counts,
		moved_forward: moves.movedForward,
		moved_backward: moves.movedBackward,
		deals_total: total,
		deals_offset: page.offset,
		deals_next: next ? `${next.pathname}${next.search}` : null,
		deals: deals.deals.map((deal) => ({
			deal_id: deal.deal_id,
			part: deal.part,
			stage_from: deal.stage_from,
			stage_to: deal.stage_to,
			amount_from: deal.amount_from,
			amount_to: deal.amount_to,
			change: deal.change,
			deal_name: deal.deal_name,
			owner: deal.owner,
			close_from: deal.close_from,
			close_to: deal.close_to,
			// Only for a deal exported in another currency than the reporting one.
			original: deal.original
		})),
		closed_outside_period: outside.map((deal) => ({
			deal_id: deal.deal_id,
			outcome: deal.outcome,
			amount: deal.amount,
			deal_name: deal.deal_name,
			owner: deal.owner,
			close_from: deal.close_from,
			close_to: deal.close_date
		}))
	};
}
