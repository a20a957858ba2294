import { redirect } from '@sveltejs/kit';
import { pageAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import * as coaching from '$lib/server/views/coaching';
import type { PageServerLoad } from './$types';

/**
 * The way into the weekly 1:1: a rep goes straight to their own page (to prepare their
 * self-review), a leader or admin picks one of the reps they coach. Executives are told why there
 * is nothing here for them: the notes are private between leader and rep.
 */
export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => {
		const user = requireUser(event);
		if (user.role === 'executive') return { view: 'private' as const };
		const db = await database();
		if (user.role === 'rep') {
			const own =
				user.repId === null ? undefined : await db.one<{ email: string }>('SELECT email FROM reps WHERE id = $id', { id: user.repId });
			if (own) redirect(303, `/coaching/${encodeURIComponent(own.email)}`);
			return { view: 'no_rep' as const };
		}
		return { view: 'overview' as const, ...(await coaching.overviewFor(db, { user, url: event.url })) };
	});
