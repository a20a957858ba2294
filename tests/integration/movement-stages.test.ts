import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import { dealsMovedForward, slippedDeals, stageTransitions, transitionDeals } from '../../src/lib/server/metrics/movement.ts';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import { STALLED_PERCENTILE, agingDeals, stageCohortDeals, stageConversion, stalledDeals, stalledThresholds } from '../../src/lib/server/metrics/stage-velocity.ts';
import { annOnly, catOnly, everyone, history, load, northLeader, pipelineDatabase, rep, stage, week, type SnapshotRow, type StageName } from './movement-fixtures.ts';

let db: Database;
let cleanup: () => void;
beforeEach(async () => ({ db, cleanup } = await pipelineDatabase()));
afterEach(() => cleanup());

const close = '2026-06-30';
/** A deal at `stages[i]` in week `firstWeek + i`, constant amount and close date. */
function path(deal: string, firstWeek: number, stages: (StageName | null)[], amount = '100.00', owner: 'ann' | 'ben' | 'cat' = 'ann'): SnapshotRow[] {
	return history(deal, firstWeek, stages.map((s) => (s === null ? null : [s, amount, close, owner])));
}

describe('stage movement from A to B', () => {
	beforeEach(async () => {
		await load(db, [
			...path('F1', 0, ['Lead', 'Discovery'], '100.00'),
			...path('F2', 0, ['Negotiation', 'Won'], '5000.00'),
			...path('F3', 0, ['Qualified', 'Demo'], '300.00'),
			...path('B1', 0, ['Proposal', 'Discovery']),
			...path('L1', 0, ['Demo', 'Lost']),
			...path('S1', 0, ['Lead', 'Lead']),
			...path('N1', 1, ['Lead']),
			...path('M1', 0, ['Demo', null]),
			...path('RE', 0, ['Lost', 'Qualified'])
		]);
	});

	it('counts forward moves (a win is forward from any open stage) and backward moves; a loss is neither', async () => {
		const t = await db.read((q) => stageTransitions(q, everyone, { from: week(0), to: week(1) }));
		expect(t.movedForward).toBe(3);
		expect(t.movedBackward).toBe(1);
	});

	it('fills the matrix with one cell per pair of stages, new deals coming from nowhere and missing ones going nowhere', async () => {
		const t = await db.read((q) => stageTransitions(q, everyone, { from: week(0), to: week(1) }));
		const cells = t.cells.map((c) => `${c.stage_from ?? '-'} > ${c.stage_to ?? '-'}: ${c.deals} ${c.direction ?? ''}`.trim());
		expect(cells.sort()).toEqual(
			[
				'- > Lead: 1',
				'Closed Lost > Qualified: 1',
				'Lead > Discovery: 1 forward',
				'Lead > Lead: 1',
				'Negotiation > Closed Won: 1 forward',
				'Proposal > Discovery: 1 backward',
				'Qualified > Solution/Demo: 1 forward',
				'Solution/Demo > -: 1',
				'Solution/Demo > Closed Lost: 1'
			].sort()
		);
		const won = t.cells.find((c) => c.stage_to === 'Closed Won');
		expect(won).toMatchObject({ amount_from: 5000, amount_to: 5000, stage_from_id: stage.Negotiation, stage_to_id: stage.Won });
	});

	it('lists the deals that moved forward biggest leap first, then biggest amount: the examples to learn from', async () => {
		const forward = await db.read((q) => dealsMovedForward(q, everyone, { from: week(0), to: week(1) }));
		expect(forward.deals.map((d) => [d.deal_id, d.steps])).toEqual([
			['F3', 2],
			['F1', 2],
			['F2', 1]
		]);
	});

	it('drills into one cell of the matrix, including new and missing deals', async () => {
		const opts = { from: week(0), to: week(1) };
		const fromNowhere = await db.read((q) => transitionDeals(q, everyone, { ...opts, stageFrom: 'none' }));
		expect(fromNowhere.deals.map((d) => d.deal_id)).toEqual(['N1']);
		const toNowhere = await db.read((q) => transitionDeals(q, everyone, { ...opts, stageFrom: stage.Demo, stageTo: 'none' }));
		expect(toNowhere.deals.map((d) => d.deal_id)).toEqual(['M1']);
		const backward = await db.read((q) => transitionDeals(q, everyone, { ...opts, direction: 'backward' }));
		expect(backward.deals.map((d) => [d.deal_id, d.steps])).toEqual([['B1', -2]]);
	});

	it('looks up some deals by CRM id, those that did not move too, and nothing outside the scope', async () => {
		const opts = { from: week(0), to: week(1), dealIds: ['F1', 'B1', 'M1', 'NOT-A-DEAL'] };
		const some = await db.read((q) => transitionDeals(q, everyone, opts));
		expect(some.deals.map((d) => [d.deal_id, d.direction]).sort()).toEqual([
			['B1', 'backward'],
			['F1', 'forward'],
			['M1', null]
		]);
		expect((await db.read((q) => transitionDeals(q, catOnly, opts))).deals).toEqual([]);
	});

	it("shows a rep only their own deals' moves", async () => {
		const t = await db.read((q) => stageTransitions(q, catOnly, { from: week(0), to: week(1) }));
		expect(t).toEqual({ cells: [], movedForward: 0, movedBackward: 0 });
	});
});

describe('slipped deals', () => {
	it('are open deals whose close date moved later between A and B, with how often each has been pushed', async () => {
		await load(db, [
			...history('SLIP', 0, [
				['Proposal', '100.00', '2026-03-01'],
				['Proposal', '100.00', '2026-03-15'],
				['Proposal', '100.00', '2026-03-15'],
				['Proposal', '100.00', '2026-04-01'],
				['Proposal', '100.00', '2026-03-20'],
				['Proposal', '100.00', '2026-05-01']
			]),
			...history('EARLIER', 4, [['Proposal', '100.00', '2026-05-01'], ['Proposal', '100.00', '2026-04-01']]),
			...history('LOSTLATE', 4, [['Proposal', '100.00', '2026-05-01'], ['Lost', '100.00', '2026-06-01']])
		]);
		const slipped = await db.read((q) => slippedDeals(q, everyone, { from: week(4), to: week(5) }));
		expect(slipped.deals).toEqual([
			expect.objectContaining({ deal_id: 'SLIP', close_from: '2026-03-20', close_to: '2026-05-01', days_slipped: 42, times_pushed: 3 })
		]);
	});

	it('with a period, only deals that were due in it at A', async () => {
		await load(db, history('SLIP', 0, [['Proposal', '100.00', '2026-04-20'], ['Proposal', '100.00', '2026-05-10']]));
		const inQ2 = await db.read((q) => slippedDeals(q, everyone, { from: week(0), to: week(1), period: { start: '2026-04-01', end: '2026-06-30' } }));
		expect(inQ2.total).toBe(1);
		const inQ1 = await db.read((q) => slippedDeals(q, everyone, { from: week(0), to: week(1), period: { start: '2026-01-01', end: '2026-03-31' } }));
		expect(inQ1.total).toBe(0);
	});
});

describe('stalled deals', () => {
	/** Five North deals that each spent exactly 14 days in Lead: the team's typical time there. */
	const typicalLead = [
		// Holds the window's first snapshot (week 0), so the Lead entries in week 1 fall inside it.
		...path('ANCHOR', 0, Array(11).fill('Negotiation')),
		...Array.from({ length: 5 }, (_, i) => path(`T${i}`, 1, ['Lead', 'Lead', 'Qualified', 'Qualified', 'Qualified', 'Qualified', 'Qualified', 'Qualified', 'Qualified', 'Qualified'])).flat()
	];

	it("are open deals with no stage change for longer than their team's typical time in that stage", async () => {
		await load(db, [
			...typicalLead,
			...path('LONG', 6, ['Lead', 'Lead', 'Lead', 'Lead', 'Lead']),
			...path('EQUAL', 8, ['Lead', 'Lead', 'Lead']),
			...path('SHORT', 9, ['Lead', 'Lead']),
			...path('BACK', 1, ['Discovery', 'Discovery', 'Discovery', 'Discovery', 'Discovery', 'Discovery', 'Discovery', 'Lead', 'Lead', 'Lead']),
			...path('OLD', 0, Array(11).fill('Lead'))
		]);
		const stalled = await db.read((q) => stalledDeals(q, everyone, { at: week(10) }));
		expect(stalled.deals.map((d) => [d.deal_id, d.days_in_stage, d.typical_days, d.at_least])).toEqual([
			['OLD', 70, 14, true],
			['LONG', 28, 14, false]
		]);
		expect(stalled.deals[1].in_stage_since).toBe(week(6));
	});

	it('a stage nobody has finished in the window has no typical time, so nobody is called stalled in it', async () => {
		await load(db, typicalLead);
		const stalled = await db.read((q) => stalledDeals(q, everyone, { at: week(10) }));
		expect(stalled.total).toBe(0);
	});

	it('a team with too few stays of its own is judged by the typical time across the teams in view', async () => {
		await load(db, [...typicalLead, ...path('CAT', 7, ['Lead', 'Lead', 'Lead', 'Lead'], '100.00', 'cat')]);
		const seenByAll = await db.read((q) => stalledDeals(q, everyone, { at: week(10) }));
		expect(seenByAll.deals.map((d) => [d.deal_id, d.typical_days])).toEqual([['CAT', 14]]);
		// Cat may see only her own team's aggregates, and South has no stays to judge by.
		const seenByCat = await db.read((q) => stalledDeals(q, catOnly, { at: week(10) }));
		expect(seenByCat.total).toBe(0);
	});
});

describe('stalled and aging lists never give a colleague away to a rep (issue 15)', () => {
	// Five Lead stays of two weeks each, and LONG, four weeks in Lead at week 10.
	const stays = (owner: 'ann' | 'ben') => [
		...path('ANCHOR', 0, Array(11).fill('Negotiation'), '100.00', owner),
		...Array.from({ length: 5 }, (_, i) => path(`T${i}`, 1, ['Lead', 'Lead', 'Qualified', ...Array(7).fill('Qualified')], '100.00', owner)).flat()
	];
	const long = path('LONG', 6, ['Lead', 'Lead', 'Lead', 'Lead', 'Lead']);

	it("a rep with one colleague is not judged by that colleague's stays; the leader is", async () => {
		await load(db, [...stays('ben'), ...long]);
		const byLeader = await db.read((q) => stalledDeals(q, northLeader, { at: week(10) }));
		expect(byLeader.deals.map((d) => [d.deal_id, d.typical_days])).toEqual([['LONG', 14]]);
		// Ben's stays are one colleague's figure: Ann, with none of her own, is judged by nothing.
		const byAnn = await db.read((q) => stalledDeals(q, annOnly, { at: week(10) }));
		expect(byAnn.total).toBe(0);
	});

	it('a rep whose team threshold is withheld is judged by their own pace', async () => {
		await load(db, [...stays('ann'), ...long]);
		const byAnn = await db.read((q) => stalledDeals(q, annOnly, { at: week(10) }));
		expect(byAnn.deals.map((d) => [d.deal_id, d.typical_days])).toEqual([['LONG', 14]]);
	});
});

describe('stalled by what is normal (issue 19)', () => {
	/**
	 * Ten deals that stayed 1 to 10 weeks in Lead, all moved on more than half a year before week 40,
	 * and two deals in Lead at week 40: SIX for 6 weeks (past the median stay), TEN for 11 weeks.
	 */
	const longCycles = [
		...path('ANCHOR', 0, Array(41).fill('Negotiation')),
		...Array.from({ length: 10 }, (_, k) => path(`D${k + 1}`, 1, [...Array(k + 1).fill('Lead'), 'Qualified'])).flat(),
		...path('SIX', 34, Array(7).fill('Lead')),
		...path('TEN', 29, Array(12).fill('Lead'))
	];

	it('judges by the 80th percentile of a year of stays, counting deals still in the stage at their age so far', async () => {
		await load(db, longCycles);
		expect(STALLED_PERCENTILE).toBe(0.8);
		// Finished: 7, 14, ..., 70 days; still in Lead: 42 and 77 days (lower bounds). The 80th percentile
		// of the twelve (the shortest stay that at least 80% do not exceed) is 63 days. A median of the
		// finished stays alone (38.5) would flag SIX too.
		const thresholds = await db.read((q) => stalledThresholds(q, everyone, { at: week(40) }));
		expect(thresholds).toContainEqual({ stage: 'Lead', position: 1, team: null, days: 63, finished: 10, still_in_stage: 2 });
		expect(thresholds).toContainEqual({ stage: 'Lead', position: 1, team: 'North', days: 63, finished: 10, still_in_stage: 2 });
		const stalled = await db.read((q) => stalledDeals(q, everyone, { at: week(40) }));
		expect(stalled.deals.map((d) => [d.deal_id, d.days_in_stage, d.typical_days])).toEqual([['TEN', 77, 63]]);
	});

	it('reads stays older than the 26-week window the stage conversion uses', async () => {
		await load(db, longCycles);
		// Every finished stay ended before week 14, outside a 26-week window ending at week 40.
		const stalled = await db.read((q) => stalledDeals(q, everyone, { at: week(40), windowWeeks: 26 }));
		expect(stalled.total).toBe(1);
	});
});

describe('aging deals', () => {
	/** Five North deals won 28 days after creation, and five renewals won after 7 days. */
	const wins = [
		...Array.from({ length: 5 }, (_, i) => path(`W${i}`, 1, ['Proposal', 'Proposal', 'Proposal', 'Proposal', 'Won'])).flat(),
		...Array.from({ length: 5 }, (_, i) => path(`R${i}`, 1, ['Proposal', 'Won'])).flat()
	];
	const renewals = Array.from({ length: 5 }, (_, i) => ({ crm: `R${i}`, type: 'renewal' as const }));

	it('are open deals older than the usual cycle of won deals of the same team and type', async () => {
		await load(
			db,
			[
				...wins.map((row) => ({ ...row, close: row.stage === 'Won' ? week(row.week) : row.close })),
				...path('OLDNB', 2, Array(9).fill('Discovery')),
				...path('YOUNGNB', 8, ['Discovery', 'Discovery', 'Discovery']),
				...path('ANCIENT', 9, ['Discovery', 'Discovery']),
				...path('OLDRN', 8, ['Proposal', 'Proposal', 'Proposal'])
			],
			[...renewals, { crm: 'ANCIENT', created: '2025-06-01' }, { crm: 'OLDRN', type: 'renewal' }]
		);
		const aging = await db.read((q) => agingDeals(q, everyone, { at: week(10) }));
		expect(aging.deals.map((d) => [d.deal_id, d.age_days, d.usual_cycle_days])).toEqual([
			['ANCIENT', 288, 28],
			['OLDNB', 56, 28],
			['OLDRN', 14, 7]
		]);
	});

	it('without five wins to learn from there is no usual cycle, and nothing is called aging', async () => {
		await load(db, [...path('ONEWIN', 1, ['Proposal', 'Won']), ...path('OPEN', 0, Array(11).fill('Lead'))]);
		const aging = await db.read((q) => agingDeals(q, everyone, { at: week(10) }));
		expect(aging.total).toBe(0);
	});
});

describe('stage conversion and time in stage over a rolling window', () => {
	beforeEach(async () => {
		await load(db, [
			...path('C1', 1, ['Lead', 'Qualified', ...Array(8).fill('Discovery')]),
			// Skips Qualified: it counts as having passed it.
			...path('C2', 1, ['Lead', ...Array(9).fill('Discovery')]),
			// Moves back: Qualified stays reached.
			...path('C3', 1, ['Lead', 'Qualified', ...Array(8).fill('Lead')]),
			...path('C4', 1, Array(10).fill('Lead')),
			// Already in Qualified at the window's first snapshot: when it entered is unknown.
			...path('PRE', 0, ['Qualified', 'Qualified', 'Discovery']),
			...path('BEN1', 1, ['Lead', 'Lead', 'Lead', 'Lead', 'Qualified'], '100.00', 'ben'),
			...path('CAT1', 1, ['Lead', 'Qualified'], '100.00', 'cat')
		]);
	});

	it('conversion of a stage is deals that reached a later stage over deals that entered it in the window', async () => {
		const c = await db.read((q) => stageConversion(q, annOnly, { at: week(10) }));
		expect(c.from).toBe(week(0));
		const byStage = Object.fromEntries(c.stages.map((s) => [s.stage, s]));
		expect(byStage.Lead).toMatchObject({ entered: 4, converted: 3, conversion: 0.75, cumulative: 1, median_days: 7, days_sample: 3 });
		expect(byStage.Qualified).toMatchObject({ entered: 3, converted: 2, cumulative: 0.75, median_days: 7, days_sample: 1 });
		expect(byStage.Qualified.conversion).toBeCloseTo(2 / 3, 10);
		expect(byStage.Discovery).toMatchObject({ entered: 3, converted: 0, conversion: 0, cumulative: 0.5, median_days: null });
		expect(c.stages.map((s) => s.stage)).toEqual(['Lead', 'Qualified', 'Discovery', 'Solution/Demo', 'Proposal', 'Negotiation']);
	});

	it("compares a rep with their own team and never with another team", async () => {
		// Ann's leader, looking at Ann: her team is the comparison (a rep with one colleague gets none,
		// team-privacy.test.ts).
		const annForLeader: Scope = { ...northLeader, repIds: [rep.ann] };
		const c = await db.read((q) => stageConversion(q, annForLeader, { at: week(10) }));
		const lead = c.stages.find((s) => s.stage === 'Lead')!;
		// North is Ann and Ben; Cat's deal in South is not part of Ann's comparison.
		expect(lead).toMatchObject({ team_entered: 5, team_converted: 4, team_conversion: 0.8, team_median_days: 7, team_days_sample: 4, team_withheld: null });
		// Ann herself has only Ben behind North's figures: they would give his away.
		const hers = await db.read((q) => stageConversion(q, annOnly, { at: week(10) }));
		expect(hers.stages.find((s) => s.stage === 'Lead')).toMatchObject({ entered: 4, team_entered: null, team_conversion: null, team_withheld: 'too_few_reps' });
	});

	it("a team's figures read from the facts equal those counted from its entries, for one team, all teams and a deal type", async () => {
		// One team or every team is read from the facts' per-team rows; a scope of several teams is
		// counted from the entries. Adding a team that holds no deals takes the second way to the same entries.
		const noDeals = 99;
		const cases: [Scope, Scope][] = [
			[{ ...northLeader, repIds: [rep.ann] }, { ...northLeader, repIds: [rep.ann], teamIds: [1, noDeals] }],
			[{ ...everyone, repIds: [rep.cat] }, { ...everyone, repIds: [rep.cat], teamIds: [1, 2] }]
		];
		for (const [fromFacts, counted] of cases) {
			// Every deal here is new business: that type is all of them, renewals none.
			for (const dealType of [null, 'new_business', 'renewal'] as const) {
				const [a, b] = await db.read(async (q) => [
					await stageConversion(q, fromFacts, { at: week(10), dealType }),
					await stageConversion(q, counted, { at: week(10), dealType })
				]);
				expect(a).toEqual(b);
				const teamEntered = a.stages.find((s) => s.stage === 'Lead')!.team_entered;
				if (dealType === 'renewal') expect(teamEntered).toBe(0);
				else expect(teamEntered).toBeGreaterThan(0);
			}
		}
		// The facts' rows carry North's figures as counted above: Ann and Ben, not Cat.
		const north = await db.read((q) => stageConversion(q, { ...northLeader, repIds: [rep.ann] }, { at: week(10), dealType: 'new_business' }));
		expect(north.stages.find((s) => s.stage === 'Lead')).toMatchObject({ team_entered: 5, team_converted: 4, team_median_days: 7 });
		const everyTeam = await db.read((q) => stageConversion(q, everyone, { at: week(10) }));
		expect(everyTeam.stages.find((s) => s.stage === 'Lead')).toMatchObject({ entered: 6, team_entered: 6 });
	});

	it('drills into the deals behind a stage rate', async () => {
		const cohort = await db.read((q) => stageCohortDeals(q, annOnly, { at: week(10), stageId: stage.Qualified }));
		expect(cohort.deals.map((d) => [d.deal_id, d.entered, d.moved_on, d.stage_now])).toEqual([
			['C1', week(2), week(3), 'Discovery'],
			['C2', week(2), week(2), 'Discovery'],
			['C3', week(2), null, 'Lead']
		]);
	});

	it('a shorter window leaves out entries before it', async () => {
		const c = await db.read((q) => stageConversion(q, annOnly, { at: week(10), windowWeeks: 9 }));
		// Window starts at week 1, the baseline: the Lead entries of week 1 are before it.
		expect(c.stages.find((s) => s.stage === 'Lead')!.entered).toBe(0);
	});
});
