/**
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
`;
