import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import { getPreference, setPreference } from '../../src/lib/server/preferences.ts';
import { freshDatabase } from './helpers.ts';

let db: Database;
let cleanup: () => void;
beforeEach(async () => ({ db, cleanup } = await freshDatabase()));
afterEach(() => cleanup());

const isWeight = (value: unknown): value is number => typeof value === 'number' && value >= 1 && value <= 3;

describe('per-user preferences', () => {
	it('nothing stored: the fallback', async () => {
		expect(await getPreference(db, 'leader-1', 'weight', 1)).toBe(1);
	});

	it('a stored value comes back as stored, for that user only', async () => {
		await setPreference(db, 'leader-1', 'weight', 1.5);
		expect(await getPreference(db, 'leader-1', 'weight', 1)).toBe(1.5);
		expect(await getPreference(db, 'leader-2', 'weight', 1)).toBe(1);
		expect(await getPreference(db, 'leader-1', 'another key', 1)).toBe(1);
	});

	it('storing again replaces the value rather than adding a second one', async () => {
		await setPreference(db, 'leader-1', 'weight', 1.5);
		await setPreference(db, 'leader-1', 'weight', 2.25);
		expect(await getPreference(db, 'leader-1', 'weight', 1)).toBe(2.25);
		const rows = await db.all<{ n: number }>("SELECT count(*) AS n FROM user_preferences WHERE user_id = 'leader-1'");
		expect(rows[0].n).toBe(1);
	});

	it('objects and strings round-trip through JSON', async () => {
		await setPreference(db, 'u', 'columns', { hidden: ['team'], order: 'desc' });
		await setPreference(db, 'u', 'bucket', 'quarter');
		expect(await getPreference(db, 'u', 'columns', {})).toEqual({ hidden: ['team'], order: 'desc' });
		expect(await getPreference(db, 'u', 'bucket', 'month')).toBe('quarter');
	});

	it('a stored value of another type, or one the caller rejects, falls back instead of breaking the page', async () => {
		await setPreference(db, 'u', 'weight', 'heavy');
		expect(await getPreference(db, 'u', 'weight', 1)).toBe(1);
		await setPreference(db, 'u', 'weight', 7);
		expect(await getPreference(db, 'u', 'weight', 1)).toBe(7);
		expect(await getPreference(db, 'u', 'weight', 1, isWeight)).toBe(1);
	});

	it('a value with no JSON form is refused with its key named', async () => {
		await expect(setPreference(db, 'u', 'weight', undefined)).rejects.toThrow(/preference weight cannot be stored/);
	});
});
