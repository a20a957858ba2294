/**
 * What-if scenarios for the 6-18 month view: a person's named set of assumptions (creation, win rate,
 * cycle, slip, deals left out, reps added or removed). They are only ever applied to a projection,
 * never to the data. `assumptions` is the JSON the person sent, naming deals, reps and teams as they
 * know them, so a scenario reads the same whoever opens it; `shared` shows it to executives.
 */
export default /* sql */ `
CREATE SEQUENCE forecast_scenario_ids;
CREATE TABLE forecast_scenarios (
	id INTEGER PRIMARY KEY DEFAULT nextval('forecast_scenario_ids'),
	user_id VARCHAR NOT NULL,
	author VARCHAR NOT NULL,
	name VARCHAR NOT NULL,
	shared BOOLEAN NOT NULL,
	assumptions VARCHAR NOT NULL,
	saved_at TIMESTAMP NOT NULL,
	UNIQUE (user_id, name)
);
`;
