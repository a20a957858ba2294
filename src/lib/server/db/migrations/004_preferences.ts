/** Per-user settings the dashboard remembers, e.g. the leader's new-business weight. */
export default /* sql */ `
CREATE TABLE user_preferences (
	user_id VARCHAR NOT NULL,
	key VARCHAR NOT NULL,
	value JSON NOT NULL,
	updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
	PRIMARY KEY (user_id, key)
);
`;
