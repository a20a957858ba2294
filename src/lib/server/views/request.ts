import * as v from 'valibot';
import { chosenTeamAndRep, filterChoices, narrowScope, scopeForUser, type FilterChoices, type Scope } from '../auth/scope.ts';
import type { SessionUser } from '../auth/session.ts';
import type { Database } from '../db/index.ts';
import { BadInput, type InputIssue } from '../errors.ts';

/**
 * What every view reads from a request: who asks and the URL. Plain values, not SvelteKit's event,
 * so a view is answered the same from a page, its JSON endpoint, a test or the bench.
 */
export interface ViewRequest {
	user: SessionUser;
	url: URL;
}

/** The team and rep a view shows, and the choices its pickers offer. */
export interface Chosen {
	/** The user's scope narrowed by `team` and `rep` (the rep wins over another team: `narrowScope`). */
	scope: Scope;
	/** Everything the user may pick, not only what the URL narrowed to. */
	choices: FilterChoices;
	team: string | null;
	rep: string | null;
}

/** The scope and pickers for `?team=` and `?rep=`; a team or rep the user may not see is `NotFound`. */
export async function chosenScope(db: Database, { user, url }: ViewRequest): Promise<Chosen> {
	const asked = { team: url.searchParams.get('team') || null, rep: url.searchParams.get('rep') || null };
	return db.read(async (q) => {
		const widest = await scopeForUser(q, user);
		// One connection runs one query at a time: these are small reads of the rep and team tables.
		const scope = await narrowScope(q, widest, asked);
		const choices = await filterChoices(q, widest);
		return { scope, choices, ...chosenTeamAndRep(choices, asked) };
	});
}

/** A parse result that failed, as the typed error routes turn into a 400 naming the parameters. */
export function badInput(parsed: { message: string; issues: InputIssue[] }): BadInput {
	return new BadInput(parsed.message, parsed.issues);
}

/** Valibot's issues as `BadInput`, each naming its parameter. */
export function badInputFromIssues(issues: readonly v.BaseIssue<unknown>[]): BadInput {
	return BadInput.of(issues.map((issue) => ({ parameter: v.getDotPath(issue) ?? null, message: issue.message })));
}
