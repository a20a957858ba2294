import * as v from 'valibot';
import { checkLadder, LadderError, readLadder, setLadder, type LadderProblem, type LadderStage } from './stage-ladder.ts';
import type { Database, Queryable } from './db/database.ts';

/**
 * The stage ladder as the Settings page edits it: one row per stage (name, open/won/lost, default
 * probability in percent, position), a spare empty row to add a stage, and a box to remove one. The
 * rows are sorted by the positions typed, so the order can be changed without JavaScript. Whatever
 * the browser sends is checked here (row by row, then the ladder's own rules) before anything is
 * written, and the ladder is replaced in one transaction by `setLadder`.
 */

export interface LadderRow {
	name: string;
	outcome: string;
	/** In percent, as typed. */
	probability: string;
	position: string;
	remove: boolean;
	inUse: boolean;
}

/** A problem of one row's field (`row` set) or of the ladder as a whole; `code` is translated by the page. */
export interface LadderFormProblem {
	row: number | null;
	field: 'name' | 'outcome' | 'probability' | 'position' | null;
	code: string;
	detail?: string;
}

export type LadderSaved = { saved: true; rows: LadderRow[]; problems: [] } | { saved: false; rows: LadderRow[]; problems: LadderFormProblem[] };

const percent = v.pipe(
	v.string(),
	v.trim(),
	v.transform((text) => (text === '' ? null : Number(text.replace(',', '.').replace(/%$/, '')))),
	v.nullable(v.pipe(v.number('probability_invalid'), v.finite('probability_invalid'), v.minValue(0, 'probability_invalid'), v.maxValue(100, 'probability_invalid')))
);
const stageRow = v.object({
	name: v.pipe(v.string(), v.trim(), v.nonEmpty('name_required'), v.maxLength(60, 'name_too_long'), v.regex(/^[^,\n\r]+$/, 'name_invalid')),
	outcome: v.picklist(['open', 'won', 'lost'], 'outcome_invalid'),
	probability: percent,
	position: v.pipe(v.string(), v.trim(), v.transform(Number), v.number('position_invalid'), v.integer('position_invalid'))
});

/** The rows of the page: the ladder as stored, each with whether the snapshots use it (then it cannot be removed). */
export async function ladderRows(q: Queryable): Promise<LadderRow[]> {
	const stages = await readLadder(q);
	const used = new Set(
		(await q.all<{ name: string }>('SELECT name FROM stages WHERE id IN (SELECT DISTINCT stage_id FROM snapshots)')).map((s) => s.name)
	);
	return stages.map((stage, i) => ({
		name: stage.name,
		outcome: stage.outcome,
		probability: String(Math.round(stage.probability * 1000) / 10),
		position: String(i + 1),
		remove: false,
		inUse: used.has(stage.name)
	}));
}

/** The rows as the form sent them (parallel fields in page order; `remove` holds row numbers). */
export function rowsFromForm(data: FormData, inUse: Set<string>): LadderRow[] {
	const all = (name: string) => data.getAll(name).map(String);
	const names = all('name');
	const removed = new Set(all('remove'));
	return names.map((name, i) => ({
		name,
		outcome: all('outcome')[i] ?? '',
		probability: all('probability')[i] ?? '',
		position: all('position')[i] ?? '',
		remove: removed.has(String(i)),
		inUse: inUse.has(name.trim())
	}));
}

const ladderCodes: Record<LadderProblem, string> = {
	ladder_shape: 'ladder_shape',
	name_twice: 'name_twice',
	stage_in_use: 'stage_in_use',
	file: 'ladder_shape'
};

/** Checks the rows and, when all is well, makes them the ladder; otherwise says what is wrong where. */
export async function saveLadderRows(db: Database, rows: LadderRow[]): Promise<LadderSaved> {
	const problems: LadderFormProblem[] = [];
	const stages: (LadderStage & { position: number; row: number })[] = [];
	for (const [row, input] of rows.entries()) {
		// Removed rows, and the spare last row left without a name, are no stages.
		if (input.remove || (row === rows.length - 1 && input.name.trim() === '')) continue;
		const parsed = v.safeParse(stageRow, input);
		if (!parsed.success) {
			for (const issue of parsed.issues) {
				const field = (issue.path?.[0]?.key as LadderFormProblem['field']) ?? null;
				if (!problems.some((p) => p.row === row && p.field === field)) problems.push({ row, field, code: issue.message });
			}
			continue;
		}
		const { name, outcome, probability, position } = parsed.output;
		stages.push({ name, outcome, probability: probability === null ? (outcome === 'won' ? 1 : 0) : probability / 100, position, row });
	}
	if (problems.length > 0) return { saved: false, rows, problems };
	// A stable sort: two rows given the same position keep the order they are shown in.
	const ordered = stages.sort((a, b) => a.position - b.position || a.row - b.row).map(({ name, outcome, probability }) => ({ name, outcome, probability }));
	try {
		checkLadder(ordered);
		await setLadder(db, ordered);
		return { saved: true, rows: await db.read(ladderRows), problems: [] };
	} catch (error) {
		if (!(error instanceof LadderError)) throw error;
		return { saved: false, rows, problems: [{ row: null, field: null, code: ladderCodes[error.code], detail: error.detail }] };
	}
}
