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
import { importFormats, weekdays, type ImportOptions, type ImportProgress, type ImportSummary } from './types.ts';
import type { JobState, JobView, PageOptions } from '../../domain/imports.ts';

export type { JobState, JobView, PageOptions } from '../../domain/imports.ts';
import { warmFactsInBackground } from '../metrics/warm.ts';

/**
 * Uploads from the Imports page. A browser sends a file in chunks (each one request, streamed to a
 * temp file, never held in memory), then asks for a check and, after a person has read it, for
 * the import; both run in the background while the page polls. No request lasts longer than one
 * chunk, so a 1 GB file cannot hit a proxy's or the server's request timeout or body limit.
 *
 * Jobs live in this process's memory: a restart forgets them (their temp files are swept), and the
 * person uploads again. The import itself is atomic either way.
 *
 * Files wait on disk in a folder only this server's user can open, and leave it as soon as they
 * are imported, fail or are discarded, or after a while without a request (swept on a timer). Each
 * person may have a few unfinished uploads of a bounded total size (see `uploadLimits`).
 */

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

/** A rule of the upload flow, answered as JSON with `status`; `details` are figures a client can use. */
export class UploadError extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly details: UploadErrorDetails = {}
	) {
		super(message);
	}
}

export type UploadErrorDetails = Record<string, number>;

const holder = globalThis as typeof globalThis & {
	__pipelineCoachUploads?: Map<string, Job>;
	__pipelineCoachUploadSweeper?: NodeJS.Timeout;
};
const jobs: Map<string, Job> = (holder.__pipelineCoachUploads ??= new Map());

/**
 * The root, created private to this server's user. In a shared temp directory anyone could have
 * made that name first (as a symlink, or a folder of their own that they can read): refuse then,
 * rather than write customers' files where someone else can read or swap them.
 */
function privateRoot(): string {
	const root = uploadsRoot();
	fs.mkdirSync(root, { recursive: true, mode: 0o700 });
	const stat = fs.lstatSync(root);
	if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid())) {
		throw new Error(`The upload folder ${root} is not a folder of this server's own user; remove it or set UPLOAD_DIR.`);
	}
	if ((stat.mode & 0o777) !== 0o700) fs.chmodSync(root, 0o700);
	return root;
}

export interface UploadLimits {
	/** One upload, all its files together (IMPORT_MAX_BYTES, default 5 GB). */
	uploadBytes: number;
	/** Unfinished uploads one person may have at once (UPLOAD_MAX_CONCURRENT, default 3). */
	concurrent: number;
	/** The announced sizes of one person's unfinished uploads together (UPLOAD_MAX_BYTES, default 2 GB). */
	bytesInFlight: number;
	/** An upload nobody asked about for this long is removed (UPLOAD_IDLE_MINUTES, default 60). */
	idleMs: number;
}

/** `2147483648`, `2048M` or `2G` (K, M and G are powers of 1024, as BODY_SIZE_LIMIT reads them). */
function bytesSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
	const raw = env[name]?.trim();
	if (!raw) return fallback;
	const match = /^(\d+)([KMG]?)B?$/i.exec(raw);
	if (!match) throw new Error(`${name} must be a number of bytes such as 2147483648 or 2G, not "${raw}".`);
	return Number(match[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
}

function countSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
	const raw = env[name]?.trim();
	if (!raw) return fallback;
	const value = Number(raw);
	if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number of 1 or more, not "${raw}".`);
	return value;
}

export function uploadLimits(env: NodeJS.ProcessEnv = process.env): UploadLimits {
	return {
		uploadBytes: bytesSetting(env, 'IMPORT_MAX_BYTES', 5 * 1024 ** 3),
		concurrent: countSetting(env, 'UPLOAD_MAX_CONCURRENT', 3),
		bytesInFlight: bytesSetting(env, 'UPLOAD_MAX_BYTES', 2 * 1024 ** 3),
		idleMs: countSetting(env, 'UPLOAD_IDLE_MINUTES', 60) * 60_000
	};
}

/**
 * The largest upload accepted, all files together: IMPORT_MAX_BYTES, but never more than one
 * person may have in flight (UPLOAD_MAX_BYTES), since a larger one could never start.
 */
export function maxUploadBytes(env: NodeJS.ProcessEnv = process.env): number {
	const limits = uploadLimits(env);
	return Math.min(limits.uploadBytes, limits.bytesInFlight);
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

/** Still holding disk space and a place in the person's quota: not yet imported, failed or discarded. */
function unfinished(job: Job): boolean {
	return job.state !== 'done' && job.state !== 'failed';
}

function busy(job: Job): boolean {
	return job.state === 'checking' || job.state === 'importing';
}

/**
 * Removes uploads nobody has asked about for `idleMs` (a closed tab, a lost connection), and
 * folders a previous process left behind. Uploads being checked or imported are never touched.
 */
export function sweepUploads(now = Date.now(), idleMs = uploadLimits().idleMs): void {
	for (const job of jobs.values()) {
		if (now - job.touchedAt > idleMs && !busy(job)) discard(job);
	}
	const root = uploadsRoot();
	if (!fs.existsSync(root)) return;
	const live = new Set([...jobs.values()].map((job) => path.basename(job.dir)));
	for (const entry of fs.readdirSync(root)) {
		if (live.has(entry)) continue;
		const dir = path.join(root, entry);
		const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
		if (stat && now - stat.mtimeMs > idleMs) fs.rmSync(dir, { recursive: true, force: true });
	}
}

/**
 * Sweeps on a timer, so an abandoned upload's files go even when nobody uploads again. Started once
 * per process (a dev server's reload replaces the timer); `unref` lets a CLI or a test end.
 */
export function startUploadSweeper(everyMs = 60_000, idleMs?: number): void {
	stopUploadSweeper();
	holder.__pipelineCoachUploadSweeper = setInterval(() => {
		try {
			sweepUploads(Date.now(), idleMs);
		} catch (error) {
			console.error('Sweeping old uploads failed:', error);
		}
	}, everyMs).unref();
}

export function stopUploadSweeper(): void {
	clearInterval(holder.__pipelineCoachUploadSweeper);
	holder.__pipelineCoachUploadSweeper = undefined;
}

startUploadSweeper();

function discard(job: Job) {
	jobs.delete(job.id);
	removeFiles(job);
}

function removeFiles(job: Job) {
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

/** Bytes as people read them: 2 GB, 512 MB, 300 KB. */
function describeBytes(bytes: number): string {
	for (const [unit, size] of [['GB', 1024 ** 3], ['MB', 1024 ** 2], ['KB', 1024]] as const) {
		if (bytes >= size) return `${Math.round((bytes / size) * 10) / 10} ${unit}`;
	}
	return `${bytes} bytes`;
}

/**
 * Refuses an upload that would take the person past their limits. Each unfinished upload holds disk
 * space until it is imported, discarded or swept, so without a limit one account (or one stuck
 * script) could fill the server's disk; the limits are per person so one importer cannot lock
 * out the others.
 */
function checkLimits(userId: string, total: number, limits: UploadLimits): void {
	const largest = Math.min(limits.uploadBytes, limits.bytesInFlight);
	if (total > largest) {
		throw new UploadError(413, `The files (${describeBytes(total)}) are larger than the ${describeBytes(largest)} this server accepts in one upload.`, {
			limit: largest
		});
	}
	const open = [...jobs.values()].filter((job) => job.userId === userId && unfinished(job));
	const wait = `uploads left alone are removed after ${Math.round(limits.idleMs / 60_000)} minutes`;
	if (open.length >= limits.concurrent) {
		throw new UploadError(
			429,
			`You already have ${open.length} unfinished uploads, the most this server allows at once (${limits.concurrent}). ` +
				`Import or discard one of them and try again (${wait}).`,
			{ limit: limits.concurrent, unfinished: open.length }
		);
	}
	const inFlight = open.reduce((sum, job) => sum + job.files.reduce((bytes, f) => bytes + f.size, 0), 0);
	if (inFlight + total > limits.bytesInFlight) {
		throw new UploadError(
			413,
			`Your unfinished uploads hold ${describeBytes(inFlight)}; with these files (${describeBytes(total)}) that is more than the ` +
				`${describeBytes(limits.bytesInFlight)} one person may have in progress. Import or discard an upload and try again (${wait}).`,
			{ limit: limits.bytesInFlight, inFlight }
		);
	}
}

export function createUpload(user: { id: string; email: string }, files: { name: string; size: number }[]): JobView {
	if (files.length === 0) throw new UploadError(400, 'Choose at least one file.');
	if (files.some((f) => !Number.isSafeInteger(f.size) || f.size < 0)) throw new UploadError(400, 'File sizes must be whole numbers of bytes.');
	const total = files.reduce((sum, f) => sum + f.size, 0);
	const limits = uploadLimits();
	sweepUploads(Date.now(), limits.idleMs);
	// Counting and registering happen without an await in between, so two requests at once cannot
	// both take the last place.
	checkLimits(user.id, total, limits);
	// mkdtemp: an unpredictable name, created atomically, readable by this user only (0700).
	const dir = fs.mkdtempSync(path.join(privateRoot(), 'upload-'));
	fs.chmodSync(dir, 0o700);
	const job: Job = {
		id: randomBytes(12).toString('hex'),
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
	try {
		// `wx`: created here or not at all; never an existing file or a link someone put in the way.
		for (const file of job.files) fs.closeSync(fs.openSync(file.path, 'wx', 0o600));
	} catch (error) {
		fs.rmSync(dir, { recursive: true, force: true });
		throw error;
	}
	jobs.set(job.id, job);
	return view(job);
}

/** The person's unfinished uploads, so a client that lost track of one can finish or discard it. */
export function unfinishedUploads(userId: string): JobView[] {
	return [...jobs.values()].filter((job) => job.userId === userId && unfinished(job)).map(view);
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
		.catch((error) => fail(job, error));
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
			removeFiles(job);
		})
		.catch((error) => fail(job, error));
	return view(job);
}

/**
 * A check or import that broke (not one that found errors in the files: those are reported and
 * the files stay for another check). Nothing can be done with the files any more, so they go now
 * rather than at the next sweep; the job stays a while so the page can say what happened.
 */
function fail(job: Job, error: unknown) {
	job.error = error instanceof Error ? error.message : String(error);
	job.state = 'failed';
	removeFiles(job);
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
