import { error, json, type RequestEvent } from '@sveltejs/kit';
import { requireRole } from '$lib/server/auth/guards';
import type { SessionUser } from '$lib/server/auth/session';
import { UploadError } from '$lib/server/import/uploads';

/**
 * Who may import: admins and sales leaders. The upload endpoints are for the Imports page only;
 * they authenticate with the session cookie like every other endpoint (401 JSON when signed out).
 */
export function requireImporter(event: Pick<RequestEvent, 'locals' | 'url'>): SessionUser {
	return requireRole(event, 'admin', 'leader');
}

/**
 * Writes only from our own pages. Kit's CSRF check covers form posts; these endpoints take JSON and
 * raw bytes, which a browser only sends cross-site after a CORS preflight we never answer, and this
 * check says so explicitly rather than relying on it.
 */
export function requireSameOrigin(event: Pick<RequestEvent, 'request' | 'url'>): void {
	const origin = event.request.headers.get('origin');
	if (origin !== null && origin !== event.url.origin) error(403, 'Uploads are only accepted from this site.');
}

/** Runs an upload step; the rules uploads.ts enforces come back as JSON errors with their status. */
export async function answer(step: () => unknown | Promise<unknown>, status = 200): Promise<Response> {
	try {
		const result = await step();
		return result === undefined ? new Response(null, { status: 204 }) : json(result, { status });
	} catch (caught) {
		if (caught instanceof UploadError) return json({ message: caught.message, ...caught.details }, { status: caught.status });
		throw caught;
	}
}
