/**
 * Team membership as spans: which team a rep was in from `valid_from` up to (not including)
 * `valid_to`. Every view that reads history by team joins this by range (`s.snapshot_date >=
 * m.valid_from AND s.snapshot_date < m.valid_to`), so filtering to a team's reps and grouping by team
 * both use the team of the time, written once.
 *
 * A rep with dated membership (`rep_team_history`) has one span per row, the last open-ended; before
 * their first row they were in no team (no span). A rep without any has always been in their team of
 * today. Spans with no team (a rep who left every team) are kept, so a grouping by team sees them as
 * teamless, like a rep without a team today.
 *
 * A view rather than a table: it is as small as the reps and their moves, and never stale.
 */
export default /* sql */ `
CREATE VIEW rep_team_spans AS
SELECT
	h.rep_id,
	h.team_id,
	h.valid_from,
	coalesce(lead(h.valid_from) OVER (PARTITION BY h.rep_id ORDER BY h.valid_from), DATE '9999-12-31') AS valid_to
FROM rep_team_history h
UNION ALL
SELECT r.id AS rep_id, r.team_id, DATE '0001-01-01' AS valid_from, DATE '9999-12-31' AS valid_to
FROM reps r
WHERE NOT EXISTS (SELECT 1 FROM rep_team_history h WHERE h.rep_id = r.id);
`;
