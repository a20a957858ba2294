import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The UI ships in English and German: every message has both, with the same placeholders, so a
 * German user never meets an English sentence or a placeholder that was never filled in.
 */
const root = path.resolve('messages');
const areas = fs.readdirSync(path.join(root, 'en')).filter((file) => file.endsWith('.json'));
const read = (locale: string, file: string): Record<string, unknown> => {
	const full = path.join(root, locale, file);
	if (!fs.existsSync(full)) return {};
	const { $schema: _schema, ...messages } = JSON.parse(fs.readFileSync(full, 'utf8'));
	return messages;
};
/** A message is a string, or a plural/variant structure; either way its {names} are what it needs. */
const placeholders = (message: unknown) => {
	const text = typeof message === 'string' ? message : JSON.stringify(message);
	return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]))].sort();
};

describe('translations', () => {
	it.each(areas)('%s has every English message in German, and no German one without English', (file) => {
		const en = read('en', file);
		const de = read('de', file);
		expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
	});

	it.each(areas)('%s uses the same placeholders in both languages', (file) => {
		const en = read('en', file);
		const de = read('de', file);
		const mismatched = Object.keys(en).filter((key) => key in de && placeholders(en[key]).join() !== placeholders(de[key]).join());
		expect(mismatched).toEqual([]);
	});
});
