import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { uploadsRoot } from '../../src/lib/server/import/directories.ts';
import { adminImporter } from '../../src/lib/server/import/importer.ts';
import { importLog } from '../../src/lib/server/import/log.ts';
import {
	createUpload,
	discardUpload,
	maxUploadBytes,
	receiveChunk,
	startCheck,
	startImport,
	startUploadSweeper,
	stopUploadSweeper,
	sweepUploads,
	UploadError,
	unfinishedUploads,
	uploadStatus,
	type JobView
} from '../../src/lib/server/import/uploads.ts';
import { writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

/**
 * The upload flow's limits and housekeeping, on real files: how many unfinished uploads and bytes
 * one person may have, that abandoned and failed uploads leave nothing on disk, that their folders
 * are private, and what the import log shows and keeps.
 */

let db: Database;
let dir: string;
let cleanup: () => void;
const settings = ['UPLOAD_DIR', 'UPLOAD_MAX_CONCURRENT', 'UPLOAD_MAX_BYTES', 'UPLOAD_IDLE_MINUTES', 'IMPORT_MAX_BYTES'] as const;
const saved = Object.fromEntries(settings.map((name) => [name, process.env[name]]));

beforeEach(async () => {
	({ db, dir, cleanup } = await freshDatabase());
	process.env.UPLOAD_DIR = path.join(dir, 'uploads');
});
afterEach(async () => {
	// Jobs live in the process's memory: each test starts with nobody's uploads.
	for (const user of [leader1, leader2]) {
		for (const job of unfinishedUploads(user.id)) {
			await settled(job.id, user.id);
			if (unfinishedUploads(user.id).some((j) => j.id === job.id)) discardUpload(job.id, user.id);
		}
	}
	for (const name of settings) {
		if (saved[name] === undefined) delete process.env[name];
		else process.env[name] = saved[name];
	}
	cleanup();
});

const leader1 = { id: 'user-leader1', email: 'leader1@example.com' };
const leader2 = { id: 'user-leader2', email: 'leader2@example.com' };

/** What `fn` threw, as the JSON answer the API would give (status, message, figures). */
function refusal(fn: () => unknown): { status: number; message: string; details: Record<string, number> } {
	try {
		fn();
	} catch (error) {
		if (error instanceof UploadError) return { status: error.status, message: error.message, details: error.details };
		throw error;
	}
	throw new Error('expected the upload to be refused');
}

const oneFile = (size = 10) => [{ name: 'deals.csv', size }];

/** The folder an upload's files wait in (the page never sees paths; the disk is what matters here). */
function folders(): string[] {
	const root = uploadsRoot();
	return fs.existsSync(root) ? fs.readdirSync(root).map((entry) => path.join(root, entry)) : [];
}

/** Uploads `content` as one file, the way the page does (one chunk is enough here). */
async function upload(user: { id: string; email: string }, content: string, name = 'deals.csv'): Promise<JobView> {
	const bytes = Buffer.from(content);
	const job = createUpload(user, [{ name, size: bytes.length }]);
	return receiveChunk(job.id, user.id, 0, 0, new Response(bytes).body);
}

async function settled(id: string, userId: string): Promise<JobView> {
	for (;;) {
		const job = uploadStatus(id, userId);
		if (job.state !== 'checking' && job.state !== 'importing') return job;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

const header = 'snapshot_date,deal_id,deal_name,owner,owner_name,team,stage,amount,close_date';
const goodCsv = [header, '2026-03-02,OPP-1,Nordlicht rollout,leader1.rep@example.com,Rita Rep,Nord,Discovery,48000,2026-06-30'].join('\n');

describe('how many uploads one person may have unfinished', () => {
	it('a fourth unfinished upload is refused with 429, naming the limit and what to do; discarding one makes room', async () => {
		const first = createUpload(leader1, oneFile());
		createUpload(leader1, oneFile());
		createUpload(leader1, oneFile());

		const refused = refusal(() => createUpload(leader1, oneFile()));
		expect(refused).toEqual({
			status: 429,
			message:
				'You already have 3 unfinished uploads, the most this server allows at once (3). ' +
				'Import or discard one of them and try again (uploads left alone are removed after 60 minutes).',
			details: { limit: 3, unfinished: 3 }
		});
		// The limit is per person: another leader uploads as usual.
		expect(createUpload(leader2, oneFile()).state).toBe('uploading');

		discardUpload(first.id, leader1.id);
		expect(createUpload(leader1, oneFile()).state).toBe('uploading');
		expect(unfinishedUploads(leader1.id)).toHaveLength(3);
	});

	it('UPLOAD_MAX_CONCURRENT sets the limit, and imported or failed uploads no longer count', async () => {
		process.env.UPLOAD_MAX_CONCURRENT = '1';
		const job = await upload(leader1, goodCsv);
		expect(refusal(() => createUpload(leader1, oneFile())).status).toBe(429);

		startCheck(db, job.id, leader1.id, { format: 'native' }, adminImporter);
		expect((await settled(job.id, leader1.id)).check?.status).toBe('ok');
		startImport(db, job.id, leader1.id, adminImporter);
		expect((await settled(job.id, leader1.id)).state).toBe('done');

		expect(createUpload(leader1, oneFile()).state).toBe('uploading');
	});
});

describe('how many bytes one person may have in flight', () => {
	it('an upload that would take the announced sizes of unfinished uploads past UPLOAD_MAX_BYTES is refused with 413', () => {
		process.env.UPLOAD_MAX_BYTES = '1000';
		createUpload(leader1, oneFile(600));

		const refused = refusal(() => createUpload(leader1, oneFile(600)));
		expect(refused).toEqual({
			status: 413,
			message:
				'Your unfinished uploads hold 600 bytes; with these files (600 bytes) that is more than the 1000 bytes one person ' +
				'may have in progress. Import or discard an upload and try again (uploads left alone are removed after 60 minutes).',
			details: { limit: 1000, inFlight: 600 }
		});
		// What still fits is accepted, and another person's uploads are theirs to count.
		expect(createUpload(leader1, oneFile(400)).state).toBe('uploading');
		expect(createUpload(leader2, oneFile(1000)).state).toBe('uploading');
	});

	it('the default is 2 GB, with suffixes understood; one upload may be no larger than the smaller of IMPORT_MAX_BYTES and UPLOAD_MAX_BYTES', () => {
		expect(maxUploadBytes()).toBe(2 * 1024 ** 3);
		const refused = refusal(() => createUpload(leader1, oneFile(2 * 1024 ** 3 + 1)));
		expect(refused.status).toBe(413);
		expect(refused.message).toBe('The files (2 GB) are larger than the 2 GB this server accepts in one upload.');

		process.env.UPLOAD_MAX_BYTES = '8G';
		process.env.IMPORT_MAX_BYTES = '1M';
		expect(maxUploadBytes()).toBe(1024 ** 2);
		expect(refusal(() => createUpload(leader1, oneFile(1024 ** 2 + 1)))).toMatchObject({ status: 413, details: { limit: 1024 ** 2 } });
		expect(createUpload(leader1, oneFile(1024 ** 2)).state).toBe('uploading');
	});

	it('a limit that is not a number is a configuration error that names the variable', () => {
		process.env.UPLOAD_MAX_BYTES = 'two gigabytes';
		expect(() => createUpload(leader1, oneFile())).toThrow('UPLOAD_MAX_BYTES must be a number of bytes such as 2147483648 or 2G, not "two gigabytes".');
		delete process.env.UPLOAD_MAX_BYTES;
		process.env.UPLOAD_MAX_CONCURRENT = '0';
		expect(() => createUpload(leader1, oneFile())).toThrow('UPLOAD_MAX_CONCURRENT must be a whole number of 1 or more, not "0".');
	});
});

describe('where the files wait', () => {
	it('each upload gets its own folder from mkdtemp, readable by the server only (0700), inside a 0700 root', () => {
		createUpload(leader1, [
			{ name: 'OpportunityHistory.csv', size: 10 },
			{ name: '../../etc/Opportunity.csv', size: 10 }
		]);
		const root = uploadsRoot();
		expect(root).toBe(path.join(dir, 'uploads'));
		expect(fs.statSync(root).mode & 0o777).toBe(0o700);
		const [folder] = folders();
		expect(path.basename(folder)).toMatch(/^upload-\w{6}$/);
		expect(fs.statSync(folder).mode & 0o777).toBe(0o700);
		// Our own file names, created empty and private; the browser's names never become paths.
		expect(fs.readdirSync(folder).sort()).toEqual(['file-1', 'file-2']);
		for (const file of fs.readdirSync(folder)) {
			const stat = fs.statSync(path.join(folder, file));
			expect([stat.size, stat.mode & 0o777]).toEqual([0, 0o600]);
		}
	});

	it('a root someone made readable is made private again; a root that is a link is refused', () => {
		const root = uploadsRoot();
		fs.mkdirSync(root, { mode: 0o755 });
		fs.chmodSync(root, 0o755);
		createUpload(leader1, oneFile());
		expect(fs.statSync(root).mode & 0o777).toBe(0o700);

		const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-coach-elsewhere-'));
		process.env.UPLOAD_DIR = path.join(dir, 'linked-uploads');
		fs.symlinkSync(elsewhere, process.env.UPLOAD_DIR);
		try {
			expect(() => createUpload(leader2, oneFile())).toThrow(/is not a folder of this server's own user; remove it or set UPLOAD_DIR/);
			expect(fs.readdirSync(elsewhere)).toEqual([]);
		} finally {
			fs.rmSync(elsewhere, { recursive: true, force: true });
		}
	});
});

describe('abandoned uploads are swept', () => {
	it('an upload nobody asked about for UPLOAD_IDLE_MINUTES is removed with its files; folders a previous process left go too', async () => {
		process.env.UPLOAD_IDLE_MINUTES = '30';
		const abandoned = await upload(leader1, goodCsv);
		const root = uploadsRoot();
		const leftover = path.join(root, 'upload-before');
		fs.mkdirSync(leftover);
		writeFile(leftover, 'file-1', 'snapshot_date,deal_id\n');
		const recentLeftover = path.join(root, 'upload-recent');
		fs.mkdirSync(recentLeftover);
		const anHourAgo = new Date(Date.now() - 60 * 60_000);
		fs.utimesSync(leftover, anHourAgo, anHourAgo);

		// 29 minutes on: the upload and the recent leftover stay, the hour-old leftover goes.
		sweepUploads(Date.now() + 29 * 60_000);
		expect(folders()).toHaveLength(2);
		expect(folders()).toContain(recentLeftover);
		expect(folders()).not.toContain(leftover);

		sweepUploads(Date.now() + 31 * 60_000);
		expect(folders()).toEqual([]);
		expect(() => uploadStatus(abandoned.id, leader1.id)).toThrow('No such upload.');
		// Its place is free again.
		expect(unfinishedUploads(leader1.id)).toEqual([]);
	});

	it('the sweep runs on a timer, without anyone uploading again', async () => {
		createUpload(leader1, oneFile());
		expect(folders()).toHaveLength(1);
		startUploadSweeper(20, 50);
		try {
			const deadline = Date.now() + 5000;
			while (folders().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
			expect(folders()).toEqual([]);
			expect(unfinishedUploads(leader1.id)).toEqual([]);
		} finally {
			stopUploadSweeper();
			startUploadSweeper();
		}
	});
});

describe('a failed upload leaves no file behind', () => {
	it('an import that ends in errors removes the upload folder, and the job says it failed', async () => {
		const job = await upload(leader1, goodCsv);
		startCheck(db, job.id, leader1.id, { format: 'native' }, adminImporter);
		expect((await settled(job.id, leader1.id)).check?.status).toBe('ok');
		// The file changes between check and import (here: cut down to its header line).
		const [folder] = folders();
		fs.writeFileSync(path.join(folder, 'file-1'), `${header}\n`);

		startImport(db, job.id, leader1.id, adminImporter);
		const failed = await settled(job.id, leader1.id);
		expect(failed.state).toBe('failed');
		expect(failed.result?.errors.map((e) => e.code)).toEqual(['file_no_rows']);
		expect(folders()).toEqual([]);
		expect(await db.all('SELECT * FROM snapshots')).toEqual([]);
	});

	it('a check that breaks (the database is gone) removes the upload folder', async () => {
		const other = await freshDatabase();
		const job = await upload(leader1, goodCsv);
		other.cleanup();

		startCheck(other.db, job.id, leader1.id, { format: 'native' }, adminImporter);
		const failed = await settled(job.id, leader1.id);
		expect(failed.state).toBe('failed');
		expect(failed.error).toBeTruthy();
		expect(folders()).toEqual([]);
	});

	it('an imported upload and a discarded one leave nothing either', async () => {
		const imported = await upload(leader1, goodCsv);
		startCheck(db, imported.id, leader1.id, {}, adminImporter);
		await settled(imported.id, leader1.id);
		startImport(db, imported.id, leader1.id, adminImporter);
		expect((await settled(imported.id, leader1.id)).state).toBe('done');
		const discarded = await upload(leader1, goodCsv);
		discardUpload(discarded.id, leader1.id);
		expect(folders()).toEqual([]);
	});
});

describe('the import log', () => {
	it('shows a leader only their own imports, and admins every import', async () => {
		const job = await upload(leader1, goodCsv, 'leader1-week.csv');
		startCheck(db, job.id, leader1.id, {}, adminImporter);
		await settled(job.id, leader1.id);
		startImport(db, job.id, leader1.id, adminImporter);
		expect((await settled(job.id, leader1.id)).state).toBe('done');
		await importFiles(db, [writeFile(dir, 'leader2-week.csv', goodCsv)], { user: leader2.email });
		await importFiles(db, [writeFile(dir, 'nightly.csv', goodCsv)], { user: 'cli:cron' });

		const names = async (reader: { email: string; role: 'admin' | 'leader' }) => (await importLog(db, reader)).map((e) => [e.user_email, e.file_name]);
		expect(await names({ email: leader1.email, role: 'leader' })).toEqual([[leader1.email, 'leader1-week.csv']]);
		expect(await names({ email: leader2.email, role: 'leader' })).toEqual([[leader2.email, 'leader2-week.csv']]);
		expect(await names({ email: 'admin@example.com', role: 'admin' })).toEqual([
			['cli:cron', 'nightly.csv'],
			[leader2.email, 'leader2-week.csv'],
			[leader1.email, 'leader1-week.csv']
		]);
	});

	it('keeps where each problem was and what kind, but no value from the rows', async () => {
		const secret = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
		const csv = [
			header,
			'2026-03-02,OPP-1,Nordlicht rollout,anna.berg@example.com,Anna Berg,Nord,Discovery,-12x,2026-06-30',
			`2026-03-02,OPP-2,Hafen upgrade,anna.berg@example.com,Anna Berg,Nord,${secret},12000,2026-04-15`,
			'2026-03-02,OPP-3,=HYPERLINK("https://evil.example/?q=1"),anna.berg@example.com,Anna Berg,Nord,Proposal,9000,in two weeks'
		].join('\n');
		const summary = await importFiles(db, [writeFile(dir, 'broken.csv', csv)], { user: leader1.email });

		// The person importing is told everything, values included...
		expect(summary.status).toBe('error');
		const told = JSON.stringify(summary.errors);
		for (const value of ['-12x', secret, 'HYPERLINK', 'in two weeks']) expect(told).toContain(value);

		// ...the log keeps none of it.
		const stored = await db.all<{ summary: string }>('SELECT summary::VARCHAR AS summary FROM imports');
		expect(stored).toHaveLength(1);
		for (const value of ['-12x', secret, 'HYPERLINK', 'evil.example', 'in two weeks']) expect(stored[0].summary).not.toContain(value);
		const kept = JSON.parse(stored[0].summary) as { errors: Record<string, unknown>[] };
		expect(kept.errors.map(({ code, file, line, column, value }) => ({ code, file, line, column, value }))).toEqual([
			{ code: 'not_a_number', file: 'broken.csv', line: 2, column: 'amount', value: null },
			{ code: 'unknown_stage', file: 'broken.csv', line: 3, column: 'stage', value: null },
			{ code: 'formula', file: 'broken.csv', line: 4, column: 'deal_name', value: null },
			{ code: 'not_a_date', file: 'broken.csv', line: 4, column: 'close_date', value: null }
		]);
		expect(kept.errors[0].message).toBe('“…” is not a number; expected digits with a decimal point, e.g. 1234.50.');
		expect(kept.errors[2].message).toBe('“…” starts with “=”, which spreadsheets run as a formula; remove that character.');

		const [entry] = await importLog(db, { email: leader1.email, role: 'leader' });
		expect(entry.first_error).toBe('“…” is not a number; expected digits with a decimal point, e.g. 1234.50.');
		expect(entry.first_problem).toEqual({ code: 'not_a_number', params: { value: '…', column: 'amount' } });
	});
});
