import { createHash } from 'node:crypto';
import { enoughOtherReps } from './team-privacy.ts';
import type { OpenDealFact } from './long-range-facts.ts';
import { maxLag, minSlip, rampAt, restOfMonth, slipBucketOf, slipBuckets, teamKey, type LearnedModel } from './long-range-model.ts';

/**
 * The projection from one learned model for one set of reps: the expected won revenue per month
 * (today's open deals, plus deals still to be created) and a band from a seeded simulation.
 *
 * Existing layer: each open deal contributes its calibrated chance of winning x its amount, spread
 * over the months the slip history says deals like it really close in. Future layer: each rep's
 * creation per month (ramped, seasonal) x their team's win rate and size x the lag from creation to
 * win. The simulation draws, per run, which deals win and when, how many deals each team creates
 * (Poisson) and wins, their sizes (resampled from the company's wins) and lags, and how far off the
 * learned rates themselves may be (from how many deals they rest on). The same seed gives the same
 * band, so a page reads the same on every load.
 */

/** What-if changes; none of them touch the data. */
export interface Assumptions {
	/** +10 = ten percent more deals created. */
	creationPct: number;
	/** +10 = win rates (of open and future deals) ten percent higher. */
	winRatePct: number;
	/** +20 = creation-to-win twenty percent longer. */
	cyclePct: number;
	/** 30 = three in ten of today's deals slip one month beyond what history says. */
	slipSharePct: number;
	/** Deal ids left out (a big one lost). */
	excludeDealIds: number[];
	/** Reps added (ramping up from `fromMonth`, at their team's average) or removed from `fromMonth` on. */
	repChanges: RepChange[];
}

export type RepChange = { action: 'add'; teamId: number | null; fromMonth: number } | { action: 'remove'; repId: number; fromMonth: number };

export const baseline: Assumptions = { creationPct: 0, winRatePct: 0, cyclePct: 0, slipSharePct: 0, excludeDealIds: [], repChanges: [] };

export interface ProjectedMonth {
	month: number;
	existing: number;
	future: number;
	expected: number;
	p10: number;
	p50: number;
	p90: number;
}

export interface Projection {
	months: ProjectedMonth[];
	/** Per draw, per month (draw x months), the simulated won revenue: for quarters. */
	draws: Float64Array;
	drawCount: number;
	/** Expected creation per month in scope (first whole month), per team and segment. */
	cells: { teamId: number | null; segment: number; createdPerMonth: number; winRate: number; meanSize: number; medianLag: number }[];
	existingDeals: number;
	rampingReps: number;
}

/** Open deals drawn one by one; beyond these, the smaller ones are drawn as sums. */
const exactDeals = 400;

/** A small, fast generator (sfc32) seeded from a text: the same text, the same numbers. */
export function seededRandom(seed: string): () => number {
	const digest = createHash('sha256').update(seed).digest();
	let a = digest.readUInt32LE(0);
	let b = digest.readUInt32LE(4);
	let c = digest.readUInt32LE(8);
	let d = digest.readUInt32LE(12);
	return () => {
		a |= 0;
		b |= 0;
		c |= 0;
		d |= 0;
		const t = (((a + b) | 0) + d) | 0;
		d = (d + 1) | 0;
		a = b ^ (b >>> 9);
		b = (c + (c << 3)) | 0;
		c = (c << 21) | (c >>> 11);
		c = (c + t) | 0;
		return (t >>> 0) / 4294967296;
	};
}

function normal(random: () => number): number {
	const u = Math.max(random(), 1e-12);
	return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function poisson(mean: number, random: () => number): number {
	if (mean <= 0) return 0;
	if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(random)));
	const limit = Math.exp(-mean);
	let k = 0;
	let p = random();
	while (p > limit) {
		k++;
		p *= random();
	}
	return k;
}

function cumulative(weights: Float64Array): Float64Array {
	const total = weights.reduce((a, b) => a + b, 0);
	const out = new Float64Array(weights.length);
	let sum = 0;
	for (let i = 0; i < weights.length; i++) {
		sum += total > 0 ? weights[i] / total : 0;
		out[i] = sum;
	}
	return out;
}

function pick(cdf: Float64Array, random: () => number): number {
	const u = random();
	let i = 0;
	while (i < cdf.length - 1 && cdf[i] < u) i++;
	return i;
}

/** A lag table stretched by a factor: what took L months takes about L x factor. */
function stretched(lags: Float64Array, factor: number): Float64Array {
	if (factor === 1) return lags;
	const out = new Float64Array(lags.length);
	for (let lag = 0; lag < lags.length; lag++) out[Math.min(lags.length - 1, Math.round(lag * factor))] += lags[lag];
	return out;
}

function quantile(sorted: Float64Array, q: number): number {
	if (sorted.length === 0) return 0;
	const at = q * (sorted.length - 1);
	const low = Math.floor(at);
	const high = Math.min(sorted.length - 1, low + 1);
	return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

/** P10, P50, P90 of each column of a draws x columns matrix. */
export function bands(draws: Float64Array, drawCount: number, columns: number): { p10: number; p50: number; p90: number }[] {
	const column = new Float64Array(drawCount);
	return Array.from({ length: columns }, (_, j) => {
		for (let d = 0; d < drawCount; d++) column[d] = draws[d * columns + j];
		column.sort();
		return { p10: quantile(column, 0.1), p50: quantile(column, 0.5), p90: quantile(column, 0.9) };
	});
}

export interface ProjectionRequest {
	model: LearnedModel;
	/** Which open deals are new business (the rest are with existing customers). */
	isNewBusiness: (dealId: number) => boolean;
	/** Today's open deals in scope. */
	openDeals: readonly OpenDealFact[];
	/** Reps whose creation counts: in scope and still selling at the as-of day. */
	reps: readonly number[];
	months: number;
	assumptions: Assumptions;
	draws: number;
	seed: string;
	/** A rep may not be shown their team's rates with fewer than three colleagues behind them (team-privacy.ts): the company's then. */
	viewerRepId?: number | null;
}

/** Months projected are the `months` whole months after the as-of month. */
export function project({ model, isNewBusiness, openDeals, reps, months, assumptions, draws: drawCount, seed, viewerRepId = null }: ProjectionRequest): Projection {
	const first = model.asOfMonth + 1;
	const random = seededRandom(seed);
	const existing = new Float64Array(months);
	const future = new Float64Array(months);
	const draws = new Float64Array(drawCount * months);
	const winFactor = 1 + assumptions.winRatePct / 100;
	const slipShare = Math.min(1, Math.max(0, assumptions.slipSharePct / 100));
	const cycleFactor = Math.max(0.1, 1 + assumptions.cyclePct / 100);

	// Existing layer. Deals with the same slip bucket and stated month land alike, so each such group
	// is spread over the months once: a team's ten thousand open deals cost a few dozen spreads.
	const excluded = new Set(assumptions.excludeDealIds);
	const slipCdf = model.slip.map(cumulative);
	const deals = openDeals.filter((d) => !excluded.has(d.dealId));
	const dealP = new Float64Array(deals.length);
	const dealAnchor = new Int32Array(deals.length);
	const dealBucket = new Int32Array(deals.length);
	const groupKey = (bucket: number, anchor: number) => anchor * slipBuckets.length + bucket;
	const expectedByGroup = new Map<number, number>();
	for (let i = 0; i < deals.length; i++) {
		const deal = deals[i];
		const p = Math.min(1, deal.pWin * model.segmentShift[isNewBusiness(deal.dealId) ? 0 : 1] * winFactor);
		dealP[i] = p;
		dealAnchor[i] = Math.max(deal.closeMonth, model.asOfMonth);
		dealBucket[i] = slipBucketOf(deal.closeMonth - model.asOfMonth);
		const key = groupKey(dealBucket[i], dealAnchor[i]);
		expectedByGroup.set(key, (expectedByGroup.get(key) ?? 0) + p * deal.amount);
	}
	/** Where a won deal of a bucket and stated month lands, by month of the horizon. */
	const landingOf = (bucket: number, anchor: number) => {
		const landing = new Float64Array(months);
		model.slip[bucket].forEach((share, s) => {
			const month = Math.max(model.asOfMonth, anchor + s + minSlip);
			if (month - first >= 0 && month - first < months) landing[month - first] += share * (1 - slipShare);
			if (month + 1 - first >= 0 && month + 1 - first < months) landing[month + 1 - first] += share * slipShare;
		});
		return landing;
	};
	const landings = new Map<number, Float64Array>();
	for (const [key, expected] of expectedByGroup) {
		const landing = landingOf(key % slipBuckets.length, Math.floor(key / slipBuckets.length));
		landings.set(key, landing);
		for (let index = 0; index < months; index++) existing[index] += expected * landing[index];
	}
	// The largest deals are drawn one by one (a single one can make a month); the many smaller ones
	// are summed per slip bucket and stated month, where their total is close to normal.
	const byAmount = deals.map((_, i) => i).sort((a, b) => deals[b].amount - deals[a].amount);
	const drawnOneByOne = byAmount.slice(0, exactDeals);
	const groups = new Map<number, { s1: number; s2: number; s3: number }>();
	for (const i of byAmount.slice(exactDeals)) {
		const key = groupKey(dealBucket[i], dealAnchor[i]);
		let group = groups.get(key);
		if (!group) groups.set(key, (group = { s1: 0, s2: 0, s3: 0 }));
		const amount = deals[i].amount;
		group.s1 += amount * dealP[i];
		group.s2 += amount * amount * dealP[i];
		group.s3 += amount * amount * dealP[i] * dealP[i];
	}
	// The groups are independent, so their normal sums add up to one normal per month: its mean and
	// variance are the groups' sums, and a draw costs one number per month however many groups there are.
	const groupedMean = new Float64Array(months);
	const groupedVariance = new Float64Array(months);
	for (const [key, group] of groups) {
		const landing = landings.get(key)!;
		for (let index = 0; index < months; index++) {
			const w = landing[index];
			groupedMean[index] += group.s1 * w;
			groupedVariance[index] += Math.max(0, group.s2 * w - group.s3 * w * w);
		}
	}
	const groupedSd = groupedVariance.map(Math.sqrt);
	// How far off the stage rates and slip history may be: one spread per run, from the wins they rest on.
	const slipWins = model.slipLearned.reduce((a, b) => a + b, 0);
	const existingSpread = Math.sqrt(1 / Math.max(1, slipWins) + 1 / Math.max(1, model.yields[0].winsLearned + model.yields[1].winsLearned));
	for (let d = 0; d < drawCount; d++) {
		const row = d * months;
		const drift = Math.exp(existingSpread * normal(random) - (existingSpread * existingSpread) / 2);
		for (const i of drawnOneByOne) {
			if (random() >= dealP[i]) continue;
			let landing = Math.max(model.asOfMonth, dealAnchor[i] + pick(slipCdf[dealBucket[i]], random) + minSlip);
			if (slipShare > 0 && random() < slipShare) landing += 1;
			const index = landing - first;
			if (index >= 0 && index < months) draws[row + index] += deals[i].amount;
		}
		for (let index = 0; index < months; index++) {
			if (groupedMean[index] > 0) draws[row + index] += Math.max(0, groupedMean[index] + groupedSd[index] * normal(random));
		}
		for (let index = 0; index < months; index++) draws[row + index] *= drift;
	}

	// Future layer: expected wins per team, segment and creation month.
	const creationFactor = Math.max(0, 1 + assumptions.creationPct / 100);
	const rest = restOfMonth(model.asOfDay);
	const lastCreation = model.asOfMonth + months; // created after the horizon cannot be won in it
	const creators: { teamId: number | null; rates: [number, number]; startMonth: number | null; until: number }[] = [];
	let rampingReps = 0;
	for (const id of reps) {
		const rep = model.reps.get(id);
		if (!rep) continue;
		const removal = assumptions.repChanges.find((c) => c.action === 'remove' && c.repId === id);
		creators.push({ ...rep, until: removal ? removal.fromMonth : Infinity });
		if (rep.startMonth !== null && rampAt(rep.startMonth, model.asOfMonth) < 1) rampingReps++;
	}
	for (const change of assumptions.repChanges) {
		if (change.action !== 'add') continue;
		const rates = [0, 1].map((segment) => model.teamRepRates.get(teamKey(change.teamId, segment)) ?? 0) as [number, number];
		creators.push({ teamId: change.teamId, rates, startMonth: change.fromMonth, until: Infinity });
	}
	const cells = new Map<string, { teamId: number | null; segment: number; perMonth: Float64Array }>();
	for (const creator of creators) {
		for (const segment of [0, 1]) {
			const key = teamKey(creator.teamId, segment);
			let cell = cells.get(key);
			if (!cell) cells.set(key, (cell = { teamId: creator.teamId, segment, perMonth: new Float64Array(lastCreation - model.asOfMonth + 1) }));
			for (let month = model.asOfMonth; month <= lastCreation; month++) {
				if (month >= creator.until) continue;
				const share = month === model.asOfMonth ? rest : 1;
				cell.perMonth[month - model.asOfMonth] +=
					creator.rates[segment] * rampAt(creator.startMonth, month) * model.season[segment][month % 12] * share * creationFactor;
			}
		}
	}
	const cellSummaries: Projection['cells'] = [];
	for (const cell of cells.values()) {
		const y = model.yields[cell.segment];
		const company = { countFactor: 1, sizeFactor: 1, wins: 0, created: 0, winners: new Set<number>(), lagShape: y.lagCounts };
		const learned = model.teams.get(teamKey(cell.teamId, cell.segment));
		const others = learned ? [...learned.winners].filter((id) => id !== viewerRepId).length : 0;
		const team = learned && (viewerRepId === null || enoughOtherReps(others)) ? learned : company;
		const winRate = Math.min(1, y.winRate * team.countFactor * winFactor);
		const meanSize = y.meanSize * team.sizeFactor;
		const lags = stretched(team.lagShape, cycleFactor);
		const lagCdf = cumulative(lags);
		const lagTotal = lags.reduce((a, b) => a + b, 0);
		const medianLag = lagTotal > 0 ? lagCdf.findIndex((c) => c >= 0.5) : 0;
		cellSummaries.push({ teamId: cell.teamId, segment: cell.segment, createdPerMonth: cell.perMonth[1] ?? 0, winRate, meanSize, medianLag });
		if (winRate <= 0 || lagTotal <= 0 || y.sizes.length === 0) continue;
		// Expected wins landing in each month: creation x win rate x lag.
		const winsByMonth = new Float64Array(months);
		for (let c = 0; c < cell.perMonth.length; c++) {
			const wins = cell.perMonth[c] * winRate;
			for (let lag = 0; lag <= maxLag; lag++) {
				const index = model.asOfMonth + c + lag - first;
				if (index >= 0 && index < months) winsByMonth[index] += (wins * lags[lag]) / lagTotal;
			}
		}
		for (let i = 0; i < months; i++) future[i] += winsByMonth[i] * meanSize;
		// How far off the learned rates may be: one spread per run, from how many deals they rest on.
		// The creation rate rests on the last year's deals, the win rate and size on the team's wins.
		const recent = model.teamCreatedRecently.get(teamKey(cell.teamId, cell.segment)) ?? 0;
		const spread = Math.sqrt(1 / Math.max(1, recent) + 1 / Math.max(1, team.wins || y.winsLearned));
		const sizes = y.sizes;
		const sizeScale = team.sizeFactor;
		const sizeSd = Math.sqrt(sizes.reduce((sum, size) => sum + (size - y.meanSize) ** 2, 0) / sizes.length);
		for (let d = 0; d < drawCount; d++) {
			const row = d * months;
			const drift = Math.exp(spread * normal(random) - (spread * spread) / 2);
			for (let i = 0; i < months; i++) {
				// Wins from many creation months and lags landing in one month are again Poisson.
				const won = poisson(winsByMonth[i] * drift, random);
				if (won <= 30) {
					for (let k = 0; k < won; k++) draws[row + i] += sizes[Math.floor(random() * sizes.length)] * sizeScale;
				} else {
					// Many wins: their sum is close to normal, which saves drawing each of them.
					draws[row + i] += Math.max(0, won * y.meanSize + Math.sqrt(won) * sizeSd * normal(random)) * sizeScale;
				}
			}
		}
	}

	const band = bands(draws, drawCount, months);
	return {
		months: Array.from({ length: months }, (_, i) => ({
			month: first + i,
			existing: existing[i],
			future: future[i],
			expected: existing[i] + future[i],
			...band[i]
		})),
		draws,
		drawCount,
		cells: cellSummaries,
		existingDeals: deals.length,
		rampingReps
	};
}
