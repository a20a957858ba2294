import { fail, type RequestEvent } from '@sveltejs/kit';
import * as v from 'valibot';
import { answering, pageAnswer } from '$lib/http';
import { isIsoDate } from '$lib/domain/periods';
import { noteKinds, noteMaxLength, stepOwners, stepTextMaxLength } from '$lib/domain/coaching';
import { requireUser } from '$lib/server/auth/guards';
import {
	addNextStep,
	CoachingInputError,
	editNextStep,
	saveNote,
	setNextStepDone,
	type CoachingProblems
} from '$lib/server/coaching-notes';
import { database } from '$lib/server/db';
import { NotFound } from '$lib/server/errors';
import * as coaching from '$lib/server/views/coaching';
import type { Actions, PageServerLoad } from './$types';

/** The weekly 1:1 with one rep (`[rep]` is their e-mail), for the snapshot week `?week=`. */
export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => coaching.load(await database(), { user: requireUser(event), url: event.url }, event.params.rep));

type ActionName = 'saveNote' | 'addStep' | 'editStep' | 'toggleStep';

/** Every action answers in this shape, so the page can tell which form a result belongs to. */
interface Outcome {
	action: ActionName;
	/** Which form: 'leader_note', 'self_review', 'deal_note:<deal id>', 'deal_note:new', 'step:<id>', 'step:new'. */
	key: string;
	status: 'saved' | 'unchanged' | 'concurrent' | 'added' | 'edited' | 'done' | 'reopened' | null;
	problems: Partial<Record<string, string>>;
	/** What was typed, so a page without JavaScript can show it again beside the errors. */
	values: Record<string, string> | null;
	/** For a step someone else changed meanwhile: how it reads now. */
	current: { text: string; due_date: string; owner: string; changed_by: string } | null;
}

function outcome(action: ActionName, key: string, rest: Partial<Outcome> = {}): Outcome {
	return { action, key, status: null, problems: {}, values: null, current: null, ...rest };
}

// Messages are codes; the page translates them.
/** A real calendar day: valibot's isoDate alone lets 30 February through. */
const day = (code: string) => v.pipe(v.string(), v.nonEmpty(code), v.check(isIsoDate, code));
const week = day('week_invalid');
const optionalId = v.pipe(
	v.string(),
	v.trim(),
	v.transform((s) => (s === '' ? null : Number(s))),
	v.nullable(v.pipe(v.number(), v.integer('deal_not_found'), v.minValue(1, 'deal_not_found')))
);
const wholeNumber = (code: string) => v.pipe(v.string(), v.transform(Number), v.number(code), v.integer(code), v.minValue(0, code));

const noteForm = v.object({
	week,
	kind: v.picklist(noteKinds, 'kind_invalid'),
	deal: optionalId,
	body: v.pipe(v.string(), v.maxLength(noteMaxLength, 'body_too_long')),
	basedOn: wholeNumber('version_unknown')
});
const stepFields = {
	text: v.pipe(v.string(), v.trim(), v.nonEmpty('text_required'), v.maxLength(stepTextMaxLength, 'text_too_long')),
	deal: optionalId,
	due_date: v.pipe(v.string(), v.nonEmpty('due_date_required'), v.check(isIsoDate, 'due_date_invalid')),
	owner: v.picklist(stepOwners, 'owner_invalid')
};
const addStepForm = v.object({ week, ...stepFields });
const editStepForm = v.object({ step: wholeNumber('step_not_found'), revision: wholeNumber('step_not_found'), ...stepFields });
const toggleForm = v.object({ step: wholeNumber('step_not_found'), done: v.picklist(['true', 'false'], 'step_not_found') });

async function fields(event: RequestEvent): Promise<Record<string, string>> {
	const data = await event.request.formData();
	const values: Record<string, string> = {};
	for (const [name, value] of data) if (typeof value === 'string') values[name] = value;
	// A form that names no deal (the session notes) leaves the field out; it means "none".
	values.deal ??= '';
	return values;
}

function problemsFromIssues(issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): Partial<Record<string, string>> {
	const problems: Partial<Record<string, string>> = {};
	for (const [field, messages] of Object.entries(v.flatten(issues).nested ?? {})) {
		if (messages?.[0]) problems[field] = messages[0];
	}
	return problems;
}

/**
 * Which form on the page was sent, e.g. 'leader_note' or 'step:12', so the answer appears beside
 * that form and no other. Only ever echoed back to the page.
 */
function formKey(values: Record<string, string>): string {
	return (values.form_key ?? '').slice(0, 40);
}

/** The rep the page is about; the notes functions then decide whether the user may act for them. */
async function repIdOf(event: RequestEvent): Promise<number> {
	const db = await database();
	const rep = await db.one<{ id: number }>('SELECT id FROM reps WHERE lower(email) = lower($email)', { email: event.params.rep ?? '' });
	if (!rep) throw new NotFound('No such rep');
	return rep.id;
}

/** Runs a change, turning what coaching-notes.ts refuses into per-field problems. */
async function attempt(action: ActionName, key: string, values: Record<string, string>, change: () => Promise<Partial<Outcome>>) {
	try {
		return outcome(action, key, await change());
	} catch (e) {
		if (!(e instanceof CoachingInputError)) throw e;
		const problems: CoachingProblems = e.problems;
		const current = e.current
			? { text: e.current.text, due_date: e.current.due_date, owner: e.current.owner, changed_by: e.current.history[0]?.changed_by ?? '' }
			: null;
		return fail(e.current ? 409 : 400, outcome(action, key, { problems, values, current }));
	}
}

export const actions: Actions = {
	saveNote: answering(async (event) => {
		const user = requireUser(event);
		const values = await fields(event);
		const key = formKey(values);
		const parsed = v.safeParse(noteForm, values);
		if (!parsed.success) return fail(400, outcome('saveNote', key, { problems: problemsFromIssues(parsed.issues), values }));
		const input = parsed.output;
		if (input.kind === 'deal_note' && input.deal === null) {
			return fail(400, outcome('saveNote', key, { problems: { deal: 'deal_required' }, values }));
		}
		const repId = await repIdOf(event);
		const db = await database();
		return attempt('saveNote', key, values, async () => {
			const result = await saveNote(db, user, {
				repId,
				week: input.week,
				kind: input.kind,
				dealId: input.deal,
				body: input.body,
				basedOn: input.basedOn
			});
			return { status: result.status };
		});
	}),

	addStep: answering(async (event) => {
		const user = requireUser(event);
		const values = await fields(event);
		const parsed = v.safeParse(addStepForm, values);
		if (!parsed.success) return fail(400, outcome('addStep', formKey(values), { problems: problemsFromIssues(parsed.issues), values }));
		const input = parsed.output;
		const repId = await repIdOf(event);
		const db = await database();
		return attempt('addStep', formKey(values), values, async () => {
			await addNextStep(db, user, { repId, week: input.week, text: input.text, dealId: input.deal, dueDate: input.due_date, owner: input.owner });
			return { status: 'added' };
		});
	}),

	editStep: answering(async (event) => {
		const user = requireUser(event);
		const values = await fields(event);
		const key = formKey(values);
		const parsed = v.safeParse(editStepForm, values);
		if (!parsed.success) return fail(400, outcome('editStep', key, { problems: problemsFromIssues(parsed.issues), values }));
		const input = parsed.output;
		const db = await database();
		return attempt('editStep', key, values, async () => {
			await editNextStep(db, user, {
				stepId: input.step,
				revision: input.revision,
				text: input.text,
				dealId: input.deal,
				dueDate: input.due_date,
				owner: input.owner
			});
			return { status: 'edited' };
		});
	}),

	toggleStep: answering(async (event) => {
		const user = requireUser(event);
		const values = await fields(event);
		const key = formKey(values);
		const parsed = v.safeParse(toggleForm, values);
		if (!parsed.success) return fail(400, outcome('toggleStep', key, { problems: problemsFromIssues(parsed.issues) }));
		const db = await database();
		const done = parsed.output.done === 'true';
		return attempt('toggleStep', key, values, async () => {
			await setNextStepDone(db, user, { stepId: parsed.output.step, done });
			return { status: done ? 'done' : 'reopened' };
		});
	})
};
