import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/index.ts';
import { demoReps, demoTeams, seedDemo } from '../../src/lib/server/demo/index.ts';
import { longRangeFacts } from '../../src/lib/server/metrics/long-range-facts.ts';
import { backtestPoints } from '../../src/lib/server/metrics/long-range-backtest.ts';
import { freshDatabase } from './helpers.ts';

/**
 * The 6-18 month view on the demo company, two years of history: its band far out. Renewals there
 * come eight or nine months after the deal was created, so a projection made with six to twelve
 * months behind it has seen only the quick wins; learning from them alone, it expected too little
 * and was too sure of it. Past months' projections are checked against what was then won.
 */

const until = '2026-11-23';
const executive: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };
const leaderOf = (teamId: number): Scope => ({ role: 'leader', repIds: demoReps.filter((r) => r.teamId === teamId).map((r) => r.id), teamIds: [teamId], ownRepId: null });

let db: Database;
let cleanup: () => void;
beforeAll(async () => {
	({ db, cleanup } = await freshDatabase());
	await seedDemo(db, { until });
}, 120_000);
afterAll(() => cleanup());

describe('the 6-18 month band on the demo company', () => {
	const scopes = [{ name: 'the company', scope: executive }, ...demoTeams.map((team) => ({ name: `team ${team.name}`, scope: leaderOf(team.id) }))];
	it.each(scopes)('holds at least 60 percent of the actuals of months 7 to 18 after every past month, for $name', async ({ scope }) => {
		const facts = await db.read((q) => longRangeFacts(q));
		const points = await db.read((q) => backtestPoints(q, facts, scope, 'demo'));
		const far = points.flatMap((point) => point.months.slice(6));
		const inside = far.filter((m) => m.actual >= m.p10 && m.actual <= m.p90);
		expect(far.length).toBeGreaterThan(20);
		expect(inside.length / far.length).toBeGreaterThanOrEqual(0.6);
	}, 120_000);
});
