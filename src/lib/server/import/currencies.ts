import type { Queryable, Transaction } from '../db/index.ts';
import { literal } from './sql.ts';
import type { Staging } from './staging.ts';
import type { Checker } from './validate.ts';

/**
 * Deals in other currencies than the reporting one (see migration 009 for why amounts are converted
 * when written). A row without a currency is in its deal's currency: the file's latest one for the
 * deal, else the one stored, else the reporting currency.
 */
export async function settleCurrencies(staging: Staging, rows: string, reportingCurrency: string): Promise<void> {
	// One row per deal first: a file without a currency column leaves every row blank, and looking the
	// deal up once, not once per weekly row, keeps a million-row import's cost to one join.
	await staging.run(`UPDATE ${rows} r SET currency = c.currency
		FROM (
			SELECT f.deal, coalesce(f.latest, d.currency, ${literal(reportingCurrency)}) AS currency
			FROM (
				SELECT deal, arg_max(currency, (snapshot_date, file_no, record)) FILTER (WHERE currency IS NOT NULL) AS latest
				FROM ${rows} WHERE deal IS NOT NULL GROUP BY deal
			) f
			LEFT JOIN deals d ON d.crm_id = f.deal
		) c
		WHERE r.deal = c.deal AND r.currency IS NULL`);
}

/**
 * A row in a currency with no rate valid on its snapshot date cannot be added to anything: an error
 * at the currency's first such line, naming the currency and the date, so the fix (import its rates
 * from that date) is plain. Guessing a rate, or leaving the amount unconverted, would put a wrong
 * figure on every page without anyone noticing.
 */
export async function checkRates(checker: Checker, rows: string, reportingCurrency: string): Promise<void> {
	await checker.custom(
		'currency_without_rate',
		'error',
		`SELECT arg_min(file_no, (file_no, record)), arg_min(record, (file_no, record)), 'currency', currency,
			strftime(arg_min(snapshot_date, (file_no, record)), '%Y-%m-%d'), NULL, NULL
		FROM ${rows} r
		WHERE currency <> ${literal(reportingCurrency)} AND snapshot_date IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM exchange_rates x WHERE x.currency = r.currency AND x.valid_from <= r.snapshot_date)
		GROUP BY currency`
	);
}

/** `amount` of `table` (with `currency` and `snapshot_date`) in the reporting currency, to the cent. */
export function convertedAmountSql(table: string, rate: string, reportingCurrency: string): string {
	return `CASE WHEN ${table}.currency = ${literal(reportingCurrency)} THEN ${table}.amount
		ELSE round(${table}.amount * ${rate}.rate, 2)::DECIMAL(18, 2) END`;
}

/**
 * Converts every stored row in another currency again, from its original amount at the rate now
 * valid on its date: after rates are imported (a new month's rate, a corrected one), the history
 * reads as if the rates had been there all along. Rows whose currency still has no rate keep their
 * amount. Returns how many rows changed.
 */
export async function reconvertSnapshots(tx: Transaction, reportingCurrency: string): Promise<number> {
	const converted = `SELECT o.snapshot_date, o.deal_id,
			CASE WHEN o.currency = $reporting THEN o.original_amount ELSE round(o.original_amount * x.rate, 2)::DECIMAL(18, 2) END AS amount
		FROM snapshot_originals o
		ASOF LEFT JOIN exchange_rates x ON x.currency = o.currency AND o.snapshot_date >= x.valid_from
		WHERE o.currency = $reporting OR x.rate IS NOT NULL`;
	const changed = await tx.one<{ n: number }>(
		`SELECT count(*)::INTEGER AS n FROM (${converted}) c JOIN snapshots s USING (snapshot_date, deal_id) WHERE s.amount IS DISTINCT FROM c.amount`,
		{ reporting: reportingCurrency }
	);
	if (!changed?.n) return 0;
	await tx.run(
		`UPDATE snapshots SET amount = c.amount FROM (${converted}) c
		WHERE snapshots.snapshot_date = c.snapshot_date AND snapshots.deal_id = c.deal_id AND snapshots.amount IS DISTINCT FROM c.amount`,
		{ reporting: reportingCurrency }
	);
	return changed.n;
}

/** The originals of the rows an import wrote (`incoming` has the rows' keys, currency and original amount). */
export async function writeOriginals(tx: Transaction, incoming: string, reportingCurrency: string): Promise<void> {
	const sameKey = 'n.snapshot_date = o.snapshot_date AND n.deal_id = o.deal_id';
	await tx.run(
		`DELETE FROM snapshot_originals o WHERE o.snapshot_date IN (SELECT DISTINCT snapshot_date FROM ${incoming})
			AND (EXISTS (SELECT 1 FROM ${incoming} n WHERE ${sameKey})
				OR NOT EXISTS (SELECT 1 FROM snapshots n WHERE ${sameKey}))`
	);
	await tx.run(
		`INSERT INTO snapshot_originals (snapshot_date, deal_id, currency, original_amount)
		SELECT snapshot_date, deal_id, currency, original_amount FROM ${incoming}
		WHERE currency <> $reporting ORDER BY snapshot_date, deal_id`,
		{ reporting: reportingCurrency }
	);
}

/** The rates as stored, for the API and tests. */
export function exchangeRates(q: Queryable): Promise<{ currency: string; valid_from: string; rate: number }[]> {
	return q.all(`SELECT currency, strftime(valid_from, '%Y-%m-%d') AS valid_from, rate::DOUBLE AS rate FROM exchange_rates ORDER BY currency, valid_from`);
}
