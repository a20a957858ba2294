/**
 * The pipeline data model. Snapshots are stored one row per deal per snapshot date, with narrow
 * integer keys (deal, owner, stage) and DECIMAL amounts so that sums are exact to the cent. Rows are
 * appended in snapshot-date order, so DuckDB's zone maps let a query for two dates skip every other
 * week's row groups: comparing two snapshots reads 2/52 of a year's data.
 */
export default /* sql */ `
CREATE TABLE stages (
	id SMALLINT PRIMARY KEY,
	name VARCHAR NOT NULL UNIQUE,
	position SMALLINT NOT NULL,
	default_probability DOUBLE NOT NULL CHECK (default_probability BETWEEN 0 AND 1),
	outcome VARCHAR NOT NULL CHECK (outcome IN ('open', 'won', 'lost'))
);

INSERT INTO stages VALUES
	(1, 'Lead', 1, 0.05, 'open'),
	(2, 'Qualified', 2, 0.10, 'open'),
	(3, 'Discovery', 3, 0.20, 'open'),
	(4, 'Solution/Demo', 4, 0.40, 'open'),
	(5, 'Proposal', 5, 0.60, 'open'),
	(6, 'Negotiation', 6, 0.80, 'open'),
	(7, 'Closed Won', 7, 1.00, 'won'),
	(8, 'Closed Lost', 8, 0.00, 'lost');

CREATE SEQUENCE team_ids;
CREATE TABLE teams (
	id INTEGER PRIMARY KEY DEFAULT nextval('team_ids'),
	name VARCHAR NOT NULL UNIQUE
);

CREATE SEQUENCE rep_ids;
CREATE TABLE reps (
	id INTEGER PRIMARY KEY DEFAULT nextval('rep_ids'),
	email VARCHAR NOT NULL UNIQUE,
	name VARCHAR NOT NULL,
	role VARCHAR NOT NULL CHECK (role IN ('SDR', 'BDR', 'AE', 'AM', 'KAM')),
	team_id INTEGER,
	active BOOLEAN NOT NULL DEFAULT true
);

CREATE SEQUENCE account_ids;
CREATE TABLE accounts (
	id INTEGER PRIMARY KEY DEFAULT nextval('account_ids'),
	crm_id VARCHAR NOT NULL UNIQUE,
	name VARCHAR NOT NULL,
	customer_since DATE,
	key_account BOOLEAN NOT NULL DEFAULT false
);

CREATE SEQUENCE deal_ids;
CREATE TABLE deals (
	id INTEGER PRIMARY KEY DEFAULT nextval('deal_ids'),
	crm_id VARCHAR NOT NULL UNIQUE,
	name VARCHAR,
	account_id INTEGER,
	deal_type VARCHAR CHECK (deal_type IN ('new_business', 'upsell', 'cross_sell', 'renewal')),
	-- Where the opportunity came from (inbound, sdr, bdr, partner, ...), and which SDR/BDR opened it:
	-- the relay credits the opener even though an AE owns the deal.
	source VARCHAR,
	sourced_by INTEGER,
	created_date DATE,
	currency VARCHAR NOT NULL DEFAULT 'EUR'
);

CREATE TABLE snapshots (
	snapshot_date DATE NOT NULL,
	deal_id INTEGER NOT NULL,
	owner_id INTEGER NOT NULL,
	stage_id SMALLINT NOT NULL,
	amount DECIMAL(18, 2) NOT NULL CHECK (amount >= 0),
	probability DOUBLE NOT NULL CHECK (probability BETWEEN 0 AND 1),
	close_date DATE NOT NULL,
	forecast_category VARCHAR CHECK (forecast_category IN ('pipeline', 'best_case', 'commit', 'closed', 'omitted')),
	PRIMARY KEY (snapshot_date, deal_id)
);

CREATE TABLE activities (
	activity_date DATE NOT NULL,
	rep_id INTEGER NOT NULL,
	kind VARCHAR NOT NULL CHECK (kind IN ('call', 'email', 'meeting_booked', 'meeting_held', 'demo', 'proposal_sent')),
	count INTEGER NOT NULL CHECK (count >= 0),
	PRIMARY KEY (activity_date, rep_id, kind)
);

CREATE TABLE quotas (
	rep_id INTEGER NOT NULL,
	period_start DATE NOT NULL,
	period_end DATE NOT NULL,
	amount DECIMAL(18, 2) NOT NULL CHECK (amount >= 0),
	PRIMARY KEY (rep_id, period_start),
	CHECK (period_end >= period_start)
);
`;
