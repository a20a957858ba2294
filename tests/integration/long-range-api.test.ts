import { isHttpError, type RequestEvent } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../../src/lib/server/auth/session.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import * as longRangeApi from '../../src/routes/api/v1/forecast/long-range/+server.ts';
import * as scenariosApi from '../../src/routes/api/v1/forecast/scenarios/+server.ts';
import { simulateCompany } from './long-range-company.ts';
import { freshDatabase } from './helpers.ts';

/**
 * The 6-18 month API as SvelteKit calls it, with the signed-in user on `locals`, on a simulated
 * company of two teams (North: reps 1-4, South: reps 5-8) over two years. Answers are not remembered
 * (answer memory off), so every call works the projection out again.
 */

type Handler = (event: never) => Promise<Response> | Response;
interface Answer {
	status: number;
	body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(handler: Handler, route: string, path: string, user: SessionUser, body?: unknown): Promise<Answer> {
	const url = new URL(`http://localhost${path}`);
	const request =
		body === undefined
			? new Request(url)
			: new Request(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', origin: url.origin } });
	const event = { url, params: {}, locals: { user, session: null }, route: { id: route }, request } as unknown as RequestEvent;
	try {
		const response = await handler(event as never);
		return { status: response.status, body: await response.json() };
	} catch (caught) {
		if (isHttpError(caught)) return { status: caught.status, body: caught.body as unknown as Record<string, unknown> };
		throw caught;
	}
}

const longRange = (user: SessionUser, query = '') => call(longRangeApi.GET, '/api/v1/forecast/long-range', `/api/v1/forecast/long-range${query}`, user);
const scenarios = (user: SessionUser) => call(scenariosApi.GET, '/api/v1/forecast/scenarios', '/api/v1/forecast/scenarios', user);
const save = (user: SessionUser, body: unknown) => call(scenariosApi.POST, '/api/v1/forecast/scenarios', '/api/v1/forecast/scenarios', user, body);

const executive: SessionUser = { id: 'u-exec', email: 'exec@sim.test', name: 'Exec', role: 'executive', repId: null, teamIds: [] };
const leaderOfNorth: SessionUser = { id: 'u-north', email: 'north@sim.test', name: 'Nora', role: 'leader', repId: null, teamIds: [1] };
const leaderOfSouth: SessionUser = { id: 'u-south', email: 'south@sim.test', name: 'Sam', role: 'leader', repId: null, teamIds: [2] };
const rep1: SessionUser = { id: 'u-rep1', email: 'rep1@sim.test', name: 'Rep 1', role: 'rep', repId: 1, teamIds: [1] };

let db: Database;
let cleanup: () => void;

beforeAll(async () => {
	({ db, cleanup } = await freshDatabase({ answerMemoryMb: 0 }));
	await simulateCompany(db, {
		seed: 7,
		weeks: 104,
		createdPerRepWeek: 1.5,
		winRate: { new_business: 0.3, existing: 0.5 },
		cycleDays: [30, 150],
		slipShare: 0.3,
		medianAmount: 20_000,
		newRepWeek: 70
	});
	// Rep 1 has a quota for the first half of 2025; nobody else has one.
	await db.write((tx) => tx.run(`INSERT INTO quotas VALUES (1, DATE '2025-01-01', DATE '2025-06-30', 181000)`));
	(globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb = Promise.resolve(db);
}, 60_000);
afterAll(() => cleanup());

describe('GET /api/v1/forecast/long-range', () => {
	it('answers the issue’s shape: per month existing + future = expected, a P10 ≤ P50 ≤ P90 band and the quota', async () => {
		const { status, body } = await longRange(leaderOfNorth, '?as_of=2024-09-30&months=12');
		expect(status).toBe(200);
		expect(body.as_of).toBe('2024-09-30');
		expect(body.months.map((m: { month: string }) => m.month)).toEqual([
			'2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09'
		]);
		for (const m of body.months) {
			expect(Object.keys(m).sort()).toEqual(['existing', 'expected', 'future', 'month', 'p10', 'p50', 'p90', 'quota']);
			expect(m.expected).toBeCloseTo(m.existing + m.future, 2);
			expect(m.p10).toBeLessThanOrEqual(m.p50);
			expect(m.p50).toBeLessThanOrEqual(m.p90);
		}
		// Quota by day: January has 31 of the half year's 181 days.
		expect(body.months.find((m: { month: string }) => m.month === '2025-01').quota).toBe(31_000);
		expect(body.months.find((m: { month: string }) => m.month === '2024-12').quota).toBeNull();
		expect(body.backtest.map((b: { horizon_months: number }) => b.horizon_months)).toEqual([3, 6, 12, 18]);
		for (const b of body.backtest) expect(Object.keys(b)).toEqual(expect.arrayContaining(['horizon_months', 'error_pct', 'inside_band']));
		expect(body.inputs.creation.map((c: { team: string; segment: string }) => `${c.team} ${c.segment}`)).toEqual([
			'North existing',
			'North new_business'
		]);
		expect(body.inputs.slip).toHaveLength(6);
	});

	it('runs out of today’s pipeline and leans on pipeline still to be created further out', async () => {
		const { body } = await longRange(executive, '?as_of=2024-09-30&months=18');
		const early = body.months[0];
		const late = body.months[12];
		expect(early.existing).toBeGreaterThan(early.future);
		expect(late.future).toBeGreaterThan(late.existing * 5);
	});

	it('gives the same answer on every call for the same data', async () => {
		const first = await longRange(leaderOfNorth, '?months=18');
		const second = await longRange(leaderOfNorth, '?months=18');
		expect(second.body).toEqual(first.body);
	});

	it('shows a rep exactly their own projection, the one an executive sees for that rep, and nobody else’s', async () => {
		const own = await longRange(rep1, '?as_of=2024-09-30&months=12');
		const asked = await longRange(executive, '?as_of=2024-09-30&months=12&rep=rep1@sim.test');
		expect(own.status).toBe(200);
		expect(own.body.months).toEqual(asked.body.months);
		const team = await longRange(leaderOfNorth, '?as_of=2024-09-30&months=12');
		const sum = (body: Answer['body']) => body.months.reduce((s: number, m: { expected: number }) => s + m.expected, 0);
		expect(sum(own.body)).toBeLessThan(sum(team.body) / 2);
		expect((await longRange(rep1, '?rep=rep2@sim.test')).status).toBe(404);
		expect((await longRange(rep1, '?team=South')).status).toBe(404);
	});

	it('answers another team asked for by a leader with 404, and their own team with its figures', async () => {
		expect((await longRange(leaderOfNorth, '?team=South')).status).toBe(404);
		expect((await longRange(leaderOfNorth, '?rep=rep5@sim.test')).status).toBe(404);
		expect((await longRange(leaderOfNorth, '?team=North')).status).toBe(200);
	});

	it('says which parameter is wrong', async () => {
		const { status, body } = await longRange(executive, '?months=40');
		expect(status).toBe(400);
		expect(body.issues[0]).toMatchObject({ parameter: 'months' });
		expect((await longRange(executive, '?as_of=2020-01-01')).status).toBe(400);
	});
});

describe('scenarios', () => {
	it('are saved per user with a name, listed, applied, and never change the data', async () => {
		const rowsBefore = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM snapshots');
		const baseline = await longRange(leaderOfNorth, '?as_of=2024-09-30&months=12');
		const saved = await save(leaderOfNorth, {
			name: 'Two more AEs, better qualification',
			shared: true,
			assumptions: { creation_pct: 50, win_rate_pct: 10, reps: [{ action: 'add', team: 'North', from: '2024-11' }] }
		});
		expect(saved.status).toBe(201);
		const id = saved.body.scenario.id;
		expect((await scenarios(leaderOfNorth)).body.scenarios.map((s: { name: string }) => s.name)).toContain('Two more AEs, better qualification');

		const applied = await longRange(leaderOfNorth, `?as_of=2024-09-30&months=12&scenario=${id}`);
		expect(applied.status).toBe(200);
		expect(applied.body.scenario).toMatchObject({ id, name: 'Two more AEs, better qualification' });
		const total = (body: Answer['body'], key: 'future' | 'existing') => body.months.reduce((s: number, m: Record<string, number>) => s + m[key], 0);
		expect(total(applied.body, 'future')).toBeGreaterThan(total(baseline.body, 'future') * 1.5);
		expect(total(applied.body, 'existing')).toBeCloseTo(total(baseline.body, 'existing') * 1.1, -2);
		expect((await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM snapshots'))!.n).toBe(rowsBefore!.n);
		const again = await longRange(leaderOfNorth, '?as_of=2024-09-30&months=12');
		expect(again.body.months).toEqual(baseline.body.months);
	});

	it('are shared only with executives: another leader can neither list nor apply them', async () => {
		const saved = await save(leaderOfNorth, { name: 'Shared with the board', shared: true, assumptions: { cycle_pct: 20 } });
		const mine = await save(leaderOfNorth, { name: 'Just mine', assumptions: { slip_share_pct: 40 } });
		const seen = (await scenarios(executive)).body.scenarios.map((s: { name: string }) => s.name);
		expect(seen).toContain('Shared with the board');
		expect(seen).not.toContain('Just mine');
		expect((await scenarios(leaderOfSouth)).body.scenarios).toEqual([]);
		expect((await longRange(leaderOfSouth, `?scenario=${saved.body.scenario.id}`)).status).toBe(404);
		expect((await longRange(executive, `?scenario=${mine.body.scenario.id}`)).status).toBe(404);
		expect((await longRange(executive, `?scenario=${saved.body.scenario.id}`)).status).toBe(200);
	});

	it('name only what their author may see; a rep’s may not add or remove reps', async () => {
		expect((await save(leaderOfNorth, { name: 'x', assumptions: { reps: [{ action: 'remove', rep: 'rep5@sim.test', from: '2025-01' }] } })).status).toBe(404);
		expect((await save(leaderOfNorth, { name: 'x', assumptions: { reps: [{ action: 'add', team: 'South', from: '2025-01' }] } })).status).toBe(404);
		expect((await save(rep1, { name: 'x', assumptions: { reps: [{ action: 'add', team: 'North', from: '2025-01' }] } })).status).toBe(403);
		expect((await save(rep1, { name: 'Lose my biggest', assumptions: { exclude_deals: ['S-999999'] } })).status).toBe(404);
		const bad = await save(leaderOfNorth, { name: 'x', assumptions: { creation_pct: 500 } });
		expect(bad.status).toBe(400);
		expect(bad.body.message).toMatch(/creation_pct/);
		expect((await save(rep1, { name: 'Slower cycle', assumptions: { cycle_pct: 30 } })).status).toBe(201);
	});
});

describe('scenarios side by side', () => {
	it('show the baseline first and each saved scenario asked for, over the same months, against the same quota', async () => {
		const more = await save(leaderOfNorth, { name: 'More pipeline', assumptions: { creation_pct: 40 } });
		const slower = await save(leaderOfNorth, { name: 'Slower deals', assumptions: { cycle_pct: 50, win_rate_pct: -20 } });
		const [moreId, slowerId] = [more.body.scenario.id, slower.body.scenario.id];
		const baseline = await longRange(leaderOfNorth, '?as_of=2024-09-30&months=12');
		const { status, body } = await longRange(leaderOfNorth, `?as_of=2024-09-30&months=12&compare=${moreId},${slowerId}`);
		expect(status).toBe(200);
		// The answer itself is the baseline's, as without compare.
		expect(body.months).toEqual(baseline.body.months);
		expect(body.compare.map((s: { scenario: { name: string } | null }) => s.scenario?.name ?? null)).toEqual([null, 'More pipeline', 'Slower deals']);
		const [base, moreLine, slowerLine] = body.compare;
		for (const series of body.compare) {
			expect(series.months.map((m: { month: string }) => m.month)).toEqual(baseline.body.months.map((m: { month: string }) => m.month));
			expect(series.months.map((m: { quota: number | null }) => m.quota)).toEqual(baseline.body.months.map((m: { quota: number | null }) => m.quota));
			expect(series.quarters.map((q: { quarter: string }) => q.quarter)).toEqual(baseline.body.quarters.map((q: { quarter: string }) => q.quarter));
		}
		base.months.forEach((m: { expected: number }, i: number) => expect(m.expected).toBeCloseTo(baseline.body.months[i].expected, 1));
		const total = (series: { quarters: { expected: number }[] }) => series.quarters.reduce((sum, q) => sum + q.expected, 0);
		expect(total(moreLine)).toBeGreaterThan(total(base) * 1.1);
		expect(total(slowerLine)).toBeLessThan(total(base) * 0.9);
		// A quarter's total is its months' sum, for every line.
		const january = slowerLine.quarters.find((q: { quarter: string }) => q.quarter === '2025-Q1');
		const months = slowerLine.months.filter((m: { month: string }) => ['2025-01', '2025-02', '2025-03'].includes(m.month));
		expect(january.expected).toBeCloseTo(months.reduce((sum: number, m: { expected: number }) => sum + m.expected, 0), 0);
		expect(january.quota).toBeCloseTo(90_000, 2);

		// Repeated parameters (a form's checkboxes) ask the same.
		const repeated = await longRange(leaderOfNorth, `?as_of=2024-09-30&months=12&compare=${moreId}&compare=${slowerId}`);
		expect(repeated.body.compare).toEqual(body.compare);
	});

	it('compare only what the viewer may apply, within their own scope', async () => {
		const theirs = await save(leaderOfSouth, { name: 'South only', assumptions: { creation_pct: 10 } });
		expect((await longRange(leaderOfNorth, `?compare=${theirs.body.scenario.id}`)).status).toBe(404);
		const own = await save(rep1, { name: 'My slower cycle', assumptions: { cycle_pct: 30 } });
		const mine = await longRange(rep1, `?as_of=2024-09-30&months=12&compare=${own.body.scenario.id}`);
		expect(mine.status).toBe(200);
		const asked = await longRange(executive, '?as_of=2024-09-30&months=12&rep=rep1@sim.test');
		mine.body.compare[0].months.forEach((m: { expected: number }, i: number) => expect(m.expected).toBeCloseTo(asked.body.months[i].expected, 1));
	});

	it('say what is wrong with compare', async () => {
		const bad = await longRange(executive, '?compare=first');
		expect(bad.status).toBe(400);
		expect(bad.body.issues[0]).toMatchObject({ parameter: 'compare' });
		const many = await longRange(executive, '?compare=1,2,3,4,5,6');
		expect(many.status).toBe(400);
		expect(many.body.message).toMatch(/compare: at most 5/);
	});
});

describe('a first import: one snapshot, nothing closed, no quotas', () => {
	it('answers with today’s pipeline only, no future layer to learn yet, and an empty backtest', async () => {
		const sparse = await freshDatabase({ answerMemoryMb: 0 });
		try {
			await sparse.db.write(async (tx) => {
				await tx.run(`INSERT INTO reps (id, email, name, role) VALUES (1, 'ann@sparse.test', 'Ann', 'AE')`);
				await tx.run(`INSERT INTO deals (id, crm_id) VALUES (1, 'D1'), (2, 'D2')`);
				await tx.run(`INSERT INTO snapshots VALUES
					(DATE '2026-03-02', 1, 1, 5, 10000, 0.6, DATE '2026-04-15', 'commit'),
					(DATE '2026-03-02', 2, 1, 3, 5000, 0.2, DATE '2026-06-30', 'pipeline')`);
			});
			(globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb = Promise.resolve(sparse.db);
			const ann: SessionUser = { id: 'u-ann', email: 'ann@sparse.test', name: 'Ann', role: 'rep', repId: 1, teamIds: [] };
			for (const user of [executive, ann]) {
				const { status, body } = await longRange(user, '?months=6');
				expect(status).toBe(200);
				expect(body.months).toHaveLength(6);
				expect(body.months.every((m: { future: number; quota: unknown }) => m.future === 0 && m.quota === null)).toBe(true);
				const existing = body.months.reduce((s: number, m: { existing: number }) => s + m.existing, 0);
				// Nothing decided yet: the stage rates are the ladder's defaults (Proposal 60%, Discovery 20%).
				expect(existing).toBeGreaterThan(0);
				expect(existing).toBeLessThanOrEqual(0.6 * 10_000 + 0.2 * 5_000 + 0.01);
				expect(body.backtest.every((b: { points: number }) => b.points === 0)).toBe(true);
			}
		} finally {
			(globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb = Promise.resolve(db);
			sparse.cleanup();
		}
	});
});

describe('team privacy', () => {
	it('with only one colleague behind the team’s rates, a rep’s pipeline still to come is rated at the company’s rates', async () => {
		const small = await freshDatabase({ answerMemoryMb: 0 });
		try {
			await simulateCompany(small.db, {
				seed: 9,
				weeks: 104,
				createdPerRepWeek: 1.5,
				winRate: { new_business: 0.3, existing: 0.5 },
				cycleDays: [30, 150],
				slipShare: 0.3,
				medianAmount: 20_000,
				newRepWeek: null
			});
			// North keeps reps 1 and 2 only.
			await small.db.write((tx) => tx.run('UPDATE reps SET team_id = 2 WHERE id IN (3, 4)'));
			(globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb = Promise.resolve(small.db);
			const own = await longRange(rep1, '?as_of=2024-09-30&months=12');
			const leaderView = await longRange(leaderOfNorth, '?as_of=2024-09-30&months=12&rep=rep1@sim.test');
			expect(own.status).toBe(200);
			const column = (body: Answer['body'], key: string) => body.months.map((m: Record<string, number>) => m[key]);
			expect(column(own.body, 'existing')).toEqual(column(leaderView.body, 'existing'));
			expect(column(own.body, 'future')).not.toEqual(column(leaderView.body, 'future'));
			expect(own.body.inputs.creation.map((c: { win_rate: number }) => c.win_rate)).not.toEqual(
				leaderView.body.inputs.creation.map((c: { win_rate: number }) => c.win_rate)
			);
		} finally {
			(globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb = Promise.resolve(db);
			small.cleanup();
		}
	});
});
