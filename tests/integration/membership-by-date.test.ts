import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { narrowScope, scopeForUser, type Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { quarterOf } from '../../src/lib/domain/periods.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { stageWinRates } from '../../src/lib/server/metrics/calibration.ts';
import { dataQuality, openDealGaps } from '../../src/lib/server/metrics/data-quality.ts';
import { forecastBacktest, forecastMovement } from '../../src/lib/server/metrics/forecast-accuracy.ts';
import { forecastByPeriod, forecastRisks } from '../../src/lib/server/metrics/forecast.ts';
import { longRangeForecast } from '../../src/lib/server/metrics/long-range.ts';
import { stageConversion } from '../../src/lib/server/metrics/stage-velocity.ts';
import { strengthProfiles, teamStrengths } from '../../src/lib/server/metrics/strengths/index.ts';
import { writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

/**
 * Ann sells in North until Monday 16 February 2026, then in South. Whichever way the move is told
 * (a roster with `valid_from`, or a deal export whose team column names South from that week on),
 * every view that reads history gives North what she did before and South what she did after:
 * - A1 she worked and won in North (Discovery, Proposal from 19 January, won 2 February, 1000);
 * - A2 she opened and won in South (Discovery 23 February, Proposal 2 March, won 16 March, 400);
 * - A3 sits in Lead all along with a close date (31 January) long past: North's until she moved.
 * Ben (North) and Cat (South) each hold one open deal due in June.
 */

const weeks = Array.from({ length: 14 }, (_, i) => new Date(Date.UTC(2026, 0, 5 + 7 * i)).toISOString().slice(0, 10));
const moved = '2026-02-16';
const asOf = weeks.at(-1)!; // 2026-04-06

function a1(week: string) {
	if (week <= '2026-01-12') return ['Discovery', 0.5];
	if (week <= '2026-01-26') return ['Proposal', 0.5];
	return ['Closed Won', 1];
}
function a2(week: string) {
	if (week < '2026-02-23') return null;
	if (week < '2026-03-02') return ['Discovery', 0.5];
	if (week < '2026-03-16') return ['Proposal', 0.5];
	return ['Closed Won', 1];
}

/** The snapshot rows of `dates`, Ann's team column as `annTeam` says. */
function rows(dates: readonly string[], annTeam: (week: string) => string) {
	return dates.flatMap((w) => {
		const ann = `ann@example.test,Ann,${annTeam(w)}`;
		const [stage1, p1] = a1(w);
		const second = a2(w);
		return [
			`${w},A1,${ann},${stage1},1000,2026-01-30,${p1}`,
			...(second ? [`${w},A2,${ann},${second[0]},400,2026-03-13,${second[1]}`] : []),
			`${w},A3,${ann},Lead,300,2026-01-31,0.1`,
			`${w},B1,ben@example.test,Ben,North,Proposal,50,2026-06-30,0.2`,
			`${w},C1,cat@example.test,Cat,South,Lead,20,2026-06-30,0.1`
		];
	});
}
const header = 'snapshot_date,deal_id,owner,owner_name,team,stage,amount,close_date,probability';

let db: Database;
let dir: string;
let cleanup: () => void;
beforeEach(async () => {
	({ db, dir, cleanup } = await freshDatabase());
});
afterEach(() => cleanup());

async function imported(file: string, lines: string[], format?: 'roster') {
	const summary = await importFiles(db, [writeFile(dir, file, lines.join('\n'))], format ? { format } : {});
	expect(summary.errors).toEqual([]);
}

const moves = {
	'a roster with valid_from': async () => {
		await imported('pipeline.csv', [header, ...rows(weeks, () => 'North')]);
		await imported('roster.csv', ['email,team,valid_from', `ann@example.test,South,${moved}`], 'roster');
	},
	'a deal import whose team column moves her': async () => {
		await imported('before.csv', [header, ...rows(weeks.filter((w) => w < moved), () => 'North')]);
		await imported('after.csv', [header, ...rows(weeks.filter((w) => w >= moved), () => 'South')]);
	}
};

const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };
const teamId = async (name: string) => (await db.one<{ id: number }>('SELECT id FROM teams WHERE name = $name', { name }))!.id;
/** The leader of one team, as they sign in. */
const leaderOf = async (name: string) => {
	const id = await teamId(name);
	return db.read((q) => scopeForUser(q, { role: 'leader', repId: null, teamIds: [id] }));
};
const rep = (email: string) => db.read((q) => narrowScope(q, everyone, { rep: email }));

describe.each(Object.entries(moves))('a rep who moved team, told by %s', (_, move) => {
	let north: Scope;
	let south: Scope;
	beforeEach(async () => {
		await move();
		north = await leaderOf('North');
		south = await leaderOf('South');
	});

	it('keeps her membership with its dates: North until the move, South from it', async () => {
		expect(
			await db.all(`SELECT t.name AS team, strftime(h.valid_from, '%Y-%m-%d') AS valid_from FROM rep_team_history h
				JOIN reps r ON r.id = h.rep_id JOIN teams t ON t.id = h.team_id WHERE r.email = 'ann@example.test' ORDER BY h.valid_from`)
		).toEqual([
			{ team: 'North', valid_from: '1900-01-01' },
			{ team: 'South', valid_from: moved }
		]);
		// Today's team is South: the North leader's list of reps no longer has her.
		expect(north.repIds).toHaveLength(1);
		expect(south.repIds).toHaveLength(2);
	});

	it("forecast accuracy: a quarter's wins and forecasts are the team's that held the deals then", async () => {
		const quarter = quarterOf('2026-02-01');
		const northQ = await db.read((q) => forecastMovement(q, north, { quarter, asOf }));
		const southQ = await db.read((q) => forecastMovement(q, south, { quarter, asOf }));
		expect([northQ.won, southQ.won]).toEqual([1000, 400]);
		const at = (m: typeof northQ, date: string) => m.points.find((p) => p.snapshot_date === date)!.forecast;
		// 12 January: A1 and A3 are North's forecast; South has nothing due in the quarter.
		expect(at(northQ, '2026-01-12')).toBeCloseTo(1000 * 0.5 + 300 * 0.1, 6);
		expect(at(southQ, '2026-01-12')).toBe(0);
		// 9 March: North keeps the win of February; A2 and A3 are South's now.
		expect(at(northQ, '2026-03-09')).toBeCloseTo(1000, 6);
		expect(at(southQ, '2026-03-09')).toBeCloseTo(400 * 0.5 + 300 * 0.1, 6);

		// The backtest freezes Q1 eight weeks before its end (2 February) and four (2 March).
		const frozen = async (scope: Scope) =>
			(await db.read((q) => forecastBacktest(q, scope, { asOf }))).quarters.map((r) => [r.weeks_before, r.snapshot_date, r.forecast, r.won]);
		expect(await frozen(north)).toEqual([
			[8, '2026-02-02', 1000 + 300 * 0.1, 1000],
			[4, '2026-03-02', 1000, 1000]
		]);
		expect(await frozen(south)).toEqual([
			[8, '2026-02-02', 0, 400],
			[4, '2026-03-02', 400 * 0.5 + 300 * 0.1, 400]
		]);
		// Across the company, the team rows split her the same way.
		const teams = (await db.read((q) => forecastBacktest(q, everyone, { asOf }))).teams;
		expect(teams.map((t) => t.name).sort()).toEqual(['North', 'South']);
	});

	it('stage velocity: a stage entry counts for the team the rep was in when the deal entered it', async () => {
		const entered = async (scope: Scope) =>
			Object.fromEntries(
				(await db.read((q) => stageConversion(q, scope, { at: asOf, windowWeeks: 26 }))).stages
					.filter((s) => ['Discovery', 'Proposal'].includes(s.stage))
					.map((s) => [s.stage, [s.entered, s.converted]])
			);
		expect(await entered(north)).toEqual({ Discovery: [0, 0], Proposal: [1, 1] });
		expect(await entered(south)).toEqual({ Discovery: [1, 1], Proposal: [1, 1] });
		expect(await entered(everyone)).toEqual({ Discovery: [1, 1], Proposal: [2, 2] });
	});

	it('calibration: each team learns its win rates from the deals it held when they were decided', async () => {
		const proposal = async (scope: Scope) =>
			(await db.read((q) => stageWinRates(q, scope, { asOf })))
				.filter((r) => r.stage === 'Proposal' && r.team !== null)
				.map((r) => [r.team, r.deals, r.won]);
		expect(await proposal(everyone)).toEqual([
			['North', 1, 1],
			['South', 1, 1]
		]);
		expect(await proposal(north)).toEqual([['North', 1, 1]]);
	});

	it("forecast and data quality: a past snapshot's open deals are the team's that held them then", async () => {
		const overdue = async (scope: Scope, date: string) => {
			const { buckets } = await db.read((q) => forecastByPeriod(q, scope, { asOf: date, months: 6 }));
			return [buckets.overdue.count, buckets.overdue.total, buckets.open.count];
		};
		expect(await overdue(north, '2026-02-09')).toEqual([1, 300, 2]);
		expect(await overdue(south, '2026-02-09')).toEqual([0, 0, 1]);
		expect(await overdue(north, asOf)).toEqual([0, 0, 1]);
		expect(await overdue(south, asOf)).toEqual([1, 300, 2]);
		const risks = async (scope: Scope, date: string) =>
			(await db.read((q) => forecastRisks(q, scope, { asOf: date, quarter: quarterOf(date) }))).find((r) => r.risk === 'overdue')!.top.map((d) => [d.deal, d.amount]);
		expect([await risks(north, '2026-02-09'), await risks(south, '2026-02-09')]).toEqual([[['A3', 300]], []]);
		expect([await risks(north, asOf), await risks(south, asOf)]).toEqual([[], [['A3', 300]]]);

		const flagged = async (scope: Scope, date: string) => {
			const quality = await db.read((q) => dataQuality(q, scope, date));
			return [quality.open_deals, quality.flags.past_close_date, quality.deals.filter((d) => d.flags.includes('past_close_date')).map((d) => d.deal_id)];
		};
		expect(await flagged(north, '2026-02-09')).toEqual([2, 1, ['A3']]);
		expect(await flagged(south, '2026-02-09')).toEqual([1, 0, []]);
		expect(await flagged(north, asOf)).toEqual([1, 0, []]);
		expect(await flagged(south, asOf)).toEqual([2, 1, ['A3']]);
		// Ann's own view follows her deals wherever she was.
		expect(await flagged(await rep('ann@example.test'), '2026-02-09')).toEqual([1, 1, ['A3']]);
		expect((await db.read((q) => openDealGaps(q, north, '2026-02-09')))).toEqual({ without_amount: 0, without_close_date: 0 });
	});

	it('strengths and the team page: a rep who moved shows in each team with what she did there, compared with its reps', async () => {
		const period = { from: '2026-01-01', to: asOf };
		const shown = async (scope: Scope) =>
			(await db.read((q) => teamStrengths(q, scope, period))).profiles
				.map((p) => [p.rep.name, p.rep.team, p.kpis.won_count, p.kpis.won_value, p.kpis.opened])
				.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
		expect(await shown(north)).toEqual([
			['Ann', 'North', 1, 1000, 2],
			['Ben', 'North', 0, 0, 1]
		]);
		expect(await shown(south)).toEqual([
			['Ann', 'South', 1, 400, 1],
			['Cat', 'South', 0, 0, 1]
		]);
		expect((await shown(everyone)).map((row) => row.slice(0, 2))).toEqual([
			['Ann', 'North'],
			['Ann', 'South'],
			['Ben', 'North'],
			['Cat', 'South']
		]);
		// Her own page: a profile per team, the one in her team of today first.
		const own = await db.read(async (q) => strengthProfiles(q, await narrowScope(q, everyone, { rep: 'ann@example.test' }), [{ key: 'current', ...period }]));
		expect(own.map((p) => [p.rep.team, p.kpis.won_value])).toEqual([
			['South', 400],
			['North', 1000]
		]);
	});

	it("long range: a past day's open deals and selling reps are the team's of that day", async () => {
		const existing = async (scope: Scope, date: string) => (await db.read((q) => longRangeForecast(q, scope, { asOf: date, months: 6 }))).inputs.existing_deals;
		expect([await existing(north, '2026-02-09'), await existing(south, '2026-02-09')]).toEqual([2, 1]);
		expect([await existing(north, asOf), await existing(south, asOf)]).toEqual([1, 2]);
	});
});

describe('a deal import after a dated move', () => {
	it('re-importing a week from before the move keeps her in South today and her past in North', async () => {
		await moves['a deal import whose team column moves her']();
		await imported('before-again.csv', [header, ...rows(['2026-01-12'], () => 'North')]);
		expect(await db.one(`SELECT t.name AS team FROM reps r JOIN teams t ON t.id = r.team_id WHERE r.email = 'ann@example.test'`)).toEqual({ team: 'South' });
		const north = await leaderOf('North');
		expect((await db.read((q) => forecastMovement(q, north, { quarter: quarterOf('2026-02-01'), asOf }))).won).toBe(1000);
	});

	it('a rep in no team who is given one takes their history along, with no dates', async () => {
		await imported('teamless.csv', [header.replace(',team', ''), ...weeks.slice(0, 2).map((w) => `${w},D1,dan@example.test,Dan,Lead,10,2026-06-30,0.1`)]);
		await imported('placed.csv', [header, `${weeks[2]},D1,dan@example.test,Dan,North,Lead,10,2026-06-30,0.1`]);
		expect(await db.one('SELECT count(*)::INTEGER AS n FROM rep_team_history')).toEqual({ n: 0 });
		const north = await leaderOf('North');
		expect((await db.read((q) => forecastByPeriod(q, north, { asOf: weeks[0], months: 6 }))).buckets.open.count).toBe(1);
	});
});
