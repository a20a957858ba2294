/**
 * The demo company's two years, week by week.
 *
 * Each week new opportunities are opened (SDRs and BDRs source them, AEs turn inbound and partner
 * leads into them, AMs and KAMs open upsells, cross-sells and renewals on their customers). When a
 * deal is opened its whole life is planned at once from its own random stream: the stages it will
 * pass, how long it sits in each, whether it stalls, slips, goes backwards, changes size, is won or
 * lost, and what its owner says about its probability and close date along the way. The Monday
 * snapshots then just read each deal's plan at that date. Planning up front keeps the simulation
 * simple and streaming: snapshot rows are handed to the writer week by week, in snapshot-date order,
 * and never held in memory.
 *
 * The simulation starts well before the first snapshot (a warm-up), so that the first snapshot
 * already holds the half-finished pipeline of a company in full swing. Warm-up deals that are over
 * before the first snapshot are dropped, as if the CRM export had started that Monday.
 */
import {
	addYears,
	businessDayOnOrAfter,
	endOfMonth,
	nextQuarterStart,
	quarterOfYear,
	quarterStart,
	weekday,
	type Day
} from './calendar.ts';
import {
	accountManagerFor,
	clamp,
	demoReps,
	demoTeams,
	foundAccounts,
	typicalContractCents,
	type DemoAccount,
	type DemoRep,
	type DemoTeam
} from './company.ts';
import { Random, Stream, streamSeed } from './random.ts';

export type DealType = 'new_business' | 'upsell' | 'cross_sell' | 'renewal';
export type DealSource = 'inbound' | 'sdr' | 'bdr' | 'partner' | 'existing';
export type ForecastCategory = 'pipeline' | 'best_case' | 'commit' | 'closed' | 'omitted';
export type ActivityKind = 'call' | 'email' | 'meeting_booked' | 'meeting_held' | 'demo' | 'proposal_sent';

export interface SimulationOptions {
	seed: number;
	/**
	 * 1 = about 1,800 accounts and 9,000 deals over two years (5,000 over one); 40 = about 200,000
	 * deals over one year. The reps stay the same 32 people. See `DEAL_VOLUME`.
	 */
	scale: number;
	/** The last snapshot, a Monday. */
	until: Day;
	/** How many weekly snapshots, ending at `until`. */
	weeks: number;
}

/** Receives every snapshot row, in snapshot-date order; amounts in cents. */
export type SnapshotWriter = (
	snapshotDate: Day,
	dealId: number,
	ownerId: number,
	stageId: number,
	amountCents: number,
	probability: number,
	closeDate: Day,
	category: ForecastCategory
) => void;

export interface DemoDeal {
	id: number;
	crmId: string;
	name: string;
	accountId: number;
	dealType: DealType;
	source: DealSource;
	sourcedBy: number | null;
	createdDate: Day;
}

export interface ActivityRow {
	activityDate: Day;
	repId: number;
	kind: ActivityKind;
	count: number;
}

export interface QuotaRow {
	repId: number;
	periodStart: Day;
	periodEnd: Day;
	amountCents: number;
}

export interface SimulatedCompany {
	accounts: DemoAccount[];
	deals: DemoDeal[];
	activities: ActivityRow[];
	quotas: QuotaRow[];
	snapshotDates: number;
	snapshotRows: number;
	/** The rep rows' `active` flag: false for those who left during the history. */
	activeRepIds: Set<number>;
}

// The stage ladder seeded by migration 001: ids 1-6 open (Lead .. Negotiation), 7 won, 8 lost.
const WON = 7;
const LOST = 8;
const NEGOTIATION = 6;
const stageProbability = [0, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 0];
// Relative time a deal spends in each open stage: discovery is slow, the final paperwork quick.
const stageWeight = [0, 0.5, 0.8, 1.2, 1.0, 1.0, 0.8];
const FULL_CYCLE_WEIGHT = 4.8; // Qualified .. Negotiation: the cycle lengths below are measured over that.

const workdayOffsets = [6, 5, 4, 3, 0];
const WARM_UP_WEEKS = 110; // longer than the slowest enterprise deal, so the first snapshot is in full swing.

/**
 * How busy the demo company is per unit of `scale`: it multiplies the rates at which new business is
 * opened and the number of accounts (1,000 times this per unit of scale). Accounts grow with the rates
 * so that each prospect is worked as often as before (a team out of prospects would silently open
 * fewer deals: see `pickProspect`), and so that renewals and expansions, which follow the customers,
 * keep their share of the deals. The value is the performance issue's: `--scale 40` over 52 weekly
 * snapshots must hold about 200,000 deals (at 1 it held 112,172). The team is the same 32 people at
 * every scale, so each rep carries this many times the deals the per-rep rates below describe.
 */
export const DEAL_VOLUME = 1.78;

// ---------------------------------------------------------------------------------------------
// People

interface RepProfile {
	rep: DemoRep;
	team: DemoTeam;
	/** The Friday they left, or null. */
	leftOn: Day | null;
	optimistic: boolean;
	/** What the rep adds to a deal's probability: a little noise if reliable, 0.18-0.26 if optimistic. */
	probabilityBias: number;
}

function isActive(profile: RepProfile, day: Day): boolean {
	return profile.leftOn === null || day < profile.leftOn;
}

/**
 * The deal's true chance of being won from `stage`: the stage default with its odds scaled by the
 * deal's edge (the owner's closing skill, and for renewals and upsells the customer's goodwill). A
 * reliable rep knows their own odds, so a strong closer's Proposal deal is worth more than 0.6; for a
 * typical rep this is exactly the stage default.
 */
function trueProbability(stage: number, edge: number): number {
	const p = stageProbability[stage];
	return (p * edge) / (p * edge + 1 - p);
}

/**
 * The probability a rep puts on a deal in an open stage, rounded like a CRM's percentages. A reliable
 * rep states the true odds give or take a little; an optimist starts from the better of the stage
 * default and the true odds (a weak closer does not believe they are one) and adds their optimism.
 */
function reportedProbability(stage: number, edge: number, owner: RepProfile, dealNoise: number): number {
	const odds = trueProbability(stage, edge);
	const stated = owner.optimistic
		? Math.max(odds, stageProbability[stage]) + (stage < 3 ? owner.probabilityBias / 2 : owner.probabilityBias)
		: odds + owner.probabilityBias;
	return Math.round(clamp(stated + dealNoise, 0.01, 0.95) * 100) / 100;
}

function categoryFor(stage: number, probability: number): ForecastCategory {
	if (stage === WON) return 'closed';
	if (stage === LOST) return 'omitted';
	return probability >= 0.7 ? 'commit' : probability >= 0.4 ? 'best_case' : 'pipeline';
}

// ---------------------------------------------------------------------------------------------
// One deal's life

interface DealBrief {
	created: Day;
	account: DemoAccount;
	owner: RepProfile;
	type: DealType;
	source: DealSource;
	sourcedBy: number | null;
	startStage: number;
	amountCents: number;
	/**
	 * How much better than the stage defaults this deal's odds are: the owner's closing skill, times
	 * the customer's goodwill for renewals and expansions. Its win chance is the start stage's
	 * default with the odds scaled by it.
	 */
	edge: number;
	/** Typical days from Qualified to won for this kind of deal; the plan varies around it. */
	cycleDays: number;
	/** Renewals: the contract anniversary, which both the rep and the true close date aim at. */
	renewalDue: Day | null;
}

/** A deal's plan as a list of states, each valid from its day until the next one's. */
interface DealLife {
	id: number;
	days: number[];
	stages: number[];
	amounts: number[];
	probabilities: number[];
	closeDates: number[];
	owners: number[];
	/** Index of the state shown at the last snapshot written. */
	cursor: number;
}

/**
 * Where a lost deal drops out: as for a typical rep, whose odds at each stage are the stage default
 * p(s), so that an open deal at s reaches s+1 with chance p(s)/p(s+1). Drawing it this way for every
 * rep keeps each rep's odds at every stage exactly `trueProbability(s, edge)`, whatever their edge.
 */
function lossStage(rng: Random, startStage: number): number {
	const stages: number[] = [];
	const weights: number[] = [];
	for (let s = startStage; s <= NEGOTIATION; s++) {
		const reach = stageProbability[startStage] / stageProbability[s];
		const next = s === NEGOTIATION ? 1 : stageProbability[s + 1];
		stages.push(s);
		weights.push(reach * (1 - stageProbability[s] / next));
	}
	return rng.weighted(stages, weights);
}

type Event = { day: Day; kind: 'stage' | 'amount' | 'close' | 'owner'; value: number };

type Successor = (owner: RepProfile, day: Day, rng: Random) => RepProfile;

function planDeal(brief: DealBrief, rng: Random, successorFor: Successor) {
	const { created, owner, startStage } = brief;
	const won = rng.chance(trueProbability(startStage, brief.edge));
	const lastStage = won ? NEGOTIATION : lossStage(rng, startStage);

	// The stages it passes through; now and then one is skipped (it still counts as passed).
	const stages: number[] = [];
	for (let s = startStage; s <= lastStage; s++) {
		if (s !== startStage && s !== lastStage && rng.chance(0.07)) continue;
		stages.push(s);
	}
	let remainingWeight = 0;
	for (let s = startStage; s <= NEGOTIATION; s++) remainingWeight += stageWeight[s];
	const typicalRemaining = (brief.cycleDays * remainingWeight) / FULL_CYCLE_WEIGHT;
	const dwell = stages.map((s) => {
		let days = ((brief.cycleDays * stageWeight[s]) / FULL_CYCLE_WEIGHT) * rng.logNormal(1, 0.35);
		if (rng.chance(0.07)) days *= rng.between(2, 3.5); // a stall
		return days;
	});
	if (brief.renewalDue !== null) {
		// Renewals run to the contract date, often a little past it.
		const target = (brief.renewalDue - created) * rng.normal(1.04, 0.06);
		const sum = dwell.reduce((a, b) => a + b, 0);
		for (let i = 0; i < dwell.length; i++) dwell[i] *= target / sum;
	}
	for (let i = 0; i < dwell.length; i++) dwell[i] = Math.max(7, Math.round(dwell[i]));

	// Rarely, a deal goes back a stage (re-scoped, new decision maker) and then forward again.
	if (stages.length >= 3 && rng.chance(0.04)) {
		const i = rng.int(1, stages.length - 1);
		const s = stages[i];
		if (s >= 3) {
			const first = Math.max(7, Math.round(dwell[i] / 2));
			const rest = Math.max(7, dwell[i] - first);
			stages.splice(i + 1, 0, s - 1, s);
			dwell.splice(i, 1, first, rng.int(7, 21), rest);
		}
	}

	const enter: number[] = [];
	let t = created;
	for (const days of dwell) {
		enter.push(t);
		t += days;
	}
	let closeDay = t;

	// The close date the owner enters: optimists plan about 20% too short.
	const planFactor = owner.optimistic ? rng.normal(0.8, 0.08) : rng.normal(1, 0.12);
	let expected: Day;
	if (brief.renewalDue !== null) {
		expected = owner.optimistic ? created + Math.round((brief.renewalDue - created) * planFactor) : brief.renewalDue;
	} else {
		expected = clamp(created + Math.round(typicalRemaining * planFactor), created + 30, created + 548);
		if (rng.chance(0.5)) expected = Math.min(endOfMonth(expected), created + 548);
	}
	const events: Event[] = [{ day: created, kind: 'close', value: expected }];

	// Week by week: near the planned date a slipper pushes it (and the deal really does take longer);
	// a close date that has passed with the deal still open gets moved on the Friday before the snapshot.
	const firstMonday = created + ((7 - weekday(created)) % 7);
	let pushes = 0;
	for (let monday = firstMonday + 7; monday - 7 < closeDay; monday += 7) {
		const pushDay = monday - rng.int(4, 6);
		if (
			pushes < 10 &&
			expected - monday <= 56 &&
			pushDay < closeDay &&
			pushDay > created &&
			rng.chance(owner.rep.traits.slipping)
		) {
			const truly = 7 * rng.int(1, 3);
			for (let i = 0; i < enter.length; i++) if (enter[i] > pushDay) enter[i] += truly;
			closeDay += truly;
			expected = Math.max(expected, pushDay) + truly + 7 * rng.int(0, 2);
			events.push({ day: pushDay, kind: 'close', value: expected });
			pushes++;
		}
		const cleanupDay = monday - 3;
		if (expected < monday && cleanupDay < closeDay && cleanupDay > created) {
			expected = owner.optimistic
				? monday + 7 * rng.int(1, 4)
				: Math.max(monday + 7, closeDay + Math.round(rng.normal(0, 7)));
			if (rng.chance(0.5)) expected = endOfMonth(expected);
			events.push({ day: cleanupDay, kind: 'close', value: expected });
		}
	}

	// Work happens on weekdays. Stage changes are at least a week apart, so this keeps their order.
	for (let i = 1; i < enter.length; i++) {
		events.push({ day: businessDayOnOrAfter(enter[i]), kind: 'stage', value: stages[i] });
	}
	closeDay = businessDayOnOrAfter(closeDay);
	events.push({ day: closeDay, kind: 'stage', value: won ? WON : LOST });

	// Size changes: re-scoped at proposal, discounted in negotiation, now and then anywhere.
	const expansion = brief.type !== 'new_business';
	const resizes: { day: Day; factor: number }[] = [];
	for (let i = 1; i < stages.length; i++) {
		if (stages[i] === 5 && rng.chance(expansion ? 0.2 : 0.45)) {
			resizes.push({ day: enter[i], factor: rng.logNormal(1, 0.15) });
		}
		if (stages[i] === 6 && rng.chance(0.35)) resizes.push({ day: enter[i], factor: rng.between(0.88, 0.97) });
	}
	if (closeDay - created > 14 && rng.chance(0.12)) {
		resizes.push({ day: created + rng.int(7, closeDay - created - 1), factor: rng.between(0.75, 1.3) });
	}
	resizes.sort((a, b) => a.day - b.day);
	let amount = brief.amountCents;
	for (const resize of resizes) {
		amount = atLeastMinimum(Math.round(amount * resize.factor), rng);
		events.push({ day: businessDayOnOrAfter(resize.day), kind: 'amount', value: amount });
	}

	// Rarely a lost deal comes back: the customer calls again a few weeks later.
	let outcome: 'won' | 'lost' = won ? 'won' : 'lost';
	let finalDay = closeDay;
	if (!won && rng.chance(0.025)) {
		const reopenDay = businessDayOnOrAfter(closeDay + 7 * rng.int(3, 12));
		const reopenStage = clamp(lastStage, 3, 5);
		const dwellAgain = 7 * rng.int(3, 10);
		const wonAgain = rng.chance(trueProbability(reopenStage, brief.edge) * 0.7);
		events.push({ day: reopenDay, kind: 'stage', value: reopenStage });
		events.push({ day: reopenDay, kind: 'close', value: reopenDay + Math.round(dwellAgain * planFactor) });
		finalDay = businessDayOnOrAfter(reopenDay + dwellAgain);
		events.push({ day: finalDay, kind: 'stage', value: wonAgain ? WON : LOST });
		outcome = wonAgain ? 'won' : 'lost';
	}

	// A rep who leaves hands their open deals to a colleague; closed ones stay theirs.
	let successor: RepProfile | null = null;
	if (owner.leftOn !== null && owner.leftOn > created && owner.leftOn < finalDay) {
		successor = successorFor(owner, owner.leftOn, rng);
		events.push({ day: owner.leftOn, kind: 'owner', value: successor.rep.id });
	}

	// Same-day events apply in the order they were planned; sort is stable.
	events.sort((a, b) => a.day - b.day);
	const dealNoise = rng.between(-0.02, 0.02);
	const life: DealLife = {
		id: 0,
		days: [],
		stages: [],
		amounts: [],
		probabilities: [],
		closeDates: [],
		owners: [],
		cursor: -1
	};
	let stage = startStage;
	let current = owner;
	amount = brief.amountCents;
	expected = events[0].value;
	for (let i = 0; i < events.length; i++) {
		const event = events[i];
		if (event.kind === 'stage') stage = event.value;
		else if (event.kind === 'amount') amount = event.value;
		else if (event.kind === 'close') expected = event.value;
		else current = successor!;
		if (i + 1 < events.length && events[i + 1].day === event.day) continue;
		const closed = stage === WON || stage === LOST;
		life.days.push(event.day);
		life.stages.push(stage);
		life.amounts.push(amount);
		life.probabilities.push(
			stage === WON ? 1 : stage === LOST ? 0 : reportedProbability(stage, brief.edge, current, dealNoise)
		);
		// A closed deal's close date is the day it closed.
		life.closeDates.push(closed ? event.day : expected);
		life.owners.push(current.rep.id);
	}
	return { life, outcome, finalDay, finalAmount: amount, finalOwner: current };
}

// ---------------------------------------------------------------------------------------------
// The company, week by week

export function simulateDemoCompany(options: SimulationOptions, writeSnapshot: SnapshotWriter): SimulatedCompany {
	const { seed, scale, until, weeks } = options;
	const volume = scale * DEAL_VOLUME;
	const firstSnapshot = until - 7 * (weeks - 1);
	const warmUpStart = firstSnapshot - 7 * WARM_UP_WEEKS;

	const companyRng = new Random(streamSeed(seed, Stream.company));
	const profiles: RepProfile[] = demoReps.map((rep) => {
		const optimistic = rep.traits.forecasting === 'optimistic';
		return {
			rep,
			team: demoTeams.find((t) => t.id === rep.teamId)!,
			leftOn:
				rep.leavesAfterWeeks !== null && rep.leavesAfterWeeks < weeks
					? firstSnapshot + 7 * rep.leavesAfterWeeks - 3
					: null,
			optimistic,
			probabilityBias: optimistic ? companyRng.between(0.18, 0.26) : companyRng.between(-0.03, 0.03)
		};
	});
	const profileById = new Map(profiles.map((p) => [p.rep.id, p]));
	const teamReps = (teamId: number, role: DemoRep['role'], day: Day) =>
		profiles.filter((p) => p.rep.teamId === teamId && p.rep.role === role && isActive(p, day));
	const successorFor: Successor = (owner, day, rng) => rng.pick(teamReps(owner.rep.teamId, owner.rep.role, day + 1));

	const accountCount = Math.max(1, Math.round(1000 * volume));
	const accounts = foundAccounts(new Random(streamSeed(seed, Stream.accounts)), accountCount, firstSnapshot);
	// Renewals due before the warm-up started are history nobody will see.
	for (const account of accounts) {
		while (account.nextRenewal !== null && account.nextRenewal - renewalLead(account) <= warmUpStart) {
			account.nextRenewal = addYears(account.nextRenewal, 1);
		}
	}
	const prospectsByTeam = new Map<number, DemoAccount[]>(demoTeams.map((t) => [t.id, []]));
	for (const account of accounts) if (account.customerSince === null) prospectsByTeam.get(account.teamId)!.push(account);

	const deals: DemoDeal[] = [];
	const book = new DealBook();
	const activityWeeks = Math.max(0, weeks - 1);
	const events = new ActivityEvents(profiles.length, activityWeeks, firstSnapshot);
	const wonByRep = new Map<number, { day: Day; cents: number }[]>();
	let serial = 0;
	let snapshotRows = 0;

	function openDeal(brief: DealBrief) {
		const rng = new Random(streamSeed(seed, Stream.deal, serial++));
		const plan = planDeal(brief, rng, successorFor);
		// Warm-up deals already over at the first snapshot never made it into the export.
		if (plan.finalDay <= firstSnapshot && brief.created < firstSnapshot) return;
		const id = deals.length + 1;
		plan.life.id = id;
		deals.push({
			id,
			crmId: `DEMO-OPP-${String(id).padStart(7, '0')}`,
			name: `${brief.account.name} · ${productFor(rng, brief)}`,
			accountId: brief.account.id,
			dealType: brief.type,
			source: brief.source,
			sourcedBy: brief.sourcedBy,
			createdDate: brief.created
		});
		book.add(plan.life);
		recordActivity(brief, plan.life);

		const account = brief.account;
		if (brief.type === 'new_business') {
			account.openNewBusinessUntil = Math.max(account.openNewBusinessUntil, plan.finalDay);
		} else if (brief.type !== 'renewal') {
			account.openExpansionUntil = Math.max(account.openExpansionUntil, plan.finalDay);
		}
		if (plan.outcome === 'won') {
			const list = wonByRep.get(plan.finalOwner.rep.id) ?? [];
			list.push({ day: plan.finalDay, cents: plan.finalAmount });
			wonByRep.set(plan.finalOwner.rep.id, list);
			if (brief.type === 'new_business') {
				if (account.customerSince === null || plan.finalDay < account.customerSince) {
					account.customerSince = plan.finalDay;
					account.managerId = accountManagerFor(rng, account.teamId, account.keyAccount);
					account.nextRenewal = addYears(plan.finalDay, 1);
					account.arrCents = plan.finalAmount;
				}
			} else if (brief.type === 'renewal') account.arrCents = plan.finalAmount;
			else account.arrCents += plan.finalAmount;
		} else if (brief.type === 'renewal') {
			account.churnedOn = plan.finalDay;
		}
	}

	function recordActivity(brief: DealBrief, life: DealLife) {
		if (brief.sourcedBy !== null) events.add(brief.sourcedBy, brief.created, 'meeting_booked', 1);
		// Opening an opportunity means a first meeting was held.
		events.add(life.owners[0], brief.created, 'meeting_held', 1);
		for (let i = 1; i < life.stages.length; i++) {
			const stage = life.stages[i];
			if (stage === life.stages[i - 1]) continue;
			if (stage === 3) events.add(life.owners[i], life.days[i], 'meeting_held', 1);
			else if (stage === 4) events.add(life.owners[i], life.days[i], 'demo', 1);
			else if (stage === 5) events.add(life.owners[i], life.days[i], 'proposal_sent', 1);
		}
	}

	for (let week = -WARM_UP_WEEKS; week < weeks; week++) {
		const monday = firstSnapshot + 7 * week;
		const rng = new Random(streamSeed(seed, Stream.newDeals, week));
		// The working days since last Monday's snapshot: Tuesday to Friday, and this Monday.
		const dayInWeek = () => monday - rng.pick(workdayOffsets);
		const christmas = isChristmasWeek(monday);

		// New business: the relay's first leg.
		for (const team of demoTeams) {
			const segmentRate = (team.segment === 'enterprise' ? 0.6 : 1) * volume * (christmas ? 0.3 : 1);
			const aes = teamReps(team.id, 'AE', monday);
			if (aes.length === 0) continue;
			for (const opener of profiles) {
				if (opener.rep.teamId !== team.id || !isActive(opener, monday)) continue;
				const role = opener.rep.role;
				const opening = opener.rep.traits.opening;
				const plans: [DealSource, number][] =
					role === 'SDR'
						? [['sdr', 1.8]]
						: role === 'BDR'
							? [['bdr', 1.0]]
							: role === 'AE'
								? [
										['inbound', 1.1],
										['partner', 0.3]
									]
								: [];
				for (const [source, perWeek] of plans) {
					const count = rng.poisson(perWeek * opening * segmentRate);
					for (let n = 0; n < count; n++) {
						const created = dayInWeek();
						const account = pickProspect(rng, prospectsByTeam.get(team.id)!, created, source === 'bdr');
						if (!account) continue;
						const owner = role === 'AE' ? opener : rng.pick(aes);
						const startStage =
							source === 'sdr'
								? rng.chance(0.15) ? 1 : 2
								: source === 'inbound'
									? rng.chance(0.3) ? 1 : 2
									: rng.chance(0.5) ? 2 : 3;
						let amountCents = typicalContractCents(rng, team);
						if (source === 'bdr') amountCents *= 1.3;
						if (source === 'partner') amountCents *= 1.15;
						if (account.keyAccount) amountCents *= 1.8;
						openDeal({
							created,
							account,
							owner,
							type: 'new_business',
							source,
							sourcedBy: role === 'SDR' || role === 'BDR' ? opener.rep.id : null,
							startStage,
							amountCents: Math.round(amountCents),
							edge: owner.rep.traits.closing,
							cycleDays:
								team.segment === 'enterprise'
									? rng.between(190, 540)
									: clamp(rng.logNormal(85, 0.4), 35, 200),
							renewalDue: null
						});
					}
				}
			}
		}

		// Renewals, a few months before each contract anniversary; a lost one means the customer left.
		for (const account of accounts) {
			if (account.nextRenewal === null) continue;
			if (account.churnedOn !== null) {
				account.nextRenewal = null;
				continue;
			}
			const due = account.nextRenewal;
			const created = businessDayOnOrAfter(due - renewalLead(account));
			if (created > monday) continue;
			account.nextRenewal = addYears(due, 1);
			const owner = profileById.get(account.managerId!)!;
			const startStage = rng.chance(0.6) ? 6 : 5;
			openDeal({
				created: Math.max(created, monday - 6),
				account,
				owner,
				type: 'renewal',
				source: 'existing',
				sourcedBy: null,
				startStage,
				amountCents: Math.round(account.arrCents * rng.between(0.97, 1.08)),
				// Most customers renew: the odds are far better than a new deal's at the same stage.
				edge: 2.5 * owner.rep.traits.closing,
				cycleDays: due - created,
				renewalDue: due
			});
		}

		// Upsell and cross-sell: how often depends on the account manager's knack for expanding.
		for (const account of accounts) {
			if (account.customerSince === null || account.customerSince > monday - 6) continue;
			if (account.churnedOn !== null && account.churnedOn <= monday) continue;
			if (account.openExpansionUntil >= monday - 6) continue;
			const manager = profileById.get(account.managerId!)!;
			const team = manager.team;
			const expanding = manager.rep.traits.expanding;
			const perWeek =
				(0.6 / 52) *
				expanding *
				(account.keyAccount ? 3 : 1) *
				(team.segment === 'enterprise' ? 1.2 : 1) *
				(christmas ? 0.3 : 1);
			if (!rng.chance(perWeek)) continue;
			const type: DealType = rng.chance(0.55) ? 'upsell' : 'cross_sell';
			const aes = teamReps(team.id, 'AE', monday);
			const owner = type === 'cross_sell' && aes.length > 0 && rng.chance(0.15) ? rng.pick(aes) : manager;
			const startStage = type === 'upsell' ? (rng.chance(0.5) ? 3 : 4) : rng.chance(0.3) ? 2 : 3;
			const share = type === 'upsell' ? rng.between(0.08, 0.3) : rng.between(0.15, 0.45);
			openDeal({
				created: dayInWeek(),
				account,
				owner,
				type,
				source: 'existing',
				sourcedBy: null,
				startStage,
				amountCents: atLeastMinimum(Math.round(account.arrCents * share * Math.sqrt(expanding)), rng),
				edge: 2 * owner.rep.traits.closing * Math.sqrt(expanding),
				cycleDays:
					team.segment === 'enterprise' ? clamp(rng.logNormal(170, 0.35), 60, 400) : clamp(rng.logNormal(70, 0.4), 28, 180),
				renewalDue: null
			});
		}

		if (week < 0) continue;

		snapshotRows += book.writeSnapshot(monday, writeSnapshot);
	}

	for (const account of accounts) {
		// Only what has happened by the last snapshot is known.
		if (account.customerSince !== null && account.customerSince > until) account.customerSince = null;
	}

	const activeRepIds = new Set(profiles.filter((p) => p.leftOn === null).map((p) => p.rep.id));
	return {
		accounts,
		deals,
		activities: activityRows(seed, volume, profiles, events, firstSnapshot, activityWeeks),
		quotas: quotaRows(profiles, wonByRep, firstSnapshot, until),
		snapshotDates: weeks,
		snapshotRows,
		activeRepIds
	};
}

/** Renewal talks start about four months ahead in mid-market, eight in enterprise. */
function renewalLead(account: DemoAccount): number {
	return demoTeams[account.teamId - 1].segment === 'enterprise' ? 240 : 120;
}

/** Nothing is sold below 1,000 EUR; small deals are rounded up to a little above that, cents and all. */
function atLeastMinimum(cents: number, rng: Random): number {
	return cents >= 100_000 ? cents : rng.int(100_000, 150_000);
}

function isChristmasWeek(monday: Day): boolean {
	const date = new Date((monday + 3) * 86_400_000);
	return (date.getUTCMonth() === 11 && date.getUTCDate() >= 22) || (date.getUTCMonth() === 0 && date.getUTCDate() <= 3);
}

/**
 * A prospect to open a deal with: AEs spread their attention, so one without an open new-business
 * deal is preferred; BDRs go after the strategic (key) targets first.
 */
function pickProspect(rng: Random, pool: DemoAccount[], day: Day, strategic: boolean): DemoAccount | null {
	let fallback: DemoAccount | null = null;
	for (let attempt = 0; attempt < 8 && pool.length > 0; attempt++) {
		const index = rng.int(0, pool.length - 1);
		const account = pool[index];
		if (account.customerSince !== null && account.customerSince <= day) {
			// Won: from now on it buys through its account manager.
			pool[index] = pool[pool.length - 1];
			pool.pop();
			continue;
		}
		if (strategic && !account.keyAccount && attempt < 3) {
			fallback ??= account;
			continue;
		}
		if (account.openNewBusinessUntil < day) return account;
		fallback ??= account;
	}
	return fallback;
}

function productFor(rng: Random, brief: DealBrief): string {
	switch (brief.type) {
		case 'new_business':
			return rng.pick(['Platform', 'Platform Pro', 'Starter Bundle', 'Analytics Suite', 'Enterprise Platform']);
		case 'upsell':
			return rng.pick(['Additional Seats', 'Premium Tier', 'Usage Expansion', 'New Site Rollout']);
		case 'cross_sell':
			return rng.pick(['Analytics Add-on', 'Integration Hub', 'Premium Support', 'Training Package', 'Data Connector']);
		case 'renewal':
			return `Renewal ${new Date(brief.renewalDue! * 86_400_000).getUTCFullYear()}`;
	}
}

/**
 * Every deal in the export so far, by id. A deal's plan is dropped once it has closed for good: from
 * then on its row is the same every week and is kept as flat columns.
 */
class DealBook {
	private lives: (DealLife | null)[] = [];
	private owners: number[] = [];
	private stages: number[] = [];
	private amounts: number[] = [];
	private probabilities: number[] = [];
	private closeDates: number[] = [];

	/** Ids are handed out in creation order, so deal `id` sits at index `id - 1`. */
	add(life: DealLife) {
		this.lives.push(life);
		this.owners.push(0);
		this.stages.push(0);
		this.amounts.push(0);
		this.probabilities.push(0);
		this.closeDates.push(0);
	}

	/**
	 * One Monday's snapshot, in deal-id order: appending each date's rows sorted keeps DuckDB's
	 * primary-key index inserts sequential (several times faster than random order) and makes the
	 * deal-id zone maps tight. Closed deals stay in every later snapshot (won or lost): the movement
	 * view compares two snapshots and counts a deal missing from the later one as lost, so a won deal
	 * that simply vanished would be miscounted.
	 */
	writeSnapshot(monday: Day, write: SnapshotWriter): number {
		const count = this.lives.length;
		for (let i = 0; i < count; i++) {
			const life = this.lives[i];
			if (life === null) {
				const stage = this.stages[i];
				const category = stage === WON ? 'closed' : 'omitted';
				write(monday, i + 1, this.owners[i], stage, this.amounts[i], this.probabilities[i], this.closeDates[i], category);
				continue;
			}
			let c = life.cursor;
			while (c + 1 < life.days.length && life.days[c + 1] <= monday) c++;
			life.cursor = c;
			const stage = life.stages[c];
			const probability = life.probabilities[c];
			const category = categoryFor(stage, probability);
			write(monday, life.id, life.owners[c], stage, life.amounts[c], probability, life.closeDates[c], category);
			if (c === life.days.length - 1) {
				this.lives[i] = null;
				this.owners[i] = life.owners[c];
				this.stages[i] = stage;
				this.amounts[i] = life.amounts[c];
				this.probabilities[i] = life.probabilities[c];
				this.closeDates[i] = life.closeDates[c];
			}
		}
		return count;
	}
}

// ---------------------------------------------------------------------------------------------
// Activities: weekly counts per rep, the deal-driven ones taken from what actually happened.

const activityKinds: ActivityKind[] = ['call', 'email', 'meeting_booked', 'meeting_held', 'demo', 'proposal_sent'];

class ActivityEvents {
	readonly counts: Float64Array;

	constructor(
		reps: number,
		private readonly weeks: number,
		private readonly firstWeek: Day
	) {
		this.counts = new Float64Array(reps * weeks * activityKinds.length);
	}

	/** Activity weeks run Monday to Sunday and are named by their Monday. */
	add(repId: number, day: Day, kind: ActivityKind, n: number) {
		const week = Math.floor((day - this.firstWeek) / 7);
		if (week < 0 || week >= this.weeks) return;
		this.counts[this.index(repId - 1, week, kind)] += n;
	}

	get(repIndex: number, week: number, kind: ActivityKind): number {
		return this.counts[this.index(repIndex, week, kind)];
	}

	private index(repIndex: number, week: number, kind: ActivityKind) {
		return (repIndex * this.weeks + week) * activityKinds.length + activityKinds.indexOf(kind);
	}
}

/** What each role does all week, beside what the deals record. */
const roleActivity: Record<DemoRep['role'], Partial<Record<ActivityKind, number>>> = {
	SDR: { call: 140, email: 190, meeting_booked: 0 },
	BDR: { call: 60, email: 140, meeting_booked: 0, meeting_held: 3 },
	AE: { call: 45, email: 110, meeting_held: 4, demo: 1.5, proposal_sent: 0.3 },
	AM: { call: 30, email: 90, meeting_held: 6, demo: 0, proposal_sent: 0 },
	KAM: { call: 20, email: 70, meeting_held: 5, demo: 0, proposal_sent: 0 }
};

/**
 * Only complete weeks are written (the one starting on the last snapshot Monday has barely begun).
 * Calls and e-mails are human-sized whatever the scale; meetings, demos and proposals follow the deals,
 * and so do the booked meetings that never became one (`volume` is scale times `DEAL_VOLUME`).
 */
function activityRows(
	seed: number,
	volume: number,
	profiles: RepProfile[],
	events: ActivityEvents,
	firstWeek: Day,
	weeks: number
): ActivityRow[] {
	const rows: ActivityRow[] = [];
	for (let week = 0; week < weeks; week++) {
		const monday = firstWeek + 7 * week;
		const christmas = isChristmasWeek(monday);
		profiles.forEach((profile, repIndex) => {
			if (!isActive(profile, monday)) return;
			const rng = new Random(streamSeed(seed, Stream.activity, week, profile.rep.id));
			// About five weeks of holiday a year, plus the quiet days around Christmas.
			const presence = christmas ? 0.25 : rng.chance(0.1) ? 0.15 : 1;
			for (const [kind, base] of Object.entries(roleActivity[profile.rep.role]) as [ActivityKind, number][]) {
				const happened = events.get(repIndex, week, kind);
				let count = rng.poisson(base * presence) + happened;
				// Not every booked meeting turns into an opportunity: some are no-shows or unqualified.
				if (kind === 'meeting_booked') count += rng.poisson(happened * 0.8 + presence * volume * 0.5);
				rows.push({ activityDate: monday, repId: profile.rep.id, kind, count });
			}
		});
	}
	return rows;
}

// ---------------------------------------------------------------------------------------------
// Quotas

const seasonality = [0, 0.9, 1.0, 0.95, 1.15]; // Q4 is where budgets are spent

/**
 * Quarterly quotas for everyone who carries one (AE, AM, KAM), from the first full quarter of the
 * history to 18 months past its end. Each is 10% above what a typical rep of that team and role
 * actually won per quarter, adjusted for the season: most reps land between 70% and 130%.
 */
function quotaRows(
	profiles: RepProfile[],
	wonByRep: Map<number, { day: Day; cents: number }[]>,
	firstSnapshot: Day,
	until: Day
): QuotaRow[] {
	const firstQuarter = quarterStart(firstSnapshot) === firstSnapshot ? firstSnapshot : nextQuarterStart(firstSnapshot);
	const horizon = nextQuarterStart(until + 548);
	const quarters: Day[] = [];
	for (let q = firstQuarter; q < horizon; q = nextQuarterStart(q)) quarters.push(q);

	// Baseline: won per rep-quarter for each team and role, over the quarters fully in the history.
	const baseline = new Map<string, number>();
	const carriers = profiles.filter((p) => p.rep.role === 'AE' || p.rep.role === 'AM' || p.rep.role === 'KAM');
	for (const profile of carriers) {
		const key = `${profile.rep.teamId}/${profile.rep.role}`;
		if (baseline.has(key)) continue;
		let won = 0;
		let repDays = 0;
		for (const colleague of carriers) {
			if (`${colleague.rep.teamId}/${colleague.rep.role}` !== key) continue;
			const end = Math.min(until, colleague.leftOn ?? until);
			repDays += Math.max(0, end - firstSnapshot);
			for (const w of wonByRep.get(colleague.rep.id) ?? []) if (w.day >= firstSnapshot && w.day < end) won += w.cents;
		}
		baseline.set(key, repDays > 0 ? (won / repDays) * 91 : 0);
	}

	const rows: QuotaRow[] = [];
	for (const profile of carriers) {
		const perQuarter = baseline.get(`${profile.rep.teamId}/${profile.rep.role}`)!;
		for (const start of quarters) {
			if (profile.leftOn !== null && start >= profile.leftOn) continue;
			const euros = (perQuarter / 100) * 1.1 * seasonality[quarterOfYear(start)];
			rows.push({
				repId: profile.rep.id,
				periodStart: start,
				periodEnd: nextQuarterStart(start) - 1,
				amountCents: Math.max(5_000, Math.round(euros / 1_000) * 1_000) * 100
			});
		}
	}
	return rows;
}
