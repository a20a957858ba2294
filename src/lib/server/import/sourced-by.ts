import { teamList, type Importer } from './importer.ts';
import type { Checker } from './validate.ts';

/**
 * Who sourced a deal: the SDR or BDR who opened it, named in a deal file's `sourced_by` column by
 * e-mail or by name. The relay credits them with the deal's progress and outcome, which they then
 * see; so the opener must already be a rep (a name nobody knows is warned about and left out), and a
 * leader may only credit reps of their own teams, or their import would show another team's SDR this
 * team's deals.
 */

/** Whether rep `r` is the person the text `value` names. */
export function sourcedByMatches(value: string, r: string): string {
	return `CASE WHEN contains(${value}, '@') THEN lower(${r}.email) = lower(${value}) ELSE lower(${r}.name) = lower(${value}) END`;
}

export async function checkSourcedBy(checker: Checker, rows: string, importer: Importer): Promise<void> {
	const named = `SELECT sourced_by, arg_min(file_no, (file_no, record)) AS file_no, arg_min(record, (file_no, record)) AS record,
			(SELECT min(r.id) FROM reps r WHERE ${sourcedByMatches('x.sourced_by', 'r')}) AS rep_id
		FROM ${rows} x WHERE sourced_by IS NOT NULL GROUP BY sourced_by`;
	await checker.custom(
		'sourced_by_unknown',
		'warning',
		`SELECT file_no, record, 'sourced_by', sourced_by, NULL, NULL, NULL FROM (${named}) WHERE rep_id IS NULL`
	);
	if (importer.role === 'admin') return;
	await checker.custom(
		'owner_outside_team',
		'error',
		`SELECT n.file_no, n.record, 'sourced_by', n.sourced_by, coalesce(t.name, '—'), NULL, NULL
		FROM (${named}) n JOIN reps r ON r.id = n.rep_id LEFT JOIN teams t ON t.id = r.team_id
		WHERE r.team_id IS NULL OR NOT list_contains(${teamList(importer.teamIds)}, r.team_id)`
	);
}
