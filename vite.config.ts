import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

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
		include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'src/**/*.test.ts'],
		environment: 'node',
		// Each integration test opens its own DuckDB file; DuckDB itself uses the cores.
		pool: 'forks',
		testTimeout: 60_000,
		hookTimeout: 120_000
	}
});
