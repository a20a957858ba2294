/**
 * Forecast calls: the number a rep or a leader stands behind for a quarter (commit, best case and a
 * note on what it rests on), and each team's call day.
 *
 * Calls are append-only: a new submission supersedes the one before, it never changes it, so the
 * history of how a call moved through the quarter is simply every row, and accuracy can be judged on
 * the call that was in force at any date. A leader's call is for one team; it records the reps' sum
 * it was made against, so an override of that sum stays visible as one.
 */
export default /* sql */ `
CREATE SEQUENCE forecast_call_ids;
CREATE TABLE forecast_calls (
	id INTEGER PRIMARY KEY DEFAULT nextval('forecast_call_ids'),
	quarter VARCHAR NOT NULL,
	user_id VARCHAR NOT NULL,
	caller_role VARCHAR NOT NULL CHECK (caller_role IN ('rep', 'leader')),
	-- The rep calling (a rep's call); NULL for a leader's team call.
	rep_id INTEGER,
	-- The team the call is for: a rep's team when they called, or the team a leader called for.
	team_id INTEGER NOT NULL,
	commit_amount DECIMAL(18, 2) NOT NULL CHECK (commit_amount >= 0),
	best_case DECIMAL(18, 2) NOT NULL CHECK (best_case >= commit_amount),
	note VARCHAR NOT NULL,
	-- For a leader's call: the sum of the reps' latest calls it was made against (NULL when none had called).
	reps_commit DECIMAL(18, 2),
	reps_best_case DECIMAL(18, 2),
	submitted_at TIMESTAMP NOT NULL,
	CHECK ((caller_role = 'rep') = (rep_id IS NOT NULL))
);

CREATE TABLE forecast_call_days (
	team_id INTEGER PRIMARY KEY,
	-- ISO weekday: 1 = Monday ... 7 = Sunday.
	weekday SMALLINT NOT NULL CHECK (weekday BETWEEN 1 AND 7),
	set_by VARCHAR NOT NULL,
	set_at TIMESTAMP NOT NULL
);
`;
