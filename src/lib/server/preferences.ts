import type { Database, Queryable } from './db/index.ts';

/**
 * Settings the dashboard remembers per user (user_preferences), such as the leader's new-business
 * weight. Values are stored as JSON, so a preference can be a number, a string or a small object.
 */

/**
 * The stored value of `key` for `userId`, or `fallback` when nothing is stored or the stored value
 * fails `accept` (by default: has the fallback's JSON type). A value written by an older version of
 * the app must never break a page, so a mismatch falls back instead of throwing.
 */
export async function getPreference<T>(
	db: Queryable,
	userId: string,
	key: string,
	fallback: T,
	accept: (value: unknown) => value is T = (value): value is T => jsonType(value) === jsonType(fallback)
): Promise<T> {
	const row = await db.one<{ value: string }>(
		'SELECT value::VARCHAR AS value FROM user_preferences WHERE user_id = $user_id AND key = $key',
		{ user_id: userId, key }
	);
	if (!row) return fallback;
	let value: unknown;
	try {
		value = JSON.parse(row.value);
	} catch {
		return fallback;
	}
	return accept(value) ? value : fallback;
}

/** Remembers `value` (anything JSON can hold) as `key` for `userId`, replacing what was there. */
export async function setPreference(db: Database, userId: string, key: string, value: unknown): Promise<void> {
	const json = JSON.stringify(value);
	if (json === undefined) throw new Error(`The preference ${key} cannot be stored: ${String(value)} has no JSON form.`);
	await db.write((tx) =>
		tx.run(
			`INSERT INTO user_preferences (user_id, key, value, updated_at)
			VALUES ($user_id, $key, $value::JSON, current_timestamp)
			ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			{ user_id: userId, key, value: json }
		)
	);
}

function jsonType(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	return typeof value;
}
