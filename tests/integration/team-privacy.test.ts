import { afterEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { stageWinRates } from '../../src/lib/server/metrics/calibration.ts';
import { newBusinessByOpener, revenueMixByTeam } from '../../src/lib/server/metrics/revenue-mix.ts';
import { stageConversion } from '../../src/lib/server/metrics/stage-velocity.ts';
import { strengthProfiles } from '../../src/lib/server/metrics/strengths/index.ts';
import {
	MIN_OTHER_REPS_BEHIND_TEAM_FIGURE,
	coversWholeMonths,
	withheldTeamFigure
} from '../../src/lib/server/metrics/team-privacy.ts';
import { freshDatabase } from './helpers.ts';

/*
 * Team North: Ann, Ben, Cat and (in the bigger team) Dee, AEs, and Sam, an SDR who owns no deal.
 * Team South: Dan. Every AE runs one deal Lead -> Qualified -> Discovery -> won in January; Sam
 * opened a deal Dan won (5,000) and one Ann has open (700). Weekly snapshots on the Mondays of
 * January 2026 and 2 February. Stages: 1-6 open, 7 Closed Won.
 */
const won = 7;
const ann: Scope = { role: 'rep', repIds: [1], teamIds: [1], ownRepId: 1 };
const sam: Scope = { role: 'rep', repIds: [5], teamIds: [1], ownRepId: 5 };
const northLeader: Scope = { role: 'leader', repIds: [1, 2, 3, 4, 5], teamIds: [1], ownRepId: null };
const january = { from: '2026-01-01', to: '2026-01-31', newBusinessWeight: 1 };

let cleanup: (() => void) | undefined;
afterEach(() => {
	cleanup?.();
	cleanup = undefined;
});

async function company({ withDee }: { withDee: boolean }): Promise<Database> {
	const fresh = await freshDatabase();
	cleanup = fresh.cleanup;
	const aes = withDee ? [1, 2, 3, 4, 6] : [1, 2, 3, 6];
	await fresh.db.write(async (tx) => {
		await tx.run(`INSERT INTO teams (id, name) VALUES (1, 'North'), (2, 'South')`);
		await tx.run(`INSERT INTO reps (id, email, name, role, team_id) VALUES
			(1, 'ann@example.test', 'Ann', 'AE', 1), (2, 'ben@example.test', 'Ben', 'AE', 1),
			(3, 'cat@example.test', 'Cat', 'AE', 1), (4, 'dee@example.test', 'Dee', 'AE', 1),
			(5, 'sam@example.test', 'Sam', 'SDR', 1), (6, 'dan@example.test', 'Dan', 'AE', 2)`);
		const deal = (id: number, sourcedBy: number | null) =>
			tx.run(
				`INSERT INTO deals (id, crm_id, name, deal_type, source, sourced_by, created_date)
				VALUES ($id, $crm, $name, 'new_business', $source, $sourced_by, '2025-12-01')`,
				{ id, crm: `D${id}`, name: `Deal ${id}`, source: sourcedBy ? 'sdr' : 'inbound', sourced_by: sourcedBy }
			);
		const row = (date: string, id: number, owner: number, stage: number, amount: number, close: string) =>
			tx.run('INSERT INTO snapshots (snapshot_date, deal_id, owner_id, stage_id, amount, probability, close_date) VALUES ($date, $id, $owner, $stage, $amount, $p, $close)', {
				date,
				id,
				owner,
				stage,
				amount,
				p: stage === won ? 1 : 0.4,
				close
			});
		for (const owner of aes) {
			const id = 10 + owner;
			await deal(id, null);
			await row('2026-01-05', id, owner, 1, 1000 * owner, '2026-01-23');
			await row('2026-01-12', id, owner, 2, 1000 * owner, '2026-01-23');
			await row('2026-01-19', id, owner, 3, 1000 * owner, '2026-01-23');
			await row('2026-01-26', id, owner, won, 1000 * owner, '2026-01-23');
		}
		await deal(20, 5);
		await row('2026-01-05', 20, 6, 5, 5000, '2026-01-09');
		await row('2026-01-12', 20, 6, won, 5000, '2026-01-09');
		await deal(21, 5);
		for (const date of ['2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26', '2026-02-02']) await row(date, 21, 1, 4, 700, '2026-03-31');
	});
	return fresh.db;
}

describe('the team-privacy rule', () => {
	it(`asks a rep's team figures for at least ${MIN_OTHER_REPS_BEHIND_TEAM_FIGURE} other reps behind them, and leaves leaders alone`, () => {
		expect(withheldTeamFigure(ann, { otherReps: 2 })).toBe('too_few_reps');
		expect(withheldTeamFigure(ann, { otherReps: 3 })).toBeNull();
		expect(withheldTeamFigure(northLeader, { otherReps: 0 })).toBeNull();
	});

	it('takes whole calendar months, or a period running up to the latest snapshot, and nothing shorter', () => {
		expect(coversWholeMonths({ from: '2026-01-01', to: '2026-01-31' }, '2026-02-02')).toBe(true);
		expect(coversWholeMonths({ from: '2026-01-01', to: '2026-03-31' }, '2026-02-02')).toBe(true);
		// Quarter to date: nothing after the latest snapshot exists yet.
		expect(coversWholeMonths({ from: '2026-01-01', to: '2026-02-02' }, '2026-02-02')).toBe(true);
		expect(coversWholeMonths({ from: '2026-01-12', to: '2026-01-18' }, '2026-02-02')).toBe(false);
		expect(coversWholeMonths({ from: '2026-01-05', to: '2026-01-05' }, '2026-02-02')).toBe(false);
		expect(coversWholeMonths({ from: '2026-01-01', to: '2026-01-30' }, '2026-02-02')).toBe(false);
		expect(coversWholeMonths({ from: '2026-01-02', to: '2026-01-31' }, '2026-02-02')).toBe(false);
	});
});

describe('team figures a rep sees', () => {
	it('a rep with two colleagues behind the team totals gets no revenue mix by team, their leader does', async () => {
		const db = await company({ withDee: false });
		expect(await db.read((q) => revenueMixByTeam(q, ann, january))).toEqual({ teams: [], withheld: 'too_few_reps' });
		const leaders = await db.read((q) => revenueMixByTeam(q, northLeader, january));
		expect(leaders.withheld).toBeNull();
		expect(leaders.teams[0]).toMatchObject({ team: 'North', won_new_business: 6000 });
	});

	it('with three colleagues behind them, a rep gets their team’s totals, won and pipeline, and no other team’s', async () => {
		const db = await company({ withDee: true });
		const mine = await db.read((q) => revenueMixByTeam(q, ann, january));
		expect(mine.withheld).toBeNull();
		expect(mine.teams).toHaveLength(1);
		expect(mine.teams[0]).toMatchObject({ team: 'North', won_new_business: 10000, pipeline_total_new_business: 700 });
	});

	it('an idle teammate does not count: Sam owns no deal, so he is not behind North’s totals for Ann', async () => {
		// Without Dee, North has four other members besides Ann but only Ben and Cat have deals.
		const db = await company({ withDee: false });
		const mine = await db.read((q) => revenueMixByTeam(q, ann, january));
		expect(mine.withheld).toBe('too_few_reps');
		expect(JSON.stringify(mine)).not.toMatch(/6000|North/);
	});

	it('a single-week custom period withholds the team comparison from a rep but not from a leader', async () => {
		const db = await company({ withDee: true });
		const week = { from: '2026-01-12', to: '2026-01-18', newBusinessWeight: 1 };
		expect(await db.read((q) => revenueMixByTeam(q, ann, week))).toEqual({ teams: [], withheld: 'partial_months' });
		const leaders = await db.read((q) => revenueMixByTeam(q, northLeader, week));
		expect(leaders.withheld).toBeNull();
		expect(leaders.teams.map((t) => t.team)).toEqual(['North']);
		// The quarter to date (up to the latest snapshot) is whole months as far as the data goes.
		const toDate = await db.read((q) => revenueMixByTeam(q, ann, { from: '2026-01-01', to: '2026-02-02', newBusinessWeight: 1 }));
		expect(toDate.withheld).toBeNull();
	});

	it('stage conversion keeps its team columns from a rep with two colleagues behind them, not from their leader', async () => {
		const db = await company({ withDee: false });
		const mine = await db.read((q) => stageConversion(q, ann, { at: '2026-02-02' }));
		const qualified = mine.stages.find((s) => s.stage === 'Qualified')!;
		expect(qualified).toMatchObject({ entered: 1, converted: 1, team_withheld: 'too_few_reps' });
		for (const key of ['team_entered', 'team_converted', 'team_conversion', 'team_cumulative', 'team_median_days', 'team_days_sample'] as const) {
			expect(qualified[key]).toBeNull();
		}
		const annForLeader: Scope = { ...northLeader, repIds: [1] };
		const leaders = await db.read((q) => stageConversion(q, annForLeader, { at: '2026-02-02' }));
		expect(leaders.stages.find((s) => s.stage === 'Qualified')).toMatchObject({ team_entered: 3, team_withheld: null });
	});

	it('stage conversion shows a rep their team’s columns with three colleagues behind them, per stage', async () => {
		const db = await company({ withDee: true });
		const mine = await db.read((q) => stageConversion(q, ann, { at: '2026-02-02' }));
		const byStage = Object.fromEntries(mine.stages.map((s) => [s.stage, s]));
		expect(byStage.Qualified).toMatchObject({ team_entered: 4, team_converted: 4, team_conversion: 1, team_withheld: null });
		// Every deal was in Lead at the window's first snapshot, so nobody entered Lead in the window:
		// no one is behind that stage's team figures, and they are not shown as zeros.
		expect(byStage.Lead).toMatchObject({ entered: 0, team_entered: null, team_withheld: 'too_few_reps' });
		// A fixed window shorter than a month is as revealing as a custom week.
		const short = await db.read((q) => stageConversion(q, ann, { at: '2026-02-02', windowWeeks: 2 }));
		expect(short.stages.every((s) => s.team_withheld === 'partial_months' && s.team_entered === null)).toBe(true);
	});
});

describe('the forecast’s team stage-to-won rates a rep sees', () => {
	const teamsOf = (rates: { team: string | null }[]) => [...new Set(rates.map((r) => r.team))];

	it('leave out the team’s rates while only two colleagues have decided deals behind them, not for the leader', async () => {
		const db = await company({ withDee: false });
		const mine = await db.read((q) => stageWinRates(q, ann, { asOf: '2026-02-02' }));
		expect(teamsOf(mine)).toEqual([null]);
		const leaders = await db.read((q) => stageWinRates(q, northLeader, { asOf: '2026-02-02' }));
		expect(teamsOf(leaders)).toEqual([null, 'North']);
	});

	it('show the team’s rates for the stages three colleagues’ decided deals passed through', async () => {
		const db = await company({ withDee: true });
		const mine = await db.read((q) => stageWinRates(q, ann, { asOf: '2026-02-02' }));
		const north = mine.filter((r) => r.team === 'North').map((r) => r.stage);
		expect(north).toEqual(expect.arrayContaining(['Lead', 'Qualified', 'Discovery']));
		expect(north).not.toContain('Negotiation');
	});
});

describe('what an SDR sees of the deals they opened', () => {
	it('the outcome and stage count of every deal they opened, but amounts only of deals owned in their own team', async () => {
		const db = await company({ withDee: true });
		const rows = await db.read((q) => newBusinessByOpener(q, sam, { from: '2026-01-01', to: '2026-01-31' }));
		// Dan (South) won deal 20 for 5,000: Sam sees that it was won, not for how much.
		expect(rows.map((r) => [r.name, r.won_deals, r.won, r.open_deals, r.pipeline_total, r.amounts_withheld])).toEqual([
			['Sam', 1, 0, 1, 700, 1]
		]);
		expect(JSON.stringify(rows)).not.toMatch(/5000/);
	});

	it('their own KPIs count money won only on the deals a colleague of their own team won', async () => {
		const db = await company({ withDee: true });
		// Both of Sam's deals were created on 1 December 2025; Dan (South) won one of them for 5,000.
		const period = [{ key: 'opened', from: '2025-12-01', to: '2026-01-31' }];
		const [mine] = await db.read((q) => strengthProfiles(q, sam, period));
		expect(mine.kpis).toMatchObject({ opened: 2, sourced_won_value: 0 });
		const leaders = await db.read((q) => strengthProfiles(q, northLeader, period));
		expect(leaders.find((p) => p.rep.name === 'Sam')!.kpis).toMatchObject({ opened: 2, sourced_won_value: 5000 });
	});

	it('their leader sees the amounts of what their SDR opened for another team', async () => {
		const db = await company({ withDee: true });
		const rows = await db.read((q) => newBusinessByOpener(q, northLeader, { from: '2026-01-01', to: '2026-01-31' }));
		expect(rows.find((r) => r.name === 'Sam')).toMatchObject({ won: 5000, won_deals: 1, pipeline_total: 700, amounts_withheld: 0 });
	});
});
