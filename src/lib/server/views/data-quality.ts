import { isIsoDate, type IsoDate } from '../../domain/periods.ts';
import type { Database } from '../db/index.ts';
import { BadInput } from '../errors.ts';
import { dataQuality, dataQualityFlags, emptyFlagCounts, type DataQuality, type DataQualityFlag } from '../metrics/data-quality.ts';
import { snapshotDates } from '../metrics/snapshots.ts';
import { withOriginals } from '../metrics/originals.ts';
import { defineQuestion } from '../questions.ts';
import { snapshotInEffect } from './forecast.ts';
import { chosenScope, type ViewRequest } from './request.ts';

/**
 * The data-quality view (/data-quality and GET /api/v1/data-quality): what is missing or odd in the
 * open pipeline at the snapshot in effect on `as_of` (any date; default the latest).
 */
export const flagged = defineQuestion('data quality', async (q, scope, asOf: IsoDate) => {
	const answer = await dataQuality(q, scope, asOf);
	return { ...answer, deals: await withOriginals(q, answer.deals, (d) => ({ deal: d.deal_id, date: d.last_seen })) };
});

/** The answer for the URL's `as_of`, team and rep; a malformed or too early `as_of` is `BadInput`. */
export async function json(db: Database, request: ViewRequest): Promise<DataQuality> {
	const requested = request.url.searchParams.get('as_of') || null;
	if (requested !== null && !isIsoDate(requested)) {
		const message = `as_of must be a real date written YYYY-MM-DD, e.g. 2026-11-23, got "${requested}"`;
		throw new BadInput(message, [{ parameter: 'as_of', message }]);
	}
	const [{ scope }, dates] = await Promise.all([chosenScope(db, request), db.read((q) => snapshotDates(q))]);
	const asOf = snapshotInEffect(dates, requested as IsoDate | null);
	if (asOf === null) return { as_of: null, open_deals: 0, flags: emptyFlagCounts(), deals: [] };
	return flagged.ask(db, scope, asOf);
}

/** The page's data: the summary, and the deals behind one flag (`?flag=`) or all flagged deals. */
export async function load(db: Database, request: ViewRequest) {
	const requestedFlag = request.url.searchParams.get('flag') || null;
	if (requestedFlag !== null && !(dataQualityFlags as readonly string[]).includes(requestedFlag)) {
		throw new BadInput(`flag must be one of ${dataQualityFlags.join(', ')}, got "${requestedFlag}"`);
	}
	const flag = requestedFlag as DataQualityFlag | null;
	const { deals, ...summary } = await json(db, request);
	return { ...summary, flag, deals: flag === null ? deals : deals.filter((deal) => deal.flags.includes(flag)) };
}
