import type { Database, Queryable, Transaction } from './db/database.ts';

/**
 * The company's own stage ladder: its stage names, their order, default probabilities and whether
 * each is open, won or lost. A company keeps its own words (Prospecting, Engaging, ...) everywhere in
 * the UI, and an import whose stages all are ladder names needs no `--stages` mapping.
 *
 * A ladder file is a CSV with a header, one stage per line in funnel order:
 * `name,outcome[,probability]` (outcome open, won or lost; probability 0 to 1 or a percentage,
 * default 0 for open stages, 1 for won, 0 for lost). Changing the ladder keeps every stage the
 * snapshots use (matched by name, any case): a stage in use cannot disappear, or history would lose
 * its meaning.
 */

export interface LadderStage {
	name: string;
	outcome: 'open' | 'won' | 'lost';
	probability: number;
}

/** What is wrong with a ladder: a message for the command line, a code (and detail) for a page to translate. */
export type LadderProblem = 'ladder_shape' | 'name_twice' | 'stage_in_use' | 'file';

export class LadderError extends Error {
	constructor(
		message: string,
		readonly code: LadderProblem = 'file',
		readonly detail = ''
	) {
		super(message);
	}
}

/** The ladder as it is, in funnel order. */
export function readLadder(q: Queryable): Promise<LadderStage[]> {
	return q.all<LadderStage>('SELECT name, outcome, default_probability AS probability FROM stages ORDER BY position');
}

/**
 * The rules every ladder keeps, however it was written (file, Settings page, an import's file): names
 * unique in any case, so an import's stage matches one stage; one won and one lost stage, because
 * every view asks "won?" and "lost?" of exactly one stage each; and at least one open stage.
 */
export function checkLadder(stages: LadderStage[]): LadderStage[] {
	const names = new Set<string>();
	for (const stage of stages) {
		const key = stage.name.toLowerCase();
		if (names.has(key)) throw new LadderError(`The stage "${stage.name}" is named twice.`, 'name_twice', stage.name);
		names.add(key);
	}
	const count = (outcome: string) => stages.filter((s) => s.outcome === outcome).length;
	if (count('open') === 0 || count('won') !== 1 || count('lost') !== 1) {
		throw new LadderError('A ladder needs at least one open stage, exactly one won stage and exactly one lost stage.', 'ladder_shape');
	}
	return stages;
}

export function parseLadder(text: string): LadderStage[] {
	const lines = text
		.replace(/^\uFEFF/, '')
		.split(/\r?\n/)
		.map((line) => line.trim())
		.filter(Boolean);
	const header = (lines.shift() ?? '').split(',').map((h) => h.trim().toLowerCase());
	const at = (name: string) => header.indexOf(name);
	if (at('name') < 0 || at('outcome') < 0) throw new LadderError('The ladder file needs a header with the columns name and outcome (and, optionally, probability).');
	const stages = lines.map((line, index) => {
		const cells = line.split(',').map((c) => c.trim());
		const name = cells[at('name')] ?? '';
		const outcome = (cells[at('outcome')] ?? '').toLowerCase();
		const where = `line ${index + 2}`;
		if (!name) throw new LadderError(`${where}: the stage has no name.`);
		if (!['open', 'won', 'lost'].includes(outcome)) throw new LadderError(`${where}: outcome must be open, won or lost, got "${outcome}".`);
		const raw = at('probability') >= 0 ? (cells[at('probability')] ?? '') : '';
		let probability = outcome === 'won' ? 1 : 0;
		if (raw) {
			const percent = raw.endsWith('%');
			const value = Number(raw.replace(/%$/, '').trim()) / (percent ? 100 : 1);
			if (!Number.isFinite(value) || value < 0 || value > 1) throw new LadderError(`${where}: probability must be 0 to 1 or a percentage, got "${raw}".`);
			probability = value;
		}
		return { name, outcome: outcome as LadderStage['outcome'], probability };
	});
	return checkLadder(stages);
}

/** Replaces the ladder in one transaction, keeping the ids of stages that stay (snapshots refer to them). */
export async function setLadder(db: Database, stages: LadderStage[]): Promise<void> {
	checkLadder(stages);
	// The ladder belongs to the snapshots' side: with a lake, every server follows the change.
	await db.writeSnapshots(async (tx) => {
		const current = await tx.all<{ id: number; name: string }>('SELECT id, name FROM stages ORDER BY id');
		const used = await tx.all<{ name: string }>(
			'SELECT name FROM stages WHERE id IN (SELECT DISTINCT stage_id FROM snapshots) ORDER BY position'
		);
		const keep = new Set(stages.map((s) => s.name.toLowerCase()));
		const lost = used.filter((u) => !keep.has(u.name.toLowerCase())).map((u) => u.name);
		if (lost.length > 0) {
			throw new LadderError(
				`The snapshots use ${lost.join(', ')}; a new ladder must keep ${lost.length === 1 ? 'it' : 'them'} (any order, any case).`,
				'stage_in_use',
				lost.join(', ')
			);
		}
		const byName = new Map(current.map((s) => [s.name.toLowerCase(), s.id]));
		let next = Math.max(0, ...current.map((s) => s.id)) + 1;
		// Removed stages go first; a kept stage is matched by its own name, so an update only changes
		// its case, order, probability or outcome and never takes another stage's name.
		const kept = new Set<number>();
		for (const stage of stages) {
			const id = byName.get(stage.name.toLowerCase());
			if (id !== undefined) kept.add(id);
		}
		for (const s of current) if (!kept.has(s.id)) await tx.run('DELETE FROM stages WHERE id = $id', { id: s.id });
		for (const [position, stage] of stages.entries()) {
			const id = byName.get(stage.name.toLowerCase());
			const values = { name: stage.name, position: position + 1, probability: stage.probability, outcome: stage.outcome };
			if (id === undefined) {
				await tx.run('INSERT INTO stages VALUES ($id, $name, $position, $probability, $outcome)', { id: next++, ...values });
			} else {
				await tx.run(
					'UPDATE stages SET name = $name, position = $position, default_probability = $probability, outcome = $outcome WHERE id = $id',
					{ id, ...values }
				);
			}
		}
	});
}

/** Names that say won or lost in the words CRMs use (Closed Won, Won, Gewonnen; Closed Lost, Lost, Verloren). */
const wonName = /\b(won|win|gewonnen)\b/i;
const lostName = /\b(lost|lose|verloren)\b/i;

/**
 * A ladder from the stage names of a company's first file, in the order given (`--stages-order`):
 * each entry a stage name, optionally with its outcome (`Signed=won`, `Dropped=lost`); without one, a
 * name saying won or lost is that, any other is open. Open stages get default probabilities rising
 * evenly through the funnel (1/(n+1), 2/(n+1), ...), a start an admin refines on the Settings page:
 * a probability of 0 for every open stage would make the weighted pipeline read as nothing.
 */
export function ladderFromOrder(order: string[]): LadderStage[] {
	const entries = order.map((entry) => entry.trim()).filter(Boolean);
	if (entries.length === 0) throw new LadderError('--stages-order names no stages.');
	const named = entries.map((entry) => {
		const at = entry.lastIndexOf('=');
		const given = at > 0 ? entry.slice(at + 1).trim().toLowerCase() : '';
		if (at > 0 && !['open', 'won', 'lost'].includes(given)) {
			throw new LadderError(`--stages-order: "${entry}" gives the outcome "${given}"; write open, won or lost after the =.`);
		}
		const name = at > 0 ? entry.slice(0, at).trim() : entry;
		const outcome = (given || (wonName.test(name) ? 'won' : lostName.test(name) ? 'lost' : 'open')) as LadderStage['outcome'];
		return { name, outcome };
	});
	const open = named.filter((s) => s.outcome === 'open').length;
	let step = 0;
	const stages = named.map((s) => ({
		...s,
		probability: s.outcome === 'won' ? 1 : s.outcome === 'lost' ? 0 : Math.round((++step / (open + 1)) * 100) / 100
	}));
	try {
		return checkLadder(stages);
	} catch (error) {
		if (error instanceof LadderError && error.code === 'ladder_shape') {
			throw new LadderError(
				`--stages-order needs at least one open stage, exactly one won and exactly one lost stage (read: ${stages.map((s) => `${s.name}=${s.outcome}`).join(', ')}); give the outcome where the name does not say it, e.g. "Signed=won,Dropped=lost".`,
				'ladder_shape'
			);
		}
		throw error;
	}
}

/**
 * Makes `stages` the ladder of a database without deals, inside the caller's transaction (an
 * import's, so the ladder exists exactly when the rows do). Ids are 1..n in funnel order, as
 * `stageNames` numbered them for the import's checks.
 */
export async function replaceEmptyLadder(tx: Transaction, stages: LadderStage[]): Promise<void> {
	const deals = await tx.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM deals');
	if ((deals?.n ?? 0) > 0) throw new LadderError('The database already has deals; its stage ladder is changed with `npm run stages -- set FILE` or on the Settings page.');
	await tx.run('DELETE FROM stages');
	for (const [index, stage] of stages.entries()) {
		await tx.run('INSERT INTO stages VALUES ($id, $name, $position, $probability, $outcome)', {
			id: index + 1,
			name: stage.name,
			position: index + 1,
			probability: stage.probability,
			outcome: stage.outcome
		});
	}
}
