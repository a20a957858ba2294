/** What goes into an import and what comes out of it; shared by the CLI, the page and the benchmark. */

import type { Importer } from './importer.ts';

export const importFormats = ['native', 'salesforce', 'hubspot', 'deals', 'quotas', 'activities', 'roster', 'accounts'] as const;
export type ImportFormat = (typeof importFormats)[number];

export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof weekdays)[number];

/** A file to import: a path, and the name people know it by (an upload's original name). */
export interface ImportFile {
	path: string;
	name?: string;
}

export interface ImportOptions {
	/** Detected from the headers when absent. */
	format?: ImportFormat;
	/** Source column -> field (`--map "Opp ID=deal_id,Demo date=entered:Solution/Demo"`). */
	map?: Record<string, string>;
	/** CRM stage name -> one of our stages (`--stages "Verbal=Negotiation"`). */
	stageMap?: Record<string, string>;
	/** Validate and report, write nothing but the log entry. */
	dryRun?: boolean;
	/** The weekday history formats take their weekly snapshots on (default Monday). */
	weekday?: Weekday;
	/**
	 * How to read dates whose day/month order the file does not prove: 'mdy' or 'dmy', or a strptime
	 * pattern such as '%d.%m.%Y' used for every date column.
	 */
	dateFormat?: string;
	/** The CSV's encoding; UTF-8 unless told otherwise. */
	encoding?: 'utf-8' | 'latin-1';
	/** Who imports, for the log (an e-mail, or `cli:<user>`). */
	user?: string | null;
	/**
	 * Whose pipeline the import may carry (see importer.ts): a leader's only their teams' reps.
	 * The CLI, which holds the database file itself, imports as an admin; so does a missing value.
	 */
	importer?: Importer;
	/**
	 * Replace every row of each snapshot date the files contain, not only the rows of the owners
	 * they name: an admin's explicit choice, for a full re-export of a week.
	 */
	replaceDates?: boolean;
	/** Skip the log entry (previews on the upload page, which are not imports). */
	log?: boolean;
	onProgress?: (progress: ImportProgress) => void;
}

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
