import { fail, redirect } from '@sveltejs/kit';
import { answering, pageAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { scopeForUser } from '$lib/server/auth/scope';
import { database } from '$lib/server/db';
import { whatIfFrom } from '$lib/server/metrics/long-range-request';
import { parseScenario, saveScenario } from '$lib/server/metrics/long-range-scenarios';
import * as longRange from '$lib/server/views/long-range';
import type { Actions, PageServerLoad } from './$types';

/**
 * The 6-18 month view: the filters and the what-if fields come from the URL (a GET form, so every
 * view is a link and works without JavaScript); saving a what-if as a named scenario is a form action.
 */
export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => longRange.load(await database(), { user: requireUser(event), url: event.url }));

export const actions: Actions = {
	/** Saves the what-if in the form under a name; the page then shows it applied. */
	save: answering(async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const field = (name: string) => String(form.get(name) ?? '').trim() || undefined;
		const parsed = parseScenario({ name: field('name') ?? '', shared: form.get('shared') === 'on', assumptions: whatIfFrom(field) });
		if (!parsed.ok) return fail(400, { message: parsed.message });
		const db = await database();
		const scope = await db.read((q) => scopeForUser(q, user));
		const saved = await saveScenario(db, user, scope, parsed.value);
		// Back to the same view, with the scenario saved and applied.
		const query = new URLSearchParams();
		for (const name of ['as_of', 'months', 'team', 'rep']) if (field(name)) query.set(name, field(name)!);
		query.set('scenario', String(saved.id));
		redirect(303, `${event.url.pathname}?${query}`);
	})
};
