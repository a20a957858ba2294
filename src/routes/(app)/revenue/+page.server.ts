import { fail, redirect } from '@sveltejs/kit';
import { pageAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { isNewBusinessWeight, newBusinessWeightPreference } from '$lib/server/metrics/revenue-mix';
import { setPreference } from '$lib/server/preferences';
import * as revenue from '$lib/server/views/revenue';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => revenue.load(await database(), { user: requireUser(event), url: event.url }));

export const actions: Actions = {
	/**
	 * Remembers the new-business weight for the signed-in user. The slider saves in the background
	 * when JavaScript runs; without it, the form posts here and comes back to the same view.
	 */
	setWeight: (event) =>
		pageAnswer(event, async () => {
			const user = requireUser(event);
			const raw = (await event.request.formData()).get('new_business_weight');
			const weight = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
			if (!isNewBusinessWeight(weight)) return fail(400, { weightProblem: true, weight: String(raw ?? '') });
			const db = await database();
			// Hundredths are as fine as a slider goes; rounding keeps 1.1 from being stored as 1.1000000000000001.
			await setPreference(db, user.id, newBusinessWeightPreference, Math.round(weight * 100) / 100);
			const back = new URL(event.url);
			back.searchParams.delete('/setWeight');
			redirect(303, back.pathname + back.search);
		})
};
