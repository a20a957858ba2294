import { daysInMonth, dayOfMonthStart, monthIndexOfDay, teamOnDay, type DealFact, type LongRangeFacts, type OpenDealFact } from './long-range-facts.ts';

/**
 * What the 6-18 month view learns from the company's own history at one as-of day, the same for
 * everyone who asks (scope only decides which deals and reps are added up afterwards). Everything
 * here is known by the as-of day: deals first seen by then, wins first shown by then, so a backtest
 * at a past month learns exactly what it could have learned then.
 *
 * - Slip: where won deals actually closed, in months after the close month they were given at an
 *   earlier month's first snapshot, by how far ahead that stated month was (overdue, this month, next
 *   month, ...). Learned from snapshots at least half a year before the as-of day, so slow slips have
 *   had time to show.
 * - Yield of a created deal, per segment: of the deals created in a month, how many were won how many
 *   months later (an actuarial table: each lag learns only from the months old enough to show it),
 *   which gives the win rate and the created-to-won lag; and the amounts won (their mean is the size).
 *   Cohorts too young to have shown a lag yet are completed with their deals still open, each at its
 *   calibrated chance and where the slip history says it closes: without them a short history sees
 *   only the quick wins (fewer and smaller), as if long cycles did not exist.
 *   Each team's win rate and size are its own observed-over-expected, shrunk toward the company.
 * - Creation: deals each rep created per month over the last year, counting a new rep's first months
 *   at a fraction (ramp), shrunk toward their team's average; with two years behind, each calendar
 *   month's share of the year (seasonality), shrunk toward an even year.
 */

/** Segment 0 = new business, 1 = existing customers (revenue-mix.ts decides which is which). */
export const segmentNames = ['new_business', 'existing'] as const;
export type SegmentName = (typeof segmentNames)[number];

/** Slip buckets: how far ahead the stated close month was. */
export const slipBuckets = ['overdue', 'this_month', 'next_month', 'in_2_months', 'in_3_to_5_months', 'in_6_months_or_more'] as const;
export type SlipBucket = (typeof slipBuckets)[number];
export const minSlip = -3;
export const maxSlip = 24;
export const maxLag = 30;

/** A new rep's first months count at 1/3, 2/3, then in full. */
export const rampMonths = 3;
/** Months of creation history a rep's rate is learned from. */
export const creationWindowMonths = 12;
/** Months of created cohorts the yield table learns from. */
export const yieldWindowMonths = 36;
/** A rep with little history counts as this many months at the team's average. */
const repShrinkMonths = 3;
/** A team's win rate and size count as this many company-average wins beside its own. */
const teamShrinkWins = 20;
/** A calendar month's seasonal index counts as this many deals at an even year. */
const seasonShrinkDeals = 30;

export function slipBucketOf(statedOffset: number): number {
	if (statedOffset < 0) return 0;
	if (statedOffset <= 2) return statedOffset + 1;
	if (statedOffset <= 5) return 4;
	return 5;
}

export interface SegmentYield {
	/** Deals won per deal created, by months from creation to win. */
	lagCounts: Float64Array;
	winRate: number;
	/** Amounts of the wins learned from: what future wins are drawn from. */
	sizes: Float64Array;
	meanSize: number;
	createdLearned: number;
	winsLearned: number;
}

export interface TeamSegment {
	countFactor: number;
	sizeFactor: number;
	/** The team's own wins and creations in the window, for the band's parameter uncertainty. */
	wins: number;
	created: number;
	/** Reps whose wins the team's rates rest on (team-privacy.ts: a rep sees them only with three others). */
	winners: Set<number>;
	/**
	 * The team's own created-to-won lag (a distribution), shrunk toward the company's: an enterprise
	 * team's deals take longer than the company's average deal, and placing its wins at the
	 * company's lags would put them months too early.
	 */
	lagShape: Float64Array;
}

export interface RepCreation {
	/** Deals per month at full productivity, per segment. */
	rates: [number, number];
	/** Month index the rep started (first seen); null for reps there from the first snapshot. */
	startMonth: number | null;
	teamId: number | null;
}

export interface LearnedModel {
	asOfDay: number;
	asOfMonth: number;
	firstMonth: number;
	/** Per bucket: the distribution of months slipped, index = slip - minSlip. */
	slip: Float64Array[];
	/** How many won deals each bucket learned from. */
	slipLearned: number[];
	yields: [SegmentYield, SegmentYield];
	/**
	 * Per segment: its win rate over the company's, both from created deals. The calibrated stage
	 * rates do not know the segment, and new business is usually won less often (and is larger), so
	 * today's open deals are weighted by their stage's rate times their segment's shift.
	 */
	segmentShift: [number, number];
	/** Key `${teamId}:${segment}` (teamId -1 for none). */
	teams: Map<string, TeamSegment>;
	/** Per team and segment: deals created in the creation window, what the creation rates rest on. */
	teamCreatedRecently: Map<string, number>;
	/** Per team and segment: the per-rep average creation rate, what a new rep ramps up to. */
	teamRepRates: Map<string, number>;
	reps: Map<number, RepCreation>;
	/** Index by calendar month (0 = January), per segment; all 1 without two years of history. */
	season: [Float64Array, Float64Array];
	seasonal: boolean;
	creationMonths: number;
}

export const teamKey = (teamId: number | null, segment: number) => `${teamId ?? -1}:${segment}`;

export function rampAt(startMonth: number | null, month: number): number {
	if (startMonth === null) return 1;
	if (month < startMonth) return 0;
	return Math.min(1, (month - startMonth + 1) / rampMonths);
}

function learnSlip(facts: LongRangeFacts, asOfDay: number, wins: Map<number, DealFact>) {
	const halfYear = [...facts.points.keys()].filter((day) => day <= asOfDay - 182);
	const learnFrom = halfYear.length >= 3 ? halfYear : [...facts.points.keys()].filter((day) => day <= asOfDay - 91);
	const counts = slipBuckets.map(() => new Float64Array(maxSlip - minSlip + 1));
	const learned = slipBuckets.map(() => 0);
	for (const day of learnFrom) {
		const pointMonth = monthIndexOfDay(day);
		for (const open of facts.points.get(day)!) {
			const won = wins.get(open.dealId);
			if (!won || won.wonDay === null || won.wonDay <= day || won.wonDay > asOfDay) continue;
			const bucket = slipBucketOf(open.closeMonth - pointMonth);
			const anchor = Math.max(open.closeMonth, pointMonth);
			const slip = Math.min(maxSlip, Math.max(minSlip, Math.max(won.wonMonth!, pointMonth) - anchor));
			counts[bucket][slip - minSlip] += 1;
			learned[bucket] += 1;
		}
	}
	// Two deals' worth on time: a bucket nobody has been seen in falls back to the stated month.
	const slip = counts.map((row) => {
		row[-minSlip] += 2;
		const total = row.reduce((a, b) => a + b, 0);
		return row.map((value) => value / total);
	});
	return { slip, learned };
}

/**
 * Everything the model learns at `asOfDay`, for every rep and team; `openAtAsOf` are the deals open
 * at that day, with their calibrated chance of winning (what completes the young cohorts).
 */
export function learnModel(facts: LongRangeFacts, asOfDay: number, openAtAsOf: readonly OpenDealFact[] = []): LearnedModel {
	const asOfMonth = monthIndexOfDay(asOfDay);
	const firstDay = facts.snapshotDays[0] ?? asOfDay;
	// The first month of history is partly before the first snapshot: deals created then are undercounted.
	const firstMonth = monthIndexOfDay(firstDay) + 1;
	const known = facts.deals.filter((d) => d.seenDay <= asOfDay);
	const wins = new Map<number, DealFact>();
	for (const deal of known) if (deal.wonDay !== null && deal.wonDay <= asOfDay) wins.set(deal.dealId, deal);
	const { slip, learned: slipLearned } = learnSlip(facts, asOfDay, wins);

	// A deal's history is its creator's team's of the time (dated membership): where it was created.
	const teamOf = (deal: DealFact) => teamOnDay(facts.reps.get(deal.creatorId), deal.seenDay);
	const segmentOf = (deal: DealFact) => (deal.newBusiness ? 0 : 1);

	// Yield table: created per cohort month, wins per cohort and lag, per segment and per team.
	const cohortFirst = Math.max(firstMonth, asOfMonth - yieldWindowMonths);
	const cohorts = asOfMonth - cohortFirst;
	const created = [new Float64Array(Math.max(cohorts, 0)), new Float64Array(Math.max(cohorts, 0))];
	const winsAt = [0, 1].map(() => Array.from({ length: Math.max(cohorts, 0) }, () => new Float64Array(maxLag + 1)));
	const teamCreated = new Map<string, Float64Array>();
	const teamWinsAt = new Map<string, { count: number; amount: number; winners: Set<number> }>();
	const sizes: [number[], number[]] = [[], []];
	// Wins a young cohort has shown in the as-of month so far: part of its lag, not yet of a whole month.
	const recentWinsAt = [0, 1].map(() => Array.from({ length: Math.max(cohorts, 0) }, () => new Float64Array(maxLag + 1)));
	// Per segment and per team: the young cohorts' wins shown this month and still to come (expected).
	const pending = [
		{ wins: 0, amount: 0 },
		{ wins: 0, amount: 0 }
	];
	const teamPending = new Map<string, { wins: number; amount: number }>();
	// Per team and segment, wins by lag: shown (old enough, or this month) and still to come.
	const teamLags = new Map<string, Float64Array>();
	const addTeamLag = (key: string, lag: number, wins: number) => {
		let lags = teamLags.get(key);
		if (!lags) teamLags.set(key, (lags = new Float64Array(maxLag + 1)));
		lags[lag] += wins;
	};
	const addPending = (segment: number, key: string, wins: number, amount: number) => {
		pending[segment].wins += wins;
		pending[segment].amount += amount;
		const team = teamPending.get(key) ?? { wins: 0, amount: 0 };
		team.wins += wins;
		team.amount += amount;
		teamPending.set(key, team);
	};
	for (const deal of known) {
		const cohort = deal.createdMonth - cohortFirst;
		if (cohort < 0 || cohort >= cohorts) continue;
		const segment = segmentOf(deal);
		const key = teamKey(teamOf(deal), segment);
		created[segment][cohort] += 1;
		let perTeam = teamCreated.get(key);
		if (!perTeam) teamCreated.set(key, (perTeam = new Float64Array(cohorts)));
		perTeam[cohort] += 1;
		if (!wins.has(deal.dealId)) continue;
		const lag = Math.max(0, deal.wonMonth! - deal.createdMonth);
		if (lag > maxLag) continue;
		if (cohortFirst + cohort + lag > asOfMonth - 1) {
			recentWinsAt[segment][cohort][lag] += 1;
			addPending(segment, key, 1, deal.wonAmount);
			addTeamLag(key, lag, 1);
			continue;
		}
		addTeamLag(key, lag, 1);
		winsAt[segment][cohort][lag] += 1;
		sizes[segment].push(deal.wonAmount);
		let team = teamWinsAt.get(key);
		if (!team) teamWinsAt.set(key, (team = { count: 0, amount: 0, winners: new Set() }));
		team.count += 1;
		team.amount += deal.wonAmount;
		team.winners.add(deal.creatorId);
	}
	// The young cohorts' wins still to come, from their deals open at the as-of day. The calibrated
	// stage rates do not know the segment (see segmentShift), so each chance is shifted by its
	// segment's win rate over the company's, as the cohorts old enough show them.
	const createdIn = (segment: number) => created[segment].reduce((a, b) => a + b, 0);
	const shownRate = [0, 1].map((segment) => {
		let rate = 0;
		for (let lag = 0; lag <= maxLag; lag++) {
			let won = 0;
			let base = 0;
			for (let cohort = 0; cohort < cohorts && cohortFirst + cohort + lag <= asOfMonth - 1; cohort++) {
				won += winsAt[segment][cohort][lag];
				base += created[segment][cohort];
			}
			if (base > 0) rate += won / base;
		}
		return rate;
	});
	const shownOverall = createdIn(0) + createdIn(1) > 0 ? (shownRate[0] * createdIn(0) + shownRate[1] * createdIn(1)) / (createdIn(0) + createdIn(1)) : 0;
	const pendingShift = [0, 1].map((segment) => (shownOverall > 0 && sizes[segment].length >= teamShrinkWins ? shownRate[segment] / shownOverall : 1));
	const pendingAt = [0, 1].map(() => Array.from({ length: Math.max(cohorts, 0) }, () => new Float64Array(maxLag + 1)));
	for (const open of openAtAsOf) {
		const deal = facts.dealById.get(open.dealId);
		if (!deal || deal.seenDay > asOfDay || (deal.wonDay !== null && deal.wonDay <= asOfDay)) continue;
		const cohort = deal.createdMonth - cohortFirst;
		if (cohort < 0 || cohort >= cohorts) continue;
		const segment = segmentOf(deal);
		const p = Math.min(1, open.pWin * pendingShift[segment]);
		const anchor = Math.max(open.closeMonth, asOfMonth);
		slip[slipBucketOf(open.closeMonth - asOfMonth)].forEach((share, s) => {
			const lag = Math.max(asOfMonth, anchor + s + minSlip) - deal.createdMonth;
			if (lag <= maxLag) {
				pendingAt[segment][cohort][lag] += p * share;
				addTeamLag(teamKey(teamOf(deal), segment), lag, p * share);
			}
		});
		addPending(segment, teamKey(teamOf(deal), segment), p, p * open.amount);
	}
	const observedMeanSize = [0, 1].map((segment) => (sizes[segment].length > 0 ? sizes[segment].reduce((a, b) => a + b, 0) / sizes[segment].length : 0));
	const yields = ([0, 1] as const).map((segment): SegmentYield => {
		const lagCounts = new Float64Array(maxLag + 1);
		let createdLearned = 0;
		for (let cohort = 0; cohort < cohorts; cohort++) createdLearned += created[segment][cohort];
		for (let lag = 0; lag <= maxLag; lag++) {
			let won = 0;
			for (let cohort = 0; cohort < cohorts; cohort++) {
				// A cohort old enough for this lag has shown its wins at it (a whole month past); a younger
				// one has shown some of them this month, and the rest are among its open deals.
				won +=
					cohortFirst + cohort + lag <= asOfMonth - 1
						? winsAt[segment][cohort][lag]
						: recentWinsAt[segment][cohort][lag] + pendingAt[segment][cohort][lag];
			}
			lagCounts[lag] = createdLearned > 0 ? won / createdLearned : 0;
		}
		// The size, too, counts the wins still to come: big deals take longest.
		const observed = sizes[segment].length;
		const meanSize =
			observed + pending[segment].wins > 0
				? (observedMeanSize[segment] * observed + pending[segment].amount) / (observed + pending[segment].wins)
				: 0;
		const scale = observedMeanSize[segment] > 0 ? meanSize / observedMeanSize[segment] : 1;
		return {
			lagCounts,
			winRate: lagCounts.reduce((a, b) => a + b, 0),
			// The won amounts' spread, at the completed mean.
			sizes: Float64Array.from(sizes[segment], (size) => size * scale),
			meanSize,
			createdLearned,
			winsLearned: observed
		};
	}) as [SegmentYield, SegmentYield];

	const overallWinRate =
		createdIn(0) + createdIn(1) > 0 ? (yields[0].winRate * createdIn(0) + yields[1].winRate * createdIn(1)) / (createdIn(0) + createdIn(1)) : 0;
	const segmentShift = [0, 1].map((segment) =>
		overallWinRate > 0 && yields[segment].winsLearned >= teamShrinkWins ? yields[segment].winRate / overallWinRate : 1
	) as [number, number];

	const teams = new Map<string, TeamSegment>();
	for (const [key, perCohort] of teamCreated) {
		const segment = Number(key.split(':')[1]);
		const y = yields[segment];
		// The team's wins, shown and still to come, against what the company's completed yield expects
		// of its cohorts; and their size against the company's completed size.
		const expected = perCohort.reduce((a, b) => a + b, 0) * y.winRate;
		const observed = teamWinsAt.get(key) ?? { count: 0, amount: 0, winners: new Set<number>() };
		const toCome = teamPending.get(key) ?? { wins: 0, amount: 0 };
		const wins = observed.count + toCome.wins;
		const ownLags = teamLags.get(key) ?? new Float64Array(maxLag + 1);
		const ownTotal = ownLags.reduce((a, b) => a + b, 0);
		const lagShape = y.winRate > 0 ? y.lagCounts.map((rate, lag) => (ownLags[lag] + (teamShrinkWins * rate) / y.winRate) / (ownTotal + teamShrinkWins)) : y.lagCounts;
		teams.set(key, {
			countFactor: (wins + teamShrinkWins) / (expected + teamShrinkWins),
			sizeFactor: y.meanSize > 0 ? (observed.amount + toCome.amount + teamShrinkWins * y.meanSize) / ((wins + teamShrinkWins) * y.meanSize) : 1,
			wins: observed.count,
			created: perCohort.reduce((a, b) => a + b, 0),
			winners: observed.winners,
			lagShape
		});
	}

	// Creation per rep over the last year, ramp-adjusted, shrunk toward the team's per-rep average.
	const windowFirst = Math.max(firstMonth, asOfMonth - creationWindowMonths);
	const creationMonths = Math.max(0, asOfMonth - windowFirst);
	const repCounts = new Map<number, [number, number]>();
	for (const deal of known) {
		if (deal.createdMonth < windowFirst || deal.createdMonth >= asOfMonth) continue;
		const counts = repCounts.get(deal.creatorId) ?? [0, 0];
		counts[segmentOf(deal)] += 1;
		repCounts.set(deal.creatorId, counts);
	}
	const startOf = (firstSeenDay: number) => (firstSeenDay <= firstDay + 28 ? null : monthIndexOfDay(firstSeenDay));
	const effectiveMonths = (startMonth: number | null) => {
		let months = 0;
		for (let month = windowFirst; month < asOfMonth; month++) months += rampAt(startMonth, month);
		return months;
	};
	const teamSums = new Map<string, { deals: number; months: number }>();
	for (const rep of facts.reps.values()) {
		if (rep.firstSeenDay > asOfDay) continue;
		const months = effectiveMonths(startOf(rep.firstSeenDay));
		const counts = repCounts.get(rep.id) ?? [0, 0];
		for (const segment of [0, 1]) {
			const key = teamKey(teamOnDay(rep, asOfDay), segment);
			const sum = teamSums.get(key) ?? { deals: 0, months: 0 };
			sum.deals += counts[segment];
			if (counts[0] + counts[1] > 0) sum.months += months;
			teamSums.set(key, sum);
		}
	}
	const teamCreatedRecently = new Map([...teamSums].map(([key, sum]) => [key, sum.deals]));
	const teamRepRates = new Map([...teamSums].map(([key, sum]) => [key, sum.months > 0 ? sum.deals / sum.months : 0]));
	const reps = new Map<number, RepCreation>();
	for (const rep of facts.reps.values()) {
		if (rep.firstSeenDay > asOfDay) continue;
		const startMonth = startOf(rep.firstSeenDay);
		const months = effectiveMonths(startMonth);
		const counts = repCounts.get(rep.id) ?? [0, 0];
		const teamId = teamOnDay(rep, asOfDay);
		const rates = [0, 1].map((segment) => {
			const team = teamRepRates.get(teamKey(teamId, segment)) ?? 0;
			return (counts[segment] + repShrinkMonths * team) / (months + repShrinkMonths);
		}) as [number, number];
		reps.set(rep.id, { rates, startMonth, teamId });
	}

	// Seasonality, only with two whole years of creation behind the as-of month.
	const seasonal = asOfMonth - firstMonth >= 24;
	const season = [new Float64Array(12).fill(1), new Float64Array(12).fill(1)] as [Float64Array, Float64Array];
	if (seasonal) {
		const byMonth = [new Float64Array(12), new Float64Array(12)];
		for (const deal of known) {
			if (deal.createdMonth < asOfMonth - 24 || deal.createdMonth >= asOfMonth) continue;
			byMonth[segmentOf(deal)][deal.createdMonth % 12] += 1;
		}
		for (const segment of [0, 1]) {
			const average = byMonth[segment].reduce((a, b) => a + b, 0) / 12;
			if (average === 0) continue;
			for (let month = 0; month < 12; month++) {
				// Deals that calendar month over the average month, shrunk toward an even year.
				season[segment][month] = (byMonth[segment][month] + seasonShrinkDeals) / (average + seasonShrinkDeals);
			}
		}
	}

	return {
		asOfDay,
		asOfMonth,
		firstMonth,
		slip,
		slipLearned,
		yields,
		segmentShift,
		teams,
		teamCreatedRecently,
		teamRepRates,
		reps,
		season,
		seasonal,
		creationMonths
	};
}

/** The share of the as-of month still ahead on the as-of day: deals created in it from then on are future. */
export function restOfMonth(asOfDay: number): number {
	const month = monthIndexOfDay(asOfDay);
	return (dayOfMonthStart(month) + daysInMonth(month) - asOfDay) / daysInMonth(month);
}
