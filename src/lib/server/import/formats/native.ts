import { bindColumns } from '../bind.ts';
import { fieldRules, normaliseHeader, parseFields, recordSql, type FieldSpec } from '../fields.ts';
import { checkCloseDates, checkOwners, dealFieldSpecs, describeFile, rowColumns, type FormatModule } from '../format.ts';
import { problem } from '../problems.ts';
import { literal } from '../sql.ts';

/**
 * Our own format: one row per deal per snapshot date, as a CRM's reporting snapshot or a BI
 * export produces it. Column order is free and names are matched case-insensitively.
 */
export const snapshotFieldSpecs: FieldSpec[] = [
	{ name: 'snapshot_date', kind: 'date', required: true },
	{ name: 'deal_id', kind: 'text', required: true },
	{ name: 'owner', kind: 'text', required: true },
	{ name: 'stage', kind: 'stage', required: true },
	// A blank amount or close date is unknown (not yet priced, not yet dated): stored as NULL and
	// counted as such by the views. Only a closed deal must have a close date (see closedUndated).
	{ name: 'amount', kind: 'amount', required: true, blank: { warning: 'amount_blank' } },
	{ name: 'close_date', kind: 'date', required: true, blank: 'ok' },
	{ name: 'probability', kind: 'probability' },
	{ name: 'forecast_category', kind: 'forecast_category' },
	...dealFieldSpecs
];

export const requiredNativeColumns = snapshotFieldSpecs.filter((f) => f.required).map((f) => f.name);

export const native: FormatModule = {
	format: 'native',
	stageAliases: {},
	mapFields: snapshotFieldSpecs.map((s) => s.name),

	detect(files) {
		return files.every((file) => {
			const headers = new Set(file.columns.map(normaliseHeader));
			return requiredNativeColumns.every((name) => headers.has(name));
		});
	},

	async run(context) {
		const { staging, checker, stages } = context;
		await staging.run(`CREATE TABLE ${context.rows} (${rowColumns})`);
		const withAccounts: number[] = [];
		for (const file of context.files) {
			const binding = bindColumns(file, snapshotFieldSpecs, { map: context.options.map });
			checker.add(...binding.problems);
			if (binding.problems.some((p) => p.severity === 'error')) {
				describeFile(context, file, 'snapshots', binding);
				continue;
			}
			const parsed = await parseFields(
				staging,
				file,
				binding.fields,
				{ stageNames: stages.table, dateFormat: context.options.dateFormat },
				staging.table(`file_${file.no}_native`)
			);
			checker.add(...parsed.dates.problems);
			describeFile(context, file, 'snapshots', binding, parsed.dates);
			await checker.apply(fieldRules(parsed, { stageList: stages.list }), parsed);

			const v = parsed.value;
			await staging.run(
				`INSERT INTO ${context.rows}
				SELECT ${file.no}, ${recordSql}, ${v('snapshot_date')}, ${v('deal_id')}, ${v('owner')}, ${v('owner_name')}, ${v('owner_role')},
					${v('team')}, ${v('stage')}, ${v('amount')}, coalesce(${v('probability')}, ladder.default_probability),
					${v('close_date')}, ${v('forecast_category')}, ${v('deal_name')}, ${v('account_id')}, ${v('account_name')},
					${v('deal_type')}, ${v('created_date')}, ${v('currency')}, ${v('source')}, ${v('sourced_by')}
				FROM ${parsed.from} LEFT JOIN ${stages.ladder} AS ladder ON ladder.id = ${v('stage')}`
			);

			await checkCloseDates(context, parsed, binding.mapping.close_date ?? 'close_date');
			if (binding.mapping.account_id || binding.mapping.account_name) withAccounts.push(file.no);
			else checker.add(problem('warning', 'no_account_column', { file: file.name, line: 1 }));
			await checker.custom(
				'close_before_created',
				'warning',
				`SELECT file_no, record, ${literal(binding.mapping.close_date)}, strftime(close_date, '%Y-%m-%d'),
					strftime(created_date, '%Y-%m-%d'), NULL, NULL
				FROM ${context.rows} WHERE file_no = ${file.no} AND close_date < created_date`
			);
		}

		if (withAccounts.length > 0) {
			await checker.custom(
				'blank_account',
				'warning',
				`SELECT file_no, record, NULL, NULL, NULL, NULL, NULL FROM ${context.rows}
				WHERE file_no IN (${withAccounts.join(', ')}) AND account_id IS NULL AND account_name IS NULL`
			);
		}
		// A deal twice in one snapshot is ambiguous: which amount is true? Reported at every
		// repetition, pointing back to the first.
		await checker.custom(
			'duplicate_deal',
			'error',
			`WITH repeated AS (
				SELECT snapshot_date, deal FROM ${context.rows}
				WHERE deal IS NOT NULL AND snapshot_date IS NOT NULL
				GROUP BY ALL HAVING count(*) > 1
			)
			SELECT file_no, record, 'deal_id', deal, strftime(snapshot_date, '%Y-%m-%d'), first_file_no, first_record FROM (
				SELECT file_no, record, deal, snapshot_date,
					first_value(file_no) OVER w AS first_file_no, first_value(record) OVER w AS first_record,
					row_number() OVER w AS n
				FROM ${context.rows} SEMI JOIN repeated USING (snapshot_date, deal)
				WINDOW w AS (PARTITION BY snapshot_date, deal ORDER BY file_no, record)
			) WHERE n > 1`
		);
		await checkOwners(context, context.rows, 'owner');
	}
};
