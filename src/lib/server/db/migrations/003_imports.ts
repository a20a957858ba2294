/** The import log: who loaded which file when, and what came of it (shown on the Imports page). */
export default /* sql */ `
CREATE SEQUENCE import_ids;
CREATE TABLE imports (
	id INTEGER PRIMARY KEY DEFAULT nextval('import_ids'),
	started_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
	finished_at TIMESTAMP,
	user_email VARCHAR,
	file_name VARCHAR NOT NULL,
	format VARCHAR NOT NULL,
	status VARCHAR NOT NULL CHECK (status IN ('ok', 'error', 'dry_run')),
	rows_read INTEGER NOT NULL DEFAULT 0,
	rows_loaded INTEGER NOT NULL DEFAULT 0,
	rows_rejected INTEGER NOT NULL DEFAULT 0,
	snapshots_replaced VARCHAR[],
	summary JSON
);
`;
