import { pageAnswer } from '$lib/http';
import { requireUser } from '$lib/server/auth/guards';
import { database } from '$lib/server/db';
import { snapshotDates } from '$lib/server/metrics/snapshots';
import { reportingCurrency } from '$lib/domain/format';
import { fiscalYearStart } from '$lib/domain/periods';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = (event) =>
	pageAnswer(event, async () => {
		const user = requireUser(event);
		const db = await database();
		const snapshots = await db.read((q) => snapshotDates(q));
		return {
			user: { name: user.name, email: user.email, role: user.role },
			latestSnapshot: snapshots[0] ?? null,
			snapshotCount: snapshots.length,
			// The browser formats and groups by quarter as the server does (see +layout.ts).
			settings: { reportingCurrency: reportingCurrency(), fiscalYearStart: fiscalYearStart() }
		};
	});
