import { normaliseHeader, recordSql, type FieldSpec } from '../fields.ts';
import type { FormatModule } from '../format.ts';
import { teamList } from '../importer.ts';
import { parseRepFacts } from './rep-facts.ts';

/**
 * Accounts: one row per customer or prospect (`crm_id, name, customer_since, key_account`), as a
 * CRM's company or account export has them. Deal files name accounts but say nothing of when one
 * became a customer or whether it is a key account; account managers' KPIs need both (key accounts
 * in care, first-renewal retention). An account is matched to the deals' accounts by its CRM id; one
 * not known yet is created, so the accounts file may come before or after the deals. A blank
 * customer-since or key-account cell leaves what is known as it is only when the column is absent:
 * a file that has the column says what it is now.
 *
 * A leader's file may only describe accounts their own teams sell to (or nobody sells to yet): an
 * account another team also sells to is theirs too, as with renaming accounts in a deal import.
 */
const specs: FieldSpec[] = [
	{ name: 'crm_id', kind: 'text', required: true },
	{ name: 'name', kind: 'text' },
	{ name: 'customer_since', kind: 'date' },
	{ name: 'key_account', kind: 'flag' }
];

/** Salesforce's Account and HubSpot's company export headers. */
const headers: Record<string, string[]> = {
	crm_id: ['account_id', 'Account ID', 'Id', 'Record ID', 'Company ID'],
	name: ['account_name', 'Account Name', 'Company name'],
	customer_since: ['Customer Since', 'Became a Customer Date', 'Customer since date'],
	key_account: ['Key Account', 'Key account', 'Is key account']
};

export const accounts: FormatModule = {
	format: 'accounts',
	stageAliases: {},
	mapFields: specs.map((s) => s.name),

	detect(files) {
		return files.every((file) => {
			const headers = new Set(file.columns.map(normaliseHeader));
			return (
				(headers.has('crm_id') || headers.has('account_id')) &&
				(headers.has('customer_since') || headers.has('key_account')) &&
				!headers.has('deal_id') &&
				!headers.has('amount')
			);
		});
	},

	async run(context) {
		const { staging, checker } = context;
		const rows = staging.table('facts');
		await staging.run(`CREATE TABLE ${rows} (file_no INTEGER, record BIGINT, crm_id VARCHAR, name VARCHAR,
			customer_since DATE, key_account BOOLEAN, has_customer_since BOOLEAN, has_key_account BOOLEAN)`);
		await parseRepFacts(
			context,
			'accounts',
			specs,
			async (parsed) => {
				const v = parsed.value;
				const has = (field: string) => String(parsed.fields.some((f) => f.name === field && f.column !== null));
				await staging.run(
					`INSERT INTO ${rows} SELECT ${parsed.file.no}, ${recordSql}, ${v('crm_id')}, ${v('name')}, ${v('customer_since')},
						${v('key_account')}, ${has('customer_since')}, ${has('key_account')}
					FROM ${parsed.from}`
				);
			},
			headers
		);
		// One account twice: which line says what it is?
		await checker.custom(
			'duplicate_id',
			'error',
			`SELECT file_no, record, 'crm_id', crm_id, NULL, first_file_no, first_record FROM (
				SELECT *, first_value(file_no) OVER w AS first_file_no, first_value(record) OVER w AS first_record, row_number() OVER w AS n
				FROM ${rows} WHERE crm_id IS NOT NULL
				WINDOW w AS (PARTITION BY crm_id ORDER BY file_no, record)
			) WHERE n > 1`
		);
		const importer = context.options.importer;
		if (importer && importer.role !== 'admin') {
			await checker.custom(
				'account_outside_team',
				'error',
				`SELECT t.file_no, t.record, 'crm_id', t.crm_id, min(team.name), NULL, NULL
				FROM ${rows} t
				JOIN accounts a ON a.crm_id = t.crm_id
				JOIN deals d ON d.account_id = a.id
				JOIN snapshots s ON s.deal_id = d.id
				JOIN reps r ON r.id = s.owner_id
				LEFT JOIN teams team ON team.id = r.team_id
				WHERE r.team_id IS NULL OR NOT list_contains(${teamList(importer.teamIds)}, r.team_id)
				GROUP BY t.file_no, t.record, t.crm_id`
			);
		}
	},

	async load(tx, staging) {
		const rows = staging.table('facts');
		const row = await tx.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${rows}`);
		await tx.run(
			`INSERT INTO accounts (crm_id, name, customer_since, key_account)
			SELECT crm_id, coalesce(name, crm_id), customer_since, coalesce(key_account, false)
			FROM ${rows} t WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.crm_id = t.crm_id)
			ORDER BY crm_id`
		);
		await tx.run(
			`UPDATE accounts SET
				name = coalesce(t.name, accounts.name),
				customer_since = CASE WHEN t.has_customer_since THEN t.customer_since ELSE accounts.customer_since END,
				key_account = CASE WHEN t.has_key_account THEN coalesce(t.key_account, false) ELSE accounts.key_account END
			FROM ${rows} t WHERE accounts.crm_id = t.crm_id`
		);
		return { rowsLoaded: row?.n ?? 0 };
	}
};
