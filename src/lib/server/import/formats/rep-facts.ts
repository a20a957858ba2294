import { bindColumns } from '../bind.ts';
import { fieldRules, parseFields, type FieldSpec, type ParsedFile } from '../fields.ts';
import { describeFile, type FormatContext } from '../format.ts';
import { ownerIsRep, teamList } from '../importer.ts';

/**
 * Files of facts about reps rather than deals (quotas, activities): one row per rep and date, the
 * rep named by e-mail or, where a tool has none, by name. Such a file never creates a rep (a quota
 * for someone nobody knows would belong to no team and be seen by no leader), and a leader's file may
 * only name reps of their own teams, as with deals.
 */

/** Parses every file with `specs` and runs the field rules; calls `insert` with each parsed file. */
export async function parseRepFacts(
	context: FormatContext,
	role: string,
	specs: FieldSpec[],
	insert: (parsed: ParsedFile) => Promise<void>,
	/** CRM spellings of the fields' headers (field -> headers), as the CRM presets have them. */
	headers?: Record<string, string[]>
): Promise<void> {
	for (const file of context.files) {
		const binding = bindColumns(file, specs, { map: context.options.map, headers });
		context.checker.add(...binding.problems);
		if (binding.problems.some((p) => p.severity === 'error')) {
			describeFile(context, file, role, binding);
			continue;
		}
		const parsed = await parseFields(
			context.staging,
			file,
			binding.fields,
			{ stageNames: context.stages.table, dateFormat: context.options.dateFormat },
			context.staging.table(`file_${file.no}_${role}`)
		);
		context.checker.add(...parsed.dates.problems);
		describeFile(context, file, role, binding, parsed.dates);
		await context.checker.apply(fieldRules(parsed, { stageList: context.stages.list }), parsed);
		await insert(parsed);
	}
}

/**
 * Adds `rep_id` to `table` (which has `rep`, `file_no`, `record`): the rep each row names, by e-mail
 * or by name. An unknown rep is an error at its first line; so, for a leader, is a rep of another team.
 */
export async function matchReps(context: FormatContext, table: string, column: string): Promise<void> {
	const { staging, checker } = context;
	await staging.run(`ALTER TABLE ${table} ADD COLUMN rep_id INTEGER`);
	await staging.run(
		`UPDATE ${table} t SET rep_id = m.rep_id FROM (
			SELECT o.key, min(r.id) AS rep_id
			FROM (SELECT DISTINCT lower(rep) AS key, contains(rep, '@') AS is_email FROM ${table} WHERE rep IS NOT NULL) o
			JOIN reps r ON ${ownerIsRep('o', 'r')}
			GROUP BY o.key
		) m WHERE lower(t.rep) = m.key`
	);
	await checker.custom(
		'rep_unknown',
		'error',
		`SELECT arg_min(file_no, (file_no, record)), arg_min(record, (file_no, record)), ${`'${column.replaceAll("'", "''")}'`}, min(rep), NULL, NULL, NULL
		FROM ${table} WHERE rep IS NOT NULL AND rep_id IS NULL GROUP BY lower(rep)`
	);
	const importer = context.options.importer;
	if (importer && importer.role !== 'admin') {
		await checker.custom(
			'owner_outside_team',
			'error',
			`SELECT arg_min(t.file_no, (t.file_no, t.record)), arg_min(t.record, (t.file_no, t.record)), ${`'${column.replaceAll("'", "''")}'`},
				min(t.rep), coalesce(min(team.name), '—'), NULL, NULL
			FROM ${table} t JOIN reps r ON r.id = t.rep_id LEFT JOIN teams team ON team.id = r.team_id
			WHERE r.team_id IS NULL OR NOT list_contains(${teamList(importer.teamIds)}, r.team_id)
			GROUP BY t.rep_id`
		);
	}
}
