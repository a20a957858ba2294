/** What goes into an import and what comes out of it; shared by the CLI, the page and the benchmark. */

import type { ImportFormat, ImportProgress, Weekday } from '../../domain/imports.ts';
import type { Importer } from './importer.ts';

export { importFormats, weekdays } from '../../domain/imports.ts';
export type {
	ImportFormat,
	ImportPhase,
	ImportPreview,
	ImportProblem,
	ImportProgress,
	ImportSummary,
	ReplacedSnapshot,
	Severity,
	Weekday
} from '../../domain/imports.ts';

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
	/**
	 * `--ladder from-file --stages-order a,b,c`: a first import into a database without deals makes
	 * these stage names, in this order, the company's ladder (an entry may end in =open, =won or
	 * =lost; otherwise a name saying won or lost is that). See ladderFromOrder in stage-ladder.ts.
	 */
	ladderFromOrder?: string[];
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
	/** The currency amounts are converted to (REPORTING_CURRENCY when absent). */
	reportingCurrency?: string;
	/** Skip the log entry (previews on the upload page, which are not imports). */
	log?: boolean;
	onProgress?: (progress: ImportProgress) => void;
}
