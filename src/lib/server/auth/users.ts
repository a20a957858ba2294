import { listValue } from '@duckdb/node-api';
import type { Database, Queryable, Transaction } from '../db/index.ts';
import { userRoles, type UserRole } from '../../domain/roles.ts';
import { hashPassword, minimumPasswordLength, passwordProblem, verifyDummyPassword, verifyPassword } from './password.ts';
import { recordSignInSuccess, reserveSignInAttempt, type SignInAttempt } from './throttle.ts';
// Type-only: session.ts needs SvelteKit's runtime, and this module must also load in the CLI.
import type { SessionUser } from './session.ts';

/**
 * People who may sign in, and what they may see: an admin manages users and imports, an executive
 * reads everything, a leader their team(s), a rep their own rep record. Used by the admin page and
 * by `npm run user`, so every rule lives here rather than in either of them.
 */

export type UserField = 'user' | 'email' | 'name' | 'role' | 'repEmail' | 'teams' | 'password';

export type UserProblem =
	| 'user_not_found'
	| 'email_invalid'
	| 'email_taken'
	| 'name_too_long'
	| 'role_invalid'
	| 'rep_not_found'
	| 'rep_taken'
	| 'rep_required'
	| 'team_not_found'
	| 'teams_required'
	| 'teams_only_for_leaders'
	| 'password_too_short'
	| 'password_too_long'
	| 'last_admin';

export interface Problem {
	code: UserProblem;
	/** The offending value, for the message: the unknown team's name, the taken e-mail. */
	detail?: string;
}

export type UserProblems = Partial<Record<UserField, Problem>>;

/**
 * Something the person asking got wrong (unknown team, taken e-mail), as opposed to a bug: the
 * admin page shows each problem beside its field, the CLI prints the message and exits non-zero.
 */
export class UserInputError extends Error {
	constructor(readonly problems: UserProblems) {
		super(
			Object.values(problems)
				.map((problem) => describeProblem(problem!))
				.join('; ')
		);
		this.name = 'UserInputError';
	}
}

/** The English sentence for a problem (the CLI's message; the web pages translate the code). */
export function describeProblem({ code, detail }: Problem): string {
	switch (code) {
		case 'user_not_found':
			return `There is no such user (${detail}).`;
		case 'email_invalid':
			return `"${detail}" is not an e-mail address.`;
		case 'email_taken':
			return `A user with the e-mail ${detail} already exists.`;
		case 'name_too_long':
			return `The name is too long (at most ${maximumNameLength} characters).`;
		case 'role_invalid':
			return `"${detail}" is not a role; use one of ${userRoles.join(', ')}.`;
		case 'rep_not_found':
			return `No rep has the e-mail ${detail}.`;
		case 'rep_taken':
			return `That rep is already linked to the user ${detail}.`;
		case 'rep_required':
			return `A rep user must be linked to a rep record: give the rep's e-mail.`;
		case 'team_not_found':
			return `There is no team named "${detail}".`;
		case 'teams_required':
			return `A leader needs at least one team.`;
		case 'teams_only_for_leaders':
			return `Teams apply to leaders only.`;
		case 'password_too_short':
			return `The password must be at least ${minimumPasswordLength} characters.`;
		case 'password_too_long':
			return `The password is too long.`;
		case 'last_admin':
			return `This is the last active admin: make someone else admin first.`;
	}
}

const maximumNameLength = 120;
// Deliberately loose: the only e-mail check that matters is whether mail arrives, and we send none.
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normaliseEmail(email: string): string {
	return email.trim().toLowerCase();
}

function isUserRole(role: string): role is UserRole {
	return (userRoles as readonly string[]).includes(role);
}

export interface UserSummary {
	id: string;
	email: string;
	name: string;
	role: UserRole;
	active: boolean;
	repId: number | null;
	repEmail: string | null;
	repName: string | null;
	/** The leader's teams, by name. */
	teams: string[];
	createdAt: string;
}

const userSummarySql = /* sql */ `
	SELECT
		u.id, u.email, u.name, u.role, u.active,
		u.rep_id AS "repId", r.email AS "repEmail", r.name AS "repName",
		coalesce((
			SELECT array_agg(t.name ORDER BY t.name)
			FROM user_teams ut JOIN teams t ON t.id = ut.team_id
			WHERE ut.user_id = u.id
		), ARRAY[]::VARCHAR[]) AS teams,
		u.created_at AS "createdAt"
	FROM users u
	LEFT JOIN reps r ON r.id = u.rep_id
`;

/** Every user, active first, then by role and e-mail. */
export function listUsers(q: Queryable): Promise<UserSummary[]> {
	return q.all<UserSummary>(`${userSummarySql} ORDER BY u.active DESC, u.role, u.email`);
}

export function findUserByEmail(q: Queryable, email: string): Promise<UserSummary | undefined> {
	return q.one<UserSummary>(`${userSummarySql} WHERE u.email = $email`, { email: normaliseEmail(email) });
}

export function findUserById(q: Queryable, id: string): Promise<UserSummary | undefined> {
	return q.one<UserSummary>(`${userSummarySql} WHERE u.id = $id`, { id });
}

/**
 * What a session carries for an active user, or undefined. A rep's team is read from their rep
 * record each time, so moving a rep to another team takes effect on their next request.
 */
export async function sessionUserById(q: Queryable, id: string): Promise<SessionUser | undefined> {
	// Two plain lookups: the same as one query with correlated subqueries, which DuckDB took 7 ms to
	// plan, on every request.
	const user = await q.one<Omit<SessionUser, 'teamIds'>>(
		`SELECT u.id, u.email, u.name, u.role, u.rep_id AS "repId" FROM users u WHERE u.id = $id AND u.active`,
		{ id }
	);
	if (!user) return undefined;
	const teams =
		user.role === 'leader'
			? await q.all<{ team_id: number }>('SELECT team_id FROM user_teams WHERE user_id = $id ORDER BY team_id', { id })
			: user.role === 'rep' && user.repId !== null
				? await q.all<{ team_id: number }>('SELECT team_id FROM reps WHERE id = $rep AND team_id IS NOT NULL', { rep: user.repId })
				: [];
	return { ...user, teamIds: teams.map((team) => team.team_id) };
}

/** Teams and reps an admin can pick from when creating or editing users. */
export async function userManagementChoices(q: Queryable) {
	return {
		teams: await q.all<{ id: number; name: string }>('SELECT id, name FROM teams ORDER BY name'),
		reps: await q.all<{ email: string; name: string; team: string | null }>(
			`SELECT r.email, r.name, t.name AS team
			FROM reps r LEFT JOIN teams t ON t.id = r.team_id
			WHERE r.active
			ORDER BY r.name`
		)
	};
}

export interface NewUser {
	email: string;
	/** Defaults to the linked rep's name, else the part of the e-mail before the @. */
	name?: string | null;
	role: string;
	/** The rep record this user is, by the rep's e-mail. */
	repEmail?: string | null;
	/** A leader's teams, by name. */
	teams?: readonly string[];
	password: string;
}

/** Creates a user and returns their id; throws UserInputError listing every problem at once. */
export async function createUser(db: Database, input: NewUser): Promise<string> {
	const email = normaliseEmail(input.email);
	const problems: UserProblems = {};
	if (!emailPattern.test(email)) problems.email = { code: 'email_invalid', detail: input.email };
	if (!isUserRole(input.role)) problems.role = { code: 'role_invalid', detail: input.role };
	const name = input.name?.trim() ?? '';
	if (name.length > maximumNameLength) problems.name = { code: 'name_too_long' };
	const passwordTrouble = passwordProblemCode(input.password);
	if (passwordTrouble) problems.password = { code: passwordTrouble };

	// Hashing takes tens of milliseconds; doing it before the transaction keeps the write queue free.
	const passwordHash = Object.keys(problems).length === 0 ? await hashPassword(input.password) : '';
	const id = crypto.randomUUID();

	await db.write(async (tx) => {
		const existing = await tx.one('SELECT id FROM users WHERE email = $email', { email });
		if (existing && !problems.email) problems.email = { code: 'email_taken', detail: email };
		const role = isUserRole(input.role) ? input.role : null;
		const link = await resolveLinks(tx, id, role, input.repEmail ?? null, input.teams ?? [], problems);
		if (Object.keys(problems).length > 0 || !role) throw new UserInputError(problems);

		await tx.run(
			`INSERT INTO users (id, email, name, password_hash, role, rep_id)
			VALUES ($id, $email, $name, $password_hash, $role, $rep_id)`,
			{
				id,
				email,
				name: name || link.repName || email.split('@')[0],
				password_hash: passwordHash,
				role,
				rep_id: link.repId
			}
		);
		await replaceTeams(tx, id, link.teamIds);
	});
	return id;
}

export interface UserChanges {
	role?: string;
	/** null unlinks. */
	repEmail?: string | null;
	teams?: readonly string[];
	name?: string;
}

/**
 * Changes role, linked rep, teams and name together, so the rules that tie them (a rep needs a rep
 * record, a leader a team) are checked on the result rather than on each step. Teams are dropped
 * when someone stops being a leader.
 */
export async function updateUser(db: Database, userId: string, changes: UserChanges): Promise<void> {
	await db.write(async (tx) => {
		const current = await findUserById(tx, userId);
		if (!current) throw new UserInputError({ user: { code: 'user_not_found', detail: userId } });
		const problems: UserProblems = {};
		if (changes.role !== undefined && !isUserRole(changes.role)) {
			problems.role = { code: 'role_invalid', detail: changes.role };
		}
		const role = changes.role !== undefined && isUserRole(changes.role) ? changes.role : current.role;
		const name = changes.name?.trim() || current.name;
		if (name.length > maximumNameLength) problems.name = { code: 'name_too_long' };
		const repEmail = changes.repEmail !== undefined ? changes.repEmail : current.repEmail;
		const teams = changes.teams ?? (role === 'leader' ? current.teams : []);
		const link = await resolveLinks(tx, userId, role, repEmail, teams, problems);
		if (current.role === 'admin' && role !== 'admin' && current.active && (await isLastActiveAdmin(tx, userId))) {
			problems.role = { code: 'last_admin' };
		}
		if (Object.keys(problems).length > 0) throw new UserInputError(problems);

		await tx.run('UPDATE users SET role = $role, rep_id = $rep_id, name = $name WHERE id = $id', {
			id: userId,
			role,
			rep_id: link.repId,
			name
		});
		await replaceTeams(tx, userId, link.teamIds);
	});
}

export function changeRole(db: Database, userId: string, role: string): Promise<void> {
	return updateUser(db, userId, { role });
}

export function linkRep(db: Database, userId: string, repEmail: string | null): Promise<void> {
	return updateUser(db, userId, { repEmail });
}

/**
 * Sets a new password and signs the user out everywhere, in case the old one was known to someone
 * else; `keepSessionId` spares the browser of someone resetting their own password.
 */
export async function resetPassword(
	db: Database,
	userId: string,
	password: string,
	options: { keepSessionId?: string } = {}
): Promise<void> {
	const trouble = passwordProblemCode(password);
	if (trouble) throw new UserInputError({ password: { code: trouble } });
	const passwordHash = await hashPassword(password);
	await db.write(async (tx) => {
		await requireUserRow(tx, userId);
		await tx.run('UPDATE users SET password_hash = $hash WHERE id = $id', { id: userId, hash: passwordHash });
		await tx.run('DELETE FROM sessions WHERE user_id = $id AND id IS DISTINCT FROM $keep', {
			id: userId,
			keep: options.keepSessionId ?? null
		});
	});
}

/**
 * Deactivated users keep their row (their name still labels past notes and imports) but lose every
 * session at once and cannot sign in again.
 */
export async function deactivateUser(db: Database, userId: string): Promise<void> {
	await db.write(async (tx) => {
		const user = await requireUserRow(tx, userId);
		if (user.role === 'admin' && user.active && (await isLastActiveAdmin(tx, userId))) {
			throw new UserInputError({ user: { code: 'last_admin' } });
		}
		await tx.run('UPDATE users SET active = false WHERE id = $id', { id: userId });
		await tx.run('DELETE FROM sessions WHERE user_id = $id', { id: userId });
	});
}

export async function reactivateUser(db: Database, userId: string): Promise<void> {
	await db.write(async (tx) => {
		await requireUserRow(tx, userId);
		await tx.run('UPDATE users SET active = true WHERE id = $id', { id: userId });
	});
}

export type SignInResult =
	| { ok: true; userId: string }
	| { ok: false; reason: 'invalid' }
	| { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/**
 * Checks an e-mail and password, throttled per account and per address. Unknown e-mail, deactivated
 * user and wrong password all answer `invalid` after the same argon2 work, so neither the answer
 * nor its timing tells anyone which addresses have accounts.
 */
export async function verifySignIn(
	db: Database,
	attempt: SignInAttempt & { password: string },
	now = new Date()
): Promise<SignInResult> {
	const throttle = await reserveSignInAttempt(db, attempt, now);
	if (!throttle.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: throttle.retryAfterSeconds };

	const user = await db.one<{ id: string; password_hash: string; active: boolean }>(
		'SELECT id, password_hash, active FROM users WHERE email = $email',
		{ email: normaliseEmail(attempt.email) }
	);
	const valid =
		user && user.active
			? await verifyPassword(user.password_hash, attempt.password)
			: await verifyDummyPassword(attempt.password);
	if (!user || !valid) return { ok: false, reason: 'invalid' };

	await recordSignInSuccess(db, attempt);
	return { ok: true, userId: user.id };
}

function passwordProblemCode(password: string): UserProblem | null {
	const problem = passwordProblem(password);
	if (!problem) return null;
	return password.length < minimumPasswordLength ? 'password_too_short' : 'password_too_long';
}

async function requireUserRow(tx: Transaction, userId: string) {
	const user = await tx.one<{ role: UserRole; active: boolean }>('SELECT role, active FROM users WHERE id = $id', {
		id: userId
	});
	if (!user) throw new UserInputError({ user: { code: 'user_not_found', detail: userId } });
	return user;
}

async function isLastActiveAdmin(tx: Transaction, userId: string): Promise<boolean> {
	const others = await tx.one<{ n: number }>(
		`SELECT count(*) AS n FROM users WHERE role = 'admin' AND active AND id <> $id`,
		{ id: userId }
	);
	return (others?.n ?? 0) === 0;
}

/** Resolves the rep e-mail and team names, adding to `problems` what does not fit the role. */
async function resolveLinks(
	tx: Transaction,
	userId: string,
	role: UserRole | null,
	repEmail: string | null,
	teamNames: readonly string[],
	problems: UserProblems
): Promise<{ repId: number | null; repName: string | null; teamIds: number[] }> {
	let repId: number | null = null;
	let repName: string | null = null;
	const wantedRep = repEmail?.trim() ? normaliseEmail(repEmail) : null;
	if (wantedRep) {
		const rep = await tx.one<{ id: number; name: string }>('SELECT id, name FROM reps WHERE lower(email) = $email', {
			email: wantedRep
		});
		if (!rep) {
			problems.repEmail = { code: 'rep_not_found', detail: wantedRep };
		} else {
			// One person, one login: two users on one rep record would share that rep's private view.
			const holder = await tx.one<{ email: string }>('SELECT email FROM users WHERE rep_id = $rep AND id <> $id', {
				rep: rep.id,
				id: userId
			});
			if (holder) problems.repEmail = { code: 'rep_taken', detail: holder.email };
			repId = rep.id;
			repName = rep.name;
		}
	} else if (role === 'rep') {
		problems.repEmail = { code: 'rep_required' };
	}

	const names = [...new Set(teamNames.map((team) => team.trim()).filter(Boolean))];
	const teams = names.length
		? await tx.all<{ id: number; name: string }>('SELECT id, name FROM teams WHERE list_contains($names, name)', {
				names: listValue(names)
			})
		: [];
	const unknown = names.find((team) => !teams.some((t) => t.name === team));
	if (unknown) problems.teams = { code: 'team_not_found', detail: unknown };
	else if (role === 'leader' && teams.length === 0) problems.teams = { code: 'teams_required' };
	else if (role !== null && role !== 'leader' && teams.length > 0) problems.teams = { code: 'teams_only_for_leaders' };

	return { repId, repName, teamIds: role === 'leader' ? teams.map((t) => t.id) : [] };
}

async function replaceTeams(tx: Transaction, userId: string, teamIds: readonly number[]) {
	await tx.run('DELETE FROM user_teams WHERE user_id = $id', { id: userId });
	for (const teamId of teamIds) {
		await tx.run('INSERT INTO user_teams (user_id, team_id) VALUES ($id, $team)', { id: userId, team: teamId });
	}
}
