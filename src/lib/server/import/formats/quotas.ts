import { normaliseHeader, recordSql, type FieldSpec } from '../fields.ts';
import type { FormatModule } from '../format.ts';
import { literal } from '../sql.ts';
import { problem } from '../problems.ts';
import { teamList } from '../importer.ts';
import type { FormatContext } from '../format.ts';
import { matchReps, parseRepFacts } from './rep-facts.ts';

/**
 * Quotas: one row per rep or team and period (`rep` or `team`, `period_start, period_end, amount`),
 * the targets the forecast's coverage and the team view's attainment compare against. A team's quota
 * is the team's target as a whole (teams/forecast show it instead of the sum of the reps' quotas). A
 * quota for a period that is already loaded for the rep or team replaces it: a corrected target file
 * is simply imported again.
 */
const specs: FieldSpec[] = [
	{ name: 'rep', kind: 'text', required: false },
	{ name: 'team', kind: 'text', required: false },
	{ name: 'period_start', kind: 'date', required: true },
	{ name: 'period_end', kind: 'date', required: true },
	{ name: 'amount', kind: 'amount', required: true }
];

export const quotas: FormatModule = {
	format: 'quotas',
	stageAliases: {},
	mapFields: specs.map((s) => s.name),

	detect(files) {
		return files.every((file) => {
			const headers = new Set(file.columns.map(normaliseHeader));
			return (headers.has('rep') || headers.has('team')) && ['period_start', 'period_end', 'amount'].every((h) => headers.has(h));
		});
	},

	async run(context) {
		const { staging, checker } = context;
		const facts = staging.table('facts');
		await staging.run(`CREATE TABLE ${facts} (file_no INTEGER, record BIGINT, rep VARCHAR, team VARCHAR, period_start DATE, period_end DATE,
			amount DECIMAL(18, 2))`);
		await parseRepFacts(context, 'quotas', specs, async (parsed) => {
			const v = parsed.value;
			const column = (name: string) => parsed.fields.find((f) => f.name === name)?.column ?? null;
			const rep = column('rep') ? v('rep') : 'NULL';
			const team = column('team') ? v('team') : 'NULL';
			if (!column('rep') && !column('team')) {
				checker.add(problem('error', 'missing_column', { file: parsed.file.name, line: 1, column: 'rep' }, { expected: parsed.file.columns.join(', ') }));
				return;
			}
			await staging.run(
				`INSERT INTO ${facts} SELECT ${parsed.file.no}, ${recordSql}, nullif(trim(${rep}), ''), nullif(trim(${team}), ''),
					${v('period_start')}, ${v('period_end')}, ${v('amount')}
				FROM ${parsed.from}`
			);
			// A quota is either a rep's or a team's: which would a row naming both (or neither) be?
			await checker.custom(
				'quota_rep_or_team',
				'error',
				`SELECT file_no, record, ${literal(column('rep') ?? column('team') ?? 'rep')}, coalesce(rep, team, ''), NULL, NULL, NULL
				FROM ${facts} WHERE file_no = ${parsed.file.no} AND (rep IS NULL) = (team IS NULL)`
			);
			await checker.custom(
				'period_end_before_start',
				'error',
				`SELECT file_no, record, ${literal(parsed.fields.find((f) => f.name === 'period_end')?.column ?? 'period_end')},
					strftime(period_end, '%Y-%m-%d'), strftime(period_start, '%Y-%m-%d'), NULL, NULL
				FROM ${facts} WHERE file_no = ${parsed.file.no} AND period_end < period_start`
			);
		});
		await matchReps(context, facts, 'rep');
		await matchTeams(context, facts);
		// Two targets for one rep (or team) and period: which one counts?
		await checker.custom(
			'duplicate_quota',
			'error',
			`SELECT file_no, record, 'period_start', strftime(period_start, '%Y-%m-%d'), coalesce(rep, team), first_file_no, first_record FROM (
				SELECT *, first_value(file_no) OVER w AS first_file_no, first_value(record) OVER w AS first_record, row_number() OVER w AS n
				FROM ${facts} WHERE (rep_id IS NOT NULL OR team_id IS NOT NULL) AND period_start IS NOT NULL
				WINDOW w AS (PARTITION BY rep_id, team_id, period_start ORDER BY file_no, record)
			) WHERE n > 1`
		);
	},

	async load(tx, staging) {
		const facts = staging.table('facts');
		const row = await tx.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${facts}`);
		await tx.run(
			`INSERT OR REPLACE INTO quotas (rep_id, period_start, period_end, amount)
			SELECT rep_id, period_start, period_end, amount FROM ${facts} WHERE rep_id IS NOT NULL ORDER BY rep_id, period_start`
		);
		await tx.run(
			`INSERT OR REPLACE INTO team_quotas (team_id, period_start, period_end, amount)
			SELECT team_id, period_start, period_end, amount FROM ${facts} WHERE team_id IS NOT NULL ORDER BY team_id, period_start`
		);
		return { rowsLoaded: row?.n ?? 0 };
	}
};

/**
 * Adds `team_id` to the quota rows that name a team (by name, any case). A team quota never creates
 * a team (nobody would see it), and a leader may only set their own teams' quotas.
 */
async function matchTeams(context: FormatContext, table: string): Promise<void> {
	const { staging, checker } = context;
	await staging.run(`ALTER TABLE ${table} ADD COLUMN team_id INTEGER`);
	await staging.run(`UPDATE ${table} t SET team_id = team.id FROM teams team WHERE lower(team.name) = lower(t.team)`);
	await checker.custom(
		'team_unknown',
		'error',
		`SELECT arg_min(file_no, (file_no, record)), arg_min(record, (file_no, record)), 'team', min(team), NULL, NULL, NULL
		FROM ${table} WHERE team IS NOT NULL AND team_id IS NULL GROUP BY lower(team)`
	);
	const importer = context.options.importer;
	if (importer && importer.role !== 'admin') {
		await checker.custom(
			'quota_team_outside',
			'error',
			`SELECT arg_min(file_no, (file_no, record)), arg_min(record, (file_no, record)), 'team', min(team), NULL, NULL, NULL
			FROM ${table} WHERE team_id IS NOT NULL AND NOT list_contains(${teamList(importer.teamIds)}, team_id) GROUP BY team_id`
		);
	}
}
