import { pageAnswer } from '$lib/http';
import { requireRole } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { importFormats, importLog, weekdays } from '$lib/server/import';
import { deals } from '$lib/server/import/formats/deals';
import { chunkBytes, maxUploadBytes } from '$lib/server/import/uploads';
import type { PageServerLoad } from './$types';

/**
 * The Imports page: admins and sales leaders bring in CRM exports. The upload itself runs from the
 * browser against /api/v1/imports (in chunks, checked before anything is written); this load
 * gives the page the import log (a leader's own imports, every import for admins) and what it
 * needs to offer the options.
 */
export const load: PageServerLoad = (event) =>
	pageAnswer(event, async () => {
		const user = requireRole(event, 'admin', 'leader');
		const db = await database();
		const [imports, stages] = await db.read(async (q) => [
			await importLog(q, user),
			(await q.all<{ name: string }>('SELECT name FROM stages ORDER BY position')).map((s) => s.name)
		] as const);
		return {
			imports,
			formats: importFormats,
			weekdays,
			// The fields a deal list's columns can be mapped to; `entered:` takes a stage name.
			mapFields: deals.mapFields,
			stages,
			chunkBytes: chunkBytes(),
			maxBytes: maxUploadBytes()
		};
	});
