// `npm test`: every Vitest and Playwright test, then one line `N passed, N failed` for CI to count.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const output = path.resolve('.test-output');
fs.mkdirSync(output, { recursive: true });
const run = (command, args, env = {}) =>
	spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

ensureChromium();
ensurePostgres();

const vitestReport = path.join(output, 'vitest.json');
const playwrightReport = path.join(output, 'playwright.json');
for (const file of [vitestReport, playwrightReport]) fs.rmSync(file, { force: true });

const vitestStatus = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`]);
const buildStatus = run('npm', ['run', 'build']);
const playwrightStatus =
	buildStatus === 0 ? run('npx', ['playwright', 'test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport }) : 1;

const vitest = readJson(vitestReport);
const playwright = readJson(playwrightReport);
const passed = (vitest?.numPassedTests ?? 0) + (playwright?.stats?.expected ?? 0);
const failed =
	(vitest?.numFailedTests ?? 0) +
	(playwright?.stats?.unexpected ?? 0) +
	(playwright?.stats?.flaky ?? 0) +
	// A runner that crashed before reporting counts as a failure, never as silence.
	(vitest ? 0 : 1) +
	(playwright ? 0 : 1);
if (buildStatus !== 0) console.error('The build failed, so the browser tests could not run.');
console.log(`${passed} passed, ${failed} failed`);
process.exit(vitestStatus || buildStatus || playwrightStatus || failed ? 1 : 0);

function readJson(file) {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		return null;
	}
}

/** Browser tests need Debian's Chromium (Playwright cannot download its own browser here). */
function ensureChromium() {
	const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
	if (fs.existsSync(chromium)) return;
	if (process.getuid?.() !== 0) {
		console.error(`Chromium is missing at ${chromium}. Install it with: sudo apt-get install -y chromium`);
		process.exit(1);
	}
	console.log('Installing Debian chromium for the browser tests ...');
	const status =
		run('apt-get', ['update', '-qq']) ||
		run('apt-get', ['install', '-y', '-qq', 'chromium'], { DEBIAN_FRONTEND: 'noninteractive' });
	if (status !== 0 || !fs.existsSync(chromium)) {
		console.error('Could not install chromium with apt-get; install it by hand and run the tests again.');
		process.exit(1);
	}
}

/**
 * The app-state tests run a second time against PostgreSQL (the `postgres` Vitest project), which
 * they start themselves from Debian's `postgresql` package.
 */
function ensurePostgres() {
	const bin = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
	if (fs.existsSync(path.join(bin, 'initdb'))) return;
	if (process.getuid?.() !== 0) {
		console.error(`PostgreSQL is missing at ${bin}. Install it with: sudo apt-get install -y postgresql`);
		process.exit(1);
	}
	console.log('Installing Debian postgresql for the app-state tests ...');
	const status =
		run('apt-get', ['update', '-qq']) ||
		run('apt-get', ['install', '-y', '-qq', 'postgresql'], { DEBIAN_FRONTEND: 'noninteractive' });
	if (status !== 0 || !fs.existsSync(path.join(bin, 'initdb'))) {
		console.error('Could not install postgresql with apt-get; install it by hand and run the tests again.');
		process.exit(1);
	}
}
