import { isIsoDate, type IsoDate } from '../../domain/periods.ts';
import type { Queryable } from '../db/index.ts';
import type { Scope } from '../auth/scope.ts';
import { forecastAsOf, snapshotSpan } from './forecast.ts';
import { withOriginals } from './originals.ts';
import { dataQuality, emptyFlagCounts, type DataQuality } from './data-quality.ts';

/**
 * The data-quality question as the page and the API ask it: `as_of` (any date; the snapshot in
 * effect on it is used, default the latest). Team and rep are read by `requestScope`.
 */
export type DataQualityAnswer = { ok: true; answer: DataQuality } | { ok: false; message: string; parameter: string };

export async function answerDataQuality(db: Queryable, scope: Scope, params: URLSearchParams): Promise<DataQualityAnswer> {
	const requested = params.get('as_of') || null;
	if (requested !== null && !isIsoDate(requested)) {
		return { ok: false, parameter: 'as_of', message: `as_of must be a real date written YYYY-MM-DD, e.g. 2026-11-23, got "${requested}"` };
	}
	const asOf = await forecastAsOf(db, requested as IsoDate | null);
	if (asOf === null) {
		const span = await snapshotSpan(db);
		if (span !== null) {
			return { ok: false, parameter: 'as_of', message: `There is no snapshot on or before as_of ${requested}; the first snapshot is ${span.first}.` };
		}
		return { ok: true, answer: { as_of: null, open_deals: 0, flags: emptyFlagCounts(), deals: [] } };
	}
	const answer = await dataQuality(db, scope, asOf);
	return { ok: true, answer: { ...answer, deals: await withOriginals(db, answer.deals, (d) => ({ deal: d.deal_id, date: d.last_seen })) } };
}
