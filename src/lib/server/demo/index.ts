/**
 * The built-in demo company: three teams, 32 people (two of whom have left), about 1,800 accounts and
 * two years of weekly pipeline snapshots, generated from a seed. Used by `npm run seed -- --demo`
 * and by the server on first start, when the database holds no pipeline yet.
 */
import { DuckDBDateValue, type DuckDBAppender } from '@duckdb/node-api';
import type { Database, Transaction } from '../db/index.ts';
import { dayFromIso, isMonday, isoFromDay, mondayOnOrBefore, weekdayName, type Day } from './calendar.ts';
import { demoReps, demoTeams } from './company.ts';
import { simulateDemoCompany, type ForecastCategory } from './simulate.ts';

export {
	demoRepTraits,
	demoReps,
	demoTeams,
	emailFor,
	type DemoRep,
	type DemoTeam,
	type RepTraits
} from './company.ts';
export { mondayOnOrBefore } from './calendar.ts';

export interface DemoOptions {
	/** The last snapshot, a Monday (YYYY-MM-DD). The caller decides it; the generator never reads the clock. */
	until: string;
	/** Same seed, scale, weeks and until give the same rows, byte for byte. */
	seed?: number;
	/**
	 * 1 = about 1,800 accounts and 9,000 deals over two years; 40 over 52 weeks = about 200,000 deals
	 * and 6 million snapshot rows (the performance issue's volume; see `DEAL_VOLUME`).
	 */
	scale?: number;
	/** Weekly snapshots ending at `until`; 104 = two years. */
	weeks?: number;
	/** Delete all pipeline data first (in the same transaction) instead of refusing a non-empty database. */
	force?: boolean;
}

export interface DemoSummary {
	seed: number;
	scale: number;
	firstSnapshot: string;
	until: string;
	teams: number;
	reps: number;
	accounts: number;
	deals: number;
	snapshotDates: number;
	snapshotRows: number;
	activityRows: number;
	quotaRows: number;
	seconds: number;
}

export const DEFAULT_DEMO_SEED = 42;

/** The tables the demo company fills, children first. */
const pipelineTables = ['snapshots', 'activities', 'quotas', 'deals', 'accounts', 'reps', 'teams'] as const;

/** Raised instead of mixing the demo company into real (or earlier demo) data. */
export class PipelineNotEmptyError extends Error {
	constructor(readonly rows: Record<string, number>) {
		const held = Object.entries(rows)
			.filter(([, n]) => n > 0)
			.map(([table, n]) => `${n.toLocaleString('en')} ${table}`)
			.join(', ');
		super(`The database already holds pipeline data (${held}). Pass --force to replace it with the demo company.`);
		this.name = 'PipelineNotEmptyError';
	}
}

/**
 * Generates the demo company into `db` in one transaction: either all of it is there afterwards or
 * none of it. Refuses a database with any pipeline rows unless `force`. With a lake (`LAKE_PATH`),
 * published to it as an import is, so that every server serves it.
 */
export async function seedDemo(db: Database, options: DemoOptions): Promise<DemoSummary> {
	const settings = checkedOptions(options);
	const started = performance.now();
	return db.writeSnapshots(async (tx) => {
		const held = await pipelineRowCounts(tx);
		if (Object.values(held).some((n) => n > 0)) {
			if (!settings.force) throw new PipelineNotEmptyError(held);
			for (const table of pipelineTables) await tx.run(`DELETE FROM ${table}`);
		}

		for (const team of demoTeams) {
			await tx.run('INSERT INTO teams (id, name) VALUES ($id, $name)', { id: team.id, name: team.name });
		}

		const snapshots = await tx.connection.createAppender('snapshots');
		const company = simulateDemoCompany(settings, snapshotWriter(snapshots));
		snapshots.closeSync();

		for (const rep of demoReps) {
			await tx.run(
				'INSERT INTO reps (id, email, name, role, team_id, active) VALUES ($id, $email, $name, $role, $team, $active)',
				{
					id: rep.id,
					email: rep.email,
					name: rep.name,
					role: rep.role,
					team: rep.teamId,
					active: company.activeRepIds.has(rep.id)
				}
			);
		}

		const accounts = await tx.connection.createAppender('accounts');
		for (const account of company.accounts) {
			accounts.appendInteger(account.id);
			accounts.appendVarchar(account.crmId);
			accounts.appendVarchar(account.name);
			if (account.customerSince === null) accounts.appendNull();
			else accounts.appendDate(date(account.customerSince));
			accounts.appendBoolean(account.keyAccount);
			accounts.endRow();
		}
		accounts.closeSync();

		const deals = await tx.connection.createAppender('deals');
		for (const deal of company.deals) {
			deals.appendInteger(deal.id);
			deals.appendVarchar(deal.crmId);
			deals.appendVarchar(deal.name);
			deals.appendInteger(deal.accountId);
			deals.appendVarchar(deal.dealType);
			deals.appendVarchar(deal.source);
			if (deal.sourcedBy === null) deals.appendNull();
			else deals.appendInteger(deal.sourcedBy);
			deals.appendDate(date(deal.createdDate));
			deals.appendVarchar('EUR');
			deals.endRow();
		}
		deals.closeSync();

		const activities = await tx.connection.createAppender('activities');
		for (const row of company.activities) {
			activities.appendDate(date(row.activityDate));
			activities.appendInteger(row.repId);
			activities.appendVarchar(row.kind);
			activities.appendInteger(row.count);
			activities.endRow();
		}
		activities.closeSync();

		const quotas = await tx.connection.createAppender('quotas');
		for (const row of company.quotas) {
			quotas.appendInteger(row.repId);
			quotas.appendDate(date(row.periodStart));
			quotas.appendDate(date(row.periodEnd));
			quotas.appendDouble(row.amountCents / 100);
			quotas.endRow();
		}
		quotas.closeSync();

		// The rows carry explicit ids (so a --force re-seed gives the same ids); later inserts that
		// rely on the column defaults must not collide with them.
		await advanceSequence(tx, 'team_ids', demoTeams.length);
		await advanceSequence(tx, 'rep_ids', demoReps.length);
		await advanceSequence(tx, 'account_ids', company.accounts.length);
		await advanceSequence(tx, 'deal_ids', company.deals.length);

		return {
			seed: settings.seed,
			scale: settings.scale,
			firstSnapshot: isoFromDay(settings.until - 7 * (settings.weeks - 1)),
			until: isoFromDay(settings.until),
			teams: demoTeams.length,
			reps: demoReps.length,
			accounts: company.accounts.length,
			deals: company.deals.length,
			snapshotDates: company.snapshotDates,
			snapshotRows: company.snapshotRows,
			activityRows: company.activities.length,
			quotaRows: company.quotas.length,
			seconds: Math.round((performance.now() - started) / 100) / 10
		};
	});
}

/**
 * For the server's first start: seeds the demo company (history up to the Monday on or before
 * `today`) when the database holds no pipeline data at all, and otherwise leaves it alone.
 */
export async function seedDemoIfEmpty(
	db: Database,
	options: Partial<Omit<DemoOptions, 'force'>> = {},
	today: Date = new Date()
): Promise<DemoSummary | null> {
	const held = await db.read((q) => pipelineRowCounts(q));
	if (Object.values(held).some((n) => n > 0)) return null;
	try {
		return await seedDemo(db, { ...options, until: options.until ?? mondayOnOrBefore(today) });
	} catch (error) {
		// Someone else filled it in the meantime (an import, a second process): theirs wins.
		if (error instanceof PipelineNotEmptyError) return null;
		throw error;
	}
}

async function pipelineRowCounts(q: Pick<Transaction, 'one'>): Promise<Record<string, number>> {
	const counts: Record<string, number> = {};
	for (const table of pipelineTables) {
		const row = await q.one<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
		counts[table] = row?.n ?? 0;
	}
	return counts;
}

function checkedOptions(options: DemoOptions) {
	const until: Day = dayFromIso(options.until);
	if (!isMonday(until)) {
		throw new Error(
			`until ${options.until} is a ${weekdayName(until)}; snapshots are taken on Mondays ` +
				`(the Monday before is ${mondayOnOrBefore(options.until)}).`
		);
	}
	const seed = options.seed ?? DEFAULT_DEMO_SEED;
	if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
		throw new Error(`seed ${seed} must be a whole number from 0 to 4294967295`);
	}
	const scale = options.scale ?? 1;
	if (!(scale > 0 && scale <= 100)) throw new Error(`scale ${scale} must be above 0 and at most 100`);
	const weeks = options.weeks ?? 104;
	if (!Number.isInteger(weeks) || weeks < 1 || weeks > 520) {
		throw new Error(`weeks ${weeks} must be a whole number from 1 to 520`);
	}
	return { seed, scale, weeks, until, force: options.force ?? false };
}

/** DuckDB DATE values, shared: the same few thousand days recur in millions of rows. */
const dates = new Map<Day, DuckDBDateValue>();
function date(day: Day): DuckDBDateValue {
	let value = dates.get(day);
	if (!value) dates.set(day, (value = new DuckDBDateValue(day)));
	return value;
}

function snapshotWriter(appender: DuckDBAppender) {
	return (
		snapshotDate: Day,
		dealId: number,
		ownerId: number,
		stageId: number,
		amountCents: number,
		probability: number,
		closeDate: Day,
		category: ForecastCategory
	) => {
		appender.appendDate(date(snapshotDate));
		appender.appendInteger(dealId);
		appender.appendInteger(ownerId);
		appender.appendSmallInt(stageId);
		// Whole cents as a double convert to DECIMAL(18,2) exactly: DuckDB rounds the cast, and every
		// amount here is far below 2^53 cents.
		appender.appendDouble(amountCents / 100);
		appender.appendDouble(probability);
		appender.appendDate(date(closeDate));
		appender.appendVarchar(category);
		appender.endRow();
	};
}

/** Moves a sequence past `lastId`, so the next default id is free. */
async function advanceSequence(tx: Transaction, sequence: string, lastId: number) {
	const row = await tx.one<{ v: number }>(`SELECT nextval('${sequence}') AS v`);
	const behind = lastId - (row?.v ?? 0);
	if (behind > 0) await tx.run(`SELECT max(nextval('${sequence}')) FROM range(${behind})`);
}
