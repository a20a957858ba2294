import pipeline from './001_pipeline.ts';
import auth from './002_auth.ts';
import imports from './003_imports.ts';
import preferences from './004_preferences.ts';
import coaching from './005_coaching.ts';
import forecastCalls from './006_forecast_calls.ts';
import forecastScenarios from './007_forecast_scenarios.ts';
import unknownValues from './008_unknown_values.ts';
import currencies from './009_currencies.ts';
import teamQuotasAndMembership from './010_team_quotas_and_membership.ts';
import teamMembershipSpans from './011_team_membership_spans.ts';
import appStateChanges from './012_app_state_changes.ts';

/**
 * Every schema change ever shipped, in order. Never edit a shipped entry: databases in the field were
 * built from it. Add a new one; `migrate` applies whichever are newer than the database.
 */
export const migrations: { version: number; name: string; sql: string }[] = [
	{ version: 1, name: 'pipeline', sql: pipeline },
	{ version: 2, name: 'auth', sql: auth },
	{ version: 3, name: 'imports', sql: imports },
	{ version: 4, name: 'preferences', sql: preferences },
	{ version: 5, name: 'coaching', sql: coaching },
	{ version: 6, name: 'forecast calls', sql: forecastCalls },
	{ version: 7, name: 'forecast scenarios', sql: forecastScenarios },
	{ version: 8, name: 'unknown values', sql: unknownValues },
	{ version: 9, name: 'currencies', sql: currencies },
	{ version: 10, name: 'team quotas and membership', sql: teamQuotasAndMembership },
	{ version: 11, name: 'team membership spans', sql: teamMembershipSpans },
	{ version: 12, name: 'app state changes', sql: appStateChanges }
];
