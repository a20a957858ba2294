import pipeline from './001_pipeline.ts';
import auth from './002_auth.ts';
import imports from './003_imports.ts';
import preferences from './004_preferences.ts';
import coaching from './005_coaching.ts';
import unknownValues from './010_unknown_values.ts';

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
	// 6 to 9 are taken by work merged in parallel; versions only need to grow.
	{ version: 10, name: 'unknown_values', sql: unknownValues }
];
