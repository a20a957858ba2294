import type { JobView, PageOptions } from '$lib/domain/imports';
import { formatPercent } from '$lib/domain/format';
import { m } from '$lib/paraglide/messages.js';
import { formatBytes, phaseLabels } from './labels';

export type UploadStage = 'idle' | 'uploading' | 'checking' | 'checked' | 'importing' | 'done' | 'failed';

/**
 * One upload walked through: send the files in chunks, have the server check them (a dry run:
 * nothing written), and only then import. The server does the work in the background; this polls,
 * so no request outlives a chunk. The page binds its form to this and shows what it holds.
 */
export class ImportUpload {
	job = $state<JobView | null>(null);
	stage = $state<UploadStage>('idle');
	sentBytes = $state(0);
	totalBytes = $state(0);
	problem = $state<string | null>(null);

	readonly check = $derived(this.job?.check ?? null);
	readonly result = $derived(this.job?.result ?? null);
	readonly busy = $derived(this.stage === 'uploading' || this.stage === 'checking' || this.stage === 'importing');
	readonly canImport = $derived(this.stage === 'checked' && this.check !== null && this.check.status === 'ok' && this.check.error_count === 0);
	readonly canRecheck = $derived(this.job !== null && (this.stage === 'checked' || (this.stage === 'failed' && this.result === null)));
	readonly progressValue = $derived(
		this.stage === 'uploading' ? (this.totalBytes ? this.sentBytes / this.totalBytes : 1) : (this.job?.progress?.fraction ?? 0)
	);
	readonly progressText = $derived.by(() => {
		if (this.stage === 'uploading') {
			return m.imports_progress_uploading({
				done: formatBytes(this.sentBytes),
				total: formatBytes(this.totalBytes),
				percent: formatPercent(this.totalBytes ? this.sentBytes / this.totalBytes : 1)
			});
		}
		const progress = this.job?.progress;
		const step = progress ? phaseLabels[progress.phase]() : phaseLabels.reading();
		const percent = formatPercent(progress?.fraction ?? 0);
		if (this.stage === 'checking') return m.imports_progress_checking({ step, percent });
		if (this.stage === 'importing') return m.imports_progress_importing({ step, percent });
		return '';
	});

	private stopped = false;

	constructor(
		private readonly limits: { maxBytes: number },
		/** Called once a check's report or an import's result is there (the page moves focus to it). */
		private readonly on: { checked?: () => void; imported?: () => Promise<void> | void } = {}
	) {}

	/** Stops following the job (the page is gone). */
	stop() {
		this.stopped = true;
	}

	/** Sends `files` and checks them with `options`; a problem is shown, not thrown. */
	uploadAndCheck(files: File[], options: () => PageOptions) {
		return this.run(async () => {
			if (files.length === 0) throw new Error(m.imports_choose_files());
			const chosen = options();
			this.totalBytes = files.reduce((sum, f) => sum + f.size, 0);
			if (this.totalBytes > this.limits.maxBytes) throw new Error(m.imports_too_large({ size: formatBytes(this.limits.maxBytes) }));
			await this.forget();
			this.sentBytes = 0;
			this.stage = 'uploading';
			const created = await api<{ upload: JobView; chunkBytes: number }>(
				'/api/v1/imports',
				jsonRequest('POST', { files: files.map((f) => ({ name: f.name, size: f.size })) })
			);
			this.job = created.upload;
			for (const [index, file] of files.entries()) {
				for (let offset = 0; offset < file.size; offset += created.chunkBytes) {
					const chunk = file.slice(offset, offset + created.chunkBytes);
					this.job = await sendChunk(created.upload.id, index, offset, chunk);
					this.sentBytes += chunk.size;
				}
			}
			await this.startCheck(created.upload.id, chosen);
		});
	}

	/** Checks the uploaded files again with other options. */
	recheck(options: () => PageOptions) {
		return this.run(async () => {
			if (this.job) await this.startCheck(this.job.id, options());
		});
	}

	/** Imports what was checked. */
	importChecked() {
		return this.run(async () => {
			if (!this.job) return;
			this.stage = 'importing';
			this.job = await api<JobView>(`/api/v1/imports/${this.job.id}`, jsonRequest('POST', { action: 'import' }));
			await this.follow(this.job.id);
			this.stage = this.job?.state === 'done' ? 'done' : 'failed';
			await this.on.imported?.();
		});
	}

	startOver() {
		return this.run(async () => {
			await this.forget();
			this.problem = null;
		});
	}

	private async run(step: () => Promise<void>) {
		this.problem = null;
		try {
			await step();
		} catch (error) {
			this.problem = error instanceof Error ? error.message : String(error);
			this.stage = this.job?.check ? 'checked' : 'failed';
		}
	}

	private async startCheck(id: string, options: PageOptions) {
		this.stage = 'checking';
		this.job = await api<JobView>(`/api/v1/imports/${id}`, jsonRequest('POST', { action: 'check', options }));
		await this.follow(id);
		this.stage = this.job?.state === 'checked' ? 'checked' : 'failed';
		this.on.checked?.();
	}

	/** Asks for the job until the background work is over. */
	private async follow(id: string) {
		while (!this.stopped && this.job && (this.job.state === 'checking' || this.job.state === 'importing')) {
			await new Promise((resolve) => setTimeout(resolve, 400));
			this.job = await api<JobView>(`/api/v1/imports/${id}`);
		}
	}

	/** Drops the previous upload's files on the server (best effort: they are swept anyway). */
	private async forget() {
		const previous = this.job;
		this.job = null;
		this.stage = 'idle';
		if (previous && previous.state !== 'checking' && previous.state !== 'importing' && previous.state !== 'done') {
			await fetch(`/api/v1/imports/${previous.id}`, { method: 'DELETE' }).catch(() => undefined);
		}
	}
}

async function api<T>(url: string, init: RequestInit = {}): Promise<T> {
	const response = await fetch(url, init);
	const body = response.status === 204 ? null : await response.json().catch(() => null);
	if (!response.ok) throw new Error(m.imports_request_failed({ message: body?.message ?? response.statusText }));
	return body as T;
}

const jsonRequest = (method: string, body: unknown): RequestInit => ({
	method,
	headers: { 'content-type': 'application/json' },
	body: JSON.stringify(body)
});

/** One chunk, tried three times: a dropped connection costs a chunk, not the upload. */
async function sendChunk(id: string, file: number, offset: number, chunk: Blob): Promise<JobView> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await api<JobView>(`/api/v1/imports/${id}?file=${file}&offset=${offset}`, {
				method: 'PUT',
				headers: { 'content-type': 'application/octet-stream' },
				body: chunk
			});
		} catch (error) {
			if (attempt >= 3) throw error;
			await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
		}
	}
}
