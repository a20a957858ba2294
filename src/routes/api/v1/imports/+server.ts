import { error } from '@sveltejs/kit';
import { apiAnswer } from '$lib/http';
import { database } from '$lib/server/db';
import { importLog } from '$lib/server/import';
import { chunkBytes, createUpload, unfinishedUploads } from '$lib/server/import/uploads';
import type { RequestHandler } from './$types';
import { answer, requireImporter, requireSameOrigin } from './respond';

/**
 * GET /api/v1/imports: the import log, newest first, as {"imports": [...]}: a leader's own imports,
 * every import for admins. With it {"uploads": [...]}, the caller's unfinished uploads (each can be
 * finished or discarded at /api/v1/imports/<id>).
 *
 * POST /api/v1/imports {"files": [{"name": "deals.csv", "size": 123}, ...]}: starts an upload and
 * answers with the job and the chunk size to send its bytes in (PUT /api/v1/imports/<id>). Over a
 * person's limits it answers 429 (too many unfinished uploads) or 413 (too many bytes), with
 * {"message", "limit", ...}.
 */
/** More than a Salesforce export's four files is a mistake, not an import. */
const maxFiles = 20;

export const GET: RequestHandler = (event) =>
	apiAnswer(async () => {
		const user = requireImporter(event);
		const db = await database();
		return answer(async () => ({ imports: await db.read((q) => importLog(q, user)), uploads: unfinishedUploads(user.id) }));
	});

export const POST: RequestHandler = (event) =>
	apiAnswer(async () => {
		const user = requireImporter(event);
		requireSameOrigin(event);
		const body = (await event.request.json().catch(() => null)) as { files?: unknown } | null;
		if (!body || !Array.isArray(body.files)) error(400, 'Expected {"files": [{"name": ..., "size": ...}]}.');
		if (body.files.length > maxFiles) error(400, `At most ${maxFiles} files at once.`);
		const files = body.files.map((f: unknown) => {
			const file = (f && typeof f === 'object' ? f : {}) as { name?: unknown; size?: unknown };
			return { name: String(file.name ?? ''), size: Number(file.size) };
		});
		return answer(() => ({ upload: createUpload(user, files), chunkBytes: chunkBytes() }), 201);
	});
