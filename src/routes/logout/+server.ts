import { redirect } from '@sveltejs/kit';
import { database } from '$lib/server/db';
import { deleteSessionTokenCookie, invalidateSession } from '$lib/server/auth/session';
import type { RequestHandler } from './$types';

/**
 * POST only: a GET sign-out could be triggered by any image tag on any site. The session row is
 * deleted, not just the cookie, so a copied token stops working too.
 */
export const POST: RequestHandler = async (event) => {
	if (event.locals.session) await invalidateSession(await database(), event.locals.session.id);
	deleteSessionTokenCookie(event);
	redirect(303, '/login');
};
