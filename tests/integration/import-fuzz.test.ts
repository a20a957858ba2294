import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import { importFiles, type ImportSummary } from '../../src/lib/server/import/index.ts';
import { contentChecksums, fixture, writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

/*
 * Whatever arrives, the importer ends in a clean import or in errors that say where (file, and line
 * or column where there is one); it never throws, and a refused file leaves every table as it was.
 * Inputs are generated from a fixed seed so a failure can be replayed.
 */
let db: Database;
let dir: string;
let cleanup: () => void;
beforeAll(async () => {
	({ db, dir, cleanup } = await freshDatabase());
	await importFiles(db, [fixture('import', 'native-two-weeks.csv')]);
});
afterAll(() => cleanup());

/** mulberry32: small, seeded, good enough to pick bytes. */
function random(seed: number) {
	return () => {
		seed = (seed + 0x6d2b79f5) | 0;
		let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const header = 'snapshot_date,deal_id,owner,stage,amount,close_date';

async function expectCleanOrLocated(name: string, content: string | Buffer, options = {}): Promise<ImportSummary> {
	const before = await contentChecksums(db);
	const summary = await importFiles(db, [writeFile(dir, name, content)], { format: 'native', ...options });
	if (summary.status === 'error') {
		expect(summary.error_count).toBeGreaterThan(0);
		for (const error of summary.errors) {
			if (error.code === 'too_many') continue;
			expect(error.file, `${error.code} names its file`).toBe(name);
			expect(error.message.length).toBeGreaterThan(0);
		}
		expect(await contentChecksums(db), `${name} wrote nothing`).toEqual(before);
	}
	return summary;
}

describe('the importer under hostile input', () => {
	it('random bytes, with and without a valid header, end in a located error or a clean import', async () => {
		const next = random(20261203);
		for (let round = 0; round < 12; round++) {
			const length = 1 + Math.floor(next() * 4000);
			const bytes = Buffer.alloc(length);
			for (let i = 0; i < length; i++) bytes[i] = Math.floor(next() * 256);
			const withHeader = round % 2 === 0 ? Buffer.concat([Buffer.from(`${header}\n`), bytes]) : bytes;
			await expectCleanOrLocated(`random-${round}.csv`, withHeader);
		}
	});

	it('a 10 MB single line is refused with its file named, not a crash', async () => {
		const summary = await expectCleanOrLocated('one-line.csv', 'x'.repeat(10 * 1024 * 1024));
		expect(summary.status).toBe('error');
	});

	it('NUL bytes inside values are an error at their line, or kept as text; never a crash', async () => {
		const content = [header, '2026-03-16,OPP-1,anna.berg@example.com,Lead,10\u0000,2026-06-30', '2026-03-16,OPP-\u00002,anna.berg@example.com,Lead,10,2026-06-30'].join('\n');
		const summary = await expectCleanOrLocated('nul.csv', content);
		expect(summary.status).toBe('error');
		expect(summary.errors.some((e) => e.line === 2 && e.column === 'amount')).toBe(true);
	});

	it('spreadsheet formulas are refused at their line and column, so no export can carry them on', async () => {
		const content = [
			`${header},deal_name`,
			'2026-03-16,OPP-F1,anna.berg@example.com,Lead,100,2026-06-30,"=HYPERLINK(""http://example.invalid"",""x"")"',
			'2026-03-16,OPP-F2,anna.berg@example.com,Lead,100,2026-06-30,+SUM(1;2)'
		].join('\n');
		const summary = await expectCleanOrLocated('formulas.csv', content);
		expect(summary.errors.map((e) => [e.code, e.line, e.column])).toEqual([
			['formula', 2, 'deal_name'],
			['formula', 3, 'deal_name']
		]);
	});

	it('a CSV with 5,000 columns imports the known ones and lists the rest as ignored', async () => {
		const extra = Array.from({ length: 4994 }, (_, i) => `extra_${i}`);
		const content = [[header, ...extra].join(','), ['2026-03-23,OPP-1,anna.berg@example.com,Lead,100,2026-06-30', ...extra.map(() => 'v')].join(',')].join('\n');
		const summary = await expectCleanOrLocated('wide.csv', content);
		expect(summary.status).toBe('ok');
		expect(summary.preview.files[0].ignored.length).toBe(4994);
	});

	it('a header-only file, an empty file and a file of blank lines end in located errors', async () => {
		for (const [name, content] of [
			['header-only.csv', `${header}\n`],
			['empty.csv', ''],
			['blank.csv', '\n\n\n']
		] as const) {
			const summary = await expectCleanOrLocated(name, content);
			expect(summary.status, name).toBe('error');
		}
	});
});
