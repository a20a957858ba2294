import { fail, type RequestEvent } from '@sveltejs/kit';
import { answering, pageAnswer } from '$lib/http';
import * as v from 'valibot';
import { userRoles } from '$lib/domain/roles';
import { requireRole } from '$lib/server/auth/guards';
import {
	createUser,
	deactivateUser,
	findUserById,
	listUsers,
	reactivateUser,
	resetPassword,
	updateUser,
	userManagementChoices,
	UserInputError
} from '$lib/server/auth/users';
import { database } from '$lib/server/db';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => {
		const admin = requireRole(event, 'admin');
		const db = await database();
		return db.read(async (q) => ({
			signedInUserId: admin.id,
			users: await listUsers(q),
			...(await userManagementChoices(q))
		}));
	});

type ActionName = 'create' | 'update' | 'resetPassword' | 'deactivate' | 'reactivate';
type FormProblems = Partial<Record<string, { code: string; detail?: string }>>;
interface FormValues {
	email?: string;
	name?: string;
	role?: string;
	repEmail?: string;
	teams?: string[];
}

/** Every action answers in this one shape, so the page can tell which form a result belongs to. */
interface Outcome {
	action: ActionName;
	userId: string | null;
	/** The e-mail of the user acted on, for the confirmation. */
	email: string | null;
	problems: FormProblems;
	/** What was typed, so a page without JavaScript can show it again next to the errors (never passwords). */
	values: FormValues | null;
}

// Validation messages are codes; the page translates them.
const email = v.pipe(
	v.string(),
	v.trim(),
	v.nonEmpty('email_required'),
	v.maxLength(254, 'email_invalid'),
	v.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'email_invalid')
);
const password = v.pipe(
	v.string(),
	v.nonEmpty('password_required'),
	v.minLength(8, 'password_too_short'),
	v.maxLength(256, 'password_too_long')
);
const role = v.picklist(userRoles, 'role_invalid');
const repEmail = v.pipe(v.string(), v.trim());
const teams = v.array(v.string());
const userId = v.pipe(v.string(), v.nonEmpty('user_not_found'));

const createForm = v.object({
	email,
	name: v.pipe(v.string(), v.trim(), v.maxLength(120, 'name_too_long')),
	role,
	repEmail,
	teams,
	password
});
const updateForm = v.object({ userId, role, repEmail, teams });
const resetPasswordForm = v.object({ userId, password });
const userForm = v.object({ userId });

async function formFields(event: RequestEvent) {
	const data = await event.request.formData();
	const text = (name: string) => String(data.get(name) ?? '');
	return {
		userId: text('userId'),
		email: text('email'),
		name: text('name'),
		role: text('role'),
		repEmail: text('repEmail'),
		teams: data.getAll('teams').map(String),
		password: text('password')
	};
}

function problemsFromIssues(issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): FormProblems {
	const nested = v.flatten(issues).nested ?? {};
	const problems: FormProblems = {};
	for (const [field, messages] of Object.entries(nested)) {
		if (messages?.[0]) problems[field.split('.')[0]] = { code: messages[0] };
	}
	return problems;
}

function outcome(action: ActionName, rest: Partial<Outcome> = {}): Outcome {
	return { action, userId: null, email: null, problems: {}, values: null, ...rest };
}

function rejected(action: ActionName, rest: Partial<Outcome>) {
	return fail(400, outcome(action, rest));
}

/** Runs a change, turning the rules users.ts enforces into per-field problems. */
async function attempt(action: ActionName, rest: Partial<Outcome>, change: () => Promise<unknown>) {
	try {
		await change();
		return outcome(action, { ...rest, values: null });
	} catch (error) {
		if (error instanceof UserInputError) return rejected(action, { ...rest, problems: error.problems });
		throw error;
	}
}

async function emailOf(userId: string): Promise<string | null> {
	const db = await database();
	return (await db.read((q) => findUserById(q, userId)))?.email ?? null;
}

export const actions: Actions = {
	create: answering(async (event) => {
		requireRole(event, 'admin');
		const fields = await formFields(event);
		const values = { email: fields.email, name: fields.name, role: fields.role, repEmail: fields.repEmail, teams: fields.teams };
		const parsed = v.safeParse(createForm, fields);
		if (!parsed.success) return rejected('create', { values, problems: problemsFromIssues(parsed.issues) });
		const input = parsed.output;
		const db = await database();
		return attempt('create', { values, email: input.email.toLowerCase() }, () =>
			createUser(db, {
				...input,
				// The teams fieldset only means something for a leader; the legend says so.
				teams: input.role === 'leader' ? input.teams : []
			})
		);
	}),

	update: answering(async (event) => {
		requireRole(event, 'admin');
		const fields = await formFields(event);
		const values = { role: fields.role, repEmail: fields.repEmail, teams: fields.teams };
		const parsed = v.safeParse(updateForm, fields);
		if (!parsed.success) {
			return rejected('update', { userId: fields.userId, values, problems: problemsFromIssues(parsed.issues) });
		}
		const input = parsed.output;
		const db = await database();
		return attempt('update', { userId: input.userId, values, email: await emailOf(input.userId) }, () =>
			updateUser(db, input.userId, {
				role: input.role,
				repEmail: input.repEmail || null,
				teams: input.role === 'leader' ? input.teams : []
			})
		);
	}),

	resetPassword: answering(async (event) => {
		const admin = requireRole(event, 'admin');
		const fields = await formFields(event);
		const parsed = v.safeParse(resetPasswordForm, fields);
		if (!parsed.success) {
			return rejected('resetPassword', { userId: fields.userId, problems: problemsFromIssues(parsed.issues) });
		}
		const { userId, password } = parsed.output;
		const db = await database();
		// An admin changing their own password stays signed in here; every other browser is signed out.
		const keepSessionId = userId === admin.id ? event.locals.session?.id : undefined;
		return attempt('resetPassword', { userId, email: await emailOf(userId) }, () =>
			resetPassword(db, userId, password, { keepSessionId })
		);
	}),

	deactivate: answering(async (event) => {
		const admin = requireRole(event, 'admin');
		const fields = await formFields(event);
		const parsed = v.safeParse(userForm, fields);
		if (!parsed.success) return rejected('deactivate', { problems: problemsFromIssues(parsed.issues) });
		const { userId } = parsed.output;
		// Deactivating yourself would end this very session halfway through the page.
		if (userId === admin.id) {
			return rejected('deactivate', { userId, problems: { user: { code: 'cannot_deactivate_self' } } });
		}
		const db = await database();
		return attempt('deactivate', { userId, email: await emailOf(userId) }, () => deactivateUser(db, userId));
	}),

	reactivate: answering(async (event) => {
		requireRole(event, 'admin');
		const fields = await formFields(event);
		const parsed = v.safeParse(userForm, fields);
		if (!parsed.success) return rejected('reactivate', { problems: problemsFromIssues(parsed.issues) });
		const { userId } = parsed.output;
		const db = await database();
		return attempt('reactivate', { userId, email: await emailOf(userId) }, () => reactivateUser(db, userId));
	})
};
