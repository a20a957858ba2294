import { normaliseHeader, recordSql, type FieldSpec } from '../fields.ts';
import type { FormatModule } from '../format.ts';
import { problem } from '../problems.ts';
import { parseRepFacts } from './rep-facts.ts';

/**
 * A roster: who sells in which team, in which role, under which leader (`name` and/or `email`,
 * `team`, `role`, `leader`), as a CRM's user export or a sales-team sheet has it. It puts reps into
 * teams (creating teams and reps it names) and leaders over teams. Who sees whom follows from it, so
 * only admins (and the CLI) may import one: a leader's roster is refused as a whole.
 *
 * A leader is a person who signs in: the column names an existing leader's user account (e-mail or
 * name), which then leads the team; accounts are made with `npm run user`, never from a file.
 * A blank team leaves a known rep's team as it is.
 *
 * With `valid_from`, membership is kept with its dates (rep_team_history): the row's team is the
 * rep's from that date, the team they were in before stays theirs until then, so a rep who moves
 * keeps their past in the old team's history (team views read membership as of each snapshot). A
 * rep's team of today (reps.team_id) is their latest membership. Without `valid_from`, a rep who
 * already has dated membership moves as of today.
 */
const specs: FieldSpec[] = [
	{ name: 'name', kind: 'text' },
	{ name: 'email', kind: 'text' },
	{ name: 'team', kind: 'text' },
	{ name: 'role', kind: 'role' },
	{ name: 'leader', kind: 'text' },
	{ name: 'valid_from', kind: 'date' }
];

export const roster: FormatModule = {
	format: 'roster',
	stageAliases: {},
	mapFields: specs.map((s) => s.name),

	detect(files) {
		return files.every((file) => {
			const headers = new Set(file.columns.map(normaliseHeader));
			return (headers.has('name') || headers.has('email')) && headers.has('team') && !headers.has('deal_id') && !headers.has('amount');
		});
	},

	async run(context) {
		const { staging, checker } = context;
		if (context.options.importer && context.options.importer.role !== 'admin') {
			checker.add(problem('error', 'roster_admin_only', {}));
			return;
		}
		const people = staging.table('facts');
		await staging.run(`CREATE TABLE ${people} (file_no INTEGER, record BIGINT, name VARCHAR, email VARCHAR, team VARCHAR,
			role VARCHAR, leader VARCHAR, valid_from DATE)`);
		await parseRepFacts(context, 'roster', specs, async (parsed) => {
			const v = parsed.value;
			await staging.run(
				`INSERT INTO ${people} SELECT ${parsed.file.no}, ${recordSql}, ${v('name')}, lower(${v('email')}), ${v('team')}, ${v('role')}, ${v('leader')},
					${v('valid_from')}
				FROM ${parsed.from}`
			);
			await checker.custom(
				'roster_no_person',
				'error',
				`SELECT file_no, record, NULL, NULL, NULL, NULL, NULL FROM ${people}
				WHERE file_no = ${parsed.file.no} AND name IS NULL AND email IS NULL`
			);
		});
		// One person twice (from the same date): which team is theirs?
		await checker.custom(
			'duplicate_id',
			'error',
			`SELECT file_no, record, NULL, person, NULL, first_file_no, first_record FROM (
				SELECT *, coalesce(email, lower(name)) AS person, first_value(file_no) OVER w AS first_file_no,
					first_value(record) OVER w AS first_record, row_number() OVER w AS n
				FROM ${people} WHERE coalesce(email, name) IS NOT NULL
				WINDOW w AS (PARTITION BY coalesce(email, lower(name)), valid_from ORDER BY file_no, record)
			) WHERE n > 1`
		);
		await checker.custom(
			'leader_not_a_user',
			'warning',
			`SELECT arg_min(file_no, (file_no, record)), arg_min(record, (file_no, record)), 'leader', min(leader), NULL, NULL, NULL
			FROM ${people} p
			WHERE leader IS NOT NULL AND NOT EXISTS (
				SELECT 1 FROM users u WHERE u.role = 'leader' AND (lower(u.email) = lower(p.leader) OR lower(u.name) = lower(p.leader))
			)
			GROUP BY lower(leader)`
		);
		await checker.custom(
			'leader_without_team',
			'error',
			`SELECT file_no, record, 'leader', leader, NULL, NULL, NULL FROM ${people} WHERE leader IS NOT NULL AND team IS NULL`
		);
	},

	async load(tx, staging) {
		const people = staging.table('facts');
		const count = async (sql: string) => (await tx.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM (${sql})`))?.n ?? 0;
		const newTeams = `SELECT DISTINCT ON (lower(team)) team AS name FROM ${people} p
			WHERE team IS NOT NULL AND NOT EXISTS (SELECT 1 FROM teams WHERE lower(teams.name) = lower(p.team))`;
		const teams = await count(newTeams);
		await tx.run(`INSERT INTO teams (name) SELECT name FROM (${newTeams}) ORDER BY name`);
		// A person is the rep with their e-mail, or else with their name.
		const matched = `(SELECT min(r.id) FROM reps r WHERE CASE WHEN p.email IS NOT NULL THEN lower(r.email) = p.email ELSE lower(r.name) = lower(p.name) END)`;
		const teamOf = `(SELECT id FROM teams WHERE lower(teams.name) = lower(p.team))`;
		// A new person with several dated rows is one new rep.
		const newReps = `SELECT DISTINCT ON (coalesce(p.email, lower(p.name))) p.* FROM ${people} p WHERE ${matched} IS NULL
			ORDER BY coalesce(p.email, lower(p.name)), p.valid_from DESC NULLS FIRST`;
		const reps = await count(newReps);
		const known = (await tx.one<{ id: number }>('SELECT coalesce(max(id), 0)::INTEGER AS id FROM reps'))?.id ?? 0;
		// Reps without an e-mail get an address under .invalid, as imports of deals by owner name do.
		await tx.run(`INSERT INTO reps (email, name, role, team_id)
			SELECT coalesce(p.email, trim(regexp_replace(lower(strip_accents(p.name)), '[^a-z0-9]+', '.', 'g'), '.') || '@no-email.invalid'),
				coalesce(p.name, p.email), coalesce(p.role, 'AE'), ${teamOf}
			FROM (${newReps}) p ORDER BY 1`);
		// Dated membership, before reps.team_id changes: the team a rep was in until now is theirs
		// from the beginning (unless their membership already has dates), the row's team from its date.
		const dated = `SELECT ${matched} AS rep_id, ${teamOf} AS team_id, coalesce(p.valid_from, current_date) AS valid_from
			FROM ${people} p
			WHERE p.team IS NOT NULL AND (p.valid_from IS NOT NULL OR EXISTS (SELECT 1 FROM rep_team_history h WHERE h.rep_id = ${matched}))`;
		await tx.run(`INSERT INTO rep_team_history (rep_id, team_id, valid_from)
			SELECT r.id, r.team_id, DATE '1900-01-01' FROM reps r
			WHERE r.id IN (SELECT rep_id FROM (${dated})) AND NOT EXISTS (SELECT 1 FROM rep_team_history h WHERE h.rep_id = r.id)
				-- A rep this roster creates was in no team of ours before their first date.
				AND r.id <= ${known}`);
		await tx.run(`INSERT OR REPLACE INTO rep_team_history (rep_id, team_id, valid_from) SELECT * FROM (${dated})`);
		await tx.run(`UPDATE reps SET name = coalesce(p.name, reps.name), role = coalesce(p.role, reps.role), team_id = coalesce(${teamOf}, reps.team_id)
			FROM ${people} p WHERE reps.id = ${matched}`);
		// Today's team is the latest membership (a roster of old moves must not undo a later one).
		await tx.run(`UPDATE reps SET team_id = h.team_id
			FROM (SELECT rep_id, arg_max(team_id, valid_from) AS team_id FROM rep_team_history WHERE valid_from <= current_date GROUP BY rep_id) h
			WHERE reps.id = h.rep_id AND reps.id IN (SELECT ${matched} FROM ${people} p)`);
		await tx.run(`INSERT OR IGNORE INTO user_teams (user_id, team_id)
			SELECT DISTINCT u.id, ${teamOf} FROM ${people} p
			JOIN users u ON u.role = 'leader' AND (lower(u.email) = lower(p.leader) OR lower(u.name) = lower(p.leader))
			WHERE p.team IS NOT NULL`);
		const rows = await count(`SELECT 1 FROM ${people}`);
		return { rowsLoaded: rows, created: { teams, reps } };
	}
};
