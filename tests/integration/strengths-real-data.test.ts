import fs from 'node:fs';
import path from 'node:path';
import type { RequestEvent } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { SessionUser } from '../../src/lib/server/auth/session.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { strengthProfiles, teamStrengths, type RepProfile } from '../../src/lib/server/metrics/strengths/index.ts';
import { missingLabel } from '../../src/routes/(app)/team/labels.ts';
import * as teamPage from '../../src/routes/(app)/team/+page.server.ts';
import * as repPage from '../../src/routes/(app)/team/[rep]/+page.server.ts';
import * as strengthsApi from '../../src/routes/api/v1/reps/[email]/strengths/+server.ts';
import { writeFile } from '../fixtures/import/helpers.ts';
import { freshDatabase } from './helpers.ts';

/**
 * Every role on real data (issue 19): what a company imports, not what the demo generator fills in.
 * A roster, then a deal history in the native format with `source` and `sourced_by`, then (in the
 * second part) an accounts file. The strengths read the openers, key accounts and customer-since
 * dates from those imports, and where nothing was imported the views say so instead of showing 0.
 */

const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };
const executive: SessionUser = { id: 'u-exec', email: 'exec@example.test', name: 'Exec', role: 'executive', repId: null, teamIds: [] };
const period = { from: '2026-01-01', to: '2026-03-31' };

const roster = [
	'name,email,team,role',
	'Sam,sam@example.test,North,SDR',
	'Ann,ann@example.test,North,AE',
	'Bob,bob@example.test,North,AE',
	'Kim,kim@example.test,Care,KAM',
	'Kai,kai@example.test,Care,KAM'
].join('\n');

const header = 'snapshot_date,deal_id,deal_name,owner,stage,amount,close_date,created_date,deal_type,account_id,account_name,source,sourced_by';

/** New business in North: who opened each deal is the question. */
const newBusiness = [
	// Sourced by the SDR, owned by the AE: Sam's opening.
	['N1', 'ann@example.test', 'SDR', 'sam@example.test'],
	// Sourced by the AE herself, and she says so.
	['N2', 'ann@example.test', 'Outbound', 'ann@example.test'],
	// An SDR team's lead that names nobody: not Ann's opening, whoever it was.
	['N3', 'ann@example.test', 'Outbound - SDR', ''],
	// Inbound, nobody named: the AE who first owned it turned it into an opportunity.
	['N4', 'ann@example.test', 'Inbound', ''],
	// Sourced by Sam, named by name, owned by Bob.
	['N5', 'bob@example.test', '', 'Sam']
];

/** Renewals in Care: A1 and A3 renew for the first time, A2 has been a customer for years. */
const renewals = [
	['R1', 'kim@example.test', 'A1', 'Closed Won'],
	['R2', 'kim@example.test', 'A2', 'Closed Lost'],
	['R3', 'kim@example.test', 'A3', 'Closed Lost'],
	['R4', 'kai@example.test', 'A4', 'Closed Won']
];

function pipelineCsv(): string {
	const rows: string[] = [header];
	for (const date of ['2026-01-12', '2026-01-19']) {
		for (const [id, owner, source, sourcedBy] of newBusiness) {
			rows.push(`${date},${id},Deal ${id},${owner},Qualified,10000,2026-04-30,2026-01-06,new_business,P-${id},Prospect ${id},${source},${sourcedBy}`);
		}
	}
	for (const [id, owner, account] of renewals) {
		rows.push(`2026-02-02,${id},Renewal ${account},${owner},Negotiation,20000,2026-02-20,2026-01-20,renewal,${account},Customer ${account},existing,`);
	}
	for (const [id, owner, account, outcome] of renewals) {
		rows.push(`2026-02-23,${id},Renewal ${account},${owner},${outcome},20000,2026-02-20,2026-01-20,renewal,${account},Customer ${account},existing,`);
	}
	return rows.join('\n');
}

/** The accounts file as a CRM exports it, read with a column mapping. */
const accountsCsv = [
	'Account Number,Account,Customer since,Key',
	'A1,Customer A1,2025-03-01,yes',
	'A2,Customer A2,2019-05-01,no',
	'A3,Customer A3,2025-06-01,yes',
	'A4,Customer A4,2018-01-01,no'
].join('\n');
const accountsMap = { 'Account Number': 'crm_id', Account: 'name', 'Customer since': 'customer_since', Key: 'key_account' };

let db: Database;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
	({ db, dir, cleanup } = await freshDatabase());
	(globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb = Promise.resolve(db);
	expect((await importFiles(db, [writeFile(dir, 'roster.csv', roster)], { format: 'roster' })).status).toBe('ok');
	const deals = await importFiles(db, [writeFile(dir, 'pipeline.csv', pipelineCsv())], { format: 'native' });
	expect(deals).toMatchObject({ status: 'ok', errors: [], warnings: [] });
});
afterAll(() => cleanup());

const profileOf = (profiles: RepProfile[], name: string) => {
	const found = profiles.find((p) => p.rep.name === name);
	if (!found) throw new Error(`${name} not in ${JSON.stringify(profiles.map((p) => p.rep))}`);
	return found;
};
const strengths = () => db.read((q) => teamStrengths(q, everyone, period));

/** A page's `load` or an endpoint's GET, called as SvelteKit calls them, as an executive. */
function event(path: string, params: Record<string, string>, route: string) {
	const url = new URL(`http://localhost${path}`);
	return { url, params, locals: { user: executive, session: null }, route: { id: route }, request: new Request(url) } as unknown as RequestEvent;
}

describe('an AE is credited as opener only for deals they sourced themselves', () => {
	it('credits the SDR named in sourced_by, the AE for what she sourced or first owned unsourced, and nobody for an SDR lead that names no one', async () => {
		const { profiles } = await strengths();
		expect(profileOf(profiles, 'Sam').kpis.opened).toBe(2);
		expect(profileOf(profiles, 'Ann').kpis.opened).toBe(2);
		expect(profileOf(profiles, 'Bob').kpis.opened).toBe(0);
		// What Ann did not open stays hers to close: the opener's credit moves nothing else.
		const [annRow] = await db.all<{ n: number }>(
			`SELECT count(DISTINCT s.deal_id)::INTEGER AS n FROM snapshots s JOIN reps r ON r.id = s.owner_id WHERE r.name = 'Ann'`
		);
		expect(annRow.n).toBe(4);
	});
});

describe('the roster and the deal history together', () => {
	it("keep the roster's names: a deal file naming its owners by e-mail alone does not rename them to their address", async () => {
		expect(await db.all(`SELECT email, name FROM reps ORDER BY email`)).toEqual([
			{ email: 'ann@example.test', name: 'Ann' },
			{ email: 'bob@example.test', name: 'Bob' },
			{ email: 'kai@example.test', name: 'Kai' },
			{ email: 'kim@example.test', name: 'Kim' },
			{ email: 'sam@example.test', name: 'Sam' }
		]);
	});
});

describe('--format accounts feeds key accounts and customer-since to the account managers', () => {
	it('before any accounts import, their KPIs that need one say "no accounts imported", in the team page, the rep page and the API', async () => {
		const { profiles, accountsImported } = await strengths();
		expect(accountsImported).toBe(false);
		const kim = profileOf(profiles, 'Kim');
		expect(kim.kpisMissing).toEqual({ key_accounts_in_care: 'no_accounts', first_renewal_retention: 'no_accounts' });
		expect(missingLabel(kim.kpisMissing.key_accounts_in_care!)).toBe('no accounts imported');
		// What the deals alone tell stays: three accounts in Kim's care, one of three renewals kept.
		expect(kim.kpis).toMatchObject({ accounts_in_care: 3, renewals_won: 1, renewals_lost: 2 });
		// No activities were imported either: the AE's and SDR's activity KPIs say so.
		expect(profileOf(profiles, 'Ann').kpisMissing).toEqual({ meetings_held: 'no_activities', proposals_sent: 'no_activities' });
		expect(missingLabel('no_activities')).toBe('no activities imported');

		const team = (await teamPage.load(event('/team?months=3', {}, '/(app)/team') as never)) as unknown as {
			kpiTables: { role: string; missing: Record<string, string> }[];
		};
		expect(team.kpiTables.find((t) => t.role === 'KAM')!.missing).toEqual({ key_accounts_in_care: 'no_accounts', first_renewal_retention: 'no_accounts' });
		expect(team.kpiTables.find((t) => t.role === 'SDR')!.missing).toMatchObject({ calls: 'no_activities', meetings_booked: 'no_activities' });

		const rep = (await repPage.load(event('/team/kim@example.test', { rep: 'kim@example.test' }, '/(app)/team/[rep]') as never)) as unknown as {
			profile: RepProfile;
		};
		expect(rep.profile.kpisMissing).toEqual({ key_accounts_in_care: 'no_accounts', first_renewal_retention: 'no_accounts' });

		const response = await strengthsApi.GET(
			event(`/api/v1/reps/kim@example.test/strengths?from=${period.from}&to=${period.to}`, { email: 'kim@example.test' }, '/api/v1/reps/[email]/strengths') as never
		);
		const body = await response.json();
		expect(body.kpis).toMatchObject({ key_accounts_in_care: null, first_renewal_retention: null, accounts_in_care: 3 });
		expect(body.kpis_missing).toEqual({ key_accounts_in_care: 'no_accounts', first_renewal_retention: 'no_accounts' });
	});

	it('imports CRM id, name, customer since and key account with a column mapping, and the KAM KPIs count them', async () => {
		const summary = await importFiles(db, [writeFile(dir, 'accounts.csv', accountsCsv)], { format: 'accounts', map: accountsMap });
		expect(summary).toMatchObject({ status: 'ok', format: 'accounts', rows_loaded: 4, errors: [] });
		expect(await db.all(`SELECT crm_id, name, customer_since::VARCHAR AS since, key_account FROM accounts WHERE crm_id LIKE 'A%' ORDER BY crm_id`)).toEqual([
			{ crm_id: 'A1', name: 'Customer A1', since: '2025-03-01', key_account: true },
			{ crm_id: 'A2', name: 'Customer A2', since: '2019-05-01', key_account: false },
			{ crm_id: 'A3', name: 'Customer A3', since: '2025-06-01', key_account: true },
			{ crm_id: 'A4', name: 'Customer A4', since: '2018-01-01', key_account: false }
		]);

		const { profiles, accountsImported } = await strengths();
		expect(accountsImported).toBe(true);
		const kim = profileOf(profiles, 'Kim');
		expect(kim.kpisMissing).toEqual({});
		// Two of Kim's three accounts are key accounts; of her two first renewals (A1, A3) one was kept.
		expect(kim.kpis).toMatchObject({ accounts_in_care: 3, key_accounts_in_care: 2, first_renewal_retention: 0.5, retention_rate: 1 / 3 });
		// Kai's one renewal is of a long-standing customer: no first renewal to count, and no key account.
		expect(profileOf(profiles, 'Kai').kpis).toMatchObject({ key_accounts_in_care: 0, first_renewal_retention: null });

		const response = await strengthsApi.GET(
			event(`/api/v1/reps/kim@example.test/strengths?from=${period.from}&to=${period.to}`, { email: 'kim@example.test' }, '/api/v1/reps/[email]/strengths') as never
		);
		const body = await response.json();
		expect(body.kpis).toMatchObject({ key_accounts_in_care: 2, first_renewal_retention: 0.5 });
		expect(body.kpis_missing).toEqual({});
	});

	it('is recognised without --format by its headers, and a second file with the key-account column only leaves customer-since as it is', async () => {
		const file = writeFile(dir, 'key-accounts.csv', ['crm_id,key_account', 'A2,true'].join('\n'));
		const summary = await importFiles(db, [file]);
		expect(summary).toMatchObject({ status: 'ok', format: 'accounts', rows_loaded: 1 });
		expect(await db.one(`SELECT customer_since::VARCHAR AS since, key_account FROM accounts WHERE crm_id = 'A2'`)).toEqual({
			since: '2019-05-01',
			key_account: true
		});
	});

	it('refuses an account twice in one file and a date it cannot read, each at its line, and writes nothing', async () => {
		const file = writeFile(
			dir,
			'accounts.csv',
			['crm_id,name,customer_since,key_account', 'A9,Nine,2024-01-01,no', 'A9,Nine again,2024-01-01,no', 'A8,Eight,soon,yes'].join('\n')
		);
		const summary = await importFiles(db, [file], { format: 'accounts' });
		expect(summary.status).toBe('error');
		expect(summary.errors.map((e) => [e.line, e.code]).sort()).toEqual([
			[3, 'duplicate_id'],
			[4, 'not_a_date']
		]);
		expect(await db.one(`SELECT count(*)::INTEGER AS n FROM accounts WHERE crm_id IN ('A8', 'A9')`)).toEqual({ n: 0 });
	});

	it("a leader's accounts file may describe only accounts their own teams sell to", async () => {
		const team = async (name: string) => (await db.one<{ id: number }>('SELECT id FROM teams WHERE name = $name', { name }))!.id;
		const file = writeFile(dir, 'accounts.csv', ['crm_id,key_account', 'A1,no', 'NEW-1,yes'].join('\n'));
		const north = await importFiles(db, [file], { format: 'accounts', importer: { role: 'leader', teamIds: [await team('North')] } });
		expect(north.errors.map((e) => [e.line, e.code, e.value])).toEqual([[2, 'account_outside_team', 'A1']]);
		const care = await importFiles(db, [file], { format: 'accounts', importer: { role: 'leader', teamIds: [await team('Care')] } });
		expect(care.status).toBe('ok');
		expect(await db.one(`SELECT key_account FROM accounts WHERE crm_id = 'A1'`)).toEqual({ key_account: false });
	});
});

describe('the accounts sample (data/samples/accounts/)', () => {
	it('imports onto the HubSpot sample with --format accounts, marking its customers and key accounts', async () => {
		const fresh = await freshDatabase();
		try {
			// Copied next to the database: imports read only from the directories the server allows.
			const copy = (sample: string) => {
				const target = path.join(fresh.dir, path.basename(sample));
				fs.copyFileSync(sample, target);
				return target;
			};
			expect((await importFiles(fresh.db, [copy('data/samples/hubspot/deals.csv')])).status).toBe('ok');
			const summary = await importFiles(fresh.db, [copy('data/samples/accounts/companies.csv')], { format: 'accounts' });
			expect(summary).toMatchObject({ status: 'ok', format: 'accounts', rows_loaded: 11, errors: [] });
			expect(
				await fresh.db.all(`SELECT crm_id, customer_since::VARCHAR AS since, key_account FROM accounts WHERE customer_since IS NOT NULL ORDER BY crm_id`)
			).toEqual([
				{ crm_id: '7003', since: '2023-04-01', key_account: true },
				{ crm_id: '7004', since: '2024-09-15', key_account: false },
				{ crm_id: '7005', since: '2025-11-01', key_account: false },
				{ crm_id: '7009', since: '2021-01-01', key_account: true }
			]);
			// Matched by CRM id to the deals' accounts: no account was created twice.
			expect(await fresh.db.one('SELECT count(*)::INTEGER AS n FROM accounts')).toEqual({ n: 11 });
		} finally {
			fresh.cleanup();
		}
	});
});

describe('NRR with what is still open', () => {
	it('counts a renewal still open past its close date as at risk, apart, and as up for renewal but not (yet) retained', async () => {
		const file = writeFile(
			dir,
			'late-renewal.csv',
			[
				header,
				`2026-02-23,R4,Renewal A4,kai@example.test,Closed Won,20000,2026-02-20,2026-01-20,renewal,A4,Customer A4,existing,`,
				`2026-02-23,R5,Renewal A5,kai@example.test,Negotiation,10000,2026-02-16,2026-01-20,renewal,A5,Customer A5,existing,`
			].join('\n')
		);
		expect((await importFiles(db, [file], { format: 'native' })).status).toBe('ok');
		const kai = profileOf((await strengths()).profiles, 'Kai');
		expect(kai.kpis).toMatchObject({ renewals_won: 1, renewals_lost: 0, renewals_at_risk: 1, retention_rate: 1 });
		expect(kai.kpis.nrr).toBeCloseTo(20000 / 30000, 9);
	});
});

describe('the whole-history pass per deal is a fact', () => {
	it('is built once per data version: another period, quarter by quarter, reads it without building it again; an import builds it anew', async () => {
		const registry = () => db.all<{ name: string; built_at: string }>(`SELECT name, built_at::VARCHAR AS built_at FROM facts.registry WHERE kind = 'strengths'`);
		await strengths();
		const built = await registry();
		expect(built).toHaveLength(1);
		const quarters = [
			{ key: '2026-Q1', from: '2026-01-01', to: '2026-03-31' },
			{ key: 'february', from: '2026-02-01', to: '2026-02-28' }
		];
		const profiles = await db.read((q) => strengthProfiles(q, everyone, quarters));
		expect(profiles.filter((p) => p.rep.name === 'Kim').map((p) => p.kpis.renewals_won)).toEqual([1, 1]);
		expect(await registry()).toEqual(built);

		const file = writeFile(dir, 'accounts.csv', ['crm_id,key_account', 'A4,yes'].join('\n'));
		expect((await importFiles(db, [file], { format: 'accounts' })).status).toBe('ok');
		const { profiles: after } = await strengths();
		expect(profileOf(after, 'Kai').kpis.key_accounts_in_care).toBe(1);
		const rebuilt = await registry();
		expect(rebuilt).toHaveLength(1);
		expect(rebuilt).not.toEqual(built);
	});
});
