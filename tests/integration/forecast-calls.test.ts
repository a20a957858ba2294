import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import {
	callAccuracy,
	callMovement,
	CallInputError,
	forecastCalls,
	missingCalls,
	parseCall,
	repCallSummary,
	setCallDay,
	submitCall,
	type CallUser
} from '../../src/lib/server/forecast-calls.ts';
import { callWeekStart, lastCallDay } from '../../src/lib/domain/forecast-calls.ts';
import { coachingSession } from '../../src/lib/server/metrics/coaching.ts';
import { scopeForUser } from '../../src/lib/server/auth/scope.ts';
import { history, load, pipelineDatabase, rep } from './movement-fixtures.ts';

/**
 * Forecast calls: reps and leaders stand behind a number, executives see the roll-up. Ann and Ben
 * sell for North (led by Lea), Cat for South (led by Sam).
 */

let db: Database;
let cleanup: () => void;

const lea: CallUser = { id: 'u-lea', role: 'leader', repId: null, teamIds: [1] };
const sam: CallUser = { id: 'u-sam', role: 'leader', repId: null, teamIds: [2] };
const ann: CallUser = { id: 'u-ann', role: 'rep', repId: rep.ann, teamIds: [1] };
const ben: CallUser = { id: 'u-ben', role: 'rep', repId: rep.ben, teamIds: [1] };
const cat: CallUser = { id: 'u-cat', role: 'rep', repId: rep.cat, teamIds: [2] };
const executive: CallUser = { id: 'u-exec', role: 'executive', repId: null, teamIds: [] };
const admin: CallUser = { id: 'u-admin', role: 'admin', repId: null, teamIds: [] };

beforeEach(async () => {
	({ db, cleanup } = await pipelineDatabase());
	await db.write(async (tx) => {
		await tx.run(`INSERT INTO users (id, email, name, password_hash, role, rep_id) VALUES
			('u-lea', 'lea@example.test', 'Lea', 'x', 'leader', NULL),
			('u-sam', 'sam@example.test', 'Sam', 'x', 'leader', NULL),
			('u-ann', 'ann@example.test', 'Ann', 'x', 'rep', 1),
			('u-ben', 'ben@example.test', 'Ben', 'x', 'rep', 2),
			('u-cat', 'cat@example.test', 'Cat', 'x', 'rep', 3),
			('u-exec', 'exec@example.test', 'Exe', 'x', 'executive', NULL),
			('u-admin', 'admin@example.test', 'Ada', 'x', 'admin', NULL)`);
		await tx.run(`INSERT INTO user_teams VALUES ('u-lea', 1), ('u-sam', 2)`);
	});
});
afterEach(() => cleanup());

const q4 = '2026-Q4';
const at = (iso: string) => new Date(`${iso}T12:00:00Z`);
const call = (user: CallUser, commit: number, best_case: number, note = '', when = '2026-11-27', quarter = q4, team: string | null = null) =>
	submitCall(db, user, { quarter, commit, best_case, note, team, now: at(when) });
const callsOf = (user: CallUser, options: { team?: string | null; history?: boolean; quarter?: string } = {}) =>
	db.read((q) => forecastCalls(q, user, { quarter: options.quarter ?? q4, team: options.team ?? null, history: options.history ?? false }));

function problemsOf(run: () => unknown): { field: string; code: string; message: string }[] {
	try {
		run();
	} catch (caught) {
		if (caught instanceof CallInputError) return caught.problems;
		throw caught;
	}
	throw new Error('expected the call to be refused');
}

describe('a call is read from a request, and a wrong one is refused naming the field', () => {
	it('takes quarter, commit, best case and a note', () => {
		expect(parseCall({ quarter: '2026-Q4', commit: 1200000, best_case: 1500000, note: ' rests on ACME ' })).toEqual({
			quarter: '2026-Q4',
			commit: 1200000,
			best_case: 1500000,
			note: 'rests on ACME',
			team: null
		});
	});

	it('names each field that is wrong and says what it must look like', () => {
		const problems = problemsOf(() => parseCall({ quarter: '2026-4', commit: '12k', best_case: -1 }));
		expect(problems.map((p) => p.field)).toEqual(['quarter', 'commit', 'best_case']);
		expect(problems[0].message).toBe('quarter must be written YYYY-Qn, e.g. 2026-Q4, got "2026-4"');
		expect(problems[1].message).toMatch(/^commit must be a number/);
		expect(problems[2].message).toBe('best_case must be 0 or more');
	});

	it('a best case below the commit is refused: the best case includes everything committed', () => {
		const problems = problemsOf(() => parseCall({ quarter: '2026-Q4', commit: 100, best_case: 90 }));
		expect(problems).toEqual([expect.objectContaining({ field: 'best_case', code: 'best_case_below_commit' })]);
	});

	it('a body that is not an object is refused as a whole', () => {
		expect(problemsOf(() => parseCall([1, 2]))[0]).toMatchObject({ field: 'body', code: 'body_invalid' });
	});
});

describe('who calls what', () => {
	it('a rep calls for the current and the next quarter, not for a quarter already over', async () => {
		await call(ann, 100, 150);
		await call(ann, 100, 150, '', '2026-11-27', '2027-Q1');
		await expect(call(ann, 100, 150, '', '2026-11-27', '2026-Q3')).rejects.toMatchObject({
			problems: [{ field: 'quarter', code: 'quarter_not_callable', message: 'quarter must be the current quarter (2026-Q4) or the next (2027-Q1), got "2026-Q3"' }]
		});
	});

	it('executives and admins do not call: they read the roll-up (403)', async () => {
		await expect(call(executive, 1, 1)).rejects.toMatchObject({ status: 403 });
		await expect(call(admin, 1, 1)).rejects.toMatchObject({ status: 403 });
	});

	it('a new call supersedes the last one; nothing is edited, every submission is kept', async () => {
		await call(ann, 100000, 150000, 'ACME and Globex', '2026-11-20');
		await call(ann, 120000, 150000, 'ACME signed the LOI', '2026-11-27');
		const answer = await callsOf(ann, { history: true });
		expect(answer.calls).toEqual([expect.objectContaining({ by: 'Ann', role: 'rep', team: 'North', commit: 120000, best_case: 150000, note: 'ACME signed the LOI' })]);
		expect(answer.history!.map((c) => c.commit)).toEqual([100000, 120000]);
		expect(answer.calls[0].submitted_at).toMatch(/^2026-11-27T12:00:00/);
	});

	it("a leader's call that differs from the reps' sum is an override and needs a reason", async () => {
		await call(ann, 100000, 150000);
		await call(ben, 50000, 60000);
		await expect(call(lea, 170000, 220000)).rejects.toMatchObject({
			problems: [
				{
					field: 'note',
					code: 'reason_required',
					message: "note must give the reason for the override: the reps' calls add up to commit 150000, best case 210000"
				}
			]
		});
		// The reps' sum needs no reason.
		await call(lea, 150000, 210000);
		const override = await call(lea, 170000, 220000, 'Globex renewal is further along than Ben thinks');
		expect(override).toMatchObject({ role: 'leader', team: 'North', commit: 170000, reps_commit: 150000, reps_best_case: 210000 });
	});

	it('a leader of two teams names the team; a team they do not lead is refused', async () => {
		const both: CallUser = { ...lea, teamIds: [1, 2] };
		await expect(call(both, 1, 2)).rejects.toMatchObject({ problems: [{ field: 'team', code: 'team_required', message: 'team is required: you lead North, South' }] });
		await expect(call(lea, 1, 2, '', '2026-11-27', q4, 'South')).rejects.toMatchObject({ problems: [{ field: 'team', code: 'team_unknown' }] });
		expect(await call(both, 1, 2, '', '2026-11-27', q4, 'South')).toMatchObject({ team: 'South' });
	});
});

describe('who reads which calls', () => {
	beforeEach(async () => {
		await call(ann, 100000, 150000, "Ann's private reasoning");
		await call(ben, 50000, 60000, "Ben's private reasoning");
		await call(cat, 70000, 90000, "Cat's private reasoning");
		await call(lea, 170000, 220000, 'North: Globex renewal likely');
	});

	it('a rep reads only their own calls: not a teammate’s, not their leader’s', async () => {
		const answer = await callsOf(ann, { history: true });
		expect(answer.calls.map((c) => c.by)).toEqual(['Ann']);
		expect(answer.history!.map((c) => c.by)).toEqual(['Ann']);
		expect(answer.rollup).toEqual({ commit: 100000, best_case: 150000, from: 'reps', teams: [{ team: 'North', commit: 100000, best_case: 150000, from: 'reps' }] });
		await expect(callsOf(ann, { team: 'South' })).rejects.toMatchObject({ status: 404 });
	});

	it("a leader reads their reps' calls with their notes, and their own, but not another team's", async () => {
		const answer = await callsOf(lea);
		expect(answer.calls.map((c) => [c.by, c.note])).toEqual([
			['Ann', "Ann's private reasoning"],
			['Ben', "Ben's private reasoning"],
			['Lea', 'North: Globex renewal likely']
		]);
		expect(answer.rollup).toMatchObject({ commit: 170000, best_case: 220000, from: 'leaders' });
		await expect(callsOf(lea, { team: 'South' })).rejects.toMatchObject({ status: 404 });
	});

	it("executives and admins read every call, but not the notes on reps' calls", async () => {
		for (const reader of [executive, admin]) {
			const answer = await callsOf(reader);
			const notes = Object.fromEntries(answer.calls.map((c) => [c.by, c.note]));
			expect(notes, reader.id).toEqual({ Ann: null, Ben: null, Cat: null, Lea: 'North: Globex renewal likely' });
		}
	});

	it("the roll-up sums the leaders' calls; a team without one falls back to its reps' sum, marked as such", async () => {
		expect((await callsOf(executive)).rollup).toEqual({
			commit: 240000,
			best_case: 310000,
			from: 'reps',
			teams: [
				{ team: 'North', commit: 170000, best_case: 220000, from: 'leaders' },
				{ team: 'South', commit: 70000, best_case: 90000, from: 'reps' }
			]
		});
		await call(sam, 80000, 95000, 'Cat undercalls Initech');
		const rollup = (await callsOf(executive)).rollup;
		expect(rollup).toMatchObject({ commit: 250000, best_case: 315000, from: 'leaders' });
		expect((await callsOf(executive, { team: 'South' })).rollup).toMatchObject({ commit: 80000, from: 'leaders' });
	});

	it('the 1:1 shows the rep’s latest call and the one before', async () => {
		await call(ann, 110000, 150000, '', '2026-12-01');
		const summary = await db.read((q) => repCallSummary(q, rep.ann, q4));
		expect(summary).toMatchObject({ latest: { commit: 110000 }, previous: { commit: 100000 } });
	});
});

describe('call days and missing calls', () => {
	it('the call day is the most recent one on or before today; calls count from the day after the one before', () => {
		// Monday 30 November 2026, call day Friday.
		expect(lastCallDay('2026-11-30', 5)).toBe('2026-11-27');
		expect(callWeekStart('2026-11-30', 5)).toBe('2026-11-21');
		expect(lastCallDay('2026-11-27', 5)).toBe('2026-11-27');
	});

	it("on Monday the leader sees whose calls for the week are missing, and whether the team's is made", async () => {
		await call(ann, 1, 2, '', '2026-11-27');
		await call(ben, 1, 2, '', '2026-11-19');
		const north = (await db.read((q) => missingCalls(q, lea, { today: '2026-11-30' }))).teams;
		expect(north).toEqual([{ team: 'North', call_day: 5, due: '2026-11-27', missing: [{ name: 'Ben', email: 'ben@example.test' }], team_called: false }]);
		expect((await db.read((q) => missingCalls(q, ann, { today: '2026-11-30' }))).teams).toEqual([]);
	});

	it('a leader moves their team’s call day; a rep may not', async () => {
		await setCallDay(db, lea, { team: 'North', weekday: 4 });
		const [north] = (await db.read((q) => missingCalls(q, lea, { today: '2026-11-30' }))).teams;
		expect(north).toMatchObject({ call_day: 4, due: '2026-11-26' });
		await expect(setCallDay(db, ann, { team: 'North', weekday: 1 })).rejects.toMatchObject({ status: 403 });
		await expect(setCallDay(db, lea, { team: 'South', weekday: 1 })).rejects.toMatchObject({ status: 404 });
	});
});

/**
 * A closed quarter by hand: 2026-Q1 ends Tuesday 31 March; weekly snapshots on Mondays, the last
 * one on 6 April, so the result is final. Ann wins 100,000 on 16 March, Ben 50,000 on 30 March,
 * Cat 80,000 on 2 February. The points: 8 weeks before the end = 3 February, 4 weeks = 3 March,
 * 1 week = 24 March.
 */
describe('how good the calls were, on a closed quarter', () => {
	beforeEach(async () => {
		const open = (amount: number, close: string, owner: 'ann' | 'ben' | 'cat') => ['Proposal', amount, close, owner] as const;
		const won = (amount: number, close: string, owner: 'ann' | 'ben' | 'cat') => ['Won', amount, close, owner] as const;
		await load(db, [
			// Weeks 0..13: 5 January .. 6 April.
			...history('ANN-1', 0, [...Array(10).fill(open(100000, '2026-03-20', 'ann')), ...Array(4).fill(won(100000, '2026-03-16', 'ann'))]),
			...history('BEN-1', 0, [...Array(12).fill(open(50000, '2026-03-31', 'ben')), ...Array(2).fill(won(50000, '2026-03-30', 'ben'))]),
			...history('CAT-1', 0, [...Array(4).fill(open(80000, '2026-02-10', 'cat')), ...Array(10).fill(won(80000, '2026-02-02', 'cat'))])
		]);
		const q1 = '2026-Q1';
		await call(ann, 80000, 120000, '', '2026-01-09', q1);
		await call(ann, 100000, 110000, '', '2026-02-20', q1);
		await call(ben, 40000, 60000, '', '2026-01-30', q1);
		await call(ben, 50000, 55000, '', '2026-03-20', q1);
		await call(cat, 70000, 90000, '', '2026-01-15', q1);
		await call(lea, 130000, 180000, 'ACME expansion is likely', '2026-02-02', q1);
	});

	it("a rep sees their own call's error at 8, 4 and 1 weeks out; the team median is withheld with too few colleagues behind it", async () => {
		const accuracy = await db.read((q) => callAccuracy(q, ann));
		expect(accuracy.quarters).toEqual(['2026-Q1']);
		expect(accuracy.side_by_side).toBeNull();
		expect(accuracy.people).toEqual([
			{
				quarter: '2026-Q1',
				by: 'Ann',
				email: 'ann@example.test',
				role: 'rep',
				team: 'North',
				won: 100000,
				points: [
					{ weeks_before: 8, commit: 80000, accuracy: 0.8, bias: 0.8, team_median: null, team_median_withheld: true },
					{ weeks_before: 4, commit: 100000, accuracy: 1, bias: 1, team_median: null, team_median_withheld: true },
					{ weeks_before: 1, commit: 100000, accuracy: 1, bias: 1, team_median: null, team_median_withheld: true }
				]
			}
		]);
	});

	it('the leader sees each of their reps and their own call beside the team median, listed by name, not ranked', async () => {
		const accuracy = await db.read((q) => callAccuracy(q, lea));
		const rows = accuracy.people.map((p) => [p.by, p.won, p.points.map((x) => [x.accuracy, x.team_median])]);
		expect(rows).toEqual([
			// Lea's team call against North's 150,000: 130,000 is 0.8667 accurate all the way.
			['Lea', 150000, [[0.8667, 0.8], [0.8667, 0.9], [0.8667, 1]]],
			['Ann', 100000, [[0.8, 0.8], [1, 0.9], [1, 1]]],
			['Ben', 50000, [[0.8, 0.8], [0.8, 0.9], [1, 1]]]
		]);
	});

	it("the executive sees the leaders' calls and the roll-up beside the CRM's commit and the calibrated forecast", async () => {
		const accuracy = await db.read((q) => callAccuracy(q, executive));
		expect(accuracy.people.map((p) => p.by)).toEqual(['Lea']);
		const points = accuracy.side_by_side!;
		expect(points.map((p) => [p.weeks_before, p.snapshot_date, p.won, p.call])).toEqual([
			// North's leader 130,000 + South's reps 70,000; the company won 230,000.
			[8, '2026-02-02', 230000, 200000],
			[4, '2026-03-02', 230000, 200000],
			[1, '2026-03-23', 230000, 200000]
		]);
		expect(points[0].call_accuracy).toBe(0.8696);
		// No deal is filed as commit: the CRM's commit is what was won by then.
		expect(points.map((p) => p.crm_commit)).toEqual([80000, 80000, 180000]);
		expect(points.every((p) => p.calibrated !== null && p.weighted !== null)).toBe(true);
	});

	it("the 1:1 agenda carries the rep's latest call and how it moved", async () => {
		const session = await db.read(async (q) => coachingSession(q, await scopeForUser(q, { ...lea, teamIds: [1] }), { repId: lea.repId }, { repEmail: 'ann@example.test', week: null, today: '2026-02-25' }));
		expect('forecastCall' in session && session.forecastCall).toMatchObject({
			quarter: '2026-Q1',
			latest: { commit: 100000, best_case: 110000 },
			previous: { commit: 80000, best_case: 120000 }
		});
	});

	it('the history shows how the roll-up moved week by week against won-to-date, and the final result', async () => {
		const movement = await db.read((q) => callMovement(q, executive, { quarter: '2026-Q1', today: '2026-12-03' }));
		expect(movement).toMatchObject({ complete: true, result: 230000 });
		const companyWeeks = movement.weeks.filter((w) => w.team === null);
		expect(companyWeeks.at(-1)).toEqual({ date: '2026-03-31', team: null, commit: 200000, best_case: 270000, from: 'reps', won_to_date: 230000 });
		const early = companyWeeks.find((w) => w.date === '2026-01-13')!;
		expect(early).toMatchObject({ commit: 80000, from: 'reps', won_to_date: 0 });
		expect(movement.weeks.filter((w) => w.team === 'North').at(-1)).toMatchObject({ commit: 130000, won_to_date: 150000 });
		// A rep's history is their own call against their own wins.
		const anns = await db.read((q) => callMovement(q, ann, { quarter: '2026-Q1', today: '2026-12-03' }));
		expect(anns.result).toBe(100000);
		expect(anns.weeks.every((w) => w.team === null)).toBe(true);
		expect(anns.weeks.at(-1)).toMatchObject({ commit: 100000, won_to_date: 100000 });
	});
});
