import type { RequestEvent } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handleError } from '../../src/hooks.server.ts';
import type { SessionUser } from '../../src/lib/server/auth/session.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { writeFile } from '../fixtures/import/helpers.ts';
import { askEndpoint, freshDatabase } from './helpers.ts';
import * as forecastAccuracyApi from '../../src/routes/api/v1/forecast/accuracy/+server.ts';
import * as forecastApi from '../../src/routes/api/v1/forecast/+server.ts';
import * as importsApi from '../../src/routes/api/v1/imports/+server.ts';
import * as movementApi from '../../src/routes/api/v1/movement/+server.ts';
import * as dataQualityApi from '../../src/routes/api/v1/data-quality/+server.ts';
import * as coachingApi from '../../src/routes/api/v1/reps/[email]/coaching/+server.ts';
import * as strengthsApi from '../../src/routes/api/v1/reps/[email]/strengths/+server.ts';
import * as repsApi from '../../src/routes/api/v1/reps/+server.ts';
import * as revenueMixApi from '../../src/routes/api/v1/revenue-mix/+server.ts';
import * as snapshotsApi from '../../src/routes/api/v1/snapshots/+server.ts';

/**
 * A company's first import is rarely the demo: reps without teams, one snapshot, nothing closed
 * yet, no quotas. Every endpoint under /api/v1 answers such data with JSON (a 2xx, or a 4xx that
 * says why), never a DuckDB error. The handlers are called as SvelteKit calls them, with the
 * signed-in user on `locals`, against a database built by a real import.
 */

const header = 'snapshot_date,deal_id,deal_name,owner,owner_name,stage,amount,close_date,created_date';

/** Open deals only, owners without a team; `dates` are the snapshots, each holding every deal. */
function pipelineCsv(dates: string[], owners: string[]): string {
	const rows = dates.flatMap((date, week) =>
		owners.flatMap((owner, o) => [
			`${date},D-${o}-1,First deal,${owner},${owner.split('@')[0]},Discovery,${10000 + week * 1000},2026-06-30,2026-01-05`,
			`${date},D-${o}-2,Second deal,${owner},${owner.split('@')[0]},${week === 0 ? 'Qualified' : 'Proposal'},5000,2026-05-15,2026-01-12`
		])
	);
	return [header, ...rows].join('\n');
}

type Handler = (event: never) => Promise<Response> | Response;

/** An endpoint's GET, called as SvelteKit would on its route. */
const ask = (handler: Handler, route: string, path: string, user: SessionUser, params: Record<string, string> = {}) =>
	askEndpoint(handler, path, user, { route, params });

/** The process's database (src/lib/server/db/index.ts) is the test's. */
function serve(db: Database) {
	(globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb = Promise.resolve(db);
}

const executive: SessionUser = { id: 'u-exec', email: 'exec@example.test', name: 'Exec', role: 'executive', repId: null, teamIds: [] };
const admin: SessionUser = { id: 'u-admin', email: 'admin@example.test', name: 'Admin', role: 'admin', repId: null, teamIds: [] };
/** A leader before anyone assigned them a team: their scope holds no reps at all. */
const leaderWithoutTeam: SessionUser = { id: 'u-lead', email: 'lead@example.test', name: 'Lead', role: 'leader', repId: null, teamIds: [] };

const datasets = [
	{ name: 'one snapshot, two reps without a team, nothing closed', dates: ['2026-03-02'], owners: ['ann@example.test', 'ben@example.test'] },
	{ name: 'one rep without a team over two snapshots, nothing closed', dates: ['2026-03-02', '2026-03-09'], owners: ['ann@example.test'] }
];

describe.each(datasets)('every /api/v1 endpoint on $name', ({ dates, owners }) => {
	let db: Database;
	let cleanup: () => void;
	let ann: SessionUser;

	beforeAll(async () => {
		const fresh = await freshDatabase();
		db = fresh.db;
		cleanup = fresh.cleanup;
		const file = writeFile(fresh.dir, 'pipeline.csv', pipelineCsv(dates, owners));
		const summary = await importFiles(db, [file], { format: 'native' });
		expect(summary).toMatchObject({ status: 'ok', snapshots: dates });
		const rep = await db.one<{ id: number; team_id: number | null }>("SELECT id, team_id FROM reps WHERE email = 'ann@example.test'");
		expect(rep?.team_id).toBeNull();
		ann = { id: 'u-ann', email: 'ann@example.test', name: 'Ann', role: 'rep', repId: rep!.id, teamIds: [] };
		serve(db);
	});
	afterAll(() => cleanup());

	const users = () => ({ executive, admin, leaderWithoutTeam, ann });
	const latest = dates.at(-1)!;

	/** Every endpoint, as each kind of user asks it. */
	const questions: [string, Handler, string, string, Record<string, string>?][] = [
		['snapshots', snapshotsApi.GET, '/api/v1/snapshots', '/api/v1/snapshots'],
		['reps', repsApi.GET, '/api/v1/reps', '/api/v1/reps'],
		['movement', movementApi.GET, '/api/v1/movement', '/api/v1/movement'],
		['forecast', forecastApi.GET, '/api/v1/forecast', '/api/v1/forecast'],
		['forecast accuracy', forecastAccuracyApi.GET, '/api/v1/forecast/accuracy', '/api/v1/forecast/accuracy'],
		['revenue mix', revenueMixApi.GET, '/api/v1/revenue-mix', '/api/v1/revenue-mix?from=2026-01-01&to=2026-03-31'],
		['strengths', strengthsApi.GET, '/api/v1/reps/[email]/strengths', '/api/v1/reps/ann@example.test/strengths', { email: 'ann@example.test' }],
		['coaching', coachingApi.GET, '/api/v1/reps/[email]/coaching', '/api/v1/reps/ann@example.test/coaching', { email: 'ann@example.test' }],
		['import log', importsApi.GET, '/api/v1/imports', '/api/v1/imports'],
		['data quality', dataQualityApi.GET, '/api/v1/data-quality', '/api/v1/data-quality']
	];

	it.each(questions)('%s answers every kind of user with JSON, never a 500', async (_name, handler, route, path, params) => {
		for (const [who, user] of Object.entries(users())) {
			const answer = await ask(handler, route, path, user, params);
			expect({ who, status: answer.status < 500 }).toEqual({ who, status: true });
			expect(answer.body).toBeTypeOf('object');
			if (answer.status >= 400) expect(answer.body.message).toEqual(expect.any(String));
		}
	});

	it("a rep without a team gets their strength profile, with no team to compare against", async () => {
		const answer = await ask(strengthsApi.GET, '/api/v1/reps/[email]/strengths', '/api/v1/reps/ann@example.test/strengths', ann, {
			email: 'ann@example.test'
		});
		expect(answer.status).toBe(200);
		expect(answer.body).toMatchObject({ email: 'ann@example.test', team: null, to: latest });
	});

	it('the executive sees every open deal in the forecast, and nothing won', async () => {
		const forecast = await ask(forecastApi.GET, '/api/v1/forecast', '/api/v1/forecast', executive);
		expect(forecast.status).toBe(200);
		const months = forecast.body.months as { month: string; total: number }[];
		expect(months.reduce((sum, m) => sum + m.total, 0)).toBe(owners.length * (10000 + (dates.length - 1) * 1000 + 5000));
		const accuracy = await ask(forecastAccuracyApi.GET, '/api/v1/forecast/accuracy', '/api/v1/forecast/accuracy', executive);
		expect(accuracy).toMatchObject({ status: 200, body: { as_of: latest, won: 0 } });
	});

	it('a leader without a team sees no reps and no pipeline, rather than an error', async () => {
		expect(await ask(repsApi.GET, '/api/v1/reps', '/api/v1/reps', leaderWithoutTeam)).toEqual({ status: 200, body: { reps: [] } });
		const forecast = await ask(forecastApi.GET, '/api/v1/forecast', '/api/v1/forecast', leaderWithoutTeam);
		expect((forecast.body.months as { total: number }[]).every((m) => m.total === 0)).toBe(true);
		const strengths = await ask(strengthsApi.GET, '/api/v1/reps/[email]/strengths', '/api/v1/reps/ann@example.test/strengths', leaderWithoutTeam, {
			email: 'ann@example.test'
		});
		expect(strengths).toEqual({ status: 404, body: { message: 'No such rep' } });
	});

	it(dates.length === 1 ? 'movement says it needs two snapshots' : 'movement compares the two snapshots for the rep', async () => {
		const answer = await ask(movementApi.GET, '/api/v1/movement', '/api/v1/movement', ann);
		if (dates.length === 1) {
			expect(answer).toEqual({ status: 409, body: { message: 'Pipeline movement compares two snapshots; 1 is loaded.' } });
		} else {
			expect(answer.status).toBe(200);
			expect(answer.body).toMatchObject({ from: dates[0], to: latest, moved_forward: 1 });
		}
	});
});

describe('an error nobody expected', () => {
	it('comes back from an API path as a message with a reference, without the database internals, and is logged in full', async () => {
		const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
		try {
			const url = new URL('http://localhost/api/v1/forecast');
			const error = new Error('Binder Error: Referenced column "owner_id" not found in FROM clause!');
			const answer = await handleError({
				error,
				event: { url, request: new Request(url) } as RequestEvent,
				status: 500,
				message: 'Internal Error'
			});
			expect(answer).toEqual({ message: expect.stringMatching(/^Something went wrong on our side while answering this \(reference [0-9a-f]{8}\)/) });
			expect((answer as { message: string }).message).not.toContain('owner_id');
			const reference = /reference ([0-9a-f]{8})/.exec((answer as { message: string }).message)![1];
			expect(logged).toHaveBeenCalledWith(`Unexpected error ${reference} on GET /api/v1/forecast:`, error);
		} finally {
			logged.mockRestore();
		}
	});

	it('keeps the message of an error Kit raised itself, such as an unknown path', async () => {
		const url = new URL('http://localhost/api/v1/nothing-here');
		const answer = await handleError({
			error: new Error('Not found: /api/v1/nothing-here'),
			event: { url, request: new Request(url) } as RequestEvent,
			status: 404,
			message: 'Not Found'
		});
		expect(answer).toEqual({ message: 'Not Found' });
	});
});
