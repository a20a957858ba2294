import { normaliseHeader, type BoundField, type FieldSpec } from './fields.ts';
import { problem } from './problems.ts';
import type { StagedFile } from './read.ts';
import type { ImportProblem } from './types.ts';

export interface Binding {
	fields: BoundField[];
	/** Field -> source column, for the preview. */
	mapping: Record<string, string>;
	/** Columns no field reads. */
	ignored: string[];
	problems: ImportProblem[];
}

/**
 * Finds each field's column in a file: first the user's mapping (`--map "Opp ID=deal_id"`), then
 * the header names the format accepts for it (the field's own name, and e.g. Salesforce's
 * "OpportunityId"), compared case-insensitively. Columns left over are reported and ignored; a
 * required field without a column is an error on line 1.
 */
export function bindColumns(
	file: StagedFile,
	specs: FieldSpec[],
	options: {
		map?: Record<string, string>;
		/** Field -> extra header names the format accepts. */
		headers?: Record<string, string[]>;
		/** Columns the format reads itself (HubSpot's stage-date columns); not reported as ignored. */
		claimed?: (column: string) => boolean;
		/** Report unused columns (not for lookup files whose extra columns are expected). */
		reportIgnored?: boolean;
	} = {}
): Binding {
	const byHeader = new Map(file.columns.map((c) => [normaliseHeader(c), c]));
	const mapped = new Map<string, string>();
	for (const [source, field] of Object.entries(options.map ?? {})) {
		const column = byHeader.get(normaliseHeader(source));
		if (column) mapped.set(field, column);
	}

	const used = new Set<string>();
	const fields: BoundField[] = specs.map((spec) => {
		let column = mapped.get(spec.name) ?? null;
		if (!column) {
			for (const name of [spec.name, ...(options.headers?.[spec.name] ?? [])]) {
				const candidate = byHeader.get(normaliseHeader(name));
				if (candidate && !used.has(candidate) && ![...mapped.values()].includes(candidate)) {
					column = candidate;
					break;
				}
			}
		}
		if (column) used.add(column);
		return { ...spec, column };
	});

	const problems: ImportProblem[] = [];
	for (const field of fields) {
		if (field.required && !field.column) {
			problems.push(
				problem('error', 'missing_column', { file: file.name, line: 1, column: field.name }, { expected: file.columns.join(', ') })
			);
		}
	}
	const ignored = file.columns.filter((c) => !used.has(c) && !options.claimed?.(c));
	if (options.reportIgnored !== false) {
		for (const column of ignored) problems.push(problem('warning', 'unused_column', { file: file.name, line: 1, column }));
	}
	const mapping = Object.fromEntries(fields.filter((f) => f.column).map((f) => [f.name, f.column!]));
	return { fields, mapping, ignored, problems };
}

/** Map entries whose source column is in none of the files: a typo the user must hear about. */
export function unknownMapColumns(files: StagedFile[], map: Record<string, string> = {}): ImportProblem[] {
	const headers = new Set(files.flatMap((f) => f.columns.map(normaliseHeader)));
	return Object.keys(map)
		.filter((source) => !headers.has(normaliseHeader(source)))
		.map((source) =>
			problem('error', 'map_unknown_column', { column: source }, { expected: [...new Set(files.flatMap((f) => f.columns))].join(', ') })
		);
}
