/**
 * Fills the database with the demo company.
 *
 *   npm run seed -- --demo [--scale N] [--seed S] [--until YYYY-MM-DD] [--weeks W] [--force | --if-empty]
 *
 * Opens DATABASE_PATH (default data/pipeline.duckdb); stop the server first, DuckDB allows one
 * process per file. With LAKE_PATH the company is published to the lake, as an import is, and every
 * server serves it. Runs outside Vite, so server modules are imported by relative path.
 */
import { parseArgs } from 'node:util';
import { Database } from '../src/lib/server/db/index.ts';
import { databaseConfigFromEnv } from '../src/lib/server/db/config.ts';
import { DEFAULT_DEMO_SEED, mondayOnOrBefore, seedDemo, seedDemoIfEmpty } from '../src/lib/server/demo/index.ts';
import { createDemoUsers, defaultDemoPassword } from '../src/lib/server/auth/demo-users.ts';

const usage = `Usage: npm run seed -- --demo [--scale N] [--seed S] [--until YYYY-MM-DD] [--weeks W] [--force | --if-empty]

  --demo          generate the built-in demo company (the only source so far)
  --scale N       size: 1 = ~1,800 accounts and ~9,000 deals over two years (default 1);
                  40 over 52 weeks = ~200,000 deals
  --seed S        same seed, same company (default ${DEFAULT_DEMO_SEED})
  --until DATE    last snapshot, a Monday (default: the Monday on or before today)
  --weeks W       weekly snapshots ending at --until (default 104, two years)
  --force         replace the pipeline data the database already holds
  --if-empty      seed only a database without pipeline data; otherwise leave it as it is

Demo sign-ins (admin@demo.test, exec@demo.test, leader1@demo.test, ..., every rep's e-mail) get
the password in DEMO_PASSWORD (default ${defaultDemoPassword}).`;

async function main(): Promise<number> {
	let args;
	try {
		args = parseArgs({
			options: {
				demo: { type: 'boolean', default: false },
				scale: { type: 'string' },
				seed: { type: 'string' },
				until: { type: 'string' },
				weeks: { type: 'string' },
				force: { type: 'boolean', default: false },
				'if-empty': { type: 'boolean', default: false },
				help: { type: 'boolean', short: 'h', default: false }
			}
		}).values;
	} catch (error) {
		console.error(`${error instanceof Error ? error.message : error}\n\n${usage}`);
		return 2;
	}
	if (args.help || !args.demo) {
		console.log(usage);
		return args.help ? 0 : 2;
	}
	if (args.force && args['if-empty']) {
		console.error(`--force and --if-empty contradict each other.\n\n${usage}`);
		return 2;
	}

	const config = databaseConfigFromEnv();
	let db: Database;
	try {
		db = await Database.open(config);
	} catch (error) {
		console.error(error instanceof Error ? error.message : error);
		return 1;
	}
	try {
		const options = {
			until: args.until ?? mondayOnOrBefore(new Date()),
			seed: args.seed === undefined ? undefined : wholeNumber('--seed', args.seed),
			scale: args.scale === undefined ? undefined : Number(args.scale),
			weeks: args.weeks === undefined ? undefined : wholeNumber('--weeks', args.weeks)
		};
		const summary = args['if-empty'] ? await seedDemoIfEmpty(db, options) : await seedDemo(db, { ...options, force: args.force });
		if (summary === null) {
			console.log(`${config.path} already holds pipeline data; left as it is.`);
			return 0;
		}
		// Every rep of the demo company gets a sign-in, so the users follow the seeded reps.
		await db.write((tx) => createDemoUsers(tx, process.env.DEMO_PASSWORD ?? defaultDemoPassword));

		const n = (value: number) => value.toLocaleString('en');
		console.log(
			[
				`Seeded the demo company into ${config.path} (seed ${summary.seed}, scale ${summary.scale}):`,
				`  teams            ${n(summary.teams)}`,
				`  reps             ${n(summary.reps)}`,
				`  accounts         ${n(summary.accounts)}`,
				`  deals            ${n(summary.deals)}`,
				`  snapshot dates   ${n(summary.snapshotDates)} Mondays, ${summary.firstSnapshot} to ${summary.until}`,
				`  snapshot rows    ${n(summary.snapshotRows)}`,
				`  activity rows    ${n(summary.activityRows)}`,
				`  quota rows       ${n(summary.quotaRows)}`,
				`  took             ${summary.seconds} s`
			].join('\n')
		);
		return 0;
	} catch (error) {
		// A refusal (PipelineNotEmptyError) or a bad option: the message says what to do.
		console.error(error instanceof Error ? error.message : error);
		return 1;
	} finally {
		db.close();
	}
}

function wholeNumber(flag: string, text: string): number {
	const value = Number(text);
	if (!Number.isInteger(value)) throw new Error(`${flag} ${text} is not a whole number`);
	return value;
}

process.exitCode = await main();
