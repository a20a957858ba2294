import { error, fail } from '@sveltejs/kit';
import { answering, pageAnswer } from '$lib/http';
import { addQuarters, isQuarter, quarterOf } from '$lib/domain/periods';
import { callableQuarters } from '$lib/domain/forecast-calls';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { CallInputError, dayOf, parseCall, setCallDay, submitCall } from '$lib/server/forecast-calls';
import * as forecastCalls from '$lib/server/views/forecast-calls';
import type { Actions, PageServerLoad } from './$types';

/** How many closed quarters back the quarter picker reaches. */
const pastQuarters = 4;

/**
 * Forecast calls for one quarter (`?quarter=`, default the current one), as the signed-in person
 * may see them: a rep their own calls and a form for the next one; a leader their reps' calls beside
 * the CRM's figures and the team's call; an executive each team's call and the roll-up. Below, how
 * the calls moved and, for closed quarters, how good they were.
 */
export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => {
		const user = requireUser(event);
		const today = dayOf(new Date());
		const requested = event.url.searchParams.get('quarter') || null;
		if (requested !== null && !isQuarter(requested)) error(400, `quarter must be written YYYY-Qn, e.g. 2026-Q4, got "${requested}"`);
		const [current, next] = callableQuarters(today);
		const quarter = requested ?? current;
		const team = event.url.searchParams.get('team') || null;
		const db = await database();
		const mayCall = user.role === 'rep' || user.role === 'leader';
		const { answer, teams, allTeams, crm, movement, accuracy, days, missing } = await forecastCalls.load(db, user, { quarter, team, today });
		const quarters = [next, current, ...Array.from({ length: pastQuarters }, (_, i) => addQuarters(current, -(i + 1)))];
		if (!quarters.includes(quarter)) quarters.push(quarter);
		return {
			quarter,
			quarters,
			callable: [current, next],
			team,
			teams: teams.map((t) => t.name),
			allTeams: allTeams.map((t) => t.name),
			mayCall: mayCall && (quarter === current || quarter === next),
			role: user.role,
			email: user.email,
			calls: answer.calls,
			history: answer.history ?? [],
			rollup: answer.rollup,
			crm,
			movement,
			accuracy,
			callDays: days,
			missing: missing.quarter === quarter ? missing.teams : [],
			today,
			currentQuarter: quarterOf(today)
		};
	});

function text(data: FormData, name: string): string {
	const value = data.get(name);
	return typeof value === 'string' ? value : '';
}

/** A number typed in a form: empty stays missing, anything else is left for the check to name. */
function amount(raw: string): number | string | undefined {
	const trimmed = raw.trim().replace(/[\s'_]/g, '');
	if (trimmed === '') return undefined;
	return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

export const actions: Actions = {
	call: answering(async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const values = {
			quarter: text(data, 'quarter'),
			commit: text(data, 'commit'),
			best_case: text(data, 'best_case'),
			note: text(data, 'note'),
			team: text(data, 'team')
		};
		try {
			const input = parseCall({
				quarter: values.quarter,
				commit: amount(values.commit),
				best_case: amount(values.best_case),
				note: values.note,
				team: values.team || null
			});
			const db = await database();
			await submitCall(db, user, input);
			return { action: 'call' as const, saved: true, problems: [], values: null };
		} catch (caught) {
			if (!(caught instanceof CallInputError)) throw caught;
			return fail(400, { action: 'call' as const, saved: false, problems: caught.problems, values });
		}
	}),
	callDay: answering(async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const team = text(data, 'team');
		const weekday = Number(text(data, 'weekday'));
		try {
			const db = await database();
			await setCallDay(db, user, { team, weekday });
			return { action: 'callDay' as const, saved: true, problems: [], values: null };
		} catch (caught) {
			if (!(caught instanceof CallInputError)) throw caught;
			return fail(400, { action: 'callDay' as const, saved: false, problems: caught.problems, values: null });
		}
	})
};
