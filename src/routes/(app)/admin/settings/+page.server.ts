import { fail } from '@sveltejs/kit';
import { answering, pageAnswer } from '$lib/http';
import { requireRole } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { ladderRows, rowsFromForm, saveLadderRows } from '$lib/server/stage-ladder-form';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => {
		requireRole(event, 'admin');
		const db = await database();
		return { stages: await db.read(ladderRows) };
	});

export const actions: Actions = {
	stages: answering(async (event) => {
		requireRole(event, 'admin');
		const db = await database();
		const inUse = new Set((await db.read(ladderRows)).filter((row) => row.inUse).map((row) => row.name));
		const result = await saveLadderRows(db, rowsFromForm(await event.request.formData(), inUse));
		return result.saved ? result : fail(400, result);
	})
};
