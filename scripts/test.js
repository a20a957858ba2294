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

/**
 * A Debian package the tests need, installed with apt-get when `file` is missing (as root; as another
 * user it stops and says how): Chromium for the browser tests (Playwright cannot download its own
 * browser here), PostgreSQL for the app-state tests' second run (the `postgres` Vitest project, which
 * starts its own cluster from the package).
 */
function ensureDebianPackage(name, file, purpose) {
	if (fs.existsSync(file)) return;
	if (process.getuid?.() !== 0) {
		console.error(`${name} is missing at ${file}. Install it with: sudo apt-get install -y ${name}`);
		process.exit(1);
	}
	console.log(`Installing Debian ${name} for the ${purpose} ...`);
	const status =
		run('apt-get', ['update', '-qq']) ||
		run('apt-get', ['install', '-y', '-qq', name], { DEBIAN_FRONTEND: 'noninteractive' });
	if (status !== 0 || !fs.existsSync(file)) {
		console.error(`Could not install ${name} with apt-get; install it by hand and run the tests again.`);
		process.exit(1);
	}
}

function ensureChromium() {
	ensureDebianPackage('chromium', process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', 'browser tests');
}

function ensurePostgres() {
	ensureDebianPackage('postgresql', path.join(process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin', 'initdb'), 'app-state tests');
}
