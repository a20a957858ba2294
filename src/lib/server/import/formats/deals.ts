import { normaliseHeader } from '../fields.ts';
import type { FormatModule } from '../format.ts';
import { problem } from '../problems.ts';
import type { StagedFile } from '../read.ts';
import type { StageNames } from '../stages.ts';
import { dealRowSpecs, stageDatesToSnapshots, type StageDateColumn } from './stage-dates.ts';

/**
 * A plain deal list, one row per deal with its created, stage-reached and close dates, as many BI
 * tools export it. Columns are named by a mapping (`--map "Opp ID=deal_id,Demo date=entered:Solution/Demo"`)
 * or by their own names: `deal_id`, `created_date`, ... and `entered_<stage>` / `<stage>_date`.
 */

const specs = dealRowSpecs(true);

/** The target of a mapping entry that names a stage date: `entered:Proposal`. */
const enteredPrefix = 'entered:';

function stageDateColumns(file: StagedFile, stages: StageNames, map: Record<string, string>): StageDateColumn[] {
	const dated: StageDateColumn[] = [];
	const byHeader = new Map(file.columns.map((c) => [normaliseHeader(c), c]));
	for (const [source, target] of Object.entries(map)) {
		if (!target.startsWith(enteredPrefix)) continue;
		const column = byHeader.get(normaliseHeader(source));
		const stage = stages.resolve(target.slice(enteredPrefix.length));
		if (column && stage) dated.push({ column, stage });
	}
	for (const stage of stages.stages) {
		const key = normaliseHeader(stage.name);
		for (const name of [`entered_${key}`, `date_entered_${key}`, `${key}_date`, `${key}_reached`]) {
			const column = byHeader.get(name);
			if (column && !dated.some((d) => d.column === column)) dated.push({ column, stage });
		}
	}
	return dated;
}

export const deals: FormatModule = {
	format: 'deals',
	stageAliases: {},
	mapFields: [...specs.map((s) => s.name), enteredPrefix],

	detect(files) {
		return files.every((file) => {
			const headers = new Set(file.columns.map(normaliseHeader));
			return ['deal_id', 'owner', 'created_date', 'close_date'].every((h) => headers.has(h)) && !headers.has('snapshot_date');
		});
	},

	async run(context) {
		const { checker, stages } = context;
		const map = context.options.map ?? {};
		for (const target of Object.values(map)) {
			if (target.startsWith(enteredPrefix) && !stages.resolve(target.slice(enteredPrefix.length))) {
				checker.add(
					problem('error', 'stage_map_unknown', { value: target.slice(enteredPrefix.length) }, { expected: stages.list })
				);
			}
		}
		if ((await checker.errorCount()) > 0) return;
		await stageDatesToSnapshots(context, 'deals', specs, (file) => stageDateColumns(file, stages, map), { map });
	}
};
