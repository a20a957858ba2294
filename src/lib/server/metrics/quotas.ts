import { repsInScope, teamsInScope, type Scope } from '../auth/scope.ts';
import { sql, type Sql } from '../db/index.ts';

/**
 * The quota a scope is measured against, per month of a `months` CTE (column `month_start`): for a
 * team the scope covers whole (every rep of it in scope), the team's own quota where one is set for
 * the month, otherwise the sum of the quotas of the reps in scope. A team quota is the target the
 * company gave the team; its reps' quotas may be missing, or add up to more (managers over-assign).
 * A rep's own figures, or a part of a team, only ever use reps' quotas. Each quota counts for the
 * days of its period that fall in the month, so a quarter's months add up to the quarter's quota.
 *
 * A SELECT of (month_start, quota) to use as a CTE, carrying its own parameters.
 */
export function quotaByMonth(scope: Scope): Sql {
	const reps = repsInScope(scope, sql`q.rep_id`);
	const teamReps = repsInScope(scope, sql`member.id`);
	const teams = teamsInScope(scope, sql`t.id`);
	const share = (q: Sql) => sql`
		${q}.amount::DOUBLE
		* (datediff('day', greatest(${q}.period_start, m.month_start), least(${q}.period_end, last_day(m.month_start))) + 1)
		/ (datediff('day', ${q}.period_start, ${q}.period_end) + 1)`;
	const overlaps = (q: Sql) => sql`${q}.period_start <= last_day(m.month_start) AND ${q}.period_end >= m.month_start`;
	const wholeTeams = sql`(
		SELECT t.id FROM teams t
		WHERE ${teams} AND NOT EXISTS (SELECT 1 FROM reps member WHERE member.team_id = t.id AND NOT (${teamReps}))
	)`;
	const [tq, q] = [sql`tq`, sql`q`];
	return sql`
		SELECT month_start, sum(share) AS quota FROM (
			SELECT m.month_start, ${share(tq)} AS share
			FROM months m JOIN team_quotas tq ON ${overlaps(tq)}
			WHERE tq.team_id IN ${wholeTeams}
			UNION ALL
			SELECT m.month_start, ${share(q)} AS share
			FROM months m
			JOIN quotas q ON ${overlaps(q)}
			LEFT JOIN reps r ON r.id = q.rep_id
			WHERE ${reps}
				AND NOT EXISTS (
					SELECT 1 FROM team_quotas tq
					WHERE tq.team_id = r.team_id AND ${overlaps(tq)} AND tq.team_id IN ${wholeTeams}
				)
		)
		GROUP BY month_start`;
}
