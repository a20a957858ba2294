import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Database } from '../db/index.ts';
import { uploadsRoot } from './directories.ts';
import { checkFiles, importFiles } from './index.ts';
import type { Importer } from './importer.ts';
import { importFormats, weekdays, type ImportFormat, type ImportOptions, type ImportProgress, type ImportSummary, type Weekday } from './types.ts';
import { warmFactsInBackground } from '../metrics/warm.ts';

/**
 * Uploads from the Imports page. A browser sends a file in chunks (each one request, streamed to a
 * temp file, never held in memory), then asks for a check and, after a person has read it, for
 * the import; both run in the background while the page polls. No request lasts longer than one
 * chunk, so a 1 GB file cannot hit a proxy's or the server's request timeout or body limit.
 *
 * Jobs live in this process's memory: a restart forgets them (their temp files are swept), and the
 * person uploads again. The import itself is atomic either way.
 */

export type JobState = 'uploading' | 'checking' | 'checked' | 'importing' | 'done' | 'failed';

/** The options a person can set on the page (the rest of ImportOptions is the server's). */
export interface PageOptions {
	format?: ImportFormat;
	map?: Record<string, string>;
	stageMap?: Record<string, string>;
	dateFormat?: string;
	weekday?: Weekday;
	encoding?: 'utf-8' | 'latin-1';
	/** Replace whole snapshot dates (admins only; the import refuses it for anyone else). */
	replaceDates?: boolean;
}

interface UploadFile {
	name: string;
	path: string;
	size: number;
	received: number;
}

interface Job {
	id: string;
	userId: string;
	userEmail: string;
	dir: string;
	files: UploadFile[];
	state: JobState;
	progress: ImportProgress | null;
	options: PageOptions;
	check: ImportSummary | null;
	result: ImportSummary | null;
	error: string | null;
	touchedAt: number;
}

/** What the page sees of a job. */
export interface JobView {
	id: string;
	state: JobState;
	files: { name: string; size: number; received: number }[];
	progress: ImportProgress | null;
	options: PageOptions;
	check: ImportSummary | null;
	result: ImportSummary | null;
	error: string | null;
}

export class UploadError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
	}
}

const holder = globalThis as typeof globalThis & { __pipelineCoachUploads?: Map<string, Job> };
const jobs = (holder.__pipelineCoachUploads ??= new Map());
const root = uploadsRoot();
/** An abandoned upload's files are removed after this long without a request. */
const idleMs = 6 * 60 * 60 * 1000;

/** The largest upload accepted, all files together (IMPORT_MAX_BYTES, default 5 GB). */
export function maxUploadBytes(env: NodeJS.ProcessEnv = process.env): number {
	return Number(env.IMPORT_MAX_BYTES ?? 5 * 1024 ** 3);
}

/**
 * Chunks must fit adapter-node's request body limit (BODY_SIZE_LIMIT, 512K unless set), which
 * this reads the same way; at most 8 MiB, so progress moves and a retry repeats little.
 */
export function chunkBytes(env: NodeJS.ProcessEnv = process.env): number {
	const ceiling = 8 * 1024 * 1024;
	const raw = env.BODY_SIZE_LIMIT ?? '512K';
	const match = /^(\d+)([KMG]?)$/i.exec(raw.trim());
	if (raw.trim() === 'Infinity' || raw.trim() === '0') return ceiling;
	if (!match) return 512 * 1024;
	const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
	return Math.max(64 * 1024, Math.min(ceiling, Number(match[1]) * unit));
}

function sweep(now = Date.now()) {
	for (const job of jobs.values()) {
		if (now - job.touchedAt > idleMs && job.state !== 'checking' && job.state !== 'importing') discard(job);
	}
	// Leftovers of a previous process (its jobs are gone from memory).
	if (fs.existsSync(root)) {
		for (const entry of fs.readdirSync(root)) {
			if (jobs.has(entry)) continue;
			const dir = path.join(root, entry);
			const age = now - fs.statSync(dir).mtimeMs;
			if (age > idleMs) fs.rmSync(dir, { recursive: true, force: true });
		}
	}
}

function discard(job: Job) {
	jobs.delete(job.id);
	fs.rmSync(job.dir, { recursive: true, force: true });
}

function view(job: Job): JobView {
	return {
		id: job.id,
		state: job.state,
		files: job.files.map(({ name, size, received }) => ({ name, size, received })),
		progress: job.progress,
		options: job.options,
		check: job.check,
		result: job.result,
		error: job.error
	};
}

/** A job belongs to the person who started it; anyone else gets a 404, as if it did not exist. */
function own(id: string, userId: string): Job {
	const job = jobs.get(id);
	if (!job || job.userId !== userId) throw new UploadError(404, 'No such upload.');
	job.touchedAt = Date.now();
	return job;
}

export function createUpload(user: { id: string; email: string }, files: { name: string; size: number }[]): JobView {
	sweep();
	if (files.length === 0) throw new UploadError(400, 'Choose at least one file.');
	const total = files.reduce((sum, f) => sum + f.size, 0);
	if (files.some((f) => !Number.isSafeInteger(f.size) || f.size < 0)) throw new UploadError(400, 'File sizes must be whole numbers of bytes.');
	if (total > maxUploadBytes()) throw new UploadError(413, `The files are larger than the ${maxUploadBytes()} bytes this server accepts.`);
	const id = randomBytes(12).toString('hex');
	const dir = path.join(root, id);
	fs.mkdirSync(dir, { recursive: true });
	const job: Job = {
		id,
		userId: user.id,
		userEmail: user.email,
		dir,
		// Stored under our own names: a file name from the browser never becomes a path.
		files: files.map((f, index) => ({
			name: path.basename(String(f.name)).slice(0, 200) || `file-${index + 1}`,
			path: path.join(dir, `file-${index + 1}`),
			size: f.size,
			received: 0
		})),
		state: 'uploading',
		progress: null,
		options: {},
		check: null,
		result: null,
		error: null,
		touchedAt: Date.now()
	};
	for (const file of job.files) fs.writeFileSync(file.path, '');
	jobs.set(id, job);
	return view(job);
}

/**
 * Streams one chunk of file `index` to disk at `offset`. A retried chunk overwrites what a broken
 * attempt left behind, so a flaky connection costs a chunk, not the upload.
 */
export async function receiveChunk(
	id: string,
	userId: string,
	index: number,
	offset: number,
	body: ReadableStream<Uint8Array> | null
): Promise<JobView> {
	const job = own(id, userId);
	if (job.state !== 'uploading') throw new UploadError(409, 'This upload is complete.');
	const file = job.files[index];
	if (!file) throw new UploadError(404, 'No such file in this upload.');
	if (!Number.isSafeInteger(offset) || offset < 0 || offset > file.received) {
		throw new UploadError(409, `Expected a chunk at byte ${file.received}.`);
	}
	await fs.promises.truncate(file.path, offset);
	file.received = offset;
	if (body) {
		let written = 0;
		const limit = file.size - offset;
		const counter = new Transform({
			transform(chunk: Buffer, _encoding, callback) {
				written += chunk.length;
				if (written > limit) callback(new UploadError(413, 'More bytes than the file was announced with.'));
				else callback(null, chunk);
			}
		});
		await pipeline(
			Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>),
			counter,
			fs.createWriteStream(file.path, { flags: 'r+', start: offset })
		);
		file.received = offset + written;
	}
	return view(job);
}

function toImportOptions(options: PageOptions): ImportOptions {
	return {
		format: options.format,
		map: options.map && Object.keys(options.map).length > 0 ? options.map : undefined,
		stageMap: options.stageMap && Object.keys(options.stageMap).length > 0 ? options.stageMap : undefined,
		dateFormat: options.dateFormat || undefined,
		weekday: options.weekday,
		encoding: options.encoding,
		replaceDates: options.replaceDates ?? false
	};
}

/**
 * Starts the check (a dry run without a log entry); the page polls `uploadStatus`. `importer` is
 * what the person asking may import, worked out from their session at this request.
 */
export function startCheck(db: Database, id: string, userId: string, options: PageOptions, importer: Importer): JobView {
	const job = own(id, userId);
	if (job.state === 'uploading' && job.files.some((f) => f.received < f.size)) {
		throw new UploadError(409, 'The upload is not complete yet.');
	}
	if (job.state === 'checking' || job.state === 'importing' || job.state === 'done') {
		throw new UploadError(409, 'This upload is busy or already imported.');
	}
	job.state = 'checking';
	job.options = options;
	job.check = null;
	job.error = null;
	job.progress = null;
	void checkFiles(
		db,
		job.files.map((f) => ({ path: f.path, name: f.name })),
		{ ...toImportOptions(options), importer, onProgress: (p) => (job.progress = p) }
	)
		.then((summary) => {
			job.check = summary;
			job.state = 'checked';
		})
		.catch((error) => {
			job.error = error instanceof Error ? error.message : String(error);
			job.state = 'failed';
		});
	return view(job);
}

/** Starts the import with the options that were checked; only after a check without errors. */
export function startImport(db: Database, id: string, userId: string, importer: Importer): JobView {
	const job = own(id, userId);
	if (job.state !== 'checked' || !job.check || job.check.status !== 'ok') {
		throw new UploadError(409, 'Check the files first; only a check without errors can be imported.');
	}
	job.state = 'importing';
	job.progress = null;
	void importFiles(
		db,
		job.files.map((f) => ({ path: f.path, name: f.name })),
		{ ...toImportOptions(job.options), importer, user: job.userEmail, onProgress: (p) => (job.progress = p) }
	)
		.then((summary) => {
			job.result = summary;
			job.state = summary.status === 'ok' ? 'done' : 'failed';
			if (summary.status === 'ok') warmFactsInBackground(db);
			// The data is in the database (or was refused); the upload has served its purpose.
			fs.rmSync(job.dir, { recursive: true, force: true });
		})
		.catch((error) => {
			job.error = error instanceof Error ? error.message : String(error);
			job.state = 'failed';
		});
	return view(job);
}

export function uploadStatus(id: string, userId: string): JobView {
	return view(own(id, userId));
}

export function discardUpload(id: string, userId: string): void {
	const job = own(id, userId);
	if (job.state === 'checking' || job.state === 'importing') throw new UploadError(409, 'Wait until it has finished.');
	discard(job);
}

/** The page's options from a request body, keeping only what is well-formed. */
export function parsePageOptions(input: unknown): PageOptions {
	const body = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
	const pairs = (value: unknown): Record<string, string> | undefined => {
		if (!value || typeof value !== 'object') return undefined;
		const entries = Object.entries(value as Record<string, unknown>)
			.filter((e): e is [string, string] => typeof e[1] === 'string' && e[0].length <= 200 && e[1].length <= 200)
			.slice(0, 200);
		return entries.length > 0 ? Object.fromEntries(entries) : undefined;
	};
	const pick = <T extends string>(value: unknown, allowed: readonly T[]) =>
		allowed.includes(value as T) ? (value as T) : undefined;
	return {
		format: pick(body.format, importFormats),
		map: pairs(body.map),
		stageMap: pairs(body.stageMap),
		dateFormat: typeof body.dateFormat === 'string' && body.dateFormat.length <= 50 ? body.dateFormat : undefined,
		weekday: pick(body.weekday, weekdays),
		encoding: pick(body.encoding, ['utf-8', 'latin-1'] as const),
		replaceDates: body.replaceDates === true
	};
}
