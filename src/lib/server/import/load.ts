import type { Statement, Transaction } from '../db/index.ts';
import { ownerIsRep, teamList, type Importer } from './importer.ts';
import type { Staging } from './staging.ts';
import { sourcedByMatches } from './sourced-by.ts';
import { convertedAmountSql, writeOriginals } from './currencies.ts';

/**
 * Writes checked rows (the `rows` table every format ends in) into the pipeline tables. The
 * reference data is upserted by its natural key: teams by name, reps by e-mail (or name, for CRMs
 * that export owner names), accounts and deals by CRM id. A snapshot date in the import replaces
 * that date's rows of the owners the import names on it (all of the date's rows with
 * `replaceDates`), so re-importing a file leaves the database as it was and one team's file leaves
 * the other teams' week alone.
 */

export interface LoadResult {
	rowsLoaded: number;
	created: { teams: number; reps: number; accounts: number; deals: number };
}

/**
 * One row per team, owner, account and deal, with the attribute values of their latest row (a
 * renamed deal takes its newest name; a blank never overwrites a known value). Built in staging,
 * before the transaction, so the transaction only writes.
 */
export async function prepareReferenceData(staging: Staging, rows: string): Promise<void> {
	await staging.run(`CREATE TABLE ${staging.table('owners_in')} AS
		SELECT
			lower(owner) AS key,
			contains(min(owner), '@') AS is_email,
			min(owner) AS owner,
			-- The latest row wins, and among one snapshot's rows the last one in the file, so a
			-- file that names one owner two ways reads the same on every run.
			-- An owner given by name is that name; a separate owner_name could not be matched again.
			CASE WHEN contains(min(owner), '@')
				THEN coalesce(arg_max(owner_name, (snapshot_date, file_no, record)) FILTER (WHERE owner_name IS NOT NULL), min(owner))
				ELSE min(owner) END AS name,
			arg_max(owner_role, (snapshot_date, file_no, record)) FILTER (WHERE owner_role IS NOT NULL) AS role,
			arg_max(team, (snapshot_date, file_no, record)) FILTER (WHERE team IS NOT NULL) AS team
		FROM ${rows}
		GROUP BY lower(owner)`);
	await staging.run(`CREATE TABLE ${staging.table('teams_in')} AS
		SELECT lower(team) AS key, min(team) AS name FROM ${staging.table('owners_in')} WHERE team IS NOT NULL GROUP BY lower(team)`);
	await staging.run(`CREATE TABLE ${staging.table('accounts_in')} AS
		SELECT
			coalesce(account_id, account_name) AS crm_id,
			arg_max(account_name, (snapshot_date, file_no, record)) FILTER (WHERE account_name IS NOT NULL) AS name
		FROM ${rows}
		WHERE coalesce(account_id, account_name) IS NOT NULL
		GROUP BY 1`);
	await staging.run(`CREATE TABLE ${staging.table('deals_in')} AS
		SELECT
			deal AS crm_id,
			arg_max(deal_name, (snapshot_date, file_no, record)) FILTER (WHERE deal_name IS NOT NULL) AS name,
			arg_max(coalesce(account_id, account_name), (snapshot_date, file_no, record)) FILTER (WHERE coalesce(account_id, account_name) IS NOT NULL) AS account,
			arg_max(deal_type, (snapshot_date, file_no, record)) FILTER (WHERE deal_type IS NOT NULL) AS deal_type,
			arg_max(source, (snapshot_date, file_no, record)) FILTER (WHERE source IS NOT NULL) AS source,
			arg_max(created_date, (snapshot_date, file_no, record)) FILTER (WHERE created_date IS NOT NULL) AS created_date,
			arg_max(currency, (snapshot_date, file_no, record)) FILTER (WHERE currency IS NOT NULL) AS currency,
			arg_max(sourced_by, (snapshot_date, file_no, record)) FILTER (WHERE sourced_by IS NOT NULL) AS sourced_by
		FROM ${rows}
		GROUP BY deal`);
}

async function count(tx: Transaction, sql: string): Promise<number> {
	return (await tx.one<{ n: number }>(`SELECT count(*) AS n FROM (${sql})`))?.n ?? 0;
}

export async function loadRows(
	transaction: Transaction,
	staging: Staging,
	{ importer, replaceDates, reportingCurrency }: { importer: Importer; replaceDates: boolean; reportingCurrency: string },
	onStep: (step: string, fraction: number) => void = () => {}
): Promise<LoadResult> {
	const tx = debugTimed(transaction);
	const rows = staging.table('rows');
	const ownersIn = staging.table('owners_in');
	const teamsIn = staging.table('teams_in');
	const accountsIn = staging.table('accounts_in');
	const dealsIn = staging.table('deals_in');

	onStep('teams and reps', 0);
	// Which rep each owner is: by e-mail, or by name for owners without one.
	const matchRep = `(SELECT min(r.id) FROM reps r WHERE ${ownerIsRep('o', 'r')})`;
	const { teams, reps } = importer.role === 'admin' ? await writeTeamsAndReps(tx, teamsIn, ownersIn, matchRep, rows) : { teams: 0, reps: 0 };

	onStep('accounts', 0.1);
	const newAccounts = `SELECT a.* FROM ${accountsIn} a WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE accounts.crm_id = a.crm_id)`;
	const accounts = await count(tx, newAccounts);
	await tx.run(`INSERT INTO accounts (crm_id, name) SELECT crm_id, coalesce(name, crm_id) FROM (${newAccounts}) ORDER BY crm_id`);
	// A leader's file never renames an account another team also sells to: the name is theirs too.
	const sharedAccount =
		importer.role === 'admin'
			? 'false'
			: `EXISTS (SELECT 1 FROM deals d JOIN snapshots s ON s.deal_id = d.id JOIN reps r ON r.id = s.owner_id
				WHERE d.account_id = accounts.id AND (r.team_id IS NULL OR NOT list_contains(${teamList(importer.teamIds)}, r.team_id)))`;
	await tx.run(`UPDATE accounts SET name = a.name FROM ${accountsIn} a
		WHERE accounts.crm_id = a.crm_id AND a.name IS NOT NULL AND accounts.name IS DISTINCT FROM a.name AND NOT ${sharedAccount}`);

	onStep('deals', 0.2);
	// The opener is an existing rep, by e-mail or by name (sourced-by.ts warns about anyone else).
	const sourcedByRep = `(SELECT min(r.id) FROM reps r WHERE ${sourcedByMatches('d.sourced_by', 'r')})`;
	const newDeals = `SELECT d.* FROM ${dealsIn} d WHERE NOT EXISTS (SELECT 1 FROM deals WHERE deals.crm_id = d.crm_id)`;
	const deals = await count(tx, newDeals);
	await tx.run(`INSERT INTO deals (crm_id, name, account_id, deal_type, source, created_date, currency, sourced_by)
		SELECT d.crm_id, d.name, a.id, d.deal_type, d.source, d.created_date, coalesce(d.currency, $reporting), ${sourcedByRep}
		FROM (${newDeals}) d LEFT JOIN accounts a ON a.crm_id = d.account
		ORDER BY d.crm_id`, { reporting: reportingCurrency });
	await tx.run(`UPDATE deals SET
			name = coalesce(d.name, deals.name),
			account_id = coalesce(a.id, deals.account_id),
			deal_type = coalesce(d.deal_type, deals.deal_type),
			source = coalesce(d.source, deals.source),
			created_date = coalesce(d.created_date, deals.created_date),
			currency = coalesce(d.currency, deals.currency),
			sourced_by = coalesce(${sourcedByRep}, deals.sourced_by)
		FROM ${dealsIn} d LEFT JOIN accounts a ON a.crm_id = d.account
		WHERE deals.crm_id = d.crm_id
			AND (deals.name IS DISTINCT FROM coalesce(d.name, deals.name)
				OR deals.account_id IS DISTINCT FROM coalesce(a.id, deals.account_id)
				OR deals.deal_type IS DISTINCT FROM coalesce(d.deal_type, deals.deal_type)
				OR deals.source IS DISTINCT FROM coalesce(d.source, deals.source)
				OR deals.created_date IS DISTINCT FROM coalesce(d.created_date, deals.created_date)
				OR deals.currency IS DISTINCT FROM coalesce(d.currency, deals.currency)
				OR deals.sourced_by IS DISTINCT FROM coalesce(${sourcedByRep}, deals.sourced_by))`);

	// The import's snapshot rows with database ids. Replacing a date is done as a difference
	// (delete what vanished, update what changed, insert what is new) rather than delete-all and
	// insert-all: re-importing a file then touches nothing, and DuckDB's primary-key index is
	// spared a million deletions and re-insertions of the same keys in one transaction.
	onStep('snapshots', 0.3);
	const incoming = `temp.${staging.schema}_snapshots`;
	await tx.run(`CREATE TEMP TABLE ${staging.schema}_snapshots AS
		WITH owner_ids AS (SELECT o.key, ${matchRep} AS rep_id FROM ${ownersIn} o)
		SELECT r.snapshot_date, d.id AS deal_id, owner_ids.rep_id AS owner_id, r.stage_id,
			${convertedAmountSql('r', 'x', reportingCurrency)} AS amount, r.probability, r.close_date, r.forecast_category,
			r.currency, r.amount AS original_amount
		FROM ${rows} r
		-- settleCurrencies gave every row its currency, and checkRates made sure each has a rate.
		ASOF LEFT JOIN exchange_rates x ON x.currency = r.currency AND r.snapshot_date >= x.valid_from
		JOIN deals d ON d.crm_id = r.deal
		JOIN owner_ids ON owner_ids.key = lower(r.owner)`);
	const dates = `SELECT DISTINCT snapshot_date FROM ${incoming}`;
	const sameKey = 'n.snapshot_date = snapshots.snapshot_date AND n.deal_id = snapshots.deal_id';
	const carriedOwner = replaceDates
		? 'true'
		: `EXISTS (SELECT 1 FROM ${incoming} n WHERE n.snapshot_date = snapshots.snapshot_date AND n.owner_id = snapshots.owner_id)`;
	await tx.run(`DELETE FROM snapshots WHERE snapshot_date IN (${dates})
		AND ${carriedOwner}
		AND NOT EXISTS (SELECT 1 FROM ${incoming} n WHERE ${sameKey})`);
	await tx.run(`UPDATE snapshots SET owner_id = n.owner_id, stage_id = n.stage_id, amount = n.amount,
			probability = n.probability, close_date = n.close_date, forecast_category = n.forecast_category
		FROM ${incoming} n
		WHERE ${sameKey}
			AND (snapshots.owner_id, snapshots.stage_id, snapshots.amount, snapshots.probability, snapshots.close_date,
				snapshots.forecast_category) IS DISTINCT FROM
				(n.owner_id, n.stage_id, n.amount, n.probability, n.close_date, n.forecast_category)`);
	// Ordered by date then deal, so each date's rows sit together and DuckDB's zone maps let a
	// two-snapshot comparison skip every other week.
	await tx.run(`INSERT INTO snapshots (snapshot_date, deal_id, owner_id, stage_id, amount, probability, close_date, forecast_category)
		SELECT n.snapshot_date, n.deal_id, n.owner_id, n.stage_id, n.amount, n.probability, n.close_date, n.forecast_category
		FROM ${incoming} n
		WHERE NOT EXISTS (SELECT 1 FROM snapshots WHERE ${sameKey})
		ORDER BY n.snapshot_date, n.deal_id`);
	await writeOriginals(tx, incoming, reportingCurrency);
	const loaded = await count(tx, `SELECT 1 FROM ${incoming}`);
	await tx.run(`DROP TABLE ${incoming}`);
	return { rowsLoaded: loaded, created: { teams, reps, accounts, deals } };
}

/** New teams and reps, and reps' names, roles and teams as the file gives them: an admin's import only. */
async function writeTeamsAndReps(tx: Transaction, teamsIn: string, ownersIn: string, matchRep: string, rows: string) {
	const newTeams = `SELECT name FROM ${teamsIn} t WHERE NOT EXISTS (SELECT 1 FROM teams WHERE lower(teams.name) = t.key)`;
	const teams = await count(tx, newTeams);
	await tx.run(`INSERT INTO teams (name) ${newTeams} ORDER BY name`);
	const newReps = `SELECT o.* FROM ${ownersIn} o WHERE ${matchRep} IS NULL`;
	const reps = await count(tx, newReps);
	// Reps without an e-mail get an address under .invalid, a domain reserved never to resolve:
	// unique as the schema demands, and obviously not deliverable.
	await tx.run(`INSERT INTO reps (email, name, role, team_id)
		SELECT DISTINCT ON (email) email, name, role, team_id FROM (
			SELECT
				CASE WHEN o.is_email THEN o.owner
					ELSE trim(regexp_replace(lower(strip_accents(o.owner)), '[^a-z0-9]+', '.', 'g'), '.') || '@no-email.invalid' END AS email,
				o.name,
				coalesce(o.role, 'AE') AS role,
				(SELECT id FROM teams WHERE lower(teams.name) = lower(o.team)) AS team_id
			FROM (${newReps}) o
		)
		ORDER BY email`);
	await keepMovedRepsPast(tx, ownersIn, matchRep, rows);
	// A file that names an owner by e-mail alone says nothing of their name: the one a roster or an
	// earlier file gave stays.
	const renamed = `CASE WHEN o.is_email AND o.name <> o.owner THEN o.name ELSE reps.name END`;
	await tx.run(`UPDATE reps SET
			name = ${renamed},
			role = coalesce(o.role, reps.role),
			team_id = coalesce((SELECT id FROM teams WHERE lower(teams.name) = lower(o.team)), reps.team_id)
		FROM ${ownersIn} o
		WHERE reps.id = ${matchRep}
			AND (reps.name IS DISTINCT FROM ${renamed}
				OR reps.role IS DISTINCT FROM coalesce(o.role, reps.role)
				OR reps.team_id IS DISTINCT FROM coalesce((SELECT id FROM teams WHERE lower(teams.name) = lower(o.team)), reps.team_id))`);
	// With dated membership, today's team is the latest: re-importing an old week must not undo a later move.
	await tx.run(`UPDATE reps SET team_id = h.team_id
		FROM (SELECT rep_id, arg_max(team_id, valid_from) AS team_id FROM rep_team_history WHERE valid_from <= current_date GROUP BY rep_id) h
		WHERE reps.id = h.rep_id AND reps.team_id IS DISTINCT FROM h.team_id AND reps.id IN (SELECT ${matchRep} FROM ${ownersIn} o)`);

	return { teams, reps };
}

/**
 * A file whose team column moves a known rep to another team dates the move, as a roster with
 * `valid_from` does (rep_team_history): the team they were in stays theirs from the beginning (unless
 * their membership already has dates), the file's team is theirs from the first snapshot date the
 * file shows them in it. So their past stays in the old team's history instead of moving with them.
 * A rep in no team who is given one takes their history along, as before.
 */
async function keepMovedRepsPast(tx: Transaction, ownersIn: string, matchRep: string, rows: string) {
	const moves = `SELECT rep.id AS rep_id, rep.team_id AS old_team_id, team.id AS team_id,
			(SELECT min(r.snapshot_date) FROM ${rows} r WHERE lower(r.owner) = o.key AND lower(r.team) = lower(o.team)) AS moved_on
		FROM ${ownersIn} o
		JOIN reps rep ON rep.id = ${matchRep}
		JOIN teams team ON lower(team.name) = lower(o.team)
		WHERE rep.team_id IS NOT NULL AND rep.team_id <> team.id`;
	await tx.run(`INSERT INTO rep_team_history (rep_id, team_id, valid_from)
		SELECT m.rep_id, m.old_team_id, DATE '1900-01-01' FROM (${moves}) m
		WHERE NOT EXISTS (SELECT 1 FROM rep_team_history h WHERE h.rep_id = m.rep_id)`);
	await tx.run(`INSERT OR REPLACE INTO rep_team_history (rep_id, team_id, valid_from)
		SELECT rep_id, team_id, moved_on FROM (${moves}) WHERE moved_on IS NOT NULL`);
}

function debugTimed(tx: Transaction): Transaction {
	if (!process.env.IMPORT_DEBUG) return tx;
	const time = <T>(sql: Statement, work: Promise<T>) => {
		const t = Date.now();
		const text = typeof sql === 'string' ? sql : sql.toQuery().text;
		return work.finally(() => console.error(`tx ${Date.now() - t}ms ${text.replace(/\s+/g, ' ').slice(0, 120)}`));
	};
	return {
		...tx,
		run: (sql, params) => time(sql, tx.run(sql, params)),
		all: (sql, params) => time(sql, tx.all(sql, params)),
		one: (sql, params) => time(sql, tx.one(sql, params)),
		connection: tx.connection
	} as Transaction;
}
