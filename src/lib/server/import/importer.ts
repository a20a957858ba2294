import { problem } from './problems.ts';
import type { Staging } from './staging.ts';
import type { ImportProblem, ReplacedSnapshot } from './types.ts';
import type { Checker } from './validate.ts';

/**
 * Who imports decides what an import may touch. Who sees whose data follows from which team a rep
 * is in, so an import that could add a rep to a team, move one, or take over another team's deal
 * would let a leader widen their own view. Admins (and the CLI, which holds the database file
 * itself) may do all of that; a leader's import may only carry the pipeline of reps already in
 * their teams, and anything else is refused with its line before anything is written.
 */
export type Importer = { readonly role: 'admin' } | { readonly role: 'leader'; readonly teamIds: readonly number[] };

export const adminImporter: Importer = { role: 'admin' };

/** What a signed-in person may import: admins anything, leaders their teams' reps, others nothing. */
export function importerFor(user: { role: string; teamIds: readonly number[] }): Importer {
	return user.role === 'admin' ? adminImporter : { role: 'leader', teamIds: user.role === 'leader' ? [...user.teamIds] : [] };
}

/** Whether rep `r` is the owner `o` names: by e-mail, or by name for owners given without one. */
export function ownerIsRep(o: string, r: string): string {
	return `CASE WHEN ${o}.is_email THEN lower(${r}.email) = ${o}.key ELSE lower(${r}.name) = ${o}.key END`;
}

/** The owners a file names, each with the first row naming it and the rep it already is, if any. */
async function ownersOfFile(staging: Staging, rows: string): Promise<string> {
	const table = staging.table('importer_owners');
	await staging.run(`CREATE OR REPLACE TABLE ${table} AS
		WITH named AS (
			SELECT lower(owner) AS key, bool_or(contains(owner, '@')) AS is_email,
				arg_min(owner, (file_no, record)) AS owner,
				arg_min(file_no, (file_no, record)) AS file_no, arg_min(record, (file_no, record)) AS record
			FROM ${rows} WHERE owner IS NOT NULL GROUP BY 1
		),
		matched AS (SELECT o.key, min(r.id) AS rep_id FROM named o JOIN reps r ON ${ownerIsRep('o', 'r')} GROUP BY o.key)
		SELECT named.*, rep.id AS rep_id, rep.team_id, team.name AS team_name
		FROM named LEFT JOIN matched USING (key) LEFT JOIN reps rep ON rep.id = matched.rep_id LEFT JOIN teams team ON team.id = rep.team_id`);
	return table;
}

/** Team ids as an SQL list: they are integers from our own database, never text from a file. */
export function teamList(teamIds: readonly number[]): string {
	return `[${teamIds.map((id) => Math.trunc(Number(id))).join(', ')}]::INTEGER[]`;
}

/**
 * Refuses, row by row, whatever in a leader's import lies outside their teams: an owner who is not
 * a rep yet (only admins add reps), a rep of another team or of none, a team column that would move
 * a rep or create a team, and a deal that another team's rep holds (now, or on a date the file
 * replaces). Admins' imports pass unchecked.
 */
export async function checkImporterScope(staging: Staging, checker: Checker, rows: string, importer: Importer): Promise<void> {
	if (importer.role === 'admin') return;
	const owners = await ownersOfFile(staging, rows);
	const mine = teamList(importer.teamIds);
	const inMyTeams = (teamId: string) => `(${teamId} IS NOT NULL AND list_contains(${mine}, ${teamId}))`;

	await checker.custom(
		'owner_not_a_rep',
		'error',
		`SELECT file_no, record, 'owner', owner, NULL, NULL, NULL FROM ${owners} WHERE rep_id IS NULL`
	);
	await checker.custom(
		'owner_outside_team',
		'error',
		`SELECT file_no, record, 'owner', owner, coalesce(team_name, '—'), NULL, NULL
		FROM ${owners} WHERE rep_id IS NOT NULL AND NOT ${inMyTeams('team_id')}`
	);
	// Naming the rep's own team is harmless; any other team would move the rep (or create a team).
	await checker.custom(
		'team_change_not_allowed',
		'error',
		`SELECT arg_min(r.file_no, (r.file_no, r.record)), arg_min(r.record, (r.file_no, r.record)), 'team', r.team, o.team_name, NULL, NULL
		FROM ${rows} r JOIN ${owners} o ON o.key = lower(r.owner)
		WHERE r.team IS NOT NULL AND o.rep_id IS NOT NULL AND ${inMyTeams('o.team_id')}
			AND lower(trim(r.team)) IS DISTINCT FROM lower(o.team_name)
		GROUP BY r.team, o.team_name`
	);
	await checker.custom(
		'deal_outside_team',
		'error',
		`WITH file_deals AS (
			SELECT d.id AS deal_id, r.deal, arg_min(r.file_no, (r.file_no, r.record)) AS file_no,
				arg_min(r.record, (r.file_no, r.record)) AS record, list(DISTINCT r.snapshot_date) AS dates
			FROM ${rows} r JOIN deals d ON d.crm_id = r.deal GROUP BY d.id, r.deal
		),
		holders AS (
			-- Who holds the deal now, and on each date the file would overwrite.
			SELECT s.deal_id, arg_max(s.owner_id, s.snapshot_date) AS owner_id FROM snapshots s
			SEMI JOIN file_deals f ON f.deal_id = s.deal_id GROUP BY s.deal_id
			UNION ALL
			SELECT s.deal_id, s.owner_id FROM snapshots s JOIN file_deals f ON f.deal_id = s.deal_id
			WHERE list_contains(f.dates, s.snapshot_date)
		)
		SELECT DISTINCT ON (f.deal) f.file_no, f.record, 'deal_id', f.deal, coalesce(team.name, '—'), NULL, NULL
		FROM file_deals f JOIN holders h ON h.deal_id = f.deal_id JOIN reps rep ON rep.id = h.owner_id
		LEFT JOIN teams team ON team.id = rep.team_id
		WHERE NOT ${inMyTeams('rep.team_id')}
		ORDER BY f.deal`
	);
}

/**
 * Which existing snapshot rows an import replaces, per date and team. A date's rows are replaced
 * only for the owners the file names on that date, so one team's file never touches another
 * team's week; `replaceDates` (an admin's explicit choice) replaces the whole date. `deleted`
 * counts the replaced rows whose deal the file no longer carries.
 */
export async function replacedSnapshots(staging: Staging, rows: string, replaceDates: boolean): Promise<ReplacedSnapshot[]> {
	const owners = await ownersOfFile(staging, rows);
	const found = await staging.all<{ date: string; team: string | null; rows: number; deleted: number }>(
		`WITH carried AS (
			SELECT DISTINCT r.snapshot_date, o.rep_id FROM ${rows} r JOIN ${owners} o ON o.key = lower(r.owner) WHERE o.rep_id IS NOT NULL
		),
		incoming AS (SELECT DISTINCT r.snapshot_date, d.id AS deal_id FROM ${rows} r JOIN deals d ON d.crm_id = r.deal),
		replaced AS (
			SELECT s.snapshot_date, s.deal_id, s.owner_id FROM snapshots s
			WHERE s.snapshot_date IN (SELECT DISTINCT snapshot_date FROM ${rows})
				AND (${replaceDates ? 'true' : 'false'} OR EXISTS (
					SELECT 1 FROM carried c WHERE c.snapshot_date = s.snapshot_date AND c.rep_id = s.owner_id))
		)
		SELECT strftime(x.snapshot_date, '%Y-%m-%d') AS date, team.name AS team, count(*)::INTEGER AS rows,
			(count(*) FILTER (WHERE i.deal_id IS NULL))::INTEGER AS deleted
		FROM replaced x LEFT JOIN incoming i USING (snapshot_date, deal_id)
		LEFT JOIN reps rep ON rep.id = x.owner_id LEFT JOIN teams team ON team.id = rep.team_id
		GROUP BY ALL ORDER BY 1, 2 NULLS LAST`
	);
	const byDate = new Map<string, ReplacedSnapshot>();
	for (const row of found) {
		const date = byDate.get(row.date) ?? { date: row.date, rows: 0, deleted: 0, teams: [] };
		date.rows += row.rows;
		date.deleted += row.deleted;
		date.teams.push({ team: row.team, rows: row.rows, deleted: row.deleted });
		byDate.set(row.date, date);
	}
	return [...byDate.values()];
}

/**
 * Open deals that a file drops: open on the snapshot before one of its dates, held by an owner the
 * file names on that date (any owner, with `replaceDates`), and absent from the file on it. They
 * will read as "removed" in the waterfall, not as lost: an export of open deals only drops every
 * deal as it closes, and the person importing should know before it happens.
 */
export async function droppedOpenDeals(staging: Staging, rows: string, replaceDates: boolean): Promise<ImportProblem[]> {
	const owners = await ownersOfFile(staging, rows);
	const dropped = await staging.all<{ date: string; before: string; n: number }>(
		`WITH file_dates AS (SELECT DISTINCT snapshot_date AS d FROM ${rows}),
		all_dates AS (SELECT d FROM file_dates UNION SELECT DISTINCT snapshot_date FROM snapshots),
		pairs AS (SELECT f.d, (SELECT max(a.d) FROM all_dates a WHERE a.d < f.d) AS p FROM file_dates f),
		carried AS (
			SELECT DISTINCT r.snapshot_date AS d, lower(r.owner) AS key, o.rep_id
			FROM ${rows} r JOIN ${owners} o ON o.key = lower(r.owner)
		),
		open_before AS (
			SELECT pr.d, pr.p, r.deal FROM pairs pr
			JOIN ${rows} r ON r.snapshot_date = pr.p JOIN stages st ON st.id = r.stage_id
			WHERE st.outcome = 'open'
				AND (${replaceDates} OR EXISTS (SELECT 1 FROM carried c WHERE c.d = pr.d AND c.key = lower(r.owner)))
			UNION
			SELECT pr.d, pr.p, deal.crm_id FROM pairs pr
			JOIN snapshots s ON s.snapshot_date = pr.p JOIN stages st ON st.id = s.stage_id JOIN deals deal ON deal.id = s.deal_id
			WHERE st.outcome = 'open' AND pr.p NOT IN (SELECT d FROM file_dates)
				AND (${replaceDates} OR EXISTS (SELECT 1 FROM carried c WHERE c.d = pr.d AND c.rep_id = s.owner_id))
		)
		SELECT strftime(o.d, '%Y-%m-%d') AS date, strftime(o.p, '%Y-%m-%d') AS before, count(*)::INTEGER AS n
		FROM open_before o
		WHERE NOT EXISTS (SELECT 1 FROM ${rows} r WHERE r.snapshot_date = o.d AND r.deal = o.deal)
		GROUP BY ALL ORDER BY 1`
	);
	return dropped.map((d) => problem('warning', 'open_deals_dropped', {}, { count: String(d.n), value: d.date, other: d.before }));
}
