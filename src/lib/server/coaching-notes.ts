import { listValue } from '@duckdb/node-api';
import { sql, type Database, type Queryable, type Sql, type Transaction } from './db/index.ts';
import type { UserRole } from '../domain/roles.ts';
import { isIsoDate } from '../domain/periods.ts';
import {
	isNoteKind,
	isStepOwner,
	mayWrite,
	noteMaxLength,
	stepTextMaxLength,
	type CoachingNote,
	type CoachingSeat,
	type DealRef,
	type NextStep,
	type NoteKind,
	type NoteVersion,
	type StepOwner,
	type StepRevision
} from '../domain/coaching.ts';
import { Forbidden, NotFound } from './errors.ts';
import { repsInScope, type Scope } from './auth/scope.ts';

/**
 * What a rep and their leader write for the weekly 1:1: session notes, the rep's self-review, notes
 * on deals they work on together, and the next steps they agree. Private to the two of them (and
 * admins): every function takes the person acting and checks that first, so no route can forget.
 * Executives see the numbers, never these words.
 *
 * Nothing is overwritten. Notes grow by versions; two people saving at once both keep their text
 * (see 005_coaching.ts). Next steps keep every state they were in.
 */

/** The person acting, as the session carries them. */
export interface CoachingUser {
	id: string;
	role: UserRole;
	repId: number | null;
	teamIds: readonly number[];
}

export type CoachingField = 'body' | 'deal' | 'week' | 'text' | 'due_date' | 'owner' | 'step' | 'version';
export type CoachingProblemCode =
	| 'body_too_long'
	| 'deal_required'
	| 'deal_not_found'
	| 'week_invalid'
	| 'text_required'
	| 'text_too_long'
	| 'due_date_invalid'
	| 'owner_invalid'
	| 'step_not_found'
	| 'step_changed'
	| 'version_unknown';

export type CoachingProblems = Partial<Record<CoachingField, CoachingProblemCode>>;

/**
 * Something the person typed or picked that cannot be saved as it is; the page shows each problem
 * beside its field. `current` is the step as it stands now when someone else changed it meanwhile.
 */
export class CoachingInputError extends Error {
	constructor(
		readonly problems: CoachingProblems,
		readonly current: NextStep | null = null
	) {
		super(`Cannot save: ${Object.entries(problems).map(([field, code]) => `${field} ${code}`).join(', ')}`);
		this.name = 'CoachingInputError';
	}
}

// ---------------------------------------------------------------------------------------------
// Who sits at the table

/**
 * The side of the table `user` sits on in rep `repId`'s 1:1: the rep themself, or a leader of the
 * rep's team (admins sit with the leaders). Executives are refused outright (403): the notes are
 * private by design, not hidden by a filter. Anyone else gets the same 404 as for a rep that does not
 * exist, so the answer reveals nothing about who is coached.
 */
export async function coachingSeat(q: Queryable, user: CoachingUser, repId: number): Promise<CoachingSeat> {
	if (user.role === 'executive') throw new Forbidden('Coaching notes are private between a rep and their leader.');
	const rep = await q.one<{ team_id: number | null }>('SELECT team_id FROM reps WHERE id = $id', { id: repId });
	if (!rep) throw new NotFound('No such rep');
	if (user.repId === repId) return 'rep';
	if (user.role === 'admin') return 'leader';
	if (user.role === 'leader' && rep.team_id !== null && user.teamIds.includes(rep.team_id)) return 'leader';
	throw new NotFound('No such rep');
}

// ---------------------------------------------------------------------------------------------
// Notes

interface NoteRow {
	id: number;
	kind: NoteKind;
	rep_id: number;
	week: string;
	deal_id: number | null;
}

/**
 * The deals that notes or steps name, with their accounts. Looked up on their own: joined into the
 * notes' or steps' query, DuckDB hashed every account (70,000 at forty times the demo) to name a
 * handful of deals, on every 1:1.
 */
async function dealRefsById(q: Queryable, ids: Iterable<number | null>): Promise<Map<number, DealRef>> {
	const dealIds = [...new Set([...ids].filter((id) => id !== null))];
	const deals = new Map<number, DealRef>();
	if (dealIds.length === 0) return deals;
	const found = await q.all<DealRef>(
		/* sql */ `
		WITH named AS (SELECT id, crm_id, name, account_id FROM deals WHERE list_contains($ids::INTEGER[], id))
		SELECT d.id, d.crm_id, d.name, a.name AS account, coalesce(a.key_account, false) AS key_account
		FROM named d LEFT JOIN accounts a ON a.id = d.account_id`,
		{ ids: idList(dealIds) }
	);
	for (const deal of found) deals.set(deal.id, deal);
	return deals;
}

async function versionsOf(q: Queryable, noteIds: number[]): Promise<Map<number, NoteVersion[]>> {
	const byNote = new Map<number, NoteVersion[]>();
	if (noteIds.length === 0) return byNote;
	const rows = await q.all<NoteVersion & { note_id: number }>(
		/* sql */ `
		SELECT v.note_id, v.version, v.body, v.based_on, v.author_user_id AS author_id,
			coalesce(u.name, '?') AS author, v.saved_at
		FROM coaching_note_versions v
		LEFT JOIN users u ON u.id = v.author_user_id
		WHERE list_contains($ids::INTEGER[], v.note_id)
		ORDER BY v.note_id, v.version DESC`,
		{ ids: idList(noteIds) }
	);
	for (const { note_id, ...version } of rows) {
		const list = byNote.get(note_id);
		if (list) list.push(version);
		else byNote.set(note_id, [version]);
	}
	return byNote;
}

function noteView(row: NoteRow, deal: DealRef | undefined, history: NoteVersion[]): CoachingNote {
	const head = history[0];
	return {
		id: row.id,
		kind: row.kind,
		rep_id: row.rep_id,
		week: row.week,
		deal: row.deal_id !== null ? (deal ?? { id: row.deal_id, crm_id: String(row.deal_id), name: null, account: null, key_account: false }) : null,
		version: head?.version ?? 0,
		body: head?.body ?? '',
		author: head?.author ?? '',
		saved_at: head?.saved_at ?? '',
		// The latest version did not see the versions after the one it was based on.
		concurrent: head ? history.filter((v) => v.version > head.based_on && v.version < head.version) : [],
		history
	};
}

async function notesWhere(q: Queryable, where: Sql): Promise<CoachingNote[]> {
	const rows = await q.all<NoteRow>(
		sql`SELECT n.id, n.kind, n.rep_id, n.week, n.deal_id FROM coaching_notes n WHERE ${where} ORDER BY n.id`
	);
	const versions = await versionsOf(q, rows.map((r) => r.id));
	const deals = await dealRefsById(q, rows.map((r) => r.deal_id));
	return rows
		.map((row) => noteView(row, row.deal_id === null ? undefined : deals.get(row.deal_id), versions.get(row.id) ?? []))
		.filter((note) => note.history.length > 0);
}

export interface SessionNotes {
	seat: CoachingSeat;
	leaderNote: CoachingNote | null;
	selfReview: CoachingNote | null;
	/** The rep's running deal notes, most recently saved first. */
	dealNotes: CoachingNote[];
}

/** The notes of rep `repId`'s session in `week`, and every deal note the two keep. */
export async function sessionNotes(
	q: Queryable,
	user: CoachingUser,
	{ repId, week }: { repId: number; week: string }
): Promise<SessionNotes> {
	return notesOfSession(q, await coachingSeat(q, user, repId), { repId, week });
}

/** `sessionNotes` for a reader whose seat at rep `repId`'s table the caller has already settled. */
export async function notesOfSession(q: Queryable, seat: CoachingSeat, { repId, week }: { repId: number; week: string }): Promise<SessionNotes> {
	const notes = await notesWhere(q, sql`n.rep_id = ${repId} AND (n.kind = 'deal_note' OR n.week = ${week}::DATE)`);
	return {
		seat,
		leaderNote: notes.find((n) => n.kind === 'leader_note') ?? null,
		selfReview: notes.find((n) => n.kind === 'self_review') ?? null,
		dealNotes: notes.filter((n) => n.kind === 'deal_note').sort((a, b) => b.saved_at.localeCompare(a.saved_at))
	};
}

export interface SaveNoteInput {
	repId: number;
	/** The session week (for a deal note: the week it is written in, recorded when it starts). */
	week: string;
	kind: NoteKind;
	dealId?: number | null;
	body: string;
	/** The version the author was editing; 0 for a note they saw empty. */
	basedOn: number;
	now?: Date;
}

export interface SaveNoteResult {
	/**
	 * saved: a new version on top of the one the author saw. unchanged: the text was already
	 * there, nothing stored. concurrent: stored too, but someone saved meanwhile; the note's
	 * `concurrent` holds their text so the two can be merged.
	 */
	status: 'saved' | 'unchanged' | 'concurrent';
	note: CoachingNote | null;
}

/**
 * Saves a note as a new version. Writes are serialised, so "what is the latest version" and "add
 * the next one" cannot interleave with another save: two people saving at once get versions n+1
 * and n+2, and the second one records that it was based on n, not n+1.
 */
export async function saveNote(db: Database, user: CoachingUser, input: SaveNoteInput): Promise<SaveNoteResult> {
	if (!isNoteKind(input.kind)) throw new Error(`Unknown note kind ${String(input.kind)}`);
	return db.write(async (tx) => {
		const seat = await coachingSeat(tx, user, input.repId);
		if (!mayWrite(seat, input.kind)) throw new Forbidden(`The ${seat} does not write this note.`);

		const problems: CoachingProblems = {};
		if (!isIsoDate(input.week)) problems.week = 'week_invalid';
		if (input.body.length > noteMaxLength) problems.body = 'body_too_long';
		const dealId = input.kind === 'deal_note' ? (input.dealId ?? null) : null;
		if (input.kind === 'deal_note') {
			if (dealId === null) problems.deal = 'deal_required';
			else if (!(await isRepsDeal(tx, input.repId, dealId))) problems.deal = 'deal_not_found';
		}
		if (!Number.isInteger(input.basedOn) || input.basedOn < 0) problems.version = 'version_unknown';
		if (Object.keys(problems).length > 0) throw new CoachingInputError(problems);

		const existing =
			input.kind === 'deal_note'
				? await tx.one<{ id: number }>(
						`SELECT id FROM coaching_notes WHERE rep_id = $rep AND kind = 'deal_note' AND deal_id = $deal`,
						{ rep: input.repId, deal: dealId }
					)
				: await tx.one<{ id: number }>(
						'SELECT id FROM coaching_notes WHERE rep_id = $rep AND kind = $kind AND week = $week::DATE',
						{ rep: input.repId, kind: input.kind, week: input.week }
					);
		const now = (input.now ?? new Date()).getTime();

		let noteId = existing?.id ?? null;
		const head = noteId === null ? null : await headVersion(tx, noteId);
		const headVersionNumber = head?.version ?? 0;
		if (input.basedOn > headVersionNumber) throw new CoachingInputError({ version: 'version_unknown' });
		// Saving the text that is already there adds nothing to the history.
		if ((head?.body ?? '') === input.body) {
			return { status: 'unchanged', note: noteId === null ? null : await readNote(tx, noteId) };
		}

		if (noteId === null) {
			const created = await tx.one<{ id: number }>(
				`INSERT INTO coaching_notes (rep_id, week, kind, deal_id, created_by, created_at)
				VALUES ($rep, $week::DATE, $kind, $deal, $user, epoch_ms($now::BIGINT))
				RETURNING id`,
				{ rep: input.repId, week: input.week, kind: input.kind, deal: dealId, user: user.id, now }
			);
			noteId = created!.id;
		}
		await tx.run(
			`INSERT INTO coaching_note_versions (note_id, version, body, based_on, author_user_id, saved_at)
			VALUES ($note, $version, $body, $based_on, $user, epoch_ms($now::BIGINT))`,
			{ note: noteId, version: headVersionNumber + 1, body: input.body, based_on: input.basedOn, user: user.id, now }
		);
		return {
			status: input.basedOn === headVersionNumber ? 'saved' : 'concurrent',
			note: await readNote(tx, noteId)
		};
	});
}

async function headVersion(q: Queryable, noteId: number) {
	return q.one<{ version: number; body: string }>(
		'SELECT version, body FROM coaching_note_versions WHERE note_id = $note ORDER BY version DESC LIMIT 1',
		{ note: noteId }
	);
}

async function readNote(q: Queryable, noteId: number): Promise<CoachingNote | null> {
	return (await notesWhere(q, sql`n.id = ${noteId}`))[0] ?? null;
}

/** A deal belongs to a rep's 1:1 if the rep ever owned it in a snapshot. */
async function isRepsDeal(q: Queryable, repId: number, dealId: number): Promise<boolean> {
	const row = await q.one<{ found: boolean }>(
		'SELECT EXISTS (SELECT 1 FROM snapshots WHERE deal_id = $deal AND owner_id = $rep) AS found',
		{ deal: dealId, rep: repId }
	);
	return row?.found ?? false;
}

// ---------------------------------------------------------------------------------------------
// Next steps

interface StepRow extends Omit<NextStep, 'deal' | 'history'> {
	deal_id: number | null;
}

/**
 * Next steps matching `where` (over `s`, next_steps), oldest first, with their deals and history.
 * Callers check access first: this is shared by the session page and the agenda's follow-up.
 */
export async function readNextSteps(q: Queryable, where: Sql): Promise<NextStep[]> {
	const rows = await q.all<StepRow>(
		sql`
		SELECT s.id, s.rep_id, s.week, s.text, s.due_date, s.owner, s.revision,
			coalesce(cu.name, '?') AS created_by, s.created_at,
			s.done_at IS NOT NULL AS done, s.done_at, du.name AS done_by, s.deal_id
		FROM next_steps s
		LEFT JOIN users cu ON cu.id = s.created_by
		LEFT JOIN users du ON du.id = s.done_by
		WHERE ${where}
		ORDER BY s.week, s.due_date, s.id`
	);
	const deals = await dealRefsById(q, rows.map((r) => r.deal_id));
	const history = new Map<number, StepRevision[]>();
	if (rows.length > 0) {
		const revisions = await q.all<StepRevision & { step_id: number }>(
			/* sql */ `
			SELECT r.step_id, r.revision, r.change, r.text, r.deal_id, r.due_date, r.owner, r.done,
				coalesce(u.name, '?') AS changed_by, r.changed_at
			FROM next_step_revisions r
			LEFT JOIN users u ON u.id = r.changed_by
			WHERE list_contains($ids::INTEGER[], r.step_id)
			ORDER BY r.step_id, r.revision DESC`,
			{ ids: idList(rows.map((r) => r.id)) }
		);
		for (const { step_id, ...revision } of revisions) {
			const list = history.get(step_id);
			if (list) list.push(revision);
			else history.set(step_id, [revision]);
		}
	}
	return rows.map(({ deal_id, ...step }) => ({
		...step,
		deal: deal_id !== null ? (deals.get(deal_id) ?? { id: deal_id, crm_id: String(deal_id), name: null, account: null, key_account: false }) : null,
		history: history.get(step.id) ?? []
	}));
}

/** The next steps agreed in rep `repId`'s session of `week`. */
export async function agreedNextSteps(
	q: Queryable,
	user: CoachingUser,
	{ repId, week }: { repId: number; week: string }
): Promise<NextStep[]> {
	await coachingSeat(q, user, repId);
	return stepsAgreedIn(q, { repId, week });
}

/** `agreedNextSteps` for a caller that has already checked the reader sits at rep `repId`'s table. */
export function stepsAgreedIn(q: Queryable, { repId, week }: { repId: number; week: string }): Promise<NextStep[]> {
	return readNextSteps(q, sql`s.rep_id = ${repId} AND s.week = ${week}::DATE`);
}

/**
 * The week of rep `repId`'s last 1:1 before `week`: the latest session with a leader's note, a
 * self-review or agreed next steps. A week without any of them was skipped (or held without writing
 * anything down), so the next agenda reaches back past it. Null when there was none. Callers check
 * access first.
 */
export async function lastSessionBefore(q: Queryable, repId: number, week: string): Promise<string | null> {
	const row = await q.one<{ week: string | null }>(
		/* sql */ `
		SELECT max(week) AS week FROM (
			SELECT week FROM coaching_notes WHERE rep_id = $rep AND kind <> 'deal_note' AND week < $week::DATE
			UNION ALL
			SELECT week FROM next_steps WHERE rep_id = $rep AND week < $week::DATE
		) AS earlier`,
		{ rep: repId, week }
	);
	return row?.week ?? null;
}

export interface NextStepInput {
	text: string;
	dealId: number | null;
	dueDate: string;
	owner: StepOwner;
}

async function checkStep(tx: Transaction, repId: number, input: NextStepInput): Promise<CoachingProblems> {
	const problems: CoachingProblems = {};
	const text = input.text.trim();
	if (text === '') problems.text = 'text_required';
	else if (text.length > stepTextMaxLength) problems.text = 'text_too_long';
	if (!isIsoDate(input.dueDate)) problems.due_date = 'due_date_invalid';
	if (!isStepOwner(input.owner)) problems.owner = 'owner_invalid';
	if (input.dealId !== null && !(await isRepsDeal(tx, repId, input.dealId))) problems.deal = 'deal_not_found';
	return problems;
}

/** A step is one line of text: line breaks pasted in would break the follow-up list and the export. */
function oneLine(text: string): string {
	return text.trim().replace(/\s*[\r\n]+\s*/g, ' ');
}

async function recordRevision(tx: Transaction, stepId: number, change: StepRevision['change'], userId: string, now: number) {
	await tx.run(
		`INSERT INTO next_step_revisions (step_id, revision, change, text, deal_id, due_date, owner, done, changed_by, changed_at)
		SELECT id, revision, $change, text, deal_id, due_date, owner, done_at IS NOT NULL, $user, epoch_ms($now::BIGINT)
		FROM next_steps WHERE id = $id`,
		{ id: stepId, change, user: userId, now }
	);
}

async function readStep(q: Queryable, stepId: number): Promise<NextStep> {
	const [step] = await readNextSteps(q, sql`s.id = ${stepId}`);
	return step;
}

/** Agrees a next step in rep `repId`'s session of `week`; leader and rep may both add them. */
export async function addNextStep(
	db: Database,
	user: CoachingUser,
	input: NextStepInput & { repId: number; week: string; now?: Date }
): Promise<NextStep> {
	return db.write(async (tx) => {
		await coachingSeat(tx, user, input.repId);
		const problems = await checkStep(tx, input.repId, input);
		if (!isIsoDate(input.week)) problems.week = 'week_invalid';
		if (Object.keys(problems).length > 0) throw new CoachingInputError(problems);
		const now = (input.now ?? new Date()).getTime();
		const created = await tx.one<{ id: number }>(
			`INSERT INTO next_steps (rep_id, week, text, deal_id, due_date, owner, revision, created_by, created_at)
			VALUES ($rep, $week::DATE, $text, $deal, $due::DATE, $owner, 1, $user, epoch_ms($now::BIGINT))
			RETURNING id`,
			{
				rep: input.repId,
				week: input.week,
				text: oneLine(input.text),
				deal: input.dealId,
				due: input.dueDate,
				owner: input.owner,
				user: user.id,
				now
			}
		);
		await recordRevision(tx, created!.id, 'created', user.id, now);
		return readStep(tx, created!.id);
	});
}

/** The step, after checking that `user` sits at its rep's table; 404 for a step they cannot see. */
async function stepForUpdate(tx: Transaction, user: CoachingUser, stepId: number) {
	const step = await tx.one<{ rep_id: number; revision: number; done: boolean }>(
		'SELECT rep_id, revision, done_at IS NOT NULL AS done FROM next_steps WHERE id = $id',
		{ id: stepId }
	);
	if (!step) throw new CoachingInputError({ step: 'step_not_found' });
	await coachingSeat(tx, user, step.rep_id);
	return step;
}

/**
 * Changes a step's text, deal, due date or owner. `revision` is the one the editor started from;
 * if someone changed the step meanwhile the edit is refused with the step as it is now, so the
 * editor can see what changed and decide, rather than silently undoing someone else's change.
 */
export async function editNextStep(
	db: Database,
	user: CoachingUser,
	input: NextStepInput & { stepId: number; revision: number; now?: Date }
): Promise<NextStep> {
	return db.write(async (tx) => {
		const step = await stepForUpdate(tx, user, input.stepId);
		const problems = await checkStep(tx, step.rep_id, input);
		if (Object.keys(problems).length > 0) throw new CoachingInputError(problems);
		if (step.revision !== input.revision) {
			throw new CoachingInputError({ step: 'step_changed' }, await readStep(tx, input.stepId));
		}
		const now = (input.now ?? new Date()).getTime();
		await tx.run(
			`UPDATE next_steps SET text = $text, deal_id = $deal, due_date = $due::DATE, owner = $owner, revision = revision + 1
			WHERE id = $id`,
			{ id: input.stepId, text: oneLine(input.text), deal: input.dealId, due: input.dueDate, owner: input.owner }
		);
		await recordRevision(tx, input.stepId, 'edited', user.id, now);
		return readStep(tx, input.stepId);
	});
}

/**
 * Ticks a step off, or opens it again. Both people ticking the same step at once is harmless:
 * the second finds it already done and records nothing.
 */
export async function setNextStepDone(
	db: Database,
	user: CoachingUser,
	input: { stepId: number; done: boolean; now?: Date }
): Promise<NextStep> {
	return db.write(async (tx) => {
		const step = await stepForUpdate(tx, user, input.stepId);
		if (step.done === input.done) return readStep(tx, input.stepId);
		const now = (input.now ?? new Date()).getTime();
		await tx.run(
			input.done
				? `UPDATE next_steps SET done_at = epoch_ms($now::BIGINT), done_by = $user, revision = revision + 1 WHERE id = $id`
				: `UPDATE next_steps SET done_at = NULL, done_by = NULL, revision = revision + 1 WHERE id = $id`,
			input.done ? { id: input.stepId, user: user.id, now } : { id: input.stepId }
		);
		await recordRevision(tx, input.stepId, input.done ? 'done' : 'reopened', user.id, now);
		return readStep(tx, input.stepId);
	});
}

// ---------------------------------------------------------------------------------------------
// The leader's overview

export interface CoachingOverviewRow {
	email: string;
	name: string;
	role: string;
	team: string | null;
	/** Next steps not yet ticked off, from any week. */
	open_steps: number;
	self_review_written: boolean;
	notes_written: boolean;
}

/**
 * The active reps in `scope` (a leader's: their teams' reps; an admin's: everyone), with where each
 * 1:1 of `week` stands. Only whether something was written, never what.
 */
export async function coachingOverview(q: Queryable, scope: Scope, { week }: { week: string | null }): Promise<CoachingOverviewRow[]> {
	if (scope.role === 'executive') throw new Forbidden('Coaching notes are private between a rep and their leader.');
	return q.all<CoachingOverviewRow>(
		sql`
		WITH written AS (
			SELECT n.rep_id, n.kind
			FROM coaching_notes n
			WHERE n.week = ${week}::DATE AND n.kind IN ('leader_note', 'self_review')
				AND EXISTS (SELECT 1 FROM coaching_note_versions v WHERE v.note_id = n.id AND v.body <> '')
		),
		open_steps AS (
			SELECT rep_id, count(*)::INTEGER AS n FROM next_steps WHERE done_at IS NULL GROUP BY rep_id
		)
		SELECT r.email, r.name, r.role, t.name AS team,
			coalesce(o.n, 0) AS open_steps,
			EXISTS (SELECT 1 FROM written w WHERE w.rep_id = r.id AND w.kind = 'self_review') AS self_review_written,
			EXISTS (SELECT 1 FROM written w WHERE w.rep_id = r.id AND w.kind = 'leader_note') AS notes_written
		FROM reps r
		LEFT JOIN teams t ON t.id = r.team_id
		LEFT JOIN open_steps o ON o.rep_id = r.id
		WHERE r.active AND ${repsInScope(scope, sql`r.id`)}
		ORDER BY t.name NULLS LAST, r.name`
	);
}

function idList(ids: readonly number[]) {
	return listValue([...ids]);
}
