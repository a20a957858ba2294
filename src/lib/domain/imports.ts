/**
 * The shapes of an import as the Imports page sees them: what goes in (the options a person can set),
 * what comes out (the check's and the import's summary, each problem with file, line and column),
 * and an upload's progress. The server's import code (src/lib/server/import/) works in these too.
 */

export const importFormats = ['native', 'salesforce', 'hubspot', 'deals', 'quotas', 'activities', 'roster', 'rates', 'accounts'] as const;
export type ImportFormat = (typeof importFormats)[number];

export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof weekdays)[number];

export type ImportPhase = 'reading' | 'checking' | 'building' | 'loading' | 'done';

export interface ImportProgress {
	phase: ImportPhase;
	/** 0..1 within the whole import, when known. */
	fraction: number;
	/** Which file is being read, while reading. */
	file?: string;
	/** Within loading: what is being written ('teams and reps', 'accounts', 'deals', 'snapshots'). */
	step?: string;
}

export type Severity = 'error' | 'warning';

/**
 * One problem with the input. `line` is the file's line (header = line 1; for Parquet the row
 * number); null when the problem concerns a whole file or the whole import.
 */
export interface ImportProblem {
	severity: Severity;
	code: string;
	file: string | null;
	line: number | null;
	column: string | null;
	value: string | null;
	/** English text; the page renders `code` with `params` in the reader's language instead. */
	message: string;
	params: Record<string, string>;
}

/** How the files were understood: shown before anything is written. */
export interface ImportPreview {
	format: ImportFormat | null;
	files: {
		name: string;
		/** What the file is within the format, e.g. 'OpportunityHistory'. */
		role: string;
		kind: 'csv' | 'parquet';
		rows: number;
		columns: string[];
		/** Field -> source column actually used. */
		mapping: Record<string, string>;
		ignored: string[];
		/** Source column -> the strptime formats its dates were read with. */
		dateFormats: Record<string, string[]>;
		/** The first rows as read (all text). */
		sample: Record<string, string | null>[];
	}[];
	/** 'mdy' / 'dmy' when slash dates were read, and why. */
	dateOrder: { order: 'mdy' | 'dmy'; reason: string } | null;
	weekday: Weekday | null;
}

export interface ImportSummary {
	status: 'ok' | 'error';
	dry_run: boolean;
	format: ImportFormat | null;
	files: string[];
	rows_read: number;
	rows_loaded: number;
	rows_rejected: number;
	/** Snapshot dates the import contains (or would contain), ascending. */
	snapshots: string[];
	/** Of those, the dates whose existing rows were (or would be) replaced, with the counts per team. */
	snapshots_replaced: ReplacedSnapshot[];
	created: { teams: number; reps: number; accounts: number; deals: number };
	errors: ImportProblem[];
	warnings: ImportProblem[];
	/** How many problems of each severity there were in all (the lists stop at a limit per rule). */
	error_count: number;
	warning_count: number;
	preview: ImportPreview;
	import_id: number | null;
	seconds: number;
}

/** Existing rows of one snapshot date that an import replaces (rows), and of those, the ones it removes (deleted). */
export interface ReplacedSnapshot {
	date: string;
	rows: number;
	deleted: number;
	/** Per team of the rows' owners (null: owners without a team), by name. */
	teams: { team: string | null; rows: number; deleted: number }[];
}

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

/** One line of the import log, as the Imports page lists it. Times are UTC, ISO 8601. */
export interface ImportLogEntry {
	id: number;
	started_at: string;
	finished_at: string | null;
	user_email: string | null;
	file_name: string;
	format: string;
	status: 'ok' | 'error' | 'dry_run';
	rows_read: number;
	rows_loaded: number;
	rows_rejected: number;
	snapshots_replaced: string[];
	/** The first error's text, for a failed import. */
	first_error: string | null;
	/** The same error as code and parameters, so a page can say it in the reader's language. */
	first_problem: { code: string; params: Record<string, string> } | null;
}
