/**
 * The performance benchmark: how fast the views answer on a large database, measured the way users
 * meet them. A measurement, never a test: nothing here fails on a slow figure, it reports it.
 *
 *   npm run bench [-- --scale N] [--weeks W] [--requests N] [--seconds S] [--servers 2] [--skip import,browser,...]
 *
 * Seeds (or reuses) bench/bench-<scale>-<weeks>w.duckdb with the demo company, then
 *   pages        50 signed-in requests per view through the built server (median, p95), against the
 *                same metric calls made directly on DuckDB in this process (sql_median_ms)
 *   worked_out   the views, pages and concurrent users again, on a server that remembers no answers
 *                (ANSWER_MEMORY_MB=0): what a question costs the first time
 *   page_data    the pages' own __data.json, everything a page load asks of the server
 *   concurrency  20 signed-in users mixing the views for 30 s; with --servers N, again over N servers
 *                sharing one PostgreSQL and one Parquet lake, round-robin, beside the one-server figure
 *   browser      first render in Chromium and the largest chart's DOM nodes, per page
 *   import       1 million native snapshot rows into a fresh database, with the importer's peak memory
 *   long_range   the 6-18 month view for a team, worked out (scripts/bench/long-range.ts), directly and
 *                through HTTP on a server that remembers no answers
 * prints a table and writes bench/results.json.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Database } from '../src/lib/server/db/index.ts';
import { databaseConfigFromEnv } from '../src/lib/server/db/config.ts';
import { defaultDemoPassword } from '../src/lib/server/auth/demo-users.ts';
import { browserTimings, type BrowserFigures } from './bench/browser.ts';
import { importNativeFile, writeNativeCsv, type ImportFigures } from './bench/import.ts';
import { benchUntil, benchWeeks, round, seededDatabase } from './bench/seed.ts';
import { signIn, startServer, timedGet } from './bench/server.ts';
import { startServers } from './bench/servers.ts';
import { median, ms, percentile } from './bench/stats.ts';
import { benchCast, benchViews, viewNames, type View, type ViewName } from './bench/views.ts';
import { longRangeApi, longRangeDirect, type LongRangeFigures } from './bench/long-range.ts';

const sections = ['pages', 'worked_out', 'page_data', 'concurrency', 'browser', 'import', 'long_range'] as const;
type Section = (typeof sections)[number];

const usage = `Usage: npm run bench [-- --scale N] [--weeks W] [--requests N] [--seconds S] [--users U] [--skip ${sections.join(',')}]

  --scale N      demo company size (default 40: with two years of history, the reference run, about
                 368,000 deals and 20 million snapshot rows)
  --weeks W      weekly snapshots of history, ending on ${benchUntil} (default ${benchWeeks}: a leader looks
                 back two years)
  --requests N   requests per view, after 3 warm-up requests (default 50)
  --budget S     stop a view's series after S seconds even short of --requests, so that a view
                 taking seconds cannot hold the run up for an hour (default 60; the count is reported)
  --users U      concurrent users (default 20)
  --seconds S    how long the concurrent users keep asking (default 30)
  --port P       the bench server's port (default 4176; with --servers N, N ports from there)
  --servers N    also measure the concurrent users over N servers (PostgreSQL and a lake, issue 22)
  --skip LIST    sections to leave out, e.g. --skip browser,import
  --out FILE     where to write the figures (default bench/results.json)`;

interface PageFigures {
	median_ms: number;
	p95_ms: number;
	sql_median_ms: number;
	ratio_to_sql: number;
	/** The same requests with no answer remembered (the `worked_out` section). */
	worked_out?: { median_ms: number; p95_ms: number; ratio_to_sql: number };
}

interface PageDataFigures {
	median_ms: number;
	p95_ms: number;
	worked_out?: { median_ms: number; p95_ms: number };
}

const warmUps = 3;

type Cookies = Record<View['user'], string>;
type Sequential = (view: View, path: string, n: number) => Promise<{ median_ms: number; p95_ms: number; n: number }>;
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
	let values;
	try {
		values = parseArgs({
			options: {
				scale: { type: 'string', default: '40' },
				weeks: { type: 'string', default: String(benchWeeks) },
				requests: { type: 'string', default: '50' },
				budget: { type: 'string', default: '60' },
				users: { type: 'string', default: '20' },
				seconds: { type: 'string', default: '30' },
				port: { type: 'string', default: '4176' },
				servers: { type: 'string', default: '1' },
				skip: { type: 'string', default: '' },
				out: { type: 'string', default: 'bench/results.json' },
				help: { type: 'boolean', short: 'h', default: false }
			}
		}).values;
	} catch (error) {
		log(`${error instanceof Error ? error.message : error}\n\n${usage}`);
		return 2;
	}
	if (values.help) {
		console.log(usage);
		return 0;
	}
	const scale = Number(values.scale);
	const weeks = Number(values.weeks);
	const requests = Number(values.requests);
	const budget = Number(values.budget);
	const users = Number(values.users);
	const seconds = Number(values.seconds);
	const port = Number(values.port);
	const serverCount = Number(values.servers);
	const skip = new Set(values.skip.split(',').filter(Boolean));
	for (const name of skip) if (!sections.includes(name as Section)) return fail(`--skip ${name}: not one of ${sections.join(', ')}`);
	if (!(scale > 0 && scale <= 100)) return fail(`--scale ${values.scale} must be above 0 and at most 100`);
	for (const [flag, n] of [['--weeks', weeks], ['--requests', requests], ['--budget', budget], ['--users', users], ['--seconds', seconds], ['--port', port], ['--servers', serverCount]] as const) {
		if (!Number.isInteger(n) || n < 1) return fail(`${flag} must be a whole number above 0`);
	}
	const runs = (section: Section) => !skip.has(section);

	const seeded = await seededDatabase(scale, weeks, log);

	// 1. The same metric calls straight on DuckDB, before the server takes the file's lock.
	log('Direct SQL baseline ...');
	const db = await Database.open({ ...databaseConfigFromEnv(), path: seeded.path });
	const cast = await benchCast(db);
	const views = benchViews(cast);
	const sqlMedian = {} as Record<ViewName, number>;
	const samples = {} as Record<ViewName, { sql: number; http: number; page_data?: number; worked_out?: number }>;
	const csv = path.join(os.tmpdir(), `pipeline-coach-bench-${process.pid}.csv`);
	let csvRows = 0;
	let longRange: LongRangeFigures | null = null;
	try {
		for (const view of runs('pages') || runs('worked_out') ? views : []) {
			const times = await series(requests, budget, () => view.direct(db));
			sqlMedian[view.name] = median(times);
			samples[view.name] = { sql: times.length, http: 0 };
			log(`  ${view.name.padEnd(12)} ${ms(sqlMedian[view.name])} ms (${times.length} runs)`);
		}
		if (runs('long_range')) {
			log('The 6-18 month view for a team, worked out ...');
			longRange = await longRangeDirect(db, cast, (work) => series(requests, budget, work));
			log(
				`  first ${longRange.first_ms} ms (facts, model, backtest), then ${longRange.median_ms} ms median, ${longRange.p95_ms} ms p95, ${longRange.cpu_median_ms} ms processor time (${longRange.runs} runs)`
			);
		}
		if (runs('import')) {
			log('Writing the import file ...');
			csvRows = await writeNativeCsv(db, csv);
		}
	} finally {
		db.close();
	}

	// 2. Through the real server, signed in.
	const pages = {} as Record<ViewName, PageFigures>;
	const pageData = {} as Record<ViewName, PageDataFigures>;
	let concurrency: Concurrency | null = null;
	let browser: Record<string, BrowserFigures> | null = null;
	let serverRss = 0;
	let factsReadyS: number | null = null;
	const password = process.env.DEMO_PASSWORD ?? defaultDemoPassword;
	/** Starts the built server with `env`, signs the cast in, runs `work`, and stops it whatever happens. */
	const withServer = async (env: NodeJS.ProcessEnv, work: (sequential: Sequential, origin: string, cookies: Cookies) => Promise<void>) => {
		log(`Starting the built server on port ${port}${Object.keys(env).length ? ` with ${new URLSearchParams(env as Record<string, string>)}` : ''} ...`);
		const server = await startServer(seeded.path, port, log, env);
		try {
			const ready = await server.factsReady(15 * 60_000);
			log(ready === null ? '  the server did not say its facts were built within 15 minutes; measuring anyway' : `  facts for the first pages built ${ready} s after start`);
			if (ready !== null) factsReadyS = Math.max(factsReadyS ?? 0, ready);
			const cookies = {
				executive: await signIn(server.origin, cast.executive.email, password),
				leader: await signIn(server.origin, cast.leader.email, password)
			};
			const sequential: Sequential = async (view, path, n) => {
				const times = await series(n, budget, () => timedGet(server.origin, path, cookies[view.user]));
				return { median_ms: ms(median(times)), p95_ms: ms(percentile(times, 95)), n: times.length };
			};
			await work(sequential, server.origin, cookies);
		} catch (error) {
			await new Promise((resolve) => setTimeout(resolve, 1000));
			const death = server.death();
			throw death ? new Error(death, { cause: error }) : error;
		} finally {
			serverRss = Math.max(serverRss, server.maxRssMb());
			await server.stop();
		}
	};

	if (runs('pages') || runs('page_data') || runs('concurrency') || runs('browser')) {
		await withServer({}, async (sequential, origin, cookies) => {
			if (runs('pages')) {
				log(`Views through HTTP, ${requests} requests each ...`);
				for (const view of views) {
					const http = await sequential(view, view.api, requests);
					samples[view.name].http = http.n;
					pages[view.name] = {
						median_ms: http.median_ms,
						p95_ms: http.p95_ms,
						sql_median_ms: ms(sqlMedian[view.name]),
						ratio_to_sql: round(http.median_ms / sqlMedian[view.name], 2)
					};
					log(`  ${view.name.padEnd(12)} ${http.median_ms} ms median, ${http.p95_ms} ms p95 (${http.n} requests)`);
				}
			}
			if (runs('page_data')) {
				const n = Math.min(requests, 20);
				log(`Pages' __data.json, ${n} requests each ...`);
				for (const view of views) {
					const data = await sequential(view, `${view.page}/__data.json`, n);
					pageData[view.name] = { median_ms: data.median_ms, p95_ms: data.p95_ms };
					(samples[view.name] ??= { sql: 0, http: 0 }).page_data = data.n;
					log(`  ${view.page.padEnd(12)} ${data.median_ms} ms median (${data.n} requests)`);
				}
			}
			if (runs('concurrency')) {
				log(`${users} concurrent users for ${seconds} s ...`);
				concurrency = await concurrentUsers(origin, views, cookies, users, seconds);
				log(`  ${concurrency.requests} requests, ${concurrency.errors} errors, p95 ${concurrency.p95_ms} ms`);
				for (const message of concurrency.error_messages) log(`  error: ${message}`);
			}
			if (runs('browser')) {
				log('First render in Chromium ...');
				try {
					browser = await browserTimings(
						origin,
						views.map((view) => ({ name: view.name, path: view.page, cookie: cookies[view.user] }))
					);
				} catch (error) {
					log(`  skipped: ${error instanceof Error ? error.message : error}`);
				}
			}
		});
	}
	if (runs('long_range') && longRange) {
		const figures = longRange;
		await withServer({ ANSWER_MEMORY_MB: '0' }, async (sequential) => {
			log(`The 6-18 month view through HTTP with no answer remembered, ${requests} requests ...`);
			const view = { user: 'leader' } as View;
			const http = await sequential(view, longRangeApi, requests);
			figures.http = { median_ms: http.median_ms, p95_ms: http.p95_ms, requests: http.n };
			log(`  ${longRangeApi} ${http.median_ms} ms median, ${http.p95_ms} ms p95 (${http.n} requests)`);
		});
	}
	if (runs('worked_out')) {
		await withServer({ ANSWER_MEMORY_MB: '0' }, async (sequential, origin, cookies) => {
			log(`Views through HTTP with no answer remembered, ${requests} requests each ...`);
			for (const view of views) {
				const http = await sequential(view, view.api, requests);
				(samples[view.name] ??= { sql: 0, http: 0 }).worked_out = http.n;
				const workedOut = { median_ms: http.median_ms, p95_ms: http.p95_ms, ratio_to_sql: round(http.median_ms / sqlMedian[view.name], 2) };
				if (pages[view.name]) pages[view.name].worked_out = workedOut;
				else pages[view.name] = { median_ms: NaN, p95_ms: NaN, sql_median_ms: ms(sqlMedian[view.name]), ratio_to_sql: NaN, worked_out: workedOut };
				log(`  ${view.name.padEnd(12)} ${http.median_ms} ms median, ${http.p95_ms} ms p95 (${http.n} requests)`);
			}
			if (runs('page_data')) {
				const n = Math.min(requests, 20);
				log(`Pages' __data.json with no answer remembered, ${n} requests each ...`);
				for (const view of views) {
					const data = await sequential(view, `${view.page}/__data.json`, n);
					(pageData[view.name] ??= { median_ms: NaN, p95_ms: NaN }).worked_out = { median_ms: data.median_ms, p95_ms: data.p95_ms };
					log(`  ${view.page.padEnd(12)} ${data.median_ms} ms median (${data.n} requests)`);
				}
			}
			if (runs('concurrency')) {
				log(`${users} concurrent users for ${seconds} s with no answer remembered ...`);
				const workedOut = await concurrentUsers(origin, views, cookies, users, seconds);
				log(`  ${workedOut.requests} requests, ${workedOut.errors} errors, p95 ${workedOut.p95_ms} ms`);
				if (concurrency) concurrency.worked_out = workedOut;
			}
		});
	}

	// 2b. The same concurrent users over several servers, each request to the next server in turn.
	if (serverCount > 1 && runs('concurrency')) {
		const group = await startServers(seeded.path, serverCount, port, log);
		try {
			const cookies = {
				executive: await signIn(group.origins[0], cast.executive.email, password),
				leader: await signIn(group.origins[0], cast.leader.email, password)
			};
			log('Warming each server up (the facts, the first answers) ...');
			for (const origin of group.origins) for (const view of views) await timedGet(origin, view.api, cookies[view.user]);
			log(`${users} concurrent users for ${seconds} s over ${serverCount} servers, round-robin ...`);
			const spread = await concurrentUsers(group.origins, views, cookies, users, seconds);
			log(`  ${spread.requests} requests, ${spread.errors} errors, p95 ${spread.p95_ms} ms`);
			for (const message of spread.error_messages) log(`  error: ${message}`);
			// Beside the one-server figure, measured above (TypeScript does not see the closure set it).
			const oneServer = concurrency as Concurrency | null;
			if (oneServer) oneServer.servers = { count: serverCount, ...spread };
			serverRss = Math.max(serverRss, group.maxRssMb());
		} finally {
			await group.stop();
		}
	}

	// 3. The import, with the server stopped: it has the machine to itself, as an operator's would.
	let imported: ImportFigures | null = null;
	if (runs('import')) {
		log(`Importing ${csvRows.toLocaleString('en')} native rows into a fresh database ...`);
		try {
			const result = await importNativeFile(csv);
			imported = { ...result, rows_per_s: Math.round(result.rows / result.seconds) };
		} finally {
			fs.rmSync(csv, { force: true });
		}
	}

	const results = {
		date: new Date().toISOString(),
		commit: commit(),
		machine: {
			cpus: os.cpus().length,
			cpu_model: os.cpus()[0]?.model ?? null,
			memory_gb: Math.round(os.totalmem() / 2 ** 30),
			node: process.version,
			platform: `${os.platform()} ${os.release()}`
		},
		scale,
		weeks,
		rows: seeded.rows,
		deals: seeded.deals,
		seed_s: seeded.seedSeconds,
		pages: runs('pages') || runs('worked_out') ? pages : null,
		samples,
		page_data: runs('page_data') ? pageData : null,
		concurrency,
		server: { max_rss_mb: serverRss, facts_ready_s: factsReadyS },
		import: imported && { rows: imported.rows, seconds: imported.seconds, rows_per_s: imported.rows_per_s, max_rss_mb: imported.max_rss_mb },
		browser,
		long_range: longRange
	};
	fs.mkdirSync(path.dirname(values.out), { recursive: true });
	fs.writeFileSync(values.out, `${JSON.stringify(results, null, '\t')}\n`);
	console.log(table(results, cast.repEmail, imported));
	log(`Wrote ${values.out}.`);
	return 0;
}

/**
 * Times `work` after a few warm-up runs (caches, the forecast facts, connections) until `n` runs
 * or `budget` seconds, whichever comes first, but never fewer than five.
 */
async function series(n: number, budget: number, work: () => Promise<unknown>): Promise<number[]> {
	for (let i = 0; i < warmUps; i++) await work();
	const times: number[] = [];
	const until = performance.now() + budget * 1000;
	while (times.length < n && (times.length < 5 || performance.now() < until)) {
		const started = performance.now();
		await work();
		times.push(performance.now() - started);
	}
	return times;
}

/**
 * `users` signed-in users, each asking for one view after another (each starting at a different
 * view, so all of them are asked at once) for `seconds`; a new request as soon as the last answered.
 */
interface Concurrency {
	users: number;
	seconds: number;
	requests: number;
	errors: number;
	p95_ms: number;
	/** The first few distinct failures, so that an error count can be explained. */
	error_messages: string[];
	/** The same with no answer remembered: as if every request were a question nobody asked yet. */
	worked_out?: Concurrency;
	/** The same over several servers behind a round-robin (--servers). */
	servers?: Concurrency & { count: number };
}

async function concurrentUsers(
	origin: string | string[],
	views: View[],
	cookies: Record<View['user'], string>,
	users: number,
	seconds: number
): Promise<Concurrency> {
	const times: number[] = [];
	let errors = 0;
	const messages = new Set<string>();
	const until = performance.now() + seconds * 1000;
	// A round-robin across the servers, as the simplest load balancer would do.
	const origins = typeof origin === 'string' ? [origin] : origin;
	let next = 0;
	await Promise.all(
		Array.from({ length: users }, async (_, user) => {
			for (let i = user; performance.now() < until; i++) {
				const view = views[i % views.length];
				const started = performance.now();
				try {
					await timedGet(origins[next++ % origins.length], view.api, cookies[view.user]);
				} catch (error) {
					errors++;
					const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
					if (messages.size < 5) messages.add(`${view.api}: ${error instanceof Error ? error.message : error}${cause}`.slice(0, 300));
				}
				times.push(performance.now() - started);
			}
		})
	);
	return { users, seconds, requests: times.length, errors, p95_ms: ms(percentile(times, 95)), error_messages: [...messages] };
}

function commit(): string | null {
	try {
		const hash = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
		const dirty = execSync('git status --porcelain --untracked-files=no', { encoding: 'utf8' }).trim() !== '';
		return dirty ? `${hash}+changes` : hash;
	} catch {
		return null;
	}
}

// -------------------------------------------------------------------------------------------------
// The table, in the README's Markdown so a run can be pasted there as it is.

const targets = { median: 100, p95: 250, servedMedian: 50, ratio: 1.3, concurrentP95: 250, concurrentWorkedOutP95: 1000, importSeconds: 10, memoryMb: 1024, firstRender: 1500, chartNodes: 10_000, longRange: 250 };

function table(r: {
	scale: number;
	weeks: number;
	rows: number;
	deals: number;
	seed_s: number;
	pages: Record<ViewName, PageFigures> | null;
	samples: Record<ViewName, { sql: number; http: number; page_data?: number; worked_out?: number }>;
	page_data: Record<ViewName, PageDataFigures> | null;
	concurrency: Concurrency | null;
	server: { max_rss_mb: number; facts_ready_s?: number | null };
	browser: Record<string, BrowserFigures> | null;
	long_range: LongRangeFigures | null;
	date: string;
	commit: string | null;
}, repEmail: string, imported: ImportFigures | null): string {
	const n = (value: number) => value.toLocaleString('en');
	const mark = (ok: boolean) => (ok ? '' : ' ✗');
	const lines = [
		`Scale ${r.scale}: ${n(r.deals)} deals, ${n(r.rows)} snapshot rows over ${r.weeks} weeks, seeded in ${r.seed_s} s${mark(r.seed_s < 120)} (commit ${r.commit}, ${r.date.slice(0, 16)}Z).`,
		''
	];
	if (r.pages) {
		const figure = (value: number | undefined, ok: (value: number) => boolean) =>
			value === undefined || Number.isNaN(value) ? '-' : `${value}${mark(ok(value))}`;
		lines.push(
			`| view | median ms | p95 ms | direct SQL ms | ratio | worked out: median ms | p95 ms | ratio | page __data.json median ms, served / worked out |`,
			`|---|---:|---:|---:|---:|---:|---:|---:|---:|`
		);
		for (const name of viewNames) {
			const p = r.pages[name];
			const w = p.worked_out;
			const data = r.page_data?.[name];
			// Served: an answer remembered (target median under 50 ms); worked out: what a question costs the first time (under 100 ms).
			lines.push(
				`| ${name} | ${figure(p.median_ms, (v) => v < targets.servedMedian)} | ${figure(p.p95_ms, (v) => v < targets.p95)} | ${p.sql_median_ms} | ${figure(p.ratio_to_sql, (v) => v <= targets.ratio)} | ${figure(w?.median_ms, (v) => v < targets.median)} | ${figure(w?.p95_ms, (v) => v < targets.p95)} | ${w?.ratio_to_sql ?? '-'} | ${data ? `${figure(data.median_ms, (v) => v < targets.median)} / ${data.worked_out?.median_ms ?? '-'}` : '-'} |`
			);
		}
		const counts = viewNames
			.map((name) => `${name} ${r.samples[name]?.http ?? 0}/${r.samples[name]?.worked_out ?? 0}/${r.samples[name]?.sql ?? 0}`)
			.join(', ');
		lines.push(
			'',
			`Served: answers remembered while the data is unchanged, as the app runs. Worked out: a server with ANSWER_MEMORY_MB=0, every request computed from the facts. Requests served/worked out/direct runs per view: ${counts}.`
		);
		lines.push('', `Views asked as exec@demo.test, coaching as leader1@demo.test; team and coaching look at ${repEmail}.`, '');
	}
	const other = ['| measure | figure | target |', '|---|---:|---|'];
	if (r.concurrency) {
		const c = r.concurrency;
		other.push(
			`| ${c.users} users for ${c.seconds} s | ${n(c.requests)} requests, ${c.errors} errors${mark(c.errors === 0)} | zero errors |`,
			`| ${c.users} users, p95 | ${c.p95_ms} ms${mark(c.p95_ms < targets.concurrentP95)} | under ${targets.concurrentP95} ms |`
		);
		if (c.worked_out) {
			const w = c.worked_out;
			other.push(
				`| the same, nothing remembered | ${n(w.requests)} requests, ${w.errors} errors, p95 ${w.p95_ms} ms${mark(w.p95_ms < targets.concurrentWorkedOutP95)} | under ${targets.concurrentWorkedOutP95} ms |`
			);
		}
		if (c.servers) {
			const w = c.servers;
			other.push(`| the same over ${w.count} servers (PostgreSQL, lake, round-robin) | ${n(w.requests)} requests, ${w.errors} errors, p95 ${w.p95_ms} ms | (beside one server) |`);
		}
	}
	other.push(`| server peak memory (RSS) | ${r.server.max_rss_mb} MiB${mark(r.server.max_rss_mb < targets.memoryMb)} | under 1 GB |`);
	if (r.server.facts_ready_s != null) other.push(`| facts for the first pages built after start (or an import) | ${r.server.facts_ready_s} s | (waited for before measuring) |`);
	if (imported) {
		other.push(
			`| import of ${n(imported.rows)} native rows | ${imported.seconds} s, ${n(imported.rows_per_s)} rows/s${mark(imported.seconds < targets.importSeconds)} | under ${targets.importSeconds} s |`,
			`| importer peak memory (RSS) | ${imported.max_rss_mb} MiB${mark(imported.max_rss_mb < targets.memoryMb)} | under 1 GB |`
		);
	}
	if (r.browser) {
		for (const [name, b] of Object.entries(r.browser)) {
			other.push(
				`| ${name} page in Chromium | ${b.first_render_ms} ms${mark(b.first_render_ms < targets.firstRender)}, largest chart ${n(b.max_chart_nodes)} nodes${mark(b.max_chart_nodes <= targets.chartNodes)} | under 1.5 s, at most 10,000 nodes |`
			);
		}
	}
	if (r.long_range) {
		const l = r.long_range;
		other.push(
			`| 6-18 month view, ${l.scope}, ${l.months} months, worked out | ${l.median_ms} ms median${mark(l.median_ms < targets.longRange)}, p95 ${l.p95_ms} ms, processor ${l.cpu_median_ms} ms; first answer after an import ${n(l.first_ms)} ms | under ${targets.longRange} ms |`
		);
		if (l.http) other.push(`| the same through HTTP, nothing remembered | ${l.http.median_ms} ms median${mark(l.http.median_ms < targets.longRange)}, p95 ${l.http.p95_ms} ms | under ${targets.longRange} ms |`);
	}
	lines.push(
		...other,
		'',
		`✗ = misses the issue's target (served median < ${targets.servedMedian} ms; worked out median < ${targets.median} ms; p95 < ${targets.p95} ms; ratio <= ${targets.ratio}).`
	);
	return lines.join('\n');
}

function fail(message: string): number {
	log(`${message}\n\n${usage}`);
	return 2;
}

process.exitCode = await main();
