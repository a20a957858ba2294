import { afterEach, describe, expect, it } from 'vitest';
import { narrowScope, type Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { MIN_SAMPLE_TO_LABEL, fitBetaPrior, shrinkProportion } from '../../src/lib/domain/shrinkage.ts';
import {
	MIN_PEERS_TO_SHARE_MEDIAN,
	bestPracticeDeals,
	strengthAndGrowthArea,
	strengthProfiles,
	teamStrengths,
	type MeasureKey,
	type MeasureScore,
	type RepProfile
} from '../../src/lib/server/metrics/strengths/index.ts';
import { freshDatabase } from './helpers.ts';

/**
 * Hand-made pipelines, small enough to count on one's fingers. Stage ids are those of the default
 * ladder: 1 Lead, 2 Qualified, 3 Discovery, 4 Solution/Demo, 5 Proposal, 6 Negotiation, 7 Won, 8 Lost.
 * The period under review is the first quarter of 2026.
 */
const Q1 = { from: '2026-01-01', to: '2026-03-31' };
const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };

interface Rep {
	id: number;
	name: string;
	role: 'SDR' | 'BDR' | 'AE' | 'AM' | 'KAM';
	team: number;
}
interface Deal {
	id: number;
	type?: 'new_business' | 'upsell' | 'cross_sell' | 'renewal';
	sourcedBy?: number | null;
	source?: string | null;
	created?: string;
	account?: number | null;
}
/** [snapshot date, deal, owner, stage, amount, close date, forecast category] */
type Row = [string, number, number, number, number, string, string?];

interface Fixture {
	reps: Rep[];
	deals?: Deal[];
	rows: Row[];
	/** [monday, rep, kind, count] */
	activities?: [string, number, string, number][];
}

let cleanup: (() => void) | undefined;
afterEach(() => {
	cleanup?.();
	cleanup = undefined;
});

async function pipeline(fixture: Fixture): Promise<Database> {
	const fresh = await freshDatabase();
	cleanup = fresh.cleanup;
	const dealIds = new Set(fixture.rows.map((r) => r[1]));
	const deals = new Map((fixture.deals ?? []).map((d) => [d.id, d]));
	await fresh.db.write(async (tx) => {
		await tx.run(`INSERT INTO teams (id, name) VALUES (1, 'North'), (2, 'South')`);
		for (const rep of fixture.reps) {
			await tx.run('INSERT INTO reps (id, email, name, role, team_id) VALUES ($id, $email, $name, $role, $team)', {
				id: rep.id,
				email: `${rep.name.toLowerCase()}@example.test`,
				name: rep.name,
				role: rep.role,
				team: rep.team
			});
		}
		for (const id of dealIds) {
			const deal = deals.get(id) ?? { id };
			const first = fixture.rows.filter((r) => r[1] === id).map((r) => r[0]).sort()[0];
			await tx.run(
				`INSERT INTO deals (id, crm_id, name, account_id, deal_type, source, sourced_by, created_date)
				VALUES ($id, $crm, $name, $account, $type, $source, $sourced_by, $created)`,
				{
					id,
					crm: `D-${id}`,
					name: `Deal ${id}`,
					account: deal.account ?? null,
					type: deal.type ?? 'new_business',
					source: deal.source ?? null,
					sourced_by: deal.sourcedBy ?? null,
					created: deal.created ?? first
				}
			);
		}
		for (const [date, deal, owner, stageId, amount, close, category] of fixture.rows) {
			const closed = stageId === 7 || stageId === 8;
			await tx.run('INSERT INTO snapshots VALUES ($date, $deal, $owner, $stage, $amount, $probability, $close, $category)', {
				date,
				deal,
				owner,
				stage: stageId,
				amount,
				probability: stageId === 7 ? 1 : closed ? 0 : category === 'commit' ? 0.8 : 0.3,
				close,
				category: category ?? (stageId === 7 ? 'closed' : closed ? 'omitted' : 'pipeline')
			});
		}
		for (const [date, rep, kind, count] of fixture.activities ?? []) {
			await tx.run('INSERT INTO activities VALUES ($date, $rep, $kind, $count)', { date, rep, kind, count });
		}
	});
	return fresh.db;
}

/** The Monday `n` weeks after Monday 29 December 2025. */
function monday(n: number): string {
	return new Date(Date.UTC(2025, 11, 29 + 7 * n)).toISOString().slice(0, 10);
}

/**
 * A deal that reached `reached` in week 2 of the quarter and closed (won or lost) in week `closedWeek`:
 * the rows a CRM export would hold for it.
 */
function closedDeal(id: number, owner: number, won: boolean, closedWeek = 6, reached = 5): Row[] {
	// Closed on the Friday before the snapshot that first shows it closed.
	const close = new Date(Date.UTC(2025, 11, 29 + 7 * closedWeek - 3)).toISOString().slice(0, 10);
	return [
		[monday(2), id, owner, reached, 1000, monday(closedWeek)],
		[monday(closedWeek), id, owner, won ? 7 : 8, 1000, close]
	];
}

function profileOf(profiles: RepProfile[], name: string): RepProfile {
	const found = profiles.find((p) => p.rep.name === name);
	if (!found) throw new Error(`no profile for ${name}; have ${profiles.map((p) => p.rep.name).join(', ')}`);
	return found;
}

function measure(profile: RepProfile, key: MeasureKey): MeasureScore {
	const found = profile.measures.find((s) => s.key === key);
	if (!found) throw new Error(`${profile.rep.name} has no ${key}`);
	return found;
}

/** A quiet deal in the very first snapshot, so that week 0 is the start of the known history. */
const historyStart: Row = [monday(0), 999, 1, 1, 10, '2026-12-31'];

describe('closing: won and lost deals in the period', () => {
	it('counts a deal once, by its latest outcome, in the period the snapshot first showing that outcome dates it, at that snapshot’s amount and owner', async () => {
		const db = await pipeline({
			reps: [
				{ id: 1, name: 'Ann', role: 'AE', team: 1 },
				{ id: 2, name: 'Ben', role: 'AE', team: 1 }
			],
			deals: [{ id: 101, created: '2025-12-01' }],
			rows: [
				historyStart,
				// Won on 30 January at 1,200; a later snapshot edits the close date into Q2 and the amount.
				[monday(1), 101, 1, 5, 1000, '2026-01-31'],
				[monday(5), 101, 1, 7, 1200, '2026-01-30'],
				[monday(6), 101, 1, 7, 5000, '2026-04-15'],
				// Lost from Discovery, never reached Proposal.
				[monday(1), 102, 1, 3, 500, '2026-02-28'],
				[monday(6), 102, 1, 8, 500, '2026-02-06'],
				// Closed before the quarter: not in it.
				[monday(0), 103, 1, 7, 700, '2025-12-20'],
				// Handed from Ann to Ben before it was won: Ben's win.
				[monday(1), 104, 1, 6, 800, '2026-02-28'],
				[monday(5), 104, 2, 6, 800, '2026-02-28'],
				[monday(7), 104, 2, 7, 800, '2026-02-13'],
				// Lost after Proposal, then reopened and won: the latest outcome (won, at 900, dated 27 February)
				// decides (issue 18; the first closure, lost at 300, used to).
				[monday(1), 105, 2, 5, 300, '2026-01-31'],
				[monday(3), 105, 2, 8, 300, '2026-01-16'],
				[monday(7), 105, 2, 5, 900, '2026-03-31'],
				[monday(9), 105, 2, 7, 900, '2026-02-27'],
				// Dropped from the export while open (issue 18): removed, neither won nor lost.
				[monday(1), 106, 1, 5, 400, '2026-02-10'],
				[monday(2), 106, 1, 6, 400, '2026-02-10']
			]
		});
		const { profiles } = await db.read((q) => teamStrengths(q, everyone, Q1));
		const ann = profileOf(profiles, 'Ann').kpis;
		expect(ann).toMatchObject({ won_count: 1, lost_count: 1, won_value: 1200, win_rate: 0.5 });
		expect(ann.win_rate_value).toBeCloseTo(1200 / 1700, 12);
		// Created 1 December 2025, closed 30 January 2026.
		expect(ann.median_cycle_days).toBe(60);

		const ben = profileOf(profiles, 'Ben');
		expect(ben.kpis).toMatchObject({ won_count: 2, lost_count: 0, won_value: 1700, win_rate: 1 });
		expect(ben.kpis.win_rate_value).toBe(1);
		// Late stage: Ben's two wins passed Proposal; Ann's loss did not.
		expect(measure(ben, 'late_stage_conversion').n).toBe(2);
		expect(measure(profileOf(profiles, 'Ann'), 'late_stage_conversion').n).toBe(1);
	});
});

describe('fairness: shrinkage toward the team and no labels on small samples', () => {
	// Four AEs with 30 late-stage outcomes each (9, 12, 15 and 18 won) and Eve with three, all won.
	const wins = { Ann: 9, Ben: 12, Cat: 15, Dan: 18 } as const;
	const reps: Rep[] = [
		{ id: 1, name: 'Ann', role: 'AE', team: 1 },
		{ id: 2, name: 'Ben', role: 'AE', team: 1 },
		{ id: 3, name: 'Cat', role: 'AE', team: 1 },
		{ id: 4, name: 'Dan', role: 'AE', team: 1 },
		{ id: 5, name: 'Eve', role: 'AE', team: 1 }
	];
	function rows(): Row[] {
		const out: Row[] = [historyStart];
		let id = 1000;
		Object.values(wins).forEach((won, i) => {
			for (let n = 0; n < 30; n++) out.push(...closedDeal(id++, i + 1, n < won));
		});
		for (let n = 0; n < 3; n++) out.push(...closedDeal(id++, 5, true));
		return out;
	}

	it('pulls a 3-of-3 record toward the team rate, shows its interval, and never names it a strength', async () => {
		const db = await pipeline({ reps, rows: rows() });
		const { profiles } = await db.read((q) => teamStrengths(q, everyone, Q1));
		const eve = profileOf(profiles, 'Eve');
		const closing = measure(eve, 'late_stage_conversion');
		expect(closing.raw).toBe(1);
		expect(closing.n).toBe(3);
		expect(closing.n).toBeLessThan(MIN_SAMPLE_TO_LABEL);
		// The posterior of the team's fitted Beta prior after 3 of 3.
		const prior = fitBetaPrior([...Object.values(wins).map((won) => ({ successes: won, trials: 30 })), { successes: 3, trials: 3 }])!;
		const expected = shrinkProportion({ successes: 3, trials: 3 }, prior);
		expect(closing.value).toBeCloseTo(expected.estimate, 12);
		expect(closing.low).toBeCloseTo(expected.low, 12);
		expect(closing.high).toBeCloseTo(expected.high, 12);
		expect(closing.value!).toBeLessThan(0.75);
		expect(closing.low!).toBeLessThan(closing.value!);
		expect(closing.high!).toBeGreaterThan(closing.value!);
		expect(closing.labelled).toBe(false);
		expect(eve.topStrength).toBeNull();
		expect(eve.growthArea).toBeNull();
	});

	it('names strengths and next steps for reps with enough outcomes, ordered as their records are', async () => {
		const db = await pipeline({ reps, rows: rows() });
		const { profiles } = await db.read((q) => teamStrengths(q, everyone, Q1));
		const indexes = (['Ann', 'Ben', 'Cat', 'Dan'] as const).map((name) => measure(profileOf(profiles, name), 'late_stage_conversion'));
		for (const score of indexes) expect(score.labelled).toBe(true);
		expect(indexes.map((s) => s.index)).toEqual([...indexes.map((s) => s.index)].sort((a, b) => a! - b!));
		// The index compares with the team's rate (issue 19: no longer a ratio to the median of the peers):
		// above 100 exactly when the rep's shrunk rate is above the team's.
		const teamRate = indexes[0].team_median!;
		for (const score of indexes) expect(Math.sign(score.index! - 100)).toBe(Math.sign(score.value! - teamRate));
		expect(measure(profileOf(profiles, 'Dan'), 'late_stage_conversion').index).toBeGreaterThan(100);
		expect(measure(profileOf(profiles, 'Ann'), 'late_stage_conversion').index).toBeLessThan(100);
	});

	it('picks the highest labelled index as the top strength and the lowest other one as the next step', () => {
		const score = (key: MeasureKey, index: number | null, labelled = true) =>
			({ key, index, labelled }) as MeasureScore;
		const picked = strengthAndGrowthArea([
			score('win_rate', 130),
			score('opened_per_week', 180, false),
			score('mid_funnel_conversion', 90),
			score('commit_hit_rate', 110)
		]);
		expect(picked.topStrength?.key).toBe('win_rate');
		expect(picked.growthArea?.key).toBe('mid_funnel_conversion');
		expect(strengthAndGrowthArea([score('win_rate', 70)])).toEqual({ topStrength: score('win_rate', 70), growthArea: null });
		expect(strengthAndGrowthArea([score('win_rate', 150, false)])).toEqual({ topStrength: null, growthArea: null });
	});
});

describe('opening: who gets credit for new opportunities', () => {
	it('credits the SDR who sourced a deal, the AE who first owned an unsourced new-business deal, and nobody for an upsell', async () => {
		const db = await pipeline({
			reps: [
				{ id: 1, name: 'Sam', role: 'SDR', team: 1 },
				{ id: 2, name: 'Ann', role: 'AE', team: 1 },
				{ id: 3, name: 'Amy', role: 'AM', team: 1 }
			],
			deals: [
				{ id: 1, sourcedBy: 1, source: 'sdr', created: '2026-01-07' },
				{ id: 2, sourcedBy: 1, source: 'sdr', created: '2026-01-08' },
				{ id: 3, sourcedBy: 1, source: 'sdr', created: '2026-01-09' },
				{ id: 4, sourcedBy: null, source: 'inbound', created: '2026-01-10' },
				{ id: 5, sourcedBy: null, source: 'existing', type: 'upsell', created: '2026-01-10' },
				{ id: 6, sourcedBy: 1, source: 'sdr', created: '2025-12-10' }
			],
			rows: [
				historyStart,
				// Sourced by Sam, owned by Ann: stayed a lead and was lost.
				[monday(2), 1, 2, 1, 100, '2026-03-31'],
				[monday(4), 1, 2, 8, 100, '2026-01-30'],
				// Skipped from Lead straight to Discovery: counts as qualified.
				[monday(2), 2, 2, 1, 100, '2026-03-31'],
				[monday(3), 2, 2, 3, 100, '2026-03-31'],
				// Qualified, not (yet) an opportunity.
				[monday(2), 3, 2, 2, 100, '2026-03-31'],
				// Inbound, turned into an opportunity by Ann.
				[monday(2), 4, 2, 2, 100, '2026-03-31'],
				// Amy's upsell: account management, not opening.
				[monday(2), 5, 3, 3, 100, '2026-03-31'],
				// Sourced before the quarter.
				[monday(0), 6, 2, 2, 100, '2026-03-31']
			]
		});
		const { profiles } = await db.read((q) => teamStrengths(q, everyone, Q1));
		const sam = profileOf(profiles, 'Sam').kpis;
		expect(sam.opened).toBe(3);
		expect(sam.qualification_rate).toBeCloseTo(2 / 3, 12);
		expect(sam.opportunity_rate).toBeCloseTo(1 / 2, 12);
		expect(profileOf(profiles, 'Ann').kpis.opened).toBe(1);
		expect(profileOf(profiles, 'Amy').kpis.opened).toBe(0);
		// AMs do not run the opening leg at all.
		expect(profileOf(profiles, 'Amy').dimensions.map((d) => d.name)).toEqual(['expanding', 'forecasting']);
	});

	it('says “no activities imported” for the measures counted from activities, instead of a 0 nobody earned', async () => {
		const db = await pipeline({
			reps: [
				{ id: 1, name: 'Sam', role: 'SDR', team: 1 },
				{ id: 2, name: 'Ann', role: 'AE', team: 1 }
			],
			deals: [{ id: 1, sourcedBy: 1, source: 'sdr', created: '2026-01-07' }],
			rows: [historyStart, [monday(2), 1, 2, 2, 100, '2026-03-31']]
		});
		const strengths = await db.read((q) => teamStrengths(q, everyone, Q1));
		expect(strengths.activitiesImported).toBe(false);
		const meetings = measure(profileOf(strengths.profiles, 'Sam'), 'meetings_booked_per_week');
		expect(meetings.missing).toBe('no_activities');
		expect(meetings.value).toBeNull();
		expect(meetings.index).toBeNull();
		// What the deals do show stays: the deal Sam sourced.
		expect(measure(profileOf(strengths.profiles, 'Sam'), 'opened_per_week').missing).toBeNull();
		expect(measure(profileOf(strengths.profiles, 'Sam'), 'opened_per_week').n).toBe(1);
	});

	it('reads opening as building pipeline: fewer leads that qualify beat many that go nowhere, each measure with its own sample', async () => {
		// [rep, opened, of which reached Qualified or later]
		const plan: [number, number, number][] = [
			[1, 12, 2],
			[2, 6, 6],
			[3, 8, 4],
			[4, 8, 3]
		];
		const deals: Deal[] = plan.flatMap(([rep, opened]) =>
			Array.from({ length: opened }, (_, i) => ({ id: rep * 100 + i, sourcedBy: rep, source: 'sdr', created: monday(1 + i) }))
		);
		const qualified = new Set(plan.flatMap(([rep, , q]) => Array.from({ length: q }, (_, i) => rep * 100 + i)));
		const db = await pipeline({
			reps: [
				{ id: 1, name: 'Sam', role: 'SDR', team: 1 },
				{ id: 2, name: 'Nia', role: 'SDR', team: 1 },
				{ id: 3, name: 'Ola', role: 'SDR', team: 1 },
				{ id: 4, name: 'Pia', role: 'SDR', team: 1 },
				{ id: 9, name: 'Ann', role: 'AE', team: 1 }
			],
			deals,
			rows: [historyStart, ...deals.map((d): Row => [d.created!, d.id, 9, qualified.has(d.id) ? 3 : 1, 100, '2026-06-30'])]
		});
		const { profiles } = await db.read((q) => teamStrengths(q, everyone, Q1));
		const opening = (name: string) => profileOf(profiles, name).dimensions.find((d) => d.name === 'opening')!;
		expect(opening('Sam').key).toBe('pipeline_built_per_week');
		expect(opening('Nia').index!).toBeGreaterThan(opening('Sam').index!);
		expect(opening('Sam').n).toBe(2);
		const sam = profileOf(profiles, 'Sam');
		expect(measure(sam, 'opened_per_week').n).toBe(12);
		expect(measure(sam, 'qualification_rate').n).toBe(12);
		expect(measure(sam, 'qualification_rate').raw).toBeCloseTo(2 / 12, 12);
		// Sam opens the most, and that still shows where it is measured.
		expect(measure(sam, 'opened_per_week').index!).toBeGreaterThan(measure(profileOf(profiles, 'Nia'), 'opened_per_week').index!);
	});

	it('measures volume per week at work, so a rep who joined mid-quarter is not held to weeks they were not there', async () => {
		// Both opened six deals; Sam's activity log covers the quarter, Nia's starts on Monday 16 February.
		const sourced = (rep: number, from: number): Deal[] =>
			Array.from({ length: 6 }, (_, i) => ({ id: rep * 100 + i, sourcedBy: rep, source: 'sdr', created: monday(from + i) }));
		const deals = [...sourced(1, 1), ...sourced(2, 7)];
		const db = await pipeline({
			reps: [
				{ id: 1, name: 'Sam', role: 'SDR', team: 1 },
				{ id: 2, name: 'Nia', role: 'SDR', team: 1 },
				{ id: 3, name: 'Ann', role: 'AE', team: 1 }
			],
			deals,
			rows: [historyStart, ...deals.map((d): Row => [d.created!, d.id, 3, 1, 100, '2026-06-30'])],
			activities: [
				...Array.from({ length: 14 }, (_, w): [string, number, string, number] => [monday(w), 1, 'call', 50]),
				...Array.from({ length: 7 }, (_, w): [string, number, string, number] => [monday(w + 7), 2, 'call', 50])
			]
		});
		const { profiles } = await db.read((q) => teamStrengths(q, everyone, Q1));
		const rate = (name: string) => measure(profileOf(profiles, name), 'opened_per_week').raw!;
		// Sam: 1 January to 31 March, 90 days; Nia: 16 February to 31 March, 44 days.
		expect(rate('Sam')).toBeCloseTo(6 / (90 / 7), 9);
		expect(rate('Nia')).toBeCloseTo(6 / (44 / 7), 9);
	});
});

describe('advancing: mid-funnel conversion over the deals that entered Discovery in the period', () => {
	it('counts a skip as passing, keeps a reached stage after a step back, and leaves out deals already past Discovery at the first snapshot', async () => {
		const db = await pipeline({
			reps: [{ id: 1, name: 'Ann', role: 'AE', team: 1 }],
			rows: [
				// Already at Discovery in the first snapshot: when it got there is unknown.
				[monday(0), 1, 1, 3, 100, '2026-06-30'],
				[monday(4), 1, 1, 5, 100, '2026-06-30'],
				// Entered Discovery in week 2, skipped Solution/Demo to Proposal in week 6.
				[monday(1), 2, 1, 2, 100, '2026-06-30'],
				[monday(2), 2, 1, 3, 100, '2026-06-30'],
				[monday(6), 2, 1, 5, 100, '2026-06-30'],
				// Entered Discovery, stepped back to Qualified: still entered, not converted.
				[monday(1), 3, 1, 2, 100, '2026-06-30'],
				[monday(3), 3, 1, 3, 100, '2026-06-30'],
				[monday(5), 3, 1, 2, 100, '2026-06-30'],
				// Entered Discovery and won straight away.
				[monday(1), 4, 1, 2, 100, '2026-06-30'],
				[monday(4), 4, 1, 3, 100, '2026-06-30'],
				[monday(8), 4, 1, 7, 100, '2026-02-20']
			]
		});
		// The period reaches back to the first snapshot, where deal 1 already sits at Discovery.
		const [ann] = await db.read((q) => strengthProfiles(q, everyone, [{ key: 'winter', from: '2025-12-01', to: Q1.to }]));
		const mid = measure(ann, 'mid_funnel_conversion');
		expect(mid.n).toBe(3);
		expect(mid.raw).toBeCloseTo(2 / 3, 12);
		// Deal 2: 28 days from Discovery to Proposal over two stages; deal 4: 28 days to the win.
		expect(ann.kpis.mid_days_per_stage).toBe(14);
	});
});

describe('forecasting: the commit hit rate', () => {
	it('counts the deals in Commit at a month’s first snapshot that were due that month, and how many were won in it', async () => {
		const db = await pipeline({
			reps: [{ id: 1, name: 'Ann', role: 'AE', team: 1 }],
			rows: [
				historyStart,
				// First snapshot of February is Monday 2 February (week 5).
				[monday(5), 1, 1, 6, 1000, '2026-02-20', 'commit'],
				[monday(8), 1, 1, 7, 1000, '2026-02-19'],
				[monday(5), 2, 1, 6, 1000, '2026-02-27', 'commit'],
				[monday(10), 2, 1, 7, 1000, '2026-03-04'],
				// Best case, not commit: not part of the hit rate.
				[monday(5), 3, 1, 5, 1000, '2026-02-27', 'best_case'],
				[monday(8), 3, 1, 7, 1000, '2026-02-18'],
				// Committed for March, lost.
				[monday(9), 4, 1, 6, 1000, '2026-03-20', 'commit'],
				[monday(12), 4, 1, 8, 1000, '2026-03-19'],
				// A snapshot after March, so that March is over.
				[monday(14), 999, 1, 1, 10, '2026-12-31']
			]
		});
		const [ann] = await db.read((q) => strengthProfiles(q, everyone, [{ key: 'q1', ...Q1 }]));
		const hits = measure(ann, 'commit_hit_rate');
		expect(hits.n).toBe(3);
		expect(hits.raw).toBeCloseTo(1 / 3, 12);
		expect(ann.kpis.commit_hit_rate).toBeCloseTo(1 / 3, 12);
	});
});

describe('who sees what', () => {
	// Team North: three AEs and two SDRs; team South: one AE.
	const reps: Rep[] = [
		{ id: 1, name: 'Ann', role: 'AE', team: 1 },
		{ id: 2, name: 'Ben', role: 'AE', team: 1 },
		{ id: 3, name: 'Cat', role: 'AE', team: 1 },
		{ id: 4, name: 'Sam', role: 'SDR', team: 1 },
		{ id: 5, name: 'Sue', role: 'SDR', team: 1 },
		{ id: 6, name: 'Zoe', role: 'AE', team: 2 }
	];
	function rows(): Row[] {
		const out: Row[] = [historyStart];
		let id = 2000;
		for (const [owner, won] of [
			[1, 4],
			[2, 6],
			[3, 8],
			[6, 9]
		]) {
			for (let n = 0; n < 12; n++) out.push(...closedDeal(id++, owner, n < won));
		}
		return out;
	}
	const northLeader: Scope = { role: 'leader', repIds: [1, 2, 3, 4, 5], teamIds: [1], ownRepId: null };
	const ann: Scope = { role: 'rep', repIds: [1], teamIds: [1], ownRepId: 1 };
	const sam: Scope = { role: 'rep', repIds: [4], teamIds: [1], ownRepId: 4 };

	it('gives a leader every rep of their team and nobody else’s, compared within the team', async () => {
		const db = await pipeline({ reps, rows: rows() });
		const { profiles } = await db.read((q) => teamStrengths(q, northLeader, Q1));
		expect(profiles.map((p) => p.rep.name).sort()).toEqual(['Ann', 'Ben', 'Cat', 'Sam', 'Sue']);
		const annClosing = measure(profileOf(profiles, 'Ann'), 'late_stage_conversion');
		expect(annClosing.peers).toBe(3);
		expect(annClosing.percentile).not.toBeNull();
	});

	it('gives a rep only their own profile, with the same team median the leader sees', async () => {
		// Dee joins North as a fourth AE, so Ann has three other AEs behind the median.
		const withDee: Rep[] = [...reps, { id: 7, name: 'Dee', role: 'AE', team: 1 }];
		const deeRows = Array.from({ length: 12 }, (_, n) => closedDeal(3000 + n, 7, n < 5)).flat();
		const db = await pipeline({ reps: withDee, rows: [...rows(), ...deeRows] });
		const mine = await db.read((q) => teamStrengths(q, ann, Q1));
		expect(mine.profiles.map((p) => p.rep.name)).toEqual(['Ann']);
		const leaders = await db.read((q) => teamStrengths(q, northLeader, Q1));
		const asRep = measure(mine.profiles[0], 'late_stage_conversion');
		const asLeader = measure(profileOf(leaders.profiles, 'Ann'), 'late_stage_conversion');
		expect(asRep.team_median).toBeCloseTo(asLeader.team_median!, 12);
		expect(asRep.index).toBeCloseTo(asLeader.index!, 12);
		// A percentile places the rep among named colleagues; a rep does not get it.
		expect(asRep.percentile).toBeNull();
		expect(JSON.stringify(mine)).not.toMatch(/Ben|Cat|Dee|Sam|Sue|Zoe/);
	});

	it(`hides the median from a rep with fewer than ${MIN_PEERS_TO_SHARE_MEDIAN} other reps in the role, which the leader still sees`, async () => {
		// Ann has two other AEs on North (Ben, Cat): the team-privacy rule asks for three.
		const db = await pipeline({ reps, rows: rows() });
		const [mine] = (await db.read((q) => teamStrengths(q, ann, Q1))).profiles;
		expect(measure(mine, 'late_stage_conversion').team_median).toBeNull();
		expect(measure(mine, 'late_stage_conversion').index).toBeNull();
		const leaders = await db.read((q) => teamStrengths(q, northLeader, Q1));
		expect(measure(profileOf(leaders.profiles, 'Ann'), 'late_stage_conversion').team_median).not.toBeNull();
	});

	it('hides the median from an SDR with one other SDR on the team, where it would reveal the colleague’s number', async () => {
		// Sam and Sue are the only SDRs: the median of two is their average.
		const db = await pipeline({
			reps,
			deals: [
				{ id: 1, sourcedBy: 4, created: '2026-01-07' },
				{ id: 2, sourcedBy: 5, created: '2026-01-07' }
			],
			rows: [historyStart, [monday(2), 1, 1, 2, 100, '2026-06-30'], [monday(2), 2, 1, 2, 100, '2026-06-30']]
		});
		const [mine] = (await db.read((q) => teamStrengths(q, sam, Q1))).profiles;
		const opening = measure(mine, 'opened_per_week');
		expect(opening.team_median).toBeNull();
		expect(opening.index).toBeNull();
		expect(opening.value).not.toBeNull();
		const [samForLeader] = (await db.read((q) => teamStrengths(q, northLeader, Q1))).profiles.filter((p) => p.rep.name === 'Sam');
		expect(measure(samForLeader, 'opened_per_week').team_median).not.toBeNull();
	});

	it('narrows to one rep only inside the scope: anyone else is a 404, like a rep who does not exist', async () => {
		const db = await pipeline({ reps, rows: rows() });
		const narrowed = await db.read((q) => narrowScope(q, northLeader, { rep: 'BEN@example.test' }));
		expect(narrowed.repIds).toEqual([2]);
		await expect(db.read((q) => narrowScope(q, northLeader, { rep: 'zoe@example.test' }))).rejects.toMatchObject({ status: 404 });
		await expect(db.read((q) => narrowScope(q, ann, { rep: 'ben@example.test' }))).rejects.toMatchObject({ status: 404 });
		await expect(db.read((q) => narrowScope(q, northLeader, { rep: 'nobody@example.test' }))).rejects.toMatchObject({ status: 404 });
	});

	it('compares a rep alone in their role on the team with nobody: values, but no index', async () => {
		const db = await pipeline({ reps, rows: rows() });
		const { profiles } = await db.read((q) => teamStrengths(q, everyone, Q1));
		const zoe = measure(profileOf(profiles, 'Zoe'), 'late_stage_conversion');
		expect(zoe.peers).toBe(1);
		expect(zoe.value).not.toBeNull();
		expect(zoe.index).toBeNull();
		expect(zoe.labelled).toBe(false);
	});
});

describe('best-practice deals: what the team could learn from a rep', () => {
	it("lists a rep's wins that were faster than their team usually wins that type of deal, with the team's usual cycle", async () => {
		const db = await pipeline({
			reps: [
				{ id: 1, name: 'Ann', role: 'AE', team: 1 },
				{ id: 2, name: 'Ben', role: 'AE', team: 1 },
				{ id: 3, name: 'Cy', role: 'AE', team: 2 }
			],
			// Won on 6 February after 32, 67 and 97 days in North; 11 days in South, which North's median does not see.
			deals: [
				{ id: 1, created: '2026-01-05' },
				{ id: 2, created: '2025-12-01' },
				{ id: 3, created: '2025-11-01' },
				{ id: 4, created: '2026-01-26' }
			],
			rows: [...closedDeal(1, 1, true), ...closedDeal(2, 2, true), ...closedDeal(3, 2, true), ...closedDeal(4, 3, true)]
		});
		const best = (scope: Scope) => db.read((q) => bestPracticeDeals(q, scope, { ...Q1 }));
		expect(await best(everyone)).toEqual([
			{
				deal_id: 'D-1',
				deal_name: 'Deal 1',
				deal_type: 'new_business',
				amount: 1000,
				// The amount is the one the snapshot that first showed the win carried.
				amount_on: '2026-02-09',
				created: '2026-01-05',
				closed: '2026-02-06',
				cycle_days: 32,
				typical_cycle_days: 67
			}
		]);
		// For one rep, only their own deals, against the same team median.
		const ann = await db.read((q) => narrowScope(q, everyone, { rep: 'ann@example.test' }));
		expect((await best(ann)).map((d) => d.deal_id)).toEqual(['D-1']);
		const ben = await db.read((q) => narrowScope(q, everyone, { rep: 'ben@example.test' }));
		expect(await best(ben)).toEqual([]);
	});
});
