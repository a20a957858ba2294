/**
 * Users, their sessions and sign-in throttling. Sessions store only the SHA-256 of the token's
 * secret, so a leaked database file does not let anyone sign in.
 */
export default /* sql */ `
CREATE TABLE users (
	id VARCHAR PRIMARY KEY,
	email VARCHAR NOT NULL UNIQUE,
	name VARCHAR NOT NULL,
	password_hash VARCHAR NOT NULL,
	role VARCHAR NOT NULL CHECK (role IN ('admin', 'executive', 'leader', 'rep')),
	rep_id INTEGER,
	active BOOLEAN NOT NULL DEFAULT true,
	created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE user_teams (
	user_id VARCHAR NOT NULL,
	team_id INTEGER NOT NULL,
	PRIMARY KEY (user_id, team_id)
);

CREATE TABLE sessions (
	id VARCHAR PRIMARY KEY,
	secret_hash BLOB NOT NULL,
	user_id VARCHAR NOT NULL,
	created_at TIMESTAMP NOT NULL,
	expires_at TIMESTAMP NOT NULL
);

CREATE TABLE sign_in_failures (
	throttle_key VARCHAR PRIMARY KEY,
	failures INTEGER NOT NULL,
	last_failure_at TIMESTAMP NOT NULL
);
`;
