import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 4173);

/**
 * Browser tests run against the built app (adapter-node), as users get it, on a freshly seeded demo
 * database in .test-output/. Debian's Chromium is used because browsers cannot be downloaded here.
 */
export default defineConfig({
	testDir: 'tests/e2e',
	testMatch: '**/*.e2e.ts',
	// The tests share one database and some of them write (notes, users), so they run one at a time.
	workers: 1,
	fullyParallel: false,
	timeout: 60_000,
	expect: { timeout: 10_000 },
	reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : [['list']],
	use: {
		baseURL: `http://localhost:${port}`,
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
				'--no-first-run',
				'--disable-quic'
			]
		},
		acceptDownloads: true,
		locale: 'en-GB',
		trace: 'retain-on-failure'
	},
	outputDir: '.test-output/playwright',
	webServer: {
		command: 'node scripts/e2e-server.js',
		url: `http://localhost:${port}/login`,
		timeout: 180_000,
		reuseExistingServer: false,
		stdout: 'pipe',
		stderr: 'pipe',
		env: { PORT: String(port) }
	}
});
