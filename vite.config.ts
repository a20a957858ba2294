import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

/** The tests of what lives in PostgreSQL when `APP_DATABASE_URL` is set; they run against both stores. */
const appStateTests = [
	'tests/integration/auth-session.test.ts',
	'tests/integration/auth-throttle.test.ts',
	'tests/integration/auth-users.test.ts',
	'tests/integration/coaching-notes.test.ts',
	'tests/integration/forecast-calls.test.ts',
	'tests/integration/app-state-answers.test.ts',
	'tests/integration/preferences.test.ts',
	'tests/integration/long-range-api.test.ts',
	'tests/integration/import-native.test.ts',
	'tests/integration/app-state-postgres.test.ts'
];

export default defineConfig({
	plugins: [
		sveltekit(),
		// Under Vitest the plugin's file watcher keeps the process alive; `npm run prepare` compiles
		// the messages once instead.
		!process.env.VITEST &&
			paraglideVitePlugin({
			project: './project.inlang',
			outdir: './src/lib/paraglide',
			// The locale comes from the cookie set by the language switch, then the browser.
			strategy: ['cookie', 'preferredLanguage', 'baseLocale'],
			emitTsDeclarations: true
		})
	],
	test: {
		expect: { requireAssertions: true },
		environment: 'node',
		// Each integration test opens its own DuckDB file; DuckDB itself uses the cores.
		pool: 'forks',
		testTimeout: 60_000,
		hookTimeout: 120_000,
		projects: [
			{
				extends: true,
				test: {
					name: 'duckdb',
					include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'src/**/*.test.ts'],
					exclude: ['tests/integration/app-state-postgres.test.ts']
				}
			},
			{
				// The app-state tests again, with users, sessions, notes and calls in PostgreSQL
				// (APP_DATABASE_URL): one throwaway cluster for the project, a fresh database per test.
				extends: true,
				test: {
					name: 'postgres',
					include: appStateTests,
					globalSetup: ['tests/support/postgres-setup.ts']
				}
			}
		]
	}
});
