import type { RequestEvent } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterChoices, narrowScope, scopeForUser } from '../../src/lib/server/auth/scope.ts';
import type { SessionUser } from '../../src/lib/server/auth/session.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { chosenScope } from '../../src/lib/server/views/request.ts';
import * as movementApi from '../../src/routes/api/v1/movement/+server.ts';
import { freshDatabase } from './helpers.ts';

/**
 * The one rule for a team and a rep that contradict each other (`?team=North&rep=<a South rep>`,
 * as a form sends after the rep was picked under another team): the rep wins, and the team shown is
 * the rep's own. Every view reads team and rep through `chosenScope`, so this holds for all of them.
 */
let db: Database;
let cleanup: () => void;

const executive: SessionUser = { id: 'u-exec', email: 'exec@example.test', name: 'Exec', role: 'executive', repId: null, teamIds: [] };
const northLeader: SessionUser = { id: 'u-lea', email: 'lea@example.test', name: 'Lea', role: 'leader', repId: null, teamIds: [1] };

beforeAll(async () => {
	const fresh = await freshDatabase();
	db = fresh.db;
	cleanup = fresh.cleanup;
	await db.write(async (tx) => {
		await tx.run(`INSERT INTO teams (id, name) VALUES (1, 'North'), (2, 'South')`);
		await tx.run(`INSERT INTO reps (id, email, name, role, team_id) VALUES
			(1, 'ann@example.test', 'Ann', 'AE', 1),
			(2, 'ben@example.test', 'Ben', 'AE', 1),
			(3, 'sue@example.test', 'Sue', 'AE', 2)`);
		await tx.run(`INSERT INTO deals (id, crm_id, name, deal_type, created_date) VALUES
			(1, 'D-1', 'Ann one', 'new_business', '2026-01-05'),
			(2, 'D-2', 'Ben one', 'new_business', '2026-01-05'),
			(3, 'D-3', 'Sue one', 'new_business', '2026-01-05')`);
		for (const date of ['2026-01-05', '2026-01-12']) {
			for (const [deal, owner, amount] of [[1, 1, 1000], [2, 2, 2000], [3, 3, 4000]]) {
				await tx.run(`INSERT INTO snapshots VALUES ('${date}', ${deal}, ${owner}, 2, ${amount}, 0.2, '2026-03-31', 'pipeline')`);
			}
		}
	});
	(globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb = Promise.resolve(db);
});
afterAll(() => cleanup());

const request = (user: SessionUser, search: string) => ({ user, url: new URL(`http://localhost/pipeline${search}`) });

describe('a team and a rep of another team', () => {
	it("the rep wins: the scope is the rep's alone, and the team becomes the rep's own", async () => {
		const everyone = await db.read((q) => scopeForUser(q, executive));
		const narrowed = await db.read((q) => narrowScope(q, everyone, { team: 'North', rep: 'SUE@example.test' }));
		expect(narrowed).toMatchObject({ repIds: [3], teamIds: [2] });

		const chosen = await chosenScope(db, request(executive, '?team=North&rep=sue@example.test'));
		expect({ team: chosen.team, rep: chosen.rep, reps: chosen.scope.repIds }).toEqual({ team: 'South', rep: 'sue@example.test', reps: [3] });
	});

	it('a rep within the team narrows to the rep, and the team stays', async () => {
		const chosen = await chosenScope(db, request(executive, '?team=North&rep=ben@example.test'));
		expect({ team: chosen.team, rep: chosen.rep, reps: chosen.scope.repIds, teams: chosen.scope.teamIds }).toEqual({
			team: 'North',
			rep: 'ben@example.test',
			reps: [2],
			teams: [1]
		});
	});

	it("winning never reaches past the user's own scope: another team's rep is a 404, with or without a team", async () => {
		await expect(chosenScope(db, request(northLeader, '?team=North&rep=sue@example.test'))).rejects.toMatchObject({ status: 404, message: 'No such rep' });
		await expect(chosenScope(db, request(northLeader, '?rep=sue@example.test'))).rejects.toMatchObject({ status: 404 });
		await expect(chosenScope(db, request(northLeader, '?team=South'))).rejects.toMatchObject({ status: 404, message: 'No such team' });
	});

	it('the pickers offer exactly the scope: a leader their team and its reps, an executive everyone', async () => {
		const lea = await db.read(async (q) => filterChoices(q, await scopeForUser(q, northLeader)));
		expect({ teams: lea.teams.map((t) => t.name), reps: lea.reps.map((r) => r.email) }).toEqual({
			teams: ['North'],
			reps: ['ann@example.test', 'ben@example.test']
		});
		const all = await db.read(async (q) => filterChoices(q, await scopeForUser(q, executive)));
		expect(all.reps.map((r) => [r.email, r.team])).toEqual([
			['ann@example.test', 'North'],
			['ben@example.test', 'North'],
			['sue@example.test', 'South']
		]);
	});
});

describe('the rule through the API', () => {
	async function movement(user: SessionUser, search: string) {
		const url = new URL(`http://localhost/api/v1/movement${search}`);
		const event = { url, params: {}, locals: { user, session: null }, route: { id: '/api/v1/movement' }, request: new Request(url) };
		const response = await movementApi.GET(event as unknown as RequestEvent as never);
		return { status: response.status, body: await response.json() };
	}

	it("GET /api/v1/movement?team=North&rep=<South's rep> answers exactly as for the rep alone", async () => {
		const contradicting = await movement(executive, '?team=North&rep=sue@example.test');
		const repAlone = await movement(executive, '?rep=sue@example.test');
		expect(contradicting.status).toBe(200);
		expect(contradicting.body).toEqual(repAlone.body);
		expect(contradicting.body).toMatchObject({ start: 4000, end: 4000 });
	});

	it("a leader asking for another team's rep gets a 404 JSON answer", async () => {
		expect(await movement(northLeader, '?team=North&rep=sue@example.test')).toEqual({ status: 404, body: { message: 'No such rep' } });
	});
});
