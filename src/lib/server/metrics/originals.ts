import { listValue } from '@duckdb/node-api';
import type { Queryable } from '../db/index.ts';
import type { MovementOriginal, OriginalAmount } from '../../domain/format.ts';

export type { MovementOriginal, OriginalAmount };

/**
 * Amounts as the CRM exported them, for deals in another currency than the reporting one (stored
 * in snapshot_originals, see migration 009). Every sum is in the reporting currency; a deal list
 * shows a dollar deal's dollars beside it, so its owner recognises the figure they typed. Looked up
 * after the list is built, for the few deals listed, so no metric query changes and a company that
 * sells in one currency pays one empty lookup.
 */

/** The original amount of each (deal, snapshot date) that has one, keyed `${deal}|${date}`; deals by CRM id or database id. */
export async function originalAmounts(
	db: Queryable,
	wanted: { deal: string | number; date: string | null }[],
	key: 'crm_id' | 'id' = 'crm_id'
): Promise<Map<string, OriginalAmount>> {
	const pairs = wanted.filter((w): w is { deal: string | number; date: string } => w.date !== null);
	if (pairs.length === 0) return new Map();
	// A list names a date or two: asking first whether those dates have any original amount at all
	// spares a company that sells in one currency matching thousands of listed deals against nothing.
	const dates = [...new Set(pairs.map((p) => p.date.slice(0, 10)))];
	const any = await db.one<{ found: boolean }>(
		`SELECT EXISTS (SELECT 1 FROM snapshot_originals WHERE list_contains($dates::VARCHAR[]::DATE[], snapshot_date)) AS found`,
		{ dates: listValue(dates) }
	);
	if (!any?.found) return new Map();
	const rows = await db.all<{ deal: string; date: string; currency: string; amount: number | null }>(
		`WITH wanted AS (SELECT unnest($deals::VARCHAR[]) AS deal, unnest($dates::VARCHAR[])::DATE AS snapshot_date)
		SELECT DISTINCT w.deal, strftime(o.snapshot_date, '%Y-%m-%d') AS date, o.currency, o.original_amount::DOUBLE AS amount
		FROM snapshot_originals o
		JOIN deals d ON d.id = o.deal_id
		JOIN wanted w ON w.deal = d.${key === 'id' ? 'id::VARCHAR' : 'crm_id'} AND w.snapshot_date = o.snapshot_date`,
		{ deals: listValue(pairs.map((p) => String(p.deal))), dates: listValue(pairs.map((p) => p.date.slice(0, 10))) }
	);
	return new Map(rows.map((r) => [`${r.deal}|${r.date}`, { currency: r.currency, amount: r.amount }]));
}


/** Deals of a movement (amounts at A and at B), each with `original` where it was exported in another currency. */
export async function withMovementOriginals<T extends { deal_id: string; amount_from: number | null; amount_to: number | null }>(
	db: Queryable,
	{ from, to }: { from: string; to: string },
	deals: T[]
): Promise<(T & { original?: MovementOriginal })[]> {
	const found = await originalAmounts(db, deals.flatMap((d) => [{ deal: d.deal_id, date: from }, { deal: d.deal_id, date: to }]));
	if (found.size === 0) return deals as (T & { original?: MovementOriginal })[];
	return deals.map((deal) => {
		const a = found.get(`${deal.deal_id}|${from}`);
		const b = found.get(`${deal.deal_id}|${to}`);
		if (!a && !b) return deal;
		return {
			...deal,
			original: {
				currency: (a ?? b)!.currency,
				amount_from: a ? a.amount : deal.amount_from,
				amount_to: b ? b.amount : deal.amount_to
			}
		};
	});
}

/** Deals listed as of one snapshot each (`date`), each with `original` where it was exported in another currency. */
export async function withOriginals<T extends object>(
	db: Queryable,
	deals: T[],
	keyOf: (deal: NoInfer<T>) => { deal: string | number; date: string | null },
	key: 'crm_id' | 'id' = 'crm_id'
): Promise<(T & { original?: OriginalAmount })[]> {
	const found = await originalAmounts(db, deals.map(keyOf), key);
	if (found.size === 0) return deals as (T & { original?: OriginalAmount })[];
	return deals.map((deal) => {
		const { deal: id, date } = keyOf(deal);
		const original = date === null ? undefined : found.get(`${id}|${date.slice(0, 10)}`);
		return original ? { ...deal, original } : deal;
	});
}
