import { normaliseHeader, recordSql, type FieldSpec } from '../fields.ts';
import type { FormatModule } from '../format.ts';
import { literal } from '../sql.ts';
import { matchReps, parseRepFacts } from './rep-facts.ts';

/**
 * Quotas: one row per rep and period (`rep, period_start, period_end, amount`), the targets the
 * forecast's coverage and the team view's attainment compare against. A quota for a period that is
 * already loaded for the rep replaces it: a corrected target file is simply imported again.
 */
const specs: FieldSpec[] = [
	{ name: 'rep', kind: 'text', required: true },
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
			return ['rep', 'period_start', 'period_end', 'amount'].every((h) => headers.has(h));
		});
	},

	async run(context) {
		const { staging, checker } = context;
		const facts = staging.table('facts');
		await staging.run(`CREATE TABLE ${facts} (file_no INTEGER, record BIGINT, rep VARCHAR, period_start DATE, period_end DATE,
			amount DECIMAL(18, 2))`);
		await parseRepFacts(context, 'quotas', specs, async (parsed) => {
			const v = parsed.value;
			await staging.run(
				`INSERT INTO ${facts} SELECT ${parsed.file.no}, ${recordSql}, ${v('rep')}, ${v('period_start')}, ${v('period_end')}, ${v('amount')}
				FROM ${parsed.from}`
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
		// Two targets for one rep and period: which one counts?
		await checker.custom(
			'duplicate_quota',
			'error',
			`SELECT file_no, record, 'period_start', strftime(period_start, '%Y-%m-%d'), rep, first_file_no, first_record FROM (
				SELECT *, first_value(file_no) OVER w AS first_file_no, first_value(record) OVER w AS first_record, row_number() OVER w AS n
				FROM ${facts} WHERE rep_id IS NOT NULL AND period_start IS NOT NULL
				WINDOW w AS (PARTITION BY rep_id, period_start ORDER BY file_no, record)
			) WHERE n > 1`
		);
	},

	async load(tx, staging) {
		const facts = staging.table('facts');
		const row = await tx.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${facts}`);
		await tx.run(
			`INSERT OR REPLACE INTO quotas (rep_id, period_start, period_end, amount)
			SELECT rep_id, period_start, period_end, amount FROM ${facts} ORDER BY rep_id, period_start`
		);
		return { rowsLoaded: row?.n ?? 0 };
	}
};
