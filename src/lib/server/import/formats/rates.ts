import { bindColumns } from '../bind.ts';
import { reconvertSnapshots } from '../currencies.ts';
import { fieldRules, normaliseHeader, parseFields, recordSql, type FieldSpec } from '../fields.ts';
import { describeFile, type FormatModule } from '../format.ts';
import { problem } from '../problems.ts';
import { literal } from '../sql.ts';

/**
 * Exchange rates (`date, currency, rate`): how many units of the reporting currency one unit of
 * `currency` is worth, valid from `date` until that currency's next rate. A rate already loaded for
 * the currency and date is replaced, and every stored snapshot row is converted again (see
 * currencies.ts), so a corrected rate corrects the history it covers.
 */
const specs: FieldSpec[] = [
	{ name: 'date', kind: 'date', required: true },
	{ name: 'currency', kind: 'currency', required: true },
	// Read as text and checked here: rates need more than the two decimals of an amount.
	{ name: 'rate', kind: 'text', required: true }
];

const rateSql = (raw: string) => `CASE WHEN regexp_full_match(${raw}, '\\d+(\\.\\d+)?|\\.\\d+') THEN try_cast(${raw} AS DECIMAL(18, 8)) END`;

export const rates: FormatModule = {
	format: 'rates',
	stageAliases: {},
	mapFields: specs.map((s) => s.name),

	detect(files) {
		return files.every((file) => {
			const headers = new Set(file.columns.map(normaliseHeader));
			return ['date', 'currency', 'rate'].every((h) => headers.has(h));
		});
	},

	async run(context) {
		const { staging, checker } = context;
		// Rates change every team's figures at once: like the roster, an admin's decision.
		if (context.options.importer && context.options.importer.role !== 'admin') {
			checker.add(problem('error', 'rates_admin_only', {}));
			return;
		}
		const reporting = context.options.reportingCurrency ?? 'EUR';
		const facts = staging.table('facts');
		await staging.run(`CREATE TABLE ${facts} (file_no INTEGER, record BIGINT, valid_from DATE, currency VARCHAR, rate DECIMAL(18, 8))`);
		for (const file of context.files) {
			const binding = bindColumns(file, specs, { map: context.options.map });
			checker.add(...binding.problems);
			if (binding.problems.some((p) => p.severity === 'error')) {
				describeFile(context, file, 'rates', binding);
				continue;
			}
			const parsed = await parseFields(
				staging,
				file,
				binding.fields,
				{ stageNames: context.stages.table, dateFormat: context.options.dateFormat },
				staging.table(`file_${file.no}_rates`)
			);
			checker.add(...parsed.dates.problems);
			describeFile(context, file, 'rates', binding, parsed.dates);
			await checker.apply(fieldRules(parsed, { stageList: context.stages.list }), parsed);
			const v = parsed.value;
			const column = (name: string) => literal(parsed.fields.find((f) => f.name === name)?.column ?? name);
			const rate = rateSql(parsed.raw('rate'));
			await staging.run(
				`INSERT INTO ${facts} SELECT ${file.no}, ${recordSql}, ${v('date')}, ${v('currency')}, ${rate} FROM ${parsed.from}`
			);
			await checker.custom(
				'rate_invalid',
				'error',
				`SELECT ${file.no}, ${recordSql}, ${column('rate')}, ${parsed.raw('rate')}, NULL, NULL, NULL
				FROM ${parsed.from} WHERE ${parsed.raw('rate')} IS NOT NULL AND coalesce(${rate} <= 0, true)`
			);
			// The reporting currency is worth exactly one of itself; any other figure is a file for
			// another reporting currency, and would convert nothing the way its author meant.
			await checker.custom(
				'rate_of_reporting_currency',
				'error',
				`SELECT file_no, record, ${column('rate')}, rate::VARCHAR, currency, NULL, NULL
				FROM ${facts} WHERE file_no = ${file.no} AND currency = ${literal(reporting)} AND rate <> 1`
			);
		}
		// Two rates for one currency from one date: which one holds?
		await checker.custom(
			'duplicate_rate',
			'error',
			`SELECT file_no, record, 'date', strftime(valid_from, '%Y-%m-%d'), currency, first_file_no, first_record FROM (
				SELECT *, first_value(file_no) OVER w AS first_file_no, first_value(record) OVER w AS first_record, row_number() OVER w AS n
				FROM ${facts} WHERE currency IS NOT NULL AND valid_from IS NOT NULL
				WINDOW w AS (PARTITION BY currency, valid_from ORDER BY file_no, record)
			) WHERE n > 1`
		);
	},

	async load(tx, staging, { reportingCurrency }) {
		const facts = staging.table('facts');
		const row = await tx.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${facts}`);
		await tx.run(
			`INSERT OR REPLACE INTO exchange_rates (currency, valid_from, rate)
			SELECT currency, valid_from, rate FROM ${facts} WHERE currency <> $reporting ORDER BY currency, valid_from`,
			{ reporting: reportingCurrency }
		);
		await reconvertSnapshots(tx, reportingCurrency);
		return { rowsLoaded: row?.n ?? 0 };
	}
};
