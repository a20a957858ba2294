import { listValue } from '@duckdb/node-api';
import type { Queryable } from '../db/index.ts';
import { NotFound } from '../errors.ts';
import { sql, type Sql } from '../db/sql.ts';
import type { UserRole } from '../../domain/roles.ts';

/**
 * Whose data a query may read. Every metric function takes one, so a route cannot forget it; it is
 * derived from the signed-in user only (never from the URL), and URL filters can only narrow it.
 */
export interface Scope {
	readonly role: UserRole;
	/** Reps whose deals may be listed; null means every rep (executive, admin). */
	readonly repIds: readonly number[] | null;
	/** Teams whose aggregates may be shown; null means every team. */
	readonly teamIds: readonly number[] | null;
	/** For a rep: their own rep record; they see team totals, never teammates' deals. */
	readonly ownRepId: number | null;
	/**
	 * Set where the scope's reps are its teams' members (a leader's teams, a ?team= filter) and team
	 * membership has dates (a roster with valid_from, a deal import that moved a rep): views that read
	 * history ask who was in these teams on each date (`repsInScopeAt`, over `rep_team_spans`), so
	 * a rep who moved keeps their past in the old team.
	 */
	readonly memberTeamIds?: readonly number[];
}

/** Whether any rep's team membership has dates; only then do team scopes read membership by date. */
export async function membershipHasDates(db: Queryable): Promise<boolean> {
	return (await db.one<{ dated: boolean }>('SELECT EXISTS (SELECT 1 FROM rep_team_history) AS dated'))?.dated ?? false;
}

export interface ScopedUser {
	role: UserRole;
	repId: number | null;
	teamIds: number[];
}

/** The widest scope a user may ever have. */
export async function scopeForUser(db: Queryable, user: ScopedUser): Promise<Scope> {
	if (user.role === 'admin' || user.role === 'executive') {
		return { role: user.role, repIds: null, teamIds: null, ownRepId: null };
	}
	if (user.role === 'leader') {
		const reps = await db.all<{ id: number }>(
			'SELECT id FROM reps WHERE list_contains($teams::INTEGER[], team_id) ORDER BY id',
			{ teams: listParam(user.teamIds) }
		);
		const scope: Scope = { role: 'leader', repIds: reps.map((r) => r.id), teamIds: [...user.teamIds], ownRepId: null };
		return (await membershipHasDates(db)) ? { ...scope, memberTeamIds: [...user.teamIds] } : scope;
	}
	if (user.repId === null) return { role: 'rep', repIds: [], teamIds: [], ownRepId: null };
	const rep = await db.one<{ team_id: number | null }>('SELECT team_id FROM reps WHERE id = $id', { id: user.repId });
	return {
		role: 'rep',
		repIds: [user.repId],
		teamIds: rep?.team_id != null ? [rep.team_id] : [],
		ownRepId: user.repId
	};
}

/**
 * Narrows a scope to one team and/or one rep asked for in the URL. Asking for anything outside the
 * scope is answered 404 (`NotFound`), exactly like asking for something that does not exist, so a
 * URL reveals nothing about other people's data.
 *
 * A team and a rep of another team contradict each other; the rep wins, and the team is taken as
 * the rep's own: the rep is the narrower choice, and a form sent with both (or a link kept from
 * before the rep moved team) then still shows that rep's deals. Every view follows this one rule;
 * `chosenTeamAndRep` says what the pickers should show.
 */
export async function narrowScope(
	db: Queryable,
	scope: Scope,
	filter: { team?: string | null; rep?: string | null }
): Promise<Scope> {
	let narrowed = scope;
	if (filter.team) {
		const team = await db.one<{ id: number }>('SELECT id FROM teams WHERE name = $name', { name: filter.team });
		if (!team || (scope.teamIds !== null && !scope.teamIds.includes(team.id))) throw new NotFound('No such team');
		if (!filter.rep) {
			const reps = await db.all<{ id: number }>('SELECT id FROM reps WHERE team_id = $team ORDER BY id', { team: team.id });
			const teamReps = reps.map((r) => r.id);
			narrowed = {
				...narrowed,
				teamIds: [team.id],
				repIds: narrowed.repIds === null ? teamReps : narrowed.repIds.filter((id) => teamReps.includes(id)),
				memberTeamIds: scope.role !== 'rep' && (await membershipHasDates(db)) ? [team.id] : undefined
			};
		}
	}
	if (filter.rep) {
		const rep = await db.one<{ id: number; team_id: number | null }>(
			'SELECT id, team_id FROM reps WHERE lower(email) = lower($email)',
			{ email: filter.rep }
		);
		// Checked against the user's own scope, not the team's: a rep of another team wins over it.
		if (!rep || (scope.repIds !== null && !scope.repIds.includes(rep.id))) throw new NotFound('No such rep');
		narrowed = { ...narrowed, repIds: [rep.id], teamIds: rep.team_id != null ? [rep.team_id] : [], memberTeamIds: undefined };
	}
	return narrowed;
}

/** The teams and reps a scope may pick in a view's filters, by team and name. */
export interface FilterChoices {
	teams: { id: number; name: string }[];
	reps: { id: number; email: string; name: string; role: string; team_id: number | null; team: string | null; active: boolean }[];
}

/**
 * The one answer to "which teams and reps may this user pick": exactly their own scope (a rep sees
 * only themselves and their team). Every view's pickers offer this, not only what the URL narrowed to.
 */
export async function filterChoices(db: Queryable, scope: Scope): Promise<FilterChoices> {
	const teams = await db.all<{ id: number; name: string }>('SELECT id, name FROM teams ORDER BY name');
	const reps = await db.all<FilterChoices['reps'][number]>(
		`SELECT r.id, r.email, r.name, r.role, r.team_id, t.name AS team, r.active
		FROM reps r LEFT JOIN teams t ON t.id = r.team_id
		ORDER BY t.name NULLS LAST, r.name`
	);
	const teamIds = scope.teamIds === null ? null : new Set(scope.teamIds);
	const repIds = scope.repIds === null ? null : new Set(scope.repIds);
	return {
		teams: teams.filter((t) => teamIds === null || teamIds.has(t.id)),
		reps: reps.filter((r) => repIds === null || repIds.has(r.id))
	};
}

/**
 * The team and rep the pickers show for a URL's `team` and `rep`, by the rule of `narrowScope`: a
 * rep chosen with another team shows the rep's own team.
 */
export function chosenTeamAndRep(
	choices: FilterChoices,
	filter: { team?: string | null; rep?: string | null }
): { team: string | null; rep: string | null } {
	const rep = filter.rep ? choices.reps.find((r) => r.email.toLowerCase() === filter.rep!.toLowerCase()) : undefined;
	if (rep) return { team: filter.team ? rep.team : null, rep: rep.email };
	return { team: filter.team || null, rep: filter.rep || null };
}

function listParam(ids: readonly number[]) {
	return listValue([...ids]);
}

/**
 * The scope's reps as a condition on `column` (a rep id): a fragment carrying its own list of ids,
 * so two conditions in one statement can never share a parameter. Usage:
 * `sql\`… WHERE ${repsInScope(scope, sql\`s.owner_id\`)}\``.
 */
export function repsInScope(scope: Scope, column: Sql): Sql {
	return scope.repIds === null ? sql`true` : sql`list_contains(${scope.repIds}::INTEGER[], ${column})`;
}

/**
 * Like `repsInScope`, for a rep id as of a date (`date`, a fragment such as `sql\`s.snapshot_date\``):
 * for a scope of whole teams with dated membership, whether the rep was in one of them on that date
 * (their latest membership from on or before it; a rep without dated membership is in their team of
 * today). Any other scope: `repsInScope`. Read from the membership spans (`rep_team_spans`, migration
 * 011): a semi-join on the rep and the date's span, which DuckDB runs as one join over all rows
 * instead of a lookup per row.
 */
export function repsInScopeAt(scope: Scope, column: Sql, date: Sql): Sql {
	if (!scope.memberTeamIds) return repsInScope(scope, column);
	return sql`EXISTS (SELECT 1 FROM rep_team_spans m
		WHERE m.rep_id = ${column} AND ${date} >= m.valid_from AND ${date} < m.valid_to
			AND list_contains(${scope.memberTeamIds}::INTEGER[], m.team_id))`;
}

/**
 * Like `repsInScopeAt`, where the rows already carry the rep's team of the time (`teamColumn`, joined
 * from `rep_team_spans` when the facts were built): for a scope of whole teams with dated membership,
 * whether that team is one of them; any other scope, `repsInScope` on `column`.
 */
export function repsInScopeWithTeam(scope: Scope, column: Sql, teamColumn: Sql): Sql {
	if (!scope.memberTeamIds) return repsInScope(scope, column);
	return sql`coalesce(list_contains(${scope.memberTeamIds}::INTEGER[], ${teamColumn}), false)`;
}

/** The scope's teams as a condition on `column` (a team id), for team-level aggregates. */
export function teamsInScope(scope: Scope, column: Sql): Sql {
	return scope.teamIds === null ? sql`true` : sql`list_contains(${scope.teamIds}::INTEGER[], ${column})`;
}
