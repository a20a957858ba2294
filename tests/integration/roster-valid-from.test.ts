import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { narrowScope, scopeForUser, type Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { movementDeals, pipelineMovement } from '../../src/lib/server/metrics/movement.ts';
import { revenueMix } from '../../src/lib/server/metrics/revenue-mix.ts';
import { writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

/**
 * A roster with `valid_from`: Ann sells in North until Thursday 15 January 2026, then in South. Her
 * past stays in North's history (what she won and held then), her future is South's, and the week
 * she moved shows her open deal leaving North and arriving in South.
 */

let db: Database;
let dir: string;
let cleanup: () => void;
beforeEach(async () => {
	({ db, dir, cleanup } = await freshDatabase());
	const weeks = ['2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26'];
	const pipeline = writeFile(
		dir,
		'pipeline.csv',
		[
			'snapshot_date,deal_id,owner,owner_name,team,stage,amount,close_date',
			...weeks.map((w) => `${w},D-OPEN,ann@example.test,Ann,North,Proposal,1000,2026-03-31`),
			'2026-01-05,D-WON,ann@example.test,Ann,North,Negotiation,700,2026-01-09',
			...weeks.slice(1).map((w) => `${w},D-WON,ann@example.test,Ann,North,Closed Won,700,2026-01-09`),
			...weeks.map((w) => `${w},D-BEN,ben@example.test,Ben,North,Lead,50,2026-03-31`),
			...weeks.map((w) => `${w},D-CAT,cat@example.test,Cat,South,Lead,20,2026-03-31`)
		].join('\n')
	);
	expect((await importFiles(db, [pipeline])).errors).toEqual([]);
});
afterEach(() => cleanup());

const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };
const team = (name: string) => db.read((q) => narrowScope(q, everyone, { team: name }));
const teamId = async (name: string) => (await db.one<{ id: number }>('SELECT id FROM teams WHERE name = $name', { name }))!.id;

async function moveAnn(validFrom: string | null) {
	const roster = writeFile(
		dir,
		'roster.csv',
		validFrom === null ? ['email,team', 'ann@example.test,South'].join('\n') : ['email,team,valid_from', `ann@example.test,South,${validFrom}`].join('\n')
	);
	const summary = await importFiles(db, [roster], { format: 'roster' });
	expect(summary.errors).toEqual([]);
}

describe('team membership with dates (roster valid_from)', () => {
	it("keeps a moved rep's past in the old team: movement and revenue read the team she was in at the time", async () => {
		await moveAnn('2026-01-15');
		expect(await db.all('SELECT t.name AS team FROM reps r JOIN teams t ON t.id = r.team_id WHERE r.email = $e', { e: 'ann@example.test' })).toEqual([
			{ team: 'South' }
		]);
		const north = await team('North');
		const south = await team('South');

		// The week before she moved, her deal was North's and stayed North's.
		const before = await db.read((q) => pipelineMovement(q, north, { from: '2026-01-05', to: '2026-01-12' }));
		expect([before.start, before.end]).toEqual([1000 + 700 + 50, 1000 + 50]);
		expect(before.parts.won).toBe(700);
		// The week she moved: North hands the open deal over, South receives it.
		const week = { from: '2026-01-12', to: '2026-01-19' };
		expect((await db.read((q) => movementDeals(q, north, week))).deals.map((d) => [d.deal_id, d.part])).toEqual([['D-OPEN', 'transferred_out']]);
		const arriving = await db.read((q) => pipelineMovement(q, south, week));
		expect([arriving.start, arriving.parts.transferred_in, arriving.end]).toEqual([20, 1000, 1020]);
		// After it, the deal is South's alone.
		expect((await db.read((q) => pipelineMovement(q, north, { from: '2026-01-19', to: '2026-01-26' }))).end).toBe(50);

		// What she won in North, in January's first week, stays North's revenue.
		const period = { from: '2026-01-01', to: '2026-01-10', newBusinessWeight: 1 };
		const wonIn = async (scope: Scope) => {
			const mix = await db.read((q) => revenueMix(q, scope, period));
			return mix.won.new_business + mix.won.existing;
		};
		expect(await wonIn(north)).toBe(700);
		expect(await wonIn(south)).toBe(0);
		// A leader of North sees the same through their own scope.
		const leader = await db.read((q) => scopeForUser(q, { role: 'leader', repId: null, teamIds: [] }));
		const northLeader = await db.read(async (q) => scopeForUser(q, { role: 'leader', repId: null, teamIds: [await teamId('North')] }));
		expect(leader.repIds).toEqual([]);
		expect(await wonIn(northLeader)).toBe(700);
		// Ann's own figures are hers wherever she was.
		const ann = await db.read((q) => narrowScope(q, everyone, { rep: 'ann@example.test' }));
		expect(await wonIn(ann)).toBe(700);
	});

	it("takes a whole membership history in one roster, a new rep's included, and today's team is the latest", async () => {
		const roster = writeFile(
			dir,
			'roster.csv',
			['email,name,team,valid_from', 'dan@example.test,Dan,North,2026-01-01', 'dan@example.test,Dan,South,2026-01-15', 'ann@example.test,Ann,South,2026-01-15'].join('\n')
		);
		expect(await importFiles(db, [roster], { format: 'roster' })).toMatchObject({ status: 'ok', created: { reps: 1 } });
		expect(
			await db.all(`SELECT r.email, t.name AS team, h.valid_from FROM rep_team_history h JOIN reps r ON r.id = h.rep_id
				LEFT JOIN teams t ON t.id = h.team_id ORDER BY 1, 3`)
		).toEqual([
			{ email: 'ann@example.test', team: 'North', valid_from: '1900-01-01' },
			{ email: 'ann@example.test', team: 'South', valid_from: '2026-01-15' },
			{ email: 'dan@example.test', team: 'North', valid_from: '2026-01-01' },
			{ email: 'dan@example.test', team: 'South', valid_from: '2026-01-15' }
		]);
		expect(await db.all(`SELECT r.email, t.name AS team FROM reps r JOIN teams t ON t.id = r.team_id WHERE r.email IN ('ann@example.test', 'dan@example.test') ORDER BY 1`)).toEqual([
			{ email: 'ann@example.test', team: 'South' },
			{ email: 'dan@example.test', team: 'South' }
		]);
	});

	it('without valid_from, a move takes the rep\'s history along, as before', async () => {
		await moveAnn(null);
		expect(await db.one('SELECT count(*)::INTEGER AS n FROM rep_team_history')).toEqual({ n: 0 });
		const south = await team('South');
		const before = await db.read((q) => pipelineMovement(q, south, { from: '2026-01-05', to: '2026-01-12' }));
		expect(before.parts.won).toBe(700);
		const north = await team('North');
		expect((await db.read((q) => pipelineMovement(q, north, { from: '2026-01-12', to: '2026-01-19' }))).parts.transferred_out).toBe(0);
	});
});
