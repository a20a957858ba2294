import { migrations } from './migrations/index.ts';

/**
 * PostgreSQL's first version: what lets the app-state modules' DuckDB SQL run unchanged, and the
 * small dimension tables their queries join (who a note's rep is, which team a call is for, a
 * deal's name). Those are copies: the snapshots' store (the DuckDB file or the lake) holds the
 * originals, and every write to them refreshes these in the same write (`mirrorDimensions`).
 *
 * The functions are DuckDB's, for exactly the ways the modules call them.
 */
const bridge = /* sql */ `
CREATE DOMAIN blob AS bytea;
CREATE DOMAIN double AS double precision;

CREATE FUNCTION epoch_ms(bigint) RETURNS timestamp LANGUAGE sql IMMUTABLE
	AS $$ SELECT TIMESTAMP 'epoch' + $1 * INTERVAL '1 millisecond' $$;
CREATE FUNCTION epoch_ms(timestamp) RETURNS bigint LANGUAGE sql IMMUTABLE
	AS $$ SELECT floor(extract(epoch FROM $1) * 1000)::bigint $$;
CREATE FUNCTION hex(bytea) RETURNS text LANGUAGE sql IMMUTABLE
	AS $$ SELECT upper(encode($1, 'hex')) $$;
CREATE FUNCTION list_contains(anyarray, anyelement) RETURNS boolean LANGUAGE sql IMMUTABLE
	AS $$ SELECT coalesce($2 = ANY($1), false) $$;
CREATE FUNCTION current_localtimestamp() RETURNS timestamp LANGUAGE sql STABLE
	AS $$ SELECT localtimestamp $$;
CREATE FUNCTION from_json(text, text) RETURNS varchar[] LANGUAGE sql IMMUTABLE
	AS $$ SELECT array(SELECT json_array_elements_text($1::json)) $$;
-- The formats the modules use ('%Y-%m-%dT%H:%M:%S', with or without 'Z'), in to_char's words; the
-- letters T and Z quoted, as to_char would read them as patterns.
CREATE FUNCTION strftime(timestamp, text) RETURNS text LANGUAGE sql IMMUTABLE
	AS $$ SELECT to_char($1, replace(replace(replace(replace(replace(replace(replace(replace(
		$2, 'T', '"T"'), 'Z', '"Z"'), '%Y', 'YYYY'), '%m', 'MM'), '%d', 'DD'), '%H', 'HH24'), '%M', 'MI'), '%S', 'SS')) $$;

CREATE TABLE teams (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL);
CREATE TABLE reps (
	id INTEGER PRIMARY KEY,
	email VARCHAR NOT NULL,
	name VARCHAR NOT NULL,
	role VARCHAR NOT NULL,
	team_id INTEGER,
	active BOOLEAN NOT NULL
);
CREATE TABLE accounts (id INTEGER PRIMARY KEY, crm_id VARCHAR NOT NULL, name VARCHAR NOT NULL, customer_since DATE, key_account BOOLEAN NOT NULL);
CREATE TABLE deals (
	id INTEGER PRIMARY KEY,
	crm_id VARCHAR NOT NULL,
	name VARCHAR,
	account_id INTEGER,
	deal_type VARCHAR,
	source VARCHAR,
	sourced_by INTEGER,
	created_date DATE,
	currency VARCHAR NOT NULL
);
`;

/** The DuckDB versions whose SQL creates or changes app-state tables; the others touch only the snapshots' side. */
const appStateVersions = new Set([2, 3, 4, 5, 6, 7, 12]);

/**
 * The app state's schema in PostgreSQL: DuckDB's own list (`migrations/index.ts`), so one version
 * means one schema in either store and no version can be forgotten here. Version 1 is the dialect
 * bridge; the app-state versions run the very same SQL (DuckDB's BLOB is a domain over bytea here);
 * the others are empty. A new migration that touches app-state tables joins `appStateVersions`.
 */
export const appStateMigrations: { version: number; name: string; sql: string }[] = migrations.map(({ version, name, sql }) =>
	version === 1
		? { version, name: 'dialect bridge and dimension copies', sql: bridge }
		: { version, name, sql: appStateVersions.has(version) ? sql : '' }
);

/** Tables that live in PostgreSQL when it is configured; a statement naming one runs there. */
export const appStateTables = [
	'users',
	'user_teams',
	'sessions',
	'sign_in_failures',
	'imports',
	'user_preferences',
	'coaching_notes',
	'coaching_note_versions',
	'next_steps',
	'next_step_revisions',
	'forecast_calls',
	'forecast_call_days',
	'forecast_scenarios',
	'app_state_changes'
] as const;

/** The snapshots' dimension tables, copied into PostgreSQL for the app-state queries that join them. */
export const dimensionTables = {
	teams: ['id', 'name'],
	reps: ['id', 'email', 'name', 'role', 'team_id', 'active'],
	accounts: ['id', 'crm_id', 'name', 'customer_since', 'key_account'],
	deals: ['id', 'crm_id', 'name', 'account_id', 'deal_type', 'source', 'sourced_by', 'created_date', 'currency']
} as const;
