import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../../src/lib/server/auth/session.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { seedDemo } from '../../src/lib/server/demo/index.ts';
import { dealPageSize } from '../../src/lib/server/views/pipeline.ts';
import * as movementApi from '../../src/routes/api/v1/movement/+server.ts';
import { askEndpoint, freshDatabase } from './helpers.ts';

/**
 * GET /api/v1/movement lists the waterfall's deals a page at a time (`limit`, `offset`), with the
 * total and the next page's address, so a script reads every deal and a first request does not
 * write megabytes.
 */

interface MovementAnswer {
	counts: Record<string, number>;
	deals_total: number;
	deals_offset: number;
	deals_next: string | null;
	deals: { deal_id: string; part: string }[];
}

const executive: SessionUser = { id: 'u-exec', email: 'exec@example.test', name: 'Exec', role: 'executive', repId: null, teamIds: [] };

const ask = (path: string) => askEndpoint<MovementAnswer>(movementApi.GET, path, executive);

describe('the movement API pages its deals', () => {
	let db: Database;
	let cleanup: () => void;
	let from: string;
	let to: string;

	beforeAll(async () => {
		({ db, cleanup } = await freshDatabase());
		await seedDemo(db, { until: '2026-11-23', seed: 42, scale: 1, weeks: 12 });
		(globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb = Promise.resolve(db);
		const dates = (await db.all<{ d: string }>('SELECT DISTINCT snapshot_date::VARCHAR AS d FROM snapshots ORDER BY d')).map((r) => r.d);
		[from, to] = [dates[dates.length - 5], dates[dates.length - 1]];
	});
	afterAll(() => cleanup());

	it('following deals_next from the first page lists every deal once per part, as the counts say', async () => {
		const whole = (await ask(`/api/v1/movement?from=${from}&to=${to}`)).body;
		const total = Object.values(whole.counts).reduce((sum, n) => sum + n, 0);
		// The demo's four weeks fit one page of the default size, which a smaller limit then splits.
		expect(total).toBeGreaterThan(20);
		expect(total).toBeLessThanOrEqual(dealPageSize.fallback);
		expect(whole.deals_total).toBe(total);
		expect(whole.deals).toHaveLength(total);
		expect(whole.deals_next).toBeNull();

		const limit = Math.ceil(total / 3);
		const pages: MovementAnswer[] = [];
		let next: string | null = `/api/v1/movement?from=${from}&to=${to}&limit=${limit}`;
		while (next) {
			const page: MovementAnswer = (await ask(next)).body;
			pages.push(page);
			next = page.deals_next;
		}
		expect(pages).toHaveLength(3);
		expect(pages.map((p) => p.deals_offset)).toEqual([0, limit, 2 * limit]);
		expect(pages.every((p) => p.deals_total === total)).toBe(true);
		// The pages, one after another, are the whole list in its order: nothing twice, nothing left out.
		expect(pages.flatMap((p) => p.deals)).toEqual(whole.deals);
	});

	it('a page past the end is empty, and says so with no next page', async () => {
		const answer = (await ask(`/api/v1/movement?from=${from}&to=${to}&offset=100000`)).body;
		expect(answer.deals).toEqual([]);
		expect(answer.deals_next).toBeNull();
		expect(answer.deals_total).toBeGreaterThan(0);
	});

	it.each([
		['limit=0', 'limit'],
		[`limit=${dealPageSize.max + 1}`, 'limit'],
		['limit=ten', 'limit'],
		['offset=-1', 'offset'],
		['offset=1.5', 'offset']
	])('%s is a 400 naming the parameter', async (query, parameter) => {
		const answer = await ask(`/api/v1/movement?from=${from}&to=${to}&${query}`);
		expect(answer.status).toBe(400);
		expect(JSON.stringify(answer.body)).toContain(parameter);
	});
});
