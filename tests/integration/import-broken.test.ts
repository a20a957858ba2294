import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import { importFiles, type ImportOptions } from '../../src/lib/server/import/index.ts';
import { contentChecksums, fixture, importLogRows, writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

let db: Database;
let dir: string;
let cleanup: () => void;
beforeEach(async () => {
	({ db, dir, cleanup } = await freshDatabase());
	// Something to lose: a broken import must leave these rows exactly as they are.
	await importFiles(db, [fixture('import', 'native-two-weeks.csv')]);
});
afterEach(() => cleanup());

const header = 'snapshot_date,deal_id,owner,stage,amount,close_date';

/**
 * Imports `content` as `name` and expects it refused with exactly `errors` (each: line, column,
 * value, message), the database unchanged in every table, and the failure in the import log.
 */
async function expectRefused(
	name: string,
	content: string | Buffer,
	errors: { line: number | null; column: string | null; value: string | null; message: string }[],
	options: ImportOptions = {}
) {
	const before = await contentChecksums(db);
	const logged = (await importLogRows(db)).length;
	const summary = await importFiles(db, [writeFile(dir, name, content)], options);
	expect(summary.status).toBe('error');
	expect(summary.rows_loaded).toBe(0);
	expect(summary.errors.map(({ line, column, value, message }) => ({ line, column, value, message }))).toEqual(errors);
	expect(await contentChecksums(db)).toEqual(before);
	const log = await importLogRows(db);
	expect(log).toHaveLength(logged + 1);
	expect(log.at(-1)).toMatchObject({ status: 'error', file_name: name, rows_loaded: 0 });
	return summary;
}

describe('broken files are refused whole, with the line, column, value and what was expected', () => {
	it('wrong encoding: Latin-1 bytes in a UTF-8 import', async () => {
		const latin1 = Buffer.from(`${header},owner_name\n2026-03-02,D-1,a@x.test,Lead,100,2026-06-30,Anna\n2026-03-02,D-2,b@x.test,Lead,100,2026-06-30,Jürgen Müller\n`, 'latin1');
		await expectRefused('latin1.csv', latin1, [
			{
				line: 3,
				column: 'owner_name',
				value: '2026-03-02,D-2,b@x.test,Lead,100,2026-06-30,J?rgen M?ller',
				message:
					'This line is not valid UTF-8; the file looks like Latin-1 or Windows-1252. Save it as “CSV UTF-8”, or import it with --encoding latin-1.'
			}
		]);
		// Told the encoding, the same bytes import, umlauts intact.
		const summary = await importFiles(db, [writeFile(dir, 'latin1.csv', latin1)], { encoding: 'latin-1' });
		expect(summary.status).toBe('ok');
		expect(await db.one('SELECT name FROM reps WHERE email = $email', { email: 'b@x.test' })).toEqual({ name: 'Jürgen Müller' });
	});

	it('UTF-16, as some spreadsheets save "Unicode text"', async () => {
		const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${header}\n2026-03-02,D-1,a@x.test,Lead,100,2026-06-30\n`, 'utf16le')]);
		await expectRefused('unicode.csv', utf16, [
			{ line: null, column: null, value: null, message: 'The file is UTF-16 encoded; save it as UTF-8 (in Excel: “CSV UTF-8”).' }
		]);
	});

	it('a missing required column', async () => {
		await expectRefused('no-close.csv', 'snapshot_date,deal_id,owner,stage,amount\n2026-03-02,D-1,a@x.test,Lead,100\n', [
			{
				line: 1,
				column: 'close_date',
				value: null,
				message: 'Required column close_date is missing; the file has: snapshot_date, deal_id, owner, stage, amount.'
			}
		]);
	});

	it('dates that do not exist or are not dates', async () => {
		await expectRefused('dates.csv', [header, '2026-03-02,D-1,a@x.test,Lead,100,2026-02-30', '2026-03-02,D-2,a@x.test,Lead,100,next week', '1826-03-02,D-3,a@x.test,Lead,100,2026-06-30'].join('\n'), [
			{ line: 2, column: 'close_date', value: '2026-02-30', message: '“2026-02-30” is not a date; expected e.g. 2024-03-01, 2024-03-01 14:30.' },
			{ line: 3, column: 'close_date', value: 'next week', message: '“next week” is not a date; expected e.g. 2024-03-01, 2024-03-01 14:30.' },
			{ line: 4, column: 'snapshot_date', value: '1826-03-02', message: '“1826-03-02” is outside the years 1900 to 2199.' }
		]);
	});

	it('amounts that are not numbers, or negative', async () => {
		await expectRefused('amounts.csv', [header, '2026-03-02,D-1,a@x.test,Lead,12x,2026-06-30', '2026-03-02,D-2,a@x.test,Lead,-500,2026-06-30', '2026-03-02,D-3,a@x.test,Lead,"1.234,56",2026-06-30'].join('\n'), [
			{ line: 2, column: 'amount', value: '12x', message: '“12x” is not a number; expected digits with a decimal point, e.g. 1234.50.' },
			{ line: 3, column: 'amount', value: '-500', message: '“-500” is negative; amounts must be 0 or more.' },
			{ line: 4, column: 'amount', value: '1.234,56', message: '“1.234,56” is not a number; expected digits with a decimal point, e.g. 1234.50.' }
		]);
	});

	it('the same deal twice in one snapshot', async () => {
		await expectRefused('duplicates.csv', [header, '2026-03-02,D-1,a@x.test,Lead,100,2026-06-30', '2026-03-02,D-2,a@x.test,Lead,100,2026-06-30', '2026-03-02,D-1,a@x.test,Qualified,150,2026-06-30'].join('\n'), [
			{ line: 4, column: 'deal_id', value: 'D-1', message: 'Deal D-1 appears twice in the snapshot of 2026-03-02; first at line 2.' }
		]);
	});

	it('a stage that is not on the ladder', async () => {
		await expectRefused('stages.csv', [header, '2026-03-02,D-1,a@x.test,Closed-Won,100,2026-06-30'].join('\n'), [
			{
				line: 2,
				column: 'stage',
				value: 'Closed-Won',
				message:
					'“Closed-Won” is not a stage; expected one of Lead, Qualified, Discovery, Solution/Demo, Proposal, Negotiation, Closed Won, Closed Lost (or map it with --stages).'
			}
		]);
	});

	it('a last line cut off mid-row, as an interrupted download leaves it', async () => {
		await expectRefused('truncated.csv', `${header}\r\n2026-03-02,D-1,a@x.test,Lead,100,2026-06-30\r\n2026-03-02,D-2,a@x.test,Le`, [
			{ line: 3, column: 'amount', value: '2026-03-02,D-2,a@x.test,Le', message: 'This line has 4 of the header’s 6 columns; is the file cut off here?' }
		]);
	});

	it('a quote that is never closed', async () => {
		await expectRefused('quote.csv', `${header},deal_name\n2026-03-02,D-1,a@x.test,Lead,100,2026-06-30,"Unclosed\n2026-03-02,D-2,a@x.test,Lead,100,2026-06-30,fine\n`, [
			{
				line: 2,
				column: 'deal_name',
				value: '2026-03-02,D-1,a@x.test,Lead,100,2026-06-30,"Unclosed\n2026-03-02,D-2,a@x.test,Lead,100,2026-06-30,fine\n',
				message: 'A quoted value is not closed, or a quote stands inside an unquoted value.'
			}
		]);
	});

	it('a file with a header and no rows', async () => {
		await expectRefused('empty.csv', `${header}\n`, [{ line: 1, column: null, value: null, message: 'The file has a header line but no rows.' }]);
	});

	it('a 0-byte upload', async () => {
		await expectRefused('zero.csv', '', [{ line: null, column: null, value: null, message: 'The file is empty (0 bytes).' }]);
	});

	it('a cell a spreadsheet would run as a formula', async () => {
		await expectRefused('formula.csv', [`${header},deal_name`, '2026-03-02,D-1,a@x.test,Lead,100,2026-06-30,"=HYPERLINK(""http://evil.example"",""Click"")"'].join('\n'), [
			{
				line: 2,
				column: 'deal_name',
				value: '=HYPERLINK("http://evil.example","Click")',
				message: '“=HYPERLINK("http://evil.example","Click")” starts with “=”, which spreadsheets run as a formula; remove that character.'
			}
		]);
	});

	it('an Excel workbook instead of a CSV', async () => {
		await expectRefused('pipeline.xlsx', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), [
			{ line: null, column: null, value: null, message: 'This is an Excel workbook, not a CSV file; save it as “CSV UTF-8” first.' }
		]);
	});

	it('every problem of a file at once, in line order, each row counted once as rejected', async () => {
		const summary = await expectRefused('many.csv', [header, '2026-03-02,D-1,,Lead,-1,2026-06-30', '2026-03-02,D-2,a@x.test,Nope,1,someday'].join('\n'), [
			{ line: 2, column: 'owner', value: null, message: 'owner is blank; every row needs one.' },
			{ line: 2, column: 'amount', value: '-1', message: '“-1” is negative; amounts must be 0 or more.' },
			{
				line: 3,
				column: 'stage',
				value: 'Nope',
				message:
					'“Nope” is not a stage; expected one of Lead, Qualified, Discovery, Solution/Demo, Proposal, Negotiation, Closed Won, Closed Lost (or map it with --stages).'
			},
			{ line: 3, column: 'close_date', value: 'someday', message: '“someday” is not a date; expected e.g. 2024-03-01, 2024-03-01 14:30.' }
		]);
		expect(summary).toMatchObject({ rows_read: 2, rows_rejected: 2, error_count: 4 });
	});
});
