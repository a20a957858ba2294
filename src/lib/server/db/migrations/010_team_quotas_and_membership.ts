/**
 * Team membership with dates (a roster's \`valid_from\`): the team a rep was in from each date on,
 * so a team's history stays with the reps who were in it at the time. \`reps.team_id\` stays the
 * team of today; a rep without rows here has always been in it.
 *
 * Team quotas: a target set for a team as a whole (`--format quotas` with a team instead of a rep),
 * which is what many companies plan with. Where a team's quota covers a month, the team's figures
 * use it instead of adding up its reps' quotas, which may be missing or not add up to the team's.
 */
export default /* sql */ `
CREATE TABLE team_quotas (
	team_id INTEGER NOT NULL,
	period_start DATE NOT NULL,
	period_end DATE NOT NULL,
	amount DECIMAL(18, 2) NOT NULL CHECK (amount >= 0),
	PRIMARY KEY (team_id, period_start),
	CHECK (period_end >= period_start)
);

CREATE TABLE rep_team_history (
	rep_id INTEGER NOT NULL,
	-- NULL: in no team from valid_from on.
	team_id INTEGER,
	valid_from DATE NOT NULL,
	PRIMARY KEY (rep_id, valid_from)
);
`;
