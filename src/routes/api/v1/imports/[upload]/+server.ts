import { error } from '@sveltejs/kit';
import { apiAnswer } from '$lib/http';
import { database } from '$lib/server/db';
import { importerFor } from '$lib/server/import/importer';
import { discardUpload, parsePageOptions, receiveChunk, startCheck, startImport, uploadStatus } from '$lib/server/import/uploads';
import type { RequestHandler } from './$types';
import { answer, requireImporter, requireSameOrigin } from '../respond';

/**
 * One upload of the Imports page, which only its owner can see (anyone else: 404).
 *
 * GET                          the job: state, bytes received, progress, check and result
 * PUT ?file=N&offset=B         the next chunk of file N (raw bytes), starting at byte B
 * POST {"action": "check", "options": {...}}   check the files (nothing is written)
 * POST {"action": "import"}    import what was checked, when the check found no errors
 * DELETE                       forget the upload and its files
 */
export const GET: RequestHandler = (event) =>
	apiAnswer(async () => {
		const user = requireImporter(event);
		return answer(() => uploadStatus(event.params.upload, user.id));
	});

export const PUT: RequestHandler = (event) =>
	apiAnswer(async () => {
		const user = requireImporter(event);
		requireSameOrigin(event);
		const file = Number(event.url.searchParams.get('file') ?? 'NaN');
		const offset = Number(event.url.searchParams.get('offset') ?? 'NaN');
		if (!Number.isInteger(file) || !Number.isInteger(offset)) error(400, 'Expected ?file=<index>&offset=<byte>.');
		return answer(() => receiveChunk(event.params.upload, user.id, file, offset, event.request.body));
	});

export const POST: RequestHandler = (event) =>
	apiAnswer(async () => {
		const user = requireImporter(event);
		requireSameOrigin(event);
		const body = (await event.request.json().catch(() => null)) as { action?: unknown; options?: unknown } | null;
		const db = await database();
		switch (body?.action) {
			case 'check':
				return answer(() => startCheck(db, event.params.upload, user.id, parsePageOptions(body.options), importerFor(user)), 202);
			case 'import':
				return answer(() => startImport(db, event.params.upload, user.id, importerFor(user)), 202);
			default:
				error(400, 'Expected {"action": "check" | "import"}.');
		}
	});

export const DELETE: RequestHandler = (event) =>
	apiAnswer(async () => {
		const user = requireImporter(event);
		requireSameOrigin(event);
		return answer(() => discardUpload(event.params.upload, user.id));
	});
