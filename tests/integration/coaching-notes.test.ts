import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import {
	addNextStep,
	agreedNextSteps,
	CoachingInputError,
	coachingOverview,
	editNextStep,
	saveNote,
	sessionNotes,
	setNextStepDone,
	type CoachingUser
} from '../../src/lib/server/coaching-notes.ts';
import { scopeForUser } from '../../src/lib/server/auth/scope.ts';
import { history, load, pipelineDatabase, rep, week } from './movement-fixtures.ts';

/**
 * Notes and next steps of the weekly 1:1: private to the rep, their leader and admins; nothing
 * anyone writes is overwritten or lost. Ann and Ben sell for team North (led by Lea), Cat for South
 * (led by Sam).
 */

let db: Database;
let cleanup: () => void;

const lea: CoachingUser = { id: 'u-lea', role: 'leader', repId: null, teamIds: [1] };
const sam: CoachingUser = { id: 'u-sam', role: 'leader', repId: null, teamIds: [2] };
const ann: CoachingUser = { id: 'u-ann', role: 'rep', repId: rep.ann, teamIds: [1] };
const ben: CoachingUser = { id: 'u-ben', role: 'rep', repId: rep.ben, teamIds: [1] };
const admin: CoachingUser = { id: 'u-admin', role: 'admin', repId: null, teamIds: [] };
const executive: CoachingUser = { id: 'u-exec', role: 'executive', repId: null, teamIds: [] };

const thisWeek = week(1);
/** The /coaching overview as `user` sees it: over their widest scope. */
const overviewAs = (user: CoachingUser) =>
	db.read(async (q) => coachingOverview(q, await scopeForUser(q, { ...user, teamIds: [...user.teamIds] }), { week: thisWeek }));
let annsDeal: number;
let bensDeal: number;

beforeEach(async () => {
	({ db, cleanup } = await pipelineDatabase());
	await db.write(async (tx) => {
		await tx.run(`INSERT INTO users (id, email, name, password_hash, role, rep_id) VALUES
			('u-lea', 'lea@example.test', 'Lea', 'x', 'leader', NULL),
			('u-sam', 'sam@example.test', 'Sam', 'x', 'leader', NULL),
			('u-ann', 'ann@example.test', 'Ann', 'x', 'rep', 1),
			('u-ben', 'ben@example.test', 'Ben', 'x', 'rep', 2),
			('u-admin', 'admin@example.test', 'Ada Admin', 'x', 'admin', NULL),
			('u-exec', 'exec@example.test', 'Exe', 'x', 'executive', NULL)`);
		await tx.run(`INSERT INTO user_teams VALUES ('u-lea', 1), ('u-sam', 2)`);
	});
	await load(db, [
		...history('ANN-1', 0, [['Proposal', 9000, '2026-03-31'], ['Proposal', 9000, '2026-03-31']]),
		...history('BEN-1', 0, [['Demo', 4000, '2026-03-31', 'ben'], ['Demo', 4000, '2026-03-31', 'ben']])
	]);
	annsDeal = (await db.one<{ id: number }>(`SELECT id FROM deals WHERE crm_id = 'ANN-1'`))!.id;
	bensDeal = (await db.one<{ id: number }>(`SELECT id FROM deals WHERE crm_id = 'BEN-1'`))!.id;
});
afterEach(() => cleanup());

const notesOf = (user: CoachingUser, repId: number = rep.ann, at = thisWeek) => db.read((q) => sessionNotes(q, user, { repId, week: at }));
const leaderNote = (user: CoachingUser, body: string, basedOn = 0) =>
	saveNote(db, user, { repId: rep.ann, week: thisWeek, kind: 'leader_note', body, basedOn });

describe('who sees the 1:1 notes', () => {
	it('the leader writes session notes that the rep and admins read', async () => {
		await leaderNote(lea, 'Great progress on ANN-1. Next: involve procurement early.');
		for (const reader of [ann, lea, admin]) {
			const { leaderNote: note } = await notesOf(reader);
			expect(note, `as ${reader.id}`).toMatchObject({
				kind: 'leader_note',
				body: 'Great progress on ANN-1. Next: involve procurement early.',
				author: 'Lea',
				version: 1,
				concurrent: []
			});
		}
	});

	it('executives see none of the text: refused outright (403)', async () => {
		await leaderNote(lea, 'private');
		await expect(notesOf(executive)).rejects.toMatchObject({ status: 403 });
		await expect(db.read((q) => agreedNextSteps(q, executive, { repId: rep.ann, week: thisWeek }))).rejects.toMatchObject({ status: 403 });
		await expect(overviewAs(executive)).rejects.toMatchObject({ status: 403 });
		await expect(leaderNote(executive, 'may an executive write?')).rejects.toMatchObject({ status: 403 });
	});

	it("a teammate and another team's leader get a 404, as for a rep that does not exist", async () => {
		await leaderNote(lea, 'private');
		await expect(notesOf(ben)).rejects.toMatchObject({ status: 404 });
		await expect(notesOf(sam)).rejects.toMatchObject({ status: 404 });
		await expect(notesOf(lea, 999)).rejects.toMatchObject({ status: 404 });
		await expect(saveNote(db, ben, { repId: rep.ann, week: thisWeek, kind: 'deal_note', dealId: annsDeal, body: 'x', basedOn: 0 })).rejects.toMatchObject({
			status: 404
		});
	});

	it('the rep writes the self-review and the leader the session notes, not the other way round', async () => {
		await saveNote(db, ann, { repId: rep.ann, week: thisWeek, kind: 'self_review', body: 'Proud of the ANN-1 demo.', basedOn: 0 });
		expect((await notesOf(lea)).selfReview).toMatchObject({ body: 'Proud of the ANN-1 demo.', author: 'Ann' });
		await expect(leaderNote(ann, 'writing my own review of me')).rejects.toMatchObject({ status: 403 });
		await expect(
			saveNote(db, lea, { repId: rep.ann, week: thisWeek, kind: 'self_review', body: 'words in her mouth', basedOn: 0 })
		).rejects.toMatchObject({ status: 403 });
	});

	it("notes belong to their week: last week's notes are not this week's", async () => {
		await leaderNote(lea, 'this week');
		expect((await notesOf(ann, rep.ann, week(0))).leaderNote).toBeNull();
	});
});

describe('nothing is overwritten', () => {
	it('every save adds a version; the history keeps each text with its author', async () => {
		const first = await leaderNote(lea, 'Draft');
		const second = await leaderNote(admin, 'Draft, and the agreed plan', first.note!.version);
		expect(second.status).toBe('saved');
		expect(second.note).toMatchObject({ version: 2, body: 'Draft, and the agreed plan', author: 'Ada Admin', concurrent: [] });
		expect(second.note!.history.map((v) => [v.version, v.body, v.author, v.based_on])).toEqual([
			[2, 'Draft, and the agreed plan', 'Ada Admin', 1],
			[1, 'Draft', 'Lea', 0]
		]);
	});

	it('saving the text that is already there stores nothing', async () => {
		await leaderNote(lea, 'Same');
		const again = await leaderNote(lea, 'Same', 1);
		expect(again.status).toBe('unchanged');
		expect(again.note!.history).toHaveLength(1);
	});

	it('a save based on an older version keeps both texts and says there was a concurrent edit', async () => {
		await leaderNote(lea, 'v1');
		await leaderNote(admin, 'v1 plus the admin', 1);
		const late = await leaderNote(lea, 'v1 plus the leader', 1);
		expect(late.status).toBe('concurrent');
		expect(late.note).toMatchObject({ version: 3, body: 'v1 plus the leader' });
		expect(late.note!.concurrent.map((v) => [v.version, v.body, v.author])).toEqual([[2, 'v1 plus the admin', 'Ada Admin']]);

		// Everyone opening the note now sees both, until someone saves the merge.
		expect((await notesOf(ann)).leaderNote!.concurrent).toHaveLength(1);
		const merged = await leaderNote(admin, 'v1 plus the admin plus the leader', 3);
		expect(merged.status).toBe('saved');
		expect(merged.note!.concurrent).toEqual([]);
		expect(merged.note!.history.map((v) => v.body)).toEqual([
			'v1 plus the admin plus the leader',
			'v1 plus the leader',
			'v1 plus the admin',
			'v1'
		]);
	});

	it('two people saving the same deal note at the same moment both keep their text', async () => {
		const save = (user: CoachingUser, body: string) =>
			saveNote(db, user, { repId: rep.ann, week: thisWeek, kind: 'deal_note', dealId: annsDeal, body, basedOn: 0 });
		const results = await Promise.all([save(lea, 'Leader: I will call their CFO on Tuesday.'), save(ann, 'Ann: the champion wants a pilot.')]);

		expect(results.map((r) => r.status).sort()).toEqual(['concurrent', 'saved']);
		const { dealNotes } = await notesOf(lea);
		expect(dealNotes).toHaveLength(1);
		const [note] = dealNotes;
		expect(note.deal).toMatchObject({ id: annsDeal, crm_id: 'ANN-1' });
		expect(note.history.map((v) => v.body).sort()).toEqual(['Ann: the champion wants a pilot.', 'Leader: I will call their CFO on Tuesday.']);
		// The latest is shown as the note, the other beside it as not yet merged.
		expect([note.body, ...note.concurrent.map((v) => v.body)].sort()).toEqual([
			'Ann: the champion wants a pilot.',
			'Leader: I will call their CFO on Tuesday.'
		]);
	});

	it('two sessions saving the session notes at the same moment both keep their text', async () => {
		await leaderNote(lea, 'Agenda agreed.');
		const [a, b] = await Promise.all([leaderNote(lea, 'Agenda agreed. Lea adds: pilot plan.', 1), leaderNote(admin, 'Agenda agreed. Admin adds: budget.', 1)]);
		const note = (await notesOf(ann)).leaderNote!;
		expect(note.history.map((v) => v.body)).toEqual(
			expect.arrayContaining(['Agenda agreed.', 'Agenda agreed. Lea adds: pilot plan.', 'Agenda agreed. Admin adds: budget.'])
		);
		expect(note.history).toHaveLength(3);
		expect([a.status, b.status].sort()).toEqual(['concurrent', 'saved']);
	});

	it('a deal note can only name a deal of that rep', async () => {
		await expect(
			saveNote(db, lea, { repId: rep.ann, week: thisWeek, kind: 'deal_note', dealId: bensDeal, body: 'x', basedOn: 0 })
		).rejects.toSatisfy((e) => e instanceof CoachingInputError && e.problems.deal === 'deal_not_found');
	});

	it('a note too long to be a note is refused with the reason, and nothing is stored', async () => {
		await expect(leaderNote(lea, 'x'.repeat(20_001))).rejects.toSatisfy(
			(e) => e instanceof CoachingInputError && e.problems.body === 'body_too_long'
		);
		expect((await notesOf(lea)).leaderNote).toBeNull();
	});
});

describe('next steps', () => {
	const add = (user: CoachingUser, text: string, extra: Partial<{ dealId: number | null; dueDate: string; owner: 'leader' | 'rep' }> = {}) =>
		addNextStep(db, user, { repId: rep.ann, week: thisWeek, text, dealId: null, dueDate: week(2), owner: 'rep', ...extra });

	it('leader and rep both agree steps, with a deal, a due date and an owner', async () => {
		await add(lea, 'Call the CFO together', { dealId: annsDeal, owner: 'leader' });
		await add(ann, 'Send the pilot plan');
		const steps = await db.read((q) => agreedNextSteps(q, ann, { repId: rep.ann, week: thisWeek }));
		expect(steps.map((s) => [s.text, s.deal?.crm_id ?? null, s.due_date, s.owner, s.created_by, s.done])).toEqual([
			['Call the CFO together', 'ANN-1', week(2), 'leader', 'Lea', false],
			['Send the pilot plan', null, week(2), 'rep', 'Ann', false]
		]);
	});

	it('ticking off and reopening are kept as history', async () => {
		const step = await add(lea, 'Call the CFO together');
		await setNextStepDone(db, ann, { stepId: step.id, done: true });
		const reopened = await setNextStepDone(db, lea, { stepId: step.id, done: false });
		expect(reopened.done).toBe(false);
		expect(reopened.history.map((r) => [r.revision, r.change, r.done, r.changed_by])).toEqual([
			[3, 'reopened', false, 'Lea'],
			[2, 'done', true, 'Ann'],
			[1, 'created', false, 'Lea']
		]);
	});

	it('ticking off a step someone already ticked off changes nothing', async () => {
		const step = await add(lea, 'Call');
		const [a, b] = await Promise.all([
			setNextStepDone(db, ann, { stepId: step.id, done: true }),
			setNextStepDone(db, lea, { stepId: step.id, done: true })
		]);
		expect(a.done && b.done).toBe(true);
		expect(b.history.filter((r) => r.change === 'done')).toHaveLength(1);
	});

	it('an edit started before someone else changed the step is refused, showing the step as it is now', async () => {
		const step = await add(lea, 'Call the CFO');
		await editNextStep(db, ann, { stepId: step.id, revision: 1, text: 'Call the CFO and the CTO', dealId: null, dueDate: week(2), owner: 'rep' });
		const stale = editNextStep(db, lea, { stepId: step.id, revision: 1, text: 'Call the CFO on Monday', dealId: null, dueDate: week(2), owner: 'rep' });
		await expect(stale).rejects.toSatisfy(
			(e) => e instanceof CoachingInputError && e.problems.step === 'step_changed' && e.current?.text === 'Call the CFO and the CTO'
		);
		const [now] = await db.read((q) => agreedNextSteps(q, lea, { repId: rep.ann, week: thisWeek }));
		expect(now.history.map((r) => r.text)).toEqual(['Call the CFO and the CTO', 'Call the CFO']);
	});

	it('says exactly what is wrong with a step that cannot be saved', async () => {
		await expect(add(lea, '   ', { dueDate: '2026-02-30', dealId: bensDeal, owner: 'boss' as never })).rejects.toSatisfy(
			(e) =>
				e instanceof CoachingInputError &&
				JSON.stringify(e.problems) ===
					JSON.stringify({ text: 'text_required', due_date: 'due_date_invalid', owner: 'owner_invalid', deal: 'deal_not_found' })
		);
	});

	it("a teammate can neither add to nor tick off another rep's steps", async () => {
		const step = await add(lea, 'Call');
		await expect(add(ben, 'sneaky')).rejects.toMatchObject({ status: 404 });
		await expect(setNextStepDone(db, ben, { stepId: step.id, done: true })).rejects.toMatchObject({ status: 404 });
	});

	it('a step is one line: line breaks pasted in become spaces', async () => {
		const step = await add(ann, ' Prepare\r\n the demo \n');
		expect(step.text).toBe('Prepare the demo');
	});
});

describe("the leader's overview", () => {
	it('lists the reps a leader coaches with where each 1:1 stands, never what was written', async () => {
		await saveNote(db, ann, { repId: rep.ann, week: thisWeek, kind: 'self_review', body: 'Ready', basedOn: 0 });
		await addNextStep(db, lea, { repId: rep.ann, week: week(0), text: 'Open', dealId: null, dueDate: week(1), owner: 'rep' });
		const rows = await overviewAs(lea);
		expect(rows).toEqual([
			{ email: 'ann@example.test', name: 'Ann', role: 'AE', team: 'North', open_steps: 1, self_review_written: true, notes_written: false },
			{ email: 'ben@example.test', name: 'Ben', role: 'AE', team: 'North', open_steps: 0, self_review_written: false, notes_written: false }
		]);
	});
});
