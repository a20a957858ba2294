import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quarterOf } from '../../src/lib/domain/periods.ts';
import { scopeForUser } from '../../src/lib/server/auth/scope.ts';
import { createSession, generateSessionToken } from '../../src/lib/server/auth/session.ts';
import { addNextStep, saveNote, type CoachingUser } from '../../src/lib/server/coaching-notes.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { dayOf, submitCall, type CallUser } from '../../src/lib/server/forecast-calls.ts';
import * as coaching from '../../src/lib/server/views/coaching.ts';
import * as forecastCalls from '../../src/lib/server/views/forecast-calls.ts';
import { history, load, pipelineDatabase, rep, week } from './movement-fixtures.ts';

/**
 * The 1:1 and the forecast calls are remembered like every other question, yet what people write in
 * them is in the very next answer: the answers are kept under the app state's version, which every
 * saved note, step or call moves on, in whichever store holds the app state (this file also runs in
 * the `postgres` project).
 */

let db: Database;
let cleanup: () => void;

const lea: CoachingUser & CallUser = { id: 'u-lea', role: 'leader', repId: null, teamIds: [1] };
const ann: CoachingUser & CallUser = { id: 'u-ann', role: 'rep', repId: rep.ann, teamIds: [1] };
const today = dayOf(new Date());
const quarter = quarterOf(today);

beforeEach(async () => {
	({ db, cleanup } = await pipelineDatabase());
	await db.write(async (tx) => {
		await tx.run(`INSERT INTO users (id, email, name, password_hash, role, rep_id) VALUES
			('u-lea', 'lea@example.test', 'Lea', 'x', 'leader', NULL),
			('u-ann', 'ann@example.test', 'Ann', 'x', 'rep', 1)`);
		await tx.run(`INSERT INTO user_teams VALUES ('u-lea', 1)`);
	});
	await load(db, history('D-1', 0, [['Lead', 10, '2026-06-30'], ['Discovery', 10, '2026-06-30']]));
});
afterEach(() => cleanup());

const callsAsLea = () => forecastCalls.json(db, lea, { quarter, team: null, history: false });

async function sessionAsLea() {
	const scope = await db.read((q) => scopeForUser(q, { ...lea, teamIds: [...lea.teamIds] }));
	return coaching.session.ask(db, scope, { viewer: { repId: null }, repEmail: 'ann@example.test', week: week(1), today });
}

describe('answers that hold what people write', () => {
	it('a forecast call saved after the calls were remembered is in the next answer at once', async () => {
		const first = await callsAsLea();
		expect(first.calls).toEqual([]);
		expect(await callsAsLea()).toBe(first);

		await submitCall(db, ann, { quarter, commit: 100_000, best_case: 120_000, note: 'ACME signs', team: null });
		const next = await callsAsLea();
		expect(next.calls.map((c) => [c.email, c.commit, c.best_case])).toEqual([['ann@example.test', 100_000, 120_000]]);
		expect(await callsAsLea()).toBe(next);
	});

	it("a note and a next step saved after the 1:1 was remembered are in the next answer at once, the leader's side", async () => {
		const first = await sessionAsLea();
		expect(first.weeks?.week).toBe(week(1));
		expect('leaderNote' in first && first.leaderNote).toBeNull();
		expect(await sessionAsLea()).toBe(first);

		await saveNote(db, lea, { repId: rep.ann, week: week(1), kind: 'leader_note', body: 'Walk through D-1 together.', basedOn: 0 });
		const noted = await sessionAsLea();
		expect('leaderNote' in noted && noted.leaderNote?.body).toBe('Walk through D-1 together.');
		expect('seat' in noted && noted.seat).toBe('leader');

		await addNextStep(db, ann, { repId: rep.ann, week: week(1), text: 'Book the demo', dealId: null, dueDate: week(2), owner: 'rep' });
		const stepped = await sessionAsLea();
		expect('nextSteps' in stepped && stepped.nextSteps.map((s) => s.text)).toEqual(['Book the demo']);
	});

	it("a self-review written after the coaching overview was remembered shows in the next overview at once", async () => {
		const scope = await db.read((q) => scopeForUser(q, { ...lea, teamIds: [...lea.teamIds] }));
		const overview = () => coaching.overview.ask(db, scope, week(1));
		const first = await overview();
		expect(first.find((r) => r.email === 'ann@example.test')?.self_review_written).toBe(false);
		expect(await overview()).toBe(first);

		await saveNote(db, ann, { repId: rep.ann, week: week(1), kind: 'self_review', body: 'Proud of the D-1 discovery.', basedOn: 0 });
		expect((await overview()).find((r) => r.email === 'ann@example.test')?.self_review_written).toBe(true);
	});

	it('signing in keeps them: sessions are written on every visit and no remembered answer reads them', async () => {
		const calls = await callsAsLea();
		const session = await sessionAsLea();
		await createSession(db, generateSessionToken(), 'u-lea');
		expect(await callsAsLea()).toBe(calls);
		expect(await sessionAsLea()).toBe(session);
	});
});
