import { bindColumns } from '../bind.ts';
import { fieldRules, normaliseHeader, parseFields, recordSql, type FieldSpec, type ParsedFile } from '../fields.ts';
import { checkOwners, describeFile, type FormatContext, type FormatModule } from '../format.ts';
import { historyToSnapshots } from '../history-to-snapshots.ts';
import { problem } from '../problems.ts';
import type { StagedFile } from '../read.ts';
import { literal } from '../sql.ts';
import { salesforceStages } from '../stages.ts';

/**
 * Salesforce's data export: the OpportunityHistory object (one row per stage, amount or close-date
 * change) rebuilt into weekly snapshots, joined with the Opportunity export for the deal's name,
 * account, type and owner. Account and User exports are optional and turn ids into names and
 * owner ids into e-mail addresses.
 */

type Role = 'OpportunityHistory' | 'OpportunityFieldHistory' | 'Opportunity' | 'Account' | 'User';

function roleOf(file: StagedFile): Role | null {
	const headers = new Set(file.columns.map(normaliseHeader));
	if (headers.has('opportunityid') && headers.has('field') && headers.has('newvalue')) return 'OpportunityFieldHistory';
	if (headers.has('opportunityid') && headers.has('stagename')) return 'OpportunityHistory';
	if (headers.has('id') && headers.has('stagename')) return 'Opportunity';
	if (headers.has('id') && headers.has('email')) return 'User';
	if (headers.has('id') && headers.has('name')) return 'Account';
	return null;
}

const historySpecs: FieldSpec[] = [
	{ name: 'deal_id', kind: 'text', required: true },
	{ name: 'changed_at', kind: 'timestamp', required: true },
	{ name: 'stage', kind: 'stage', required: true },
	{ name: 'amount', kind: 'amount', required: true, blank: { warning: 'amount_blank' } },
	{ name: 'probability', kind: 'probability' },
	{ name: 'close_date', kind: 'date', required: true, blank: { warning: 'close_date_blank' } },
	{ name: 'forecast_category', kind: 'forecast_category' },
	{ name: 'changed_by', kind: 'text' },
	{ name: 'deleted', kind: 'flag' }
];

/**
 * OpportunityFieldHistory (optional): tracked field changes. Only Field = Owner is read, so each past
 * snapshot carries the owner of its time instead of today's. Salesforce writes an owner change twice,
 * once with user ids and once with names; both mean the same change.
 */
const fieldHistorySpecs: FieldSpec[] = [
	{ name: 'deal_id', kind: 'text', required: true },
	{ name: 'changed_at', kind: 'timestamp', required: true },
	{ name: 'field', kind: 'text', required: true },
	{ name: 'old_value', kind: 'text' },
	{ name: 'new_value', kind: 'text', required: true }
];

const opportunitySpecs: FieldSpec[] = [
	{ name: 'deal_id', kind: 'text', required: true },
	{ name: 'deal_name', kind: 'text' },
	{ name: 'account_id', kind: 'text' },
	{ name: 'owner', kind: 'text' },
	{ name: 'deal_type', kind: 'deal_type' },
	{ name: 'source', kind: 'text' },
	{ name: 'created_date', kind: 'date' },
	{ name: 'currency', kind: 'currency' },
	// The current state, used only for opportunities the history does not mention.
	{ name: 'stage', kind: 'stage' },
	{ name: 'amount', kind: 'amount' },
	{ name: 'probability', kind: 'probability' },
	{ name: 'close_date', kind: 'date' },
	{ name: 'forecast_category', kind: 'forecast_category' }
];

const accountSpecs: FieldSpec[] = [
	{ name: 'account_id', kind: 'text', required: true },
	{ name: 'account_name', kind: 'text', required: true }
];

const userSpecs: FieldSpec[] = [
	{ name: 'user_id', kind: 'text', required: true },
	{ name: 'email', kind: 'text' },
	{ name: 'user_name', kind: 'text' }
];

/** Salesforce's field names for our fields. */
const headers: Record<Role, Record<string, string[]>> = {
	OpportunityHistory: {
		deal_id: ['OpportunityId'],
		changed_at: ['CreatedDate'],
		stage: ['StageName'],
		close_date: ['CloseDate'],
		forecast_category: ['ForecastCategory'],
		changed_by: ['CreatedById'],
		deleted: ['IsDeleted']
	},
	OpportunityFieldHistory: {
		deal_id: ['OpportunityId'],
		changed_at: ['CreatedDate'],
		field: ['Field'],
		old_value: ['OldValue'],
		new_value: ['NewValue']
	},
	Opportunity: {
		deal_id: ['Id'],
		deal_name: ['Name'],
		account_id: ['AccountId'],
		owner: ['OwnerId', 'Owner.Email', 'OwnerEmail', 'Opportunity Owner', 'Owner'],
		deal_type: ['Type'],
		source: ['LeadSource'],
		created_date: ['CreatedDate'],
		currency: ['CurrencyIsoCode'],
		stage: ['StageName'],
		close_date: ['CloseDate'],
		forecast_category: ['ForecastCategoryName', 'ForecastCategory']
	},
	Account: { account_id: ['Id'], account_name: ['Name'] },
	User: { user_id: ['Id'], email: ['Email'], user_name: ['Name'] }
};

const specs: Record<Role, FieldSpec[]> = {
	OpportunityHistory: historySpecs,
	OpportunityFieldHistory: fieldHistorySpecs,
	Opportunity: opportunitySpecs,
	Account: accountSpecs,
	User: userSpecs
};

export const salesforce: FormatModule = {
	format: 'salesforce',
	stageAliases: salesforceStages,
	mapFields: [...new Set([...historySpecs, ...fieldHistorySpecs, ...opportunitySpecs, ...accountSpecs, ...userSpecs].map((s) => s.name))],

	detect(files) {
		return files.some((file) => roleOf(file) === 'OpportunityHistory');
	},

	async run(context) {
		const { staging, checker, stages } = context;
		const parsed: Record<Role, ParsedFile[]> = { OpportunityHistory: [], OpportunityFieldHistory: [], Opportunity: [], Account: [], User: [] };
		let ownerColumn = true;

		for (const file of context.files) {
			const role = roleOf(file);
			if (!role) {
				// `*.csv` in an export folder picks up files the preset has no use for (a report, a
				// stage grouping): they are left out and said so, not a reason to refuse the rest.
				checker.add(problem('warning', 'sf_file_skipped', { file: file.name, line: 1, value: file.name }));
				continue;
			}
			const binding = bindColumns(file, specs[role], {
				map: context.options.map,
				headers: headers[role],
				// Salesforce exports carry dozens of fields; listing each unused one helps nobody.
				reportIgnored: false
			});
			checker.add(...binding.problems);
			if (binding.problems.some((p) => p.severity === 'error')) {
				describeFile(context, file, role, binding);
				continue;
			}
			if (role === 'Opportunity' && !binding.mapping.owner) ownerColumn = false;
			const file_ = await parseFields(
				staging,
				file,
				binding.fields,
				{ stageNames: stages.table, dateFormat: context.options.dateFormat },
				staging.table(`file_${file.no}_sf`)
			);
			checker.add(...file_.dates.problems);
			describeFile(context, file, role, binding, file_.dates);
			await checker.apply(fieldRules(file_, { stageList: stages.list }), file_);
			parsed[role].push(file_);
		}
		if (parsed.OpportunityHistory.length === 0) checker.add(problem('error', 'sf_missing_file', { value: 'OpportunityHistory' }));
		if (parsed.Opportunity.length === 0) checker.add(problem('error', 'sf_missing_file', { value: 'Opportunity' }));
		if (!ownerColumn) {
			checker.add(problem('warning', 'sf_no_owner', { file: parsed.Opportunity[0]?.file.name ?? null, line: 1 }));
		}
		if ((await checker.errorCount()) > 0) return;

		await buildTables(context, parsed);
		if ((await checker.errorCount()) > 0) return;
		await historyToSnapshots(
			staging,
			{
				events: staging.table('events'),
				deals: staging.table('deals'),
				ladder: stages.ladder,
				rows: context.rows,
				owners: parsed.OpportunityFieldHistory.length > 0 ? staging.table('owner_changes') : undefined
			},
			context.options.weekday
		);
	}
};

/** `select` gives one file's full SELECT (with FROM); the files' rows are combined. */
function union(files: ParsedFile[], select: (p: ParsedFile) => string): string {
	return files.map(select).join('\nUNION ALL\n');
}

async function buildTables(context: FormatContext, parsed: Record<Role, ParsedFile[]>) {
	const { staging, checker } = context;
	const events = staging.table('events');
	const opportunities = staging.table('opportunities');
	const accounts = staging.table('sf_accounts');
	const users = staging.table('sf_users');
	const deals = staging.table('deals');

	for (const p of parsed.OpportunityHistory) {
		const deleted = p.fields.find((f) => f.name === 'deleted')?.column;
		if (!deleted) continue;
		await checker.custom(
			'sf_deleted',
			'warning',
			`SELECT ${p.file.no}, ${recordSql}, ${literal(deleted)}, ${p.raw('deal_id')}, NULL, NULL, NULL
			FROM ${p.from} WHERE ${p.value('deleted')}`
		);
	}

	// Deleted history rows are dropped. Changes at the same moment keep the file's order.
	await staging.run(
		`CREATE TABLE ${events} AS ${union(
			parsed.OpportunityHistory,
			(p) => `SELECT ${p.value('deal_id')} AS deal, ${p.value('changed_at')} AS changed_at,
				${p.file.no}::BIGINT * 10000000000 + ${recordSql} AS seq, ${p.value('stage')} AS stage_id,
				${p.value('amount')} AS amount, ${p.value('probability')} AS probability, ${p.value('close_date')} AS close_date,
				${p.value('forecast_category')} AS forecast_category, ${p.value('changed_by')} AS changed_by,
				${p.file.no} AS file_no, ${recordSql} AS record
			FROM ${p.from} WHERE NOT coalesce(${p.value('deleted')}, false)`
		)}`
	);
	await staging.run(
		`CREATE TABLE ${opportunities} AS ${union(
			parsed.Opportunity,
			(p) => `SELECT ${p.value('deal_id')} AS deal, ${p.value('deal_name')} AS deal_name, ${p.value('account_id')} AS account_id,
				${p.value('owner')} AS owner, ${p.value('deal_type')} AS deal_type, ${p.value('source')} AS source,
				${p.value('created_date')} AS created_date, ${p.value('currency')} AS currency, ${p.value('stage')} AS stage_id,
				${p.value('amount')} AS amount, ${p.value('probability')} AS probability, ${p.value('close_date')} AS close_date,
				${p.value('forecast_category')} AS forecast_category, ${p.file.no} AS file_no, ${recordSql} AS record
			FROM ${p.from}`
		)}`
	);
	await staging.run(
		`CREATE TABLE ${accounts} AS
		SELECT id, arg_min(name, record) AS name FROM (${
			union(parsed.Account, (p) => `SELECT ${p.value('account_id')} AS id, ${p.value('account_name')} AS name, ${recordSql} AS record FROM ${p.from}`) ||
			'SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS name, 0 AS record'
		}) GROUP BY id`
	);
	await staging.run(
		`CREATE TABLE ${users} AS
		SELECT id, arg_min(email, record) AS email, arg_min(name, record) AS name FROM (${
			union(
				parsed.User,
				(p) => `SELECT ${p.value('user_id')} AS id, ${p.value('email')} AS email, ${p.value('user_name')} AS name, ${recordSql} AS record FROM ${p.from}`
			) || 'SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS email, NULL::VARCHAR AS name, 0 AS record'
		}) GROUP BY id`
	);

	// An opportunity twice in the export: which row is the deal?
	await checker.custom(
		'duplicate_id',
		'error',
		`SELECT file_no, record, 'Id', deal, NULL, first_file_no, first_record FROM (
			SELECT *, first_value(file_no) OVER w AS first_file_no, first_value(record) OVER w AS first_record, row_number() OVER w AS n
			FROM ${opportunities} WHERE deal IS NOT NULL
			WINDOW w AS (PARTITION BY deal ORDER BY file_no, record)
		) WHERE n > 1`
	);
	await checker.custom(
		'sf_not_in_opportunities',
		'warning',
		`SELECT arg_min(file_no, seq), arg_min(record, seq), 'OpportunityId', deal, NULL, NULL, NULL
		FROM ${events} e WHERE NOT EXISTS (SELECT 1 FROM ${opportunities} o WHERE o.deal = e.deal)
		GROUP BY deal`
	);
	await checker.custom(
		'sf_no_history',
		'warning',
		`SELECT file_no, record, 'Id', deal, NULL, NULL, NULL
		FROM ${opportunities} o WHERE NOT EXISTS (SELECT 1 FROM ${events} e WHERE e.deal = o.deal)`
	);
	// An opportunity without history still has a current state: it is taken as one change on the
	// day the opportunity was created (or, failing that, on its close date).
	await staging.run(
		`INSERT INTO ${events}
		SELECT deal, coalesce(created_date, close_date)::TIMESTAMP, file_no::BIGINT * 10000000000 + record, stage_id, amount,
			probability, close_date, forecast_category, NULL, file_no, record
		FROM ${opportunities} o
		WHERE NOT EXISTS (SELECT 1 FROM ${events} e WHERE e.deal = o.deal) AND stage_id IS NOT NULL AND close_date IS NOT NULL`
	);

	// The owner: the Opportunity's OwnerId, or else whoever last changed the deal's stage; a User
	// export turns either into an e-mail address.
	await staging.run(
		`CREATE TABLE ${deals} AS
		WITH latest AS (
			SELECT deal, arg_max(changed_by, seq) AS changed_by, arg_min(file_no, seq) AS file_no, arg_min(record, seq) AS record
			FROM ${events} GROUP BY deal
		),
		opportunity AS (SELECT * FROM ${opportunities} QUALIFY row_number() OVER (PARTITION BY deal ORDER BY file_no, record) = 1)
		SELECT
			latest.deal,
			coalesce(u.email, u.name, coalesce(o.owner, latest.changed_by)) AS owner,
			CASE WHEN u.email IS NOT NULL THEN u.name END AS owner_name,
			NULL::VARCHAR AS owner_role,
			NULL::VARCHAR AS team,
			o.deal_name,
			o.account_id,
			a.name AS account_name,
			o.deal_type,
			o.created_date,
			o.currency,
			o.source,
			NULL::VARCHAR AS sourced_by,
			coalesce(o.file_no, latest.file_no) AS file_no,
			coalesce(o.record, latest.record) AS record
		FROM latest
		LEFT JOIN opportunity o ON o.deal = latest.deal
		LEFT JOIN ${users} u ON u.id = coalesce(o.owner, latest.changed_by)
		LEFT JOIN ${accounts} a ON a.id = o.account_id`
	);
	await checker.custom(
		'owner_blank',
		'error',
		`SELECT file_no, record, 'OwnerId', deal, NULL, NULL, NULL FROM ${deals} WHERE owner IS NULL`
	);
	await checker.custom(
		'close_before_created',
		'warning',
		`SELECT e.file_no, e.record, 'CloseDate', strftime(e.close_date, '%Y-%m-%d'), strftime(d.created_date, '%Y-%m-%d'), NULL, NULL
		FROM ${events} e JOIN ${deals} d USING (deal) WHERE e.close_date < d.created_date`
	);
	await checkOwners(context, deals, 'OwnerId');
	if (parsed.OpportunityFieldHistory.length > 0) await buildOwnerChanges(context, parsed.OpportunityFieldHistory, users);
}

/**
 * `owner_changes` (deal, changed_at, old_owner, old_owner_name, new_owner, new_owner_name): each
 * change of a deal's owner, its values turned into e-mail addresses where the User export knows the
 * id or the name, so the past owner is the same rep as when they own a deal today. Of the id row and
 * the name row Salesforce writes for one change, the id row is kept (it resolves without doubt).
 */
async function buildOwnerChanges(context: FormatContext, files: ParsedFile[], users: string) {
	const { staging } = context;
	const raw = staging.table('owner_changes_raw');
	await staging.run(
		`CREATE TABLE ${raw} AS ${union(
			files,
			(p) => `SELECT ${p.value('deal_id')} AS deal, ${p.value('changed_at')} AS changed_at, nullif(trim(${p.value('old_value')}), '') AS old_value,
				nullif(trim(${p.value('new_value')}), '') AS new_value, ${p.file.no}::BIGINT * 10000000000 + ${recordSql} AS seq
			FROM ${p.from} WHERE lower(trim(${p.value('field')})) IN ('owner', 'ownerid')`
		)}`
	);
	const resolved = (side: 'old' | 'new') => /* sql */ `
		coalesce(by_id_${side}.email, by_name_${side}.email, by_id_${side}.name, r.${side}_value) AS ${side}_owner,
		CASE WHEN by_id_${side}.email IS NOT NULL THEN by_id_${side}.name WHEN by_name_${side}.email IS NOT NULL THEN by_name_${side}.name END AS ${side}_owner_name`;
	const joins = (side: 'old' | 'new') => /* sql */ `
		LEFT JOIN ${users} by_id_${side} ON by_id_${side}.id = r.${side}_value
		LEFT JOIN (SELECT name, arg_min(email, id) AS email FROM ${users} WHERE name IS NOT NULL GROUP BY name) by_name_${side}
			ON lower(by_name_${side}.name) = lower(r.${side}_value)`;
	await staging.run(
		`CREATE TABLE ${staging.table('owner_changes')} AS
		SELECT r.deal, r.changed_at, ${resolved('old')}, ${resolved('new')}
		FROM ${raw} r ${joins('old')} ${joins('new')}
		WHERE r.deal IS NOT NULL AND r.changed_at IS NOT NULL AND r.new_value IS NOT NULL
		QUALIFY row_number() OVER (
			PARTITION BY r.deal, r.changed_at
			ORDER BY (by_id_new.id IS NOT NULL OR regexp_full_match(r.new_value, '005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?')) DESC, r.seq DESC
		) = 1`
	);
}
