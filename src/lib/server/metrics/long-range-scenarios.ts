import * as v from 'valibot';
import { listValue } from '@duckdb/node-api';
import type { Database, Queryable } from '../db/index.ts';
import type { Scope } from '../auth/scope.ts';
import type { SessionUser } from '../auth/session.ts';
import { isMonth } from '../../domain/periods.ts';
import { monthIndex } from './long-range-facts.ts';
import { baseline, type Assumptions, type RepChange } from './long-range-projection.ts';
import { Forbidden, NotFound } from '../errors.ts';

/**
 * What-if scenarios: named assumptions a leader, executive or rep saves and applies to the 6-18 month
 * view. A scenario never changes the data; it is stored as written (deal CRM ids, rep e-mails, team
 * names) and resolved against the viewer's scope each time it is applied, so a change naming someone
 * outside that scope simply has no effect there. Each person sees their own scenarios; executives
 * and admins also see those shared with them.
 */

/** What a scenario may change, as the API and the page's what-if form write it. */
export interface ScenarioAssumptions {
	creation_pct: number;
	win_rate_pct: number;
	cycle_pct: number;
	slip_share_pct: number;
	exclude_deals: string[];
	reps: ScenarioRepChange[];
}

export type ScenarioRepChange = { action: 'add'; team: string; from: string } | { action: 'remove'; rep: string; from: string };

export const noChange: ScenarioAssumptions = { creation_pct: 0, win_rate_pct: 0, cycle_pct: 0, slip_share_pct: 0, exclude_deals: [], reps: [] };

const percent = (name: string, min: number, max: number) =>
	v.optional(
		v.pipe(
			v.number(`${name} must be a number`),
			v.check((value) => Number.isFinite(value) && value >= min && value <= max, `${name} must be from ${min} to ${max}`)
		),
		0
	);
const month = (name: string) => v.pipe(v.string(), v.check(isMonth, `${name} must be a month written YYYY-MM, e.g. 2027-03`));

export const assumptionsSchema = v.object({
	creation_pct: percent('creation_pct', -90, 200),
	win_rate_pct: percent('win_rate_pct', -90, 100),
	cycle_pct: percent('cycle_pct', -50, 200),
	slip_share_pct: percent('slip_share_pct', 0, 100),
	exclude_deals: v.optional(v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(200))), v.maxLength(200)), []),
	reps: v.optional(
		v.pipe(
			v.array(
				v.variant('action', [
					v.object({ action: v.literal('add'), team: v.pipe(v.string(), v.minLength(1)), from: month('reps[].from') }),
					v.object({ action: v.literal('remove'), rep: v.pipe(v.string(), v.minLength(1)), from: month('reps[].from') })
				])
			),
			v.maxLength(50)
		),
		[]
	)
});

const scenarioSchema = v.object({
	name: v.pipe(v.string('name is required'), v.trim(), v.minLength(1, 'name is required'), v.maxLength(120, 'name: at most 120 characters')),
	shared: v.optional(v.boolean('shared must be true or false'), false),
	assumptions: v.optional(assumptionsSchema, {})
});

export type ScenarioInput = v.InferOutput<typeof scenarioSchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; issues: { parameter: string | null; message: string }[] };

function parsed<T>(result: v.SafeParseResult<v.GenericSchema<unknown, T>>): Parsed<T> {
	if (result.success) return { ok: true, value: result.output };
	const issues = result.issues.map((issue) => ({ parameter: v.getDotPath(issue) ?? null, message: issue.message }));
	return { ok: false, message: issues.map((i) => (i.parameter ? `${i.parameter}: ${i.message}` : i.message)).join('; '), issues };
}

export function parseScenario(body: unknown): Parsed<ScenarioInput> {
	return parsed(v.safeParse(scenarioSchema, body));
}

export function parseAssumptions(body: unknown): Parsed<ScenarioAssumptions> {
	return parsed(v.safeParse(assumptionsSchema, body));
}

export interface SavedScenario {
	id: number;
	name: string;
	author: string;
	shared: boolean;
	mine: boolean;
	saved_at: string;
	assumptions: ScenarioAssumptions;
}

/**
 * Checks that everything a scenario names is within the author's scope: a rep may not add or remove
 * reps; a leader only names their own teams, reps and deals. Anything else is a 404, as on every URL.
 */
async function checkNames(db: Queryable, user: SessionUser, scope: Scope, assumptions: ScenarioAssumptions): Promise<void> {
	if (user.role === 'rep' && assumptions.reps.length > 0) throw new Forbidden('A rep’s scenarios change their own assumptions, not who is on the team.');
	for (const change of assumptions.reps) {
		if (change.action === 'add') {
			const team = await db.one<{ id: number }>('SELECT id FROM teams WHERE name = $name', { name: change.team });
			if (!team || (scope.teamIds !== null && !scope.teamIds.includes(team.id))) throw new NotFound(`No such team: ${change.team}`);
		} else {
			const rep = await db.one<{ id: number }>('SELECT id FROM reps WHERE lower(email) = lower($email)', { email: change.rep });
			if (!rep || (scope.repIds !== null && !scope.repIds.includes(rep.id))) throw new NotFound(`No such rep: ${change.rep}`);
		}
	}
	if (assumptions.exclude_deals.length > 0) {
		const known = await db.all<{ crm_id: string; owner_id: number | null }>(
			`SELECT d.crm_id, (SELECT arg_max(s.owner_id, s.snapshot_date) FROM snapshots s WHERE s.deal_id = d.id) AS owner_id
			FROM deals d WHERE list_contains($crm_ids::VARCHAR[], d.crm_id)`,
			{ crm_ids: listValue(assumptions.exclude_deals) }
		);
		for (const crmId of assumptions.exclude_deals) {
			const deal = known.find((d) => d.crm_id === crmId);
			if (!deal || (scope.repIds !== null && (deal.owner_id === null || !scope.repIds.includes(deal.owner_id)))) throw new NotFound(`No such deal: ${crmId}`);
		}
	}
}

/** Saves a scenario under its name for the user (a second save of the same name replaces it). */
export async function saveScenario(db: Database, user: SessionUser, scope: Scope, input: ScenarioInput): Promise<SavedScenario> {
	const assumptions: ScenarioAssumptions = { ...noChange, ...input.assumptions };
	await db.read((q) => checkNames(q, user, scope, assumptions));
	const id = await db.write(async (tx) => {
		const existing = await tx.one<{ id: number }>('SELECT id FROM forecast_scenarios WHERE user_id = $user AND name = $name', {
			user: user.id,
			name: input.name
		});
		const values = { user: user.id, author: user.name, name: input.name, shared: input.shared, assumptions: JSON.stringify(assumptions) };
		if (existing) {
			await tx.run(
				`UPDATE forecast_scenarios SET shared = $shared, assumptions = $assumptions, author = $author, saved_at = current_localtimestamp()
				WHERE id = $id AND user_id = $user AND name = $name`,
				{ ...values, id: existing.id }
			);
			return existing.id;
		}
		const row = await tx.one<{ id: number }>(
			`INSERT INTO forecast_scenarios (user_id, author, name, shared, assumptions, saved_at)
			VALUES ($user, $author, $name, $shared, $assumptions, current_localtimestamp()) RETURNING id`,
			values
		);
		return row!.id;
	});
	return (await scenarioFor(db, user, id))!;
}

const visibleSql = `(user_id = $user OR (shared AND $sees_shared))`;
const seesShared = (user: SessionUser) => user.role === 'executive' || user.role === 'admin';

interface ScenarioRow {
	id: number;
	name: string;
	author: string;
	shared: boolean;
	user_id: string;
	saved_at: string;
	assumptions: string;
}

const toScenario = (user: SessionUser) => (row: ScenarioRow): SavedScenario => ({
	id: row.id,
	name: row.name,
	author: row.author,
	shared: row.shared,
	mine: row.user_id === user.id,
	saved_at: row.saved_at,
	assumptions: { ...noChange, ...(JSON.parse(row.assumptions) as Partial<ScenarioAssumptions>) }
});

/** The scenarios the user may apply: their own, and for executives and admins those shared. */
export async function scenariosFor(db: Queryable | Database, user: SessionUser): Promise<SavedScenario[]> {
	const rows = await db.all<ScenarioRow>(
		`SELECT id::INTEGER AS id, name, author, shared, user_id, strftime(saved_at, '%Y-%m-%dT%H:%M:%S') AS saved_at, assumptions
		FROM forecast_scenarios WHERE ${visibleSql} ORDER BY user_id = $user DESC, name, id`,
		{ user: user.id, sees_shared: seesShared(user) }
	);
	return rows.map(toScenario(user));
}

/** One scenario the user may apply, or undefined (which the routes answer 404). */
export async function scenarioFor(db: Queryable | Database, user: SessionUser, id: number): Promise<SavedScenario | undefined> {
	const row = await db.one<ScenarioRow>(
		`SELECT id::INTEGER AS id, name, author, shared, user_id, strftime(saved_at, '%Y-%m-%dT%H:%M:%S') AS saved_at, assumptions
		FROM forecast_scenarios WHERE id = $id AND ${visibleSql}`,
		{ id, user: user.id, sees_shared: seesShared(user) }
	);
	return row && toScenario(user)(row);
}

/**
 * The scenario's assumptions as the projection takes them, for this scope: deals and reps by id,
 * months as indexes. Reps outside the scope and teams outside it have no effect.
 */
export async function resolveAssumptions(db: Queryable, scope: Scope, assumptions: ScenarioAssumptions): Promise<Assumptions> {
	const deals =
		assumptions.exclude_deals.length === 0
			? []
			: await db.all<{ id: number }>('SELECT id::INTEGER AS id FROM deals WHERE list_contains($crm_ids::VARCHAR[], crm_id)', {
					crm_ids: listValue(assumptions.exclude_deals)
				});
	const repChanges: RepChange[] = [];
	for (const change of assumptions.reps) {
		if (change.action === 'add') {
			const team = await db.one<{ id: number }>('SELECT id::INTEGER AS id FROM teams WHERE name = $name', { name: change.team });
			if (team && (scope.teamIds === null || scope.teamIds.includes(team.id))) repChanges.push({ action: 'add', teamId: team.id, fromMonth: monthIndex(change.from) });
		} else {
			const rep = await db.one<{ id: number }>('SELECT id::INTEGER AS id FROM reps WHERE lower(email) = lower($email)', { email: change.rep });
			if (rep) repChanges.push({ action: 'remove', repId: rep.id, fromMonth: monthIndex(change.from) });
		}
	}
	return {
		...baseline,
		creationPct: assumptions.creation_pct,
		winRatePct: assumptions.win_rate_pct,
		cyclePct: assumptions.cycle_pct,
		slipSharePct: assumptions.slip_share_pct,
		excludeDealIds: deals.map((d) => d.id),
		repChanges
	};
}
