/**
 * One currency on screen. A snapshot row's `amount` is in the reporting currency: a deal exported in
 * another currency is converted at the rate valid on the snapshot's date when the row is written,
 * and every stored row again when rates are imported. Converting on write keeps every metric
 * reading `amount` as it always has: no view multiplies by a rate, and the facts and remembered
 * answers stay as cheap. The amount and currency the CRM exported are kept beside it, in
 * `snapshot_originals`, only for rows in another currency (most companies sell in one): deal lists
 * show them next to the converted amount, and a new rate converts from them, never from a
 * converted amount. Rates are units of the reporting currency for one unit, each valid from its
 * date until the next one of its currency.
 *
 * Rows stored before this version were summed as exported: those of deals in another currency than
 * EUR (the default reporting currency) get their originals here, and convert once rates arrive.
 */
export default /* sql */ `
CREATE TABLE exchange_rates (
	currency VARCHAR NOT NULL,
	valid_from DATE NOT NULL,
	rate DECIMAL(18, 8) NOT NULL CHECK (rate > 0),
	PRIMARY KEY (currency, valid_from)
);

CREATE TABLE snapshot_originals (
	snapshot_date DATE NOT NULL,
	deal_id INTEGER NOT NULL,
	currency VARCHAR NOT NULL,
	original_amount DECIMAL(18, 2) CHECK (original_amount >= 0),
	PRIMARY KEY (snapshot_date, deal_id)
);

INSERT INTO snapshot_originals
SELECT s.snapshot_date, s.deal_id, d.currency, s.amount
FROM snapshots s JOIN deals d ON d.id = s.deal_id
WHERE d.currency <> 'EUR'
ORDER BY s.snapshot_date, s.deal_id;
`;
