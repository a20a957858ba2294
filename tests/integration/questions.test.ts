import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { defineQuestion } from '../../src/lib/server/questions.ts';
import { freshDatabase } from './helpers.ts';

/** A question is defined once, with its name and how long its answer is kept; every caller asks it the same way. */
let db: Database;
let cleanup: () => void;
const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };
const northOnly: Scope = { role: 'leader', repIds: [1], teamIds: [1], ownRepId: null };

beforeAll(async () => {
	({ db, cleanup } = await freshDatabase());
	await db.write(async (tx) => {
		await tx.run(`INSERT INTO teams (id, name) VALUES (1, 'North')`);
		await tx.run(`INSERT INTO reps (id, email, name, role, team_id) VALUES (1, 'a@x.test', 'A', 'AE', 1)`);
	});
});
afterAll(() => cleanup());

describe('defineQuestion', () => {
	it('answers once per scope and arguments while the data is unchanged, whoever asks', async () => {
		let asked = 0;
		const reps = defineQuestion('test: reps', async (q, _scope, { limit }: { limit: number }) => {
			asked++;
			return q.all<{ id: number }>('SELECT id FROM reps LIMIT $limit', { limit });
		});
		expect(await reps.ask(db, everyone, { limit: 5 })).toEqual([{ id: 1 }]);
		expect(await reps.ask(db, everyone, { limit: 5 })).toEqual([{ id: 1 }]);
		expect(asked).toBe(1);
		await reps.ask(db, northOnly, { limit: 5 });
		await reps.ask(db, everyone, { limit: 6 });
		expect(asked).toBe(3);
		await db.write((tx) => tx.run(`INSERT INTO reps (id, email, name, role, team_id) VALUES (2, 'b@x.test', 'B', 'AE', 1)`));
		expect(await reps.ask(db, everyone, { limit: 5 })).toEqual([{ id: 1 }, { id: 2 }]);
		expect(asked).toBe(4);
	});

	it("'while data and app state unchanged' asks again after a write to what people write in the app, which the data fingerprint does not see", async () => {
		let asked = 0;
		const notes = defineQuestion('test: notes', async () => ++asked, 'while data and app state unchanged');
		expect(await notes.ask(db, everyone, {})).toBe(1);
		expect(await notes.ask(db, everyone, {})).toBe(1);
		await db.write((tx) => tx.run(`INSERT INTO users (id, email, name, role, password_hash) VALUES ('u1', 'u@x.test', 'U', 'leader', 'x')`));
		expect(await notes.ask(db, everyone, {})).toBe(2);
	});

	it('refuses a second, different question under a name already taken: they would share answers', () => {
		defineQuestion('test: taken', async () => 1);
		expect(() => defineQuestion('test: taken', async () => 2)).toThrow('Two questions are named "test: taken"');
	});

	it('works out a few questions at a time (QUESTIONS_AT_ONCE), the others when a turn is free; a remembered answer does not wait', async () => {
		const { db: twoAtOnce, cleanup: close } = await freshDatabase({ questionsAtOnce: 2 });
		try {
			let running = 0;
			let most = 0;
			const started: number[] = [];
			const finish: (() => void)[] = [];
			const slow = defineQuestion('test: slow', async (_q, _scope, n: number) => {
				started.push(n);
				most = Math.max(most, ++running);
				await new Promise<void>((resolve) => finish.push(resolve));
				running--;
				return n;
			});
			const answers = [1, 2, 3, 4].map((n) => slow.ask(twoAtOnce, everyone, n));
			await expect.poll(() => started.length).toBe(2);
			// The other two wait, however long the first two take.
			await new Promise((resolve) => setTimeout(resolve, 100));
			expect(started).toHaveLength(2);
			finish.shift()!();
			await expect.poll(() => started.length).toBe(3);
			while (started.length < 4 || finish.length > 0) {
				await expect.poll(() => finish.length).toBeGreaterThan(0);
				finish.shift()!();
			}
			expect(await Promise.all(answers)).toEqual([1, 2, 3, 4]);
			expect(started.sort()).toEqual([1, 2, 3, 4]);
			expect(most).toBe(2);

			// Both turns taken by questions still being worked out; an answer already remembered comes at once.
			const busy = [5, 6].map((n) => slow.ask(twoAtOnce, everyone, n));
			await expect.poll(() => started.length).toBe(6);
			expect(await slow.ask(twoAtOnce, everyone, 1)).toBe(1);
			for (const done of finish.splice(0)) done();
			expect(await Promise.all(busy)).toEqual([5, 6]);
		} finally {
			await close();
		}
	});
});
