import { bindColumns, type Binding } from '../bind.ts';
import { fieldRules, parseFields, recordSql, type FieldSpec, type ParseContext, type ParsedFile } from '../fields.ts';
import { checkCloseDates, checkOwners, dealFieldSpecs, describeFile, type FormatContext } from '../format.ts';
import { historyToSnapshots } from '../history-to-snapshots.ts';
import { literal } from '../sql.ts';
import type { Stage } from '../stages.ts';

/**
 * Deal lists with one date column per stage ("Date entered Proposal", "Demo date") turn into
 * stage histories: a deal enters the ladder's first stage when created, each dated stage on its
 * date, and its current stage, if given and undated, at its close date (closed deals) or at its
 * latest known date (open ones). Amount, close date and probability are only known as they are now,
 * so every week of the history shows today's values: the stage movement is real, the amounts are
 * not a history. HubSpot's deal export and BI deal lists both take this route.
 */

/** The fields of one deal row besides its stage dates. */
export const dealRowSpecs = (createdRequired: boolean): FieldSpec[] => [
	{ name: 'deal_id', kind: 'text', required: true },
	{ name: 'owner', kind: 'text', required: true },
	// Blank amounts, close dates and created dates are unknown, not errors: an open deal in a real
	// export is often not priced or dated yet. They load as NULL and the views count them.
	{ name: 'amount', kind: 'amount', required: true, blank: { warning: 'amount_blank' } },
	{ name: 'close_date', kind: 'date', required: true, blank: 'ok' },
	{ name: 'stage', kind: 'stage' },
	{ name: 'probability', kind: 'probability' },
	{ name: 'forecast_category', kind: 'forecast_category' },
	...dealFieldSpecs.map((spec) =>
		spec.name === 'created_date' ? { ...spec, required: createdRequired, blank: { warning: 'created_date_blank' } } : spec
	)
];

/** A column holding the date a deal entered `stage`. */
export interface StageDateColumn {
	column: string;
	stage: Stage;
}

export async function stageDatesToSnapshots(
	context: FormatContext,
	role: string,
	specs: FieldSpec[],
	stageColumns: (file: ParsedFile['file']) => StageDateColumn[],
	bindOptions: Parameters<typeof bindColumns>[2],
	parseOptions: Pick<ParseContext, 'pipelineSuffix'> & {
		/** SQL for a deal's type where a CRM's own spelling needs more than the type column (hubspot.ts). */
		dealType?: (parsed: ParsedFile) => string;
	} = {}
): Promise<void> {
	const { dealType, ...parseContext } = parseOptions;
	const { staging, checker, stages } = context;
	const events = staging.table('events');
	const deals = staging.table('deals');
	const first = stages.stages.find((s) => s.outcome === 'open') ?? stages.stages[0];
	await staging.run(`CREATE TABLE ${events} (deal VARCHAR, changed_at TIMESTAMP, seq BIGINT, stage_id SMALLINT,
		amount DECIMAL(18, 2), probability DOUBLE, close_date DATE, forecast_category VARCHAR, file_no INTEGER, record BIGINT)`);
	await staging.run(`CREATE TABLE ${deals} (deal VARCHAR, owner VARCHAR, owner_name VARCHAR, owner_role VARCHAR, team VARCHAR,
		deal_name VARCHAR, account_id VARCHAR, account_name VARCHAR, deal_type VARCHAR, created_date DATE, currency VARCHAR,
		source VARCHAR, sourced_by VARCHAR, file_no INTEGER, record BIGINT)`);

	for (const file of context.files) {
		const dated = stageColumns(file);
		const dateSpecs: FieldSpec[] = dated.map((d, i) => ({ name: `entered_${i}`, kind: 'timestamp' }));
		const binding: Binding = bindColumns(file, [...specs, ...dateSpecs], {
			...bindOptions,
			map: {
				...bindOptions?.map,
				...Object.fromEntries(dated.map((d, i) => [d.column, `entered_${i}`]))
			}
		});
		checker.add(...binding.problems);
		if (binding.problems.some((p) => p.severity === 'error')) {
			describeFile(context, file, role, binding);
			continue;
		}
		const parsed = await parseFields(
			staging,
			file,
			binding.fields,
			{ stageNames: stages.table, dateFormat: context.options.dateFormat, ...parseContext },
			staging.table(`file_${file.no}_deals`)
		);
		checker.add(...parsed.dates.problems);
		describeFile(context, file, role, binding, parsed.dates);
		await checker.apply(fieldRules(parsed, { stageList: stages.list }), parsed);
		const v = parsed.value;

		const dates = dated.map((d, i) => `${v(`entered_${i}`)}`);
		const known = `greatest(${[`${v('created_date')}::TIMESTAMP`, ...dates].join(', ')})`;
		const steps = [
			`{'changed_at': ${v('created_date')}::TIMESTAMP, 'stage_id': ${first.id}::SMALLINT, 'seq': 0::BIGINT}`,
			...dated.map((d, i) => `{'changed_at': ${dates[i]}, 'stage_id': ${d.stage.id}::SMALLINT, 'seq': ${d.stage.position}::BIGINT}`),
			// The current stage wins ties: it is what the CRM shows today.
			`{'changed_at': CASE WHEN current_stage.outcome = 'open' THEN ${known} ELSE coalesce(${v('close_date')}::TIMESTAMP, ${known}) END,
				'stage_id': ${v('stage')}, 'seq': 1000::BIGINT}`
		];
		await staging.run(
			`INSERT INTO ${events}
			SELECT deal, step.changed_at, step.seq, step.stage_id, amount,
				CASE WHEN step.stage_id = current_stage_id THEN probability END, close_date,
				CASE WHEN step.stage_id = current_stage_id THEN forecast_category END, ${file.no}, record
			FROM (
				SELECT ${v('deal_id')} AS deal, ${v('amount')} AS amount, ${v('probability')} AS probability,
					${v('close_date')} AS close_date, ${v('forecast_category')} AS forecast_category,
					${v('stage')} AS current_stage_id, ${recordSql} AS record,
					unnest([${steps.join(', ')}]) AS step
				FROM ${parsed.from} LEFT JOIN ${stages.ladder} AS current_stage ON current_stage.id = ${v('stage')}
			)
			-- The current stage is kept even when the deal has no date at all (see firstSeen below).
			WHERE (step.changed_at IS NOT NULL OR step.seq = 1000) AND step.stage_id IS NOT NULL AND deal IS NOT NULL`
		);
		await staging.run(
			`INSERT INTO ${deals}
			SELECT ${v('deal_id')}, ${v('owner')}, ${v('owner_name')}, ${v('owner_role')}, ${v('team')}, ${v('deal_name')},
				${v('account_id')}, ${v('account_name')}, ${dealType ? dealType(parsed) : v('deal_type')}, ${v('created_date')}, ${v('currency')}, ${v('source')},
				${v('sourced_by')}, ${file.no}, ${recordSql}
			FROM ${parsed.from}`
		);
		if (binding.mapping.stage) {
			await checker.custom(
				'deals_open_stage_undated',
				'warning',
				`SELECT ${file.no}, ${recordSql}, ${literal(binding.mapping.stage)}, ${parsed.raw('stage')},
					strftime(${known}, '%Y-%m-%d'), NULL, NULL
				FROM ${parsed.from} JOIN ${stages.ladder} AS current_stage ON current_stage.id = ${v('stage')}
				WHERE current_stage.outcome = 'open' AND current_stage.id <> ${first.id}
					AND ${
						dated.filter((d) => d.stage.outcome === 'open').length === 0
							? 'true'
							: dated
									.map((d, i) => ({ d, i }))
									.map(({ d, i }) => `NOT (current_stage.id = ${d.stage.id} AND ${dates[i]} IS NOT NULL)`)
									.join(' AND ')
					}`
			);
		}
		await checkCloseDates(context, parsed, binding.mapping.close_date ?? 'close_date');
		await checker.custom(
			'close_before_created',
			'warning',
			`SELECT ${file.no}, ${recordSql}, ${literal(binding.mapping.close_date ?? 'close_date')},
				strftime(${v('close_date')}, '%Y-%m-%d'), strftime(${v('created_date')}, '%Y-%m-%d'), NULL, NULL
			FROM ${parsed.from} WHERE ${v('close_date')} < ${v('created_date')}`
		);
		for (const [i, d] of dated.entries()) {
			await checker.custom(
				'stage_before_created',
				'warning',
				`SELECT ${file.no}, ${recordSql}, ${literal(d.column)}, ${parsed.raw(`entered_${i}`)}, ${literal(d.stage.name)}, NULL, NULL
				FROM ${parsed.from} WHERE ${dates[i]}::DATE < ${v('created_date')}`
			);
		}
	}
	await checker.custom(
		'duplicate_id',
		'error',
		`SELECT file_no, record, 'deal_id', deal, NULL, first_file_no, first_record FROM (
			SELECT *, first_value(file_no) OVER w AS first_file_no, first_value(record) OVER w AS first_record, row_number() OVER w AS n
			FROM ${deals} WHERE deal IS NOT NULL
			WINDOW w AS (PARTITION BY deal ORDER BY file_no, record)
		) WHERE n > 1`
	);
	await checkOwners(context, deals, 'owner');
	if ((await checker.errorCount()) > 0) return;
	// A deal with no date at all (an open first-stage deal without a created date, as real exports
	// have them) is first seen in the export itself: its state is dated at the latest date the
	// export knows, so it appears in the last snapshot. Its created date stays unknown.
	await staging.run(
		`UPDATE ${events} SET changed_at = (SELECT coalesce(max(changed_at), current_date::TIMESTAMP) FROM ${events})
		WHERE changed_at IS NULL`
	);
	await historyToSnapshots(staging, { events, deals, ladder: stages.ladder, rows: context.rows }, context.options.weekday);
}
