import type { Quarter } from '../../domain/periods.ts';
import { defaultCallDay } from '../../domain/forecast-calls.ts';
import { scopeForUser } from '../auth/scope.ts';
import type { Database } from '../db/index.ts';
import { callAccuracy, callDays, callMovement, callTeams, crmFiguresByTeam, forecastCalls, missingCalls, type CallUser } from '../forecast-calls.ts';
import { defineQuestion } from '../questions.ts';

/**
 * Forecast calls (/forecast/calls, GET /api/v1/forecast/calls) and the Monday overview's missing
 * calls. Who sees which call is decided in forecast-calls.ts by the caller (their own calls, their
 * teams'), so the caller is part of each question besides their scope. The calls are what people
 * write in the app, so every question reading them is remembered only while the app state is
 * unchanged too; the CRM's figures beside them read only the snapshots.
 */
const appState = 'while data and app state unchanged';

export const calls = defineQuestion(
	'forecast calls',
	(q, _scope, { caller, quarter, team, history }: { caller: CallUser; quarter: Quarter; team: string | null; history: boolean }) =>
		forecastCalls(q, caller, { quarter, team, history }),
	appState
);
export const movement = defineQuestion(
	'forecast call movement',
	(q, _scope, { caller, quarter, team, today }: { caller: CallUser; quarter: Quarter; team: string | null; today: string }) =>
		callMovement(q, caller, { quarter, team, today }),
	appState
);
export const accuracy = defineQuestion(
	'forecast call accuracy',
	(q, _scope, { caller, team }: { caller: CallUser; team: string | null }) => callAccuracy(q, caller, { team }),
	appState
);
export const missing = defineQuestion(
	'missing forecast calls',
	(q, _scope, { caller, today }: { caller: CallUser; today: string }) => missingCalls(q, caller, { today }),
	appState
);
/** The teams a caller may pick and their call days (which leaders set in the app). */
export const teamsAndDays = defineQuestion(
	'forecast call teams',
	async (q, _scope, { caller, team }: { caller: CallUser; team: string | null }) => {
		const allTeams = await callTeams(q, caller);
		const teams = await callTeams(q, caller, team);
		const days = caller.role === 'leader' || caller.role === 'admin' ? await callDays(q, allTeams.map((t) => t.id)) : new Map<number, number>();
		return { allTeams, teams, days: allTeams.map((t) => ({ team: t.name, weekday: days.get(t.id) ?? defaultCallDay })) };
	},
	appState
);
export const crm = defineQuestion('crm figures beside the calls', (q, _scope, { caller, quarter, team }: { caller: CallUser; quarter: Quarter; team: string | null }) =>
	crmFiguresByTeam(q, caller, { quarter, team })
);

/** The caller as the call questions read them: only what decides which calls they see. */
export function callerOf({ id, role, repId, teamIds }: CallUser): CallUser {
	return { id, role, repId, teamIds: [...teamIds] };
}

/** The caller's widest scope, what the questions are remembered under beside the caller. */
function scopeOf(db: Database, caller: CallUser) {
	return db.read((q) => scopeForUser(q, { role: caller.role, repId: caller.repId, teamIds: [...caller.teamIds] }));
}

/** The calls page's data for `quarter` (and `team`), as `user` may see them. */
export async function load(db: Database, user: CallUser, { quarter, team, today }: { quarter: Quarter; team: string | null; today: string }) {
	const caller = callerOf(user);
	const scope = await scopeOf(db, caller);
	const [picked, answer, figures, moved, judged, missed] = await Promise.all([
		teamsAndDays.ask(db, scope, { caller, team }),
		calls.ask(db, scope, { caller, quarter, team, history: true }),
		crm.ask(db, scope, { caller, quarter, team }),
		movement.ask(db, scope, { caller, quarter, team, today }),
		accuracy.ask(db, scope, { caller, team }),
		missing.ask(db, scope, { caller, today })
	]);
	return { ...picked, answer, crm: figures, movement: moved, accuracy: judged, missing: missed };
}

/** GET /api/v1/forecast/calls's JSON. */
export async function json(db: Database, user: CallUser, args: { quarter: Quarter; team: string | null; history: boolean }) {
	const caller = callerOf(user);
	return calls.ask(db, await scopeOf(db, caller), { caller, ...args });
}

/** The roll-up week by week, for the CSV download. */
export async function weeks(db: Database, user: CallUser, args: { quarter: Quarter; team: string | null; today: string }) {
	const caller = callerOf(user);
	return movement.ask(db, await scopeOf(db, caller), { caller, ...args });
}
