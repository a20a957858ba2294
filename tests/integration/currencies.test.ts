import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionUser } from '../../src/lib/server/auth/session.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { exchangeRates } from '../../src/lib/server/import/currencies.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { reportingCurrencyFromEnv } from '../../src/lib/server/db/config.ts';
import { formatMoney, formatMoneyWithOriginal, setReportingCurrency } from '../../src/lib/domain/format.ts';
import * as forecastApi from '../../src/routes/api/v1/forecast/+server.ts';
import * as movementApi from '../../src/routes/api/v1/movement/+server.ts';
import * as revenueMixApi from '../../src/routes/api/v1/revenue-mix/+server.ts';
import * as pipelineView from '../../src/lib/server/views/pipeline.ts';
import { coachingSession } from '../../src/lib/server/metrics/coaching.ts';
import fs from 'node:fs';
import path from 'node:path';
import { contentChecksums, writeFile } from '../fixtures/import/helpers.ts';
import { askEndpoint, freshDatabase } from './helpers.ts';

/**
 * One currency on screen: a deal exported in dollars is shown in the reporting currency (EUR here),
 * converted at the rate valid on each snapshot's date, in every view's API; a deal in a currency
 * without a rate is refused at its first line; and rates imported later convert what is stored.
 */

const executive: SessionUser = { id: 'u-exec', email: 'exec@example.test', name: 'Exec', role: 'executive', repId: null, teamIds: [] };

type Handler = (event: never) => Promise<Response> | Response;

/** An endpoint's JSON as the executive sees it; anything but a 200 fails the test. */
async function ask(handler: Handler, route: string, path: string): Promise<Record<string, unknown>> {
	const answer = await askEndpoint(handler, path, executive, { route });
	expect(answer.status, `${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`).toBe(200);
	return answer.body;
}

const header = 'snapshot_date,deal_id,deal_name,owner,owner_name,team,stage,amount,close_date,created_date,deal_type,currency';
/**
 * Ann's three deals on 26 January and 2 February 2026: 1,000 EUR, 1,000 USD still open, and 500 USD
 * won on 2 February.
 */
const pipeline = [
	header,
	'2026-01-26,D-EUR,Euro deal,ann@example.test,Ann,North,Proposal,1000,2026-03-31,2026-01-05,new_business,EUR',
	'2026-01-26,D-USD,Dollar deal,ann@example.test,Ann,North,Proposal,1000,2026-03-31,2026-01-05,new_business,USD',
	'2026-01-26,D-WIN,Dollar win,ann@example.test,Ann,North,Negotiation,500,2026-02-27,2026-01-05,new_business,USD',
	'2026-02-02,D-EUR,Euro deal,ann@example.test,Ann,North,Proposal,1000,2026-03-31,2026-01-05,new_business,',
	'2026-02-02,D-USD,Dollar deal,ann@example.test,Ann,North,Proposal,1000,2026-03-31,2026-01-05,new_business,USD',
	'2026-02-02,D-WIN,Dollar win,ann@example.test,Ann,North,Closed Won,500,2026-02-02,2026-01-05,new_business,USD'
].join('\n');

let db: Database;
let dir: string;
let cleanup: () => void;
beforeEach(async () => {
	({ db, dir, cleanup } = await freshDatabase());
	(globalThis as { __pipelineCoachDb?: Promise<Database> }).__pipelineCoachDb = Promise.resolve(db);
});
afterEach(() => cleanup());

async function importRates(lines: string[]) {
	const file = writeFile(dir, 'rates.csv', ['Valid from,Currency,Rate', ...lines].join('\n'));
	return importFiles(db, [file], { format: 'rates', map: { 'Valid from': 'date', Currency: 'currency', Rate: 'rate' } });
}

async function importPipeline(content = pipeline) {
	return importFiles(db, [writeFile(dir, 'pipeline.csv', content)], { format: 'native' });
}

describe('--format rates and deals in other currencies', () => {
	it("shows a deal's amounts as exported beside the converted ones in the pipeline page's other lists too", async () => {
		await importRates(['2026-01-01,USD,0.9', '2026-02-01,USD,0.8']);
		await importPipeline();
		const everyone = { role: 'executive' as const, repIds: null, teamIds: null, ownRepId: null };
		const forward = await pipelineView.movedForward.ask(db, everyone, { from: '2026-01-26', to: '2026-02-02', limit: 10 });
		// Won from Negotiation: 500 dollars at A (0.9) and at B (0.8), and the dollars as exported.
		expect(forward.deals.map((d) => [d.deal_id, d.amount_from, d.amount_to, d.original])).toEqual([
			['D-WIN', 450, 400, { currency: 'USD', amount_from: 500, amount_to: 500 }]
		]);
		// The 1:1's open deals, which next steps and deal notes name, likewise.
		const admin = { role: 'admin' as const, repIds: null, teamIds: null, ownRepId: null };
		const session = await db.read((q) => coachingSession(q, admin, { repId: null }, { repEmail: 'ann@example.test', week: '2026-02-02' }));
		expect('openDeals' in session && session.openDeals.map((d) => [d.crm_id, d.amount, d.original])).toEqual([
			['D-EUR', 1000, undefined],
			['D-USD', 800, { currency: 'USD', amount: 1000 }]
		]);
	});

	it('converts every amount at the rate valid on its snapshot date, in the movement, forecast and revenue APIs', async () => {
		expect(await importRates(['2026-01-01,USD,0.9', '2026-02-01,usd,0.8'])).toMatchObject({ status: 'ok', format: 'rates', rows_loaded: 2 });
		expect(await db.read((q) => exchangeRates(q))).toEqual([
			{ currency: 'USD', valid_from: '2026-01-01', rate: 0.9 },
			{ currency: 'USD', valid_from: '2026-02-01', rate: 0.8 }
		]);
		expect(await importPipeline()).toMatchObject({ status: 'ok', errors: [] });

		// At A: 1,000 EUR + 1,000 USD at 0.9 + 500 USD at 0.9; at B the open dollar deal is worth 800 EUR.
		const movement = await ask(movementApi.GET, '/api/v1/movement', '/api/v1/movement?from=2026-01-26&to=2026-02-02');
		expect(movement).toMatchObject({ start: 2350, end: 1800 });
		expect(movement.parts).toMatchObject({ won: 400, decreased: 150, increased: 0, new: 0, lost: 0 });
		const deals = movement.deals as { deal_id: string; part: string; amount_from: number; amount_to: number; original?: unknown }[];
		expect(deals.find((d) => d.deal_id === 'D-WIN' && d.part === 'won')).toMatchObject({
			amount_to: 400,
			original: { currency: 'USD', amount_from: 500, amount_to: 500 }
		});

		const forecast = await ask(forecastApi.GET, '/api/v1/forecast', '/api/v1/forecast?as_of=2026-02-02&months=3');
		expect((forecast.months as { month: string; total: number }[]).map((m) => [m.month, m.total])).toEqual([
			['2026-02', 0],
			['2026-03', 1800],
			['2026-04', 0]
		]);
		expect(forecast.open_pipeline).toMatchObject({ total: 1800, count: 2 });

		const revenue = await ask(revenueMixApi.GET, '/api/v1/revenue-mix', '/api/v1/revenue-mix?from=2026-01-01&to=2026-03-31&new_business_weight=1');
		expect(revenue.won).toEqual({ new_business: 400, existing: 0 });
	});

	it('refuses a deal in a currency with no rate valid on its date, naming the currency and its first line, and writes nothing', async () => {
		expect((await importRates(['2026-02-01,USD,0.8'])).status).toBe('ok');
		const before = await contentChecksums(db);
		const summary = await importPipeline();
		expect(summary.status).toBe('error');
		// USD has a rate from 1 February only: the 26 January rows (lines 3 and 4) have none.
		expect(summary.errors.map((e) => [e.code, e.line, e.value])).toEqual([['currency_without_rate', 3, 'USD']]);
		expect(summary.errors[0].message).toContain('USD');
		expect(summary.errors[0].message).toContain('2026-01-26');
		expect(await contentChecksums(db)).toEqual(before);
		expect(await db.one('SELECT count(*)::INTEGER AS n FROM snapshots')).toEqual({ n: 0 });
	});

	it('converts stored rows again when rates are imported later: a new month, a corrected rate', async () => {
		expect((await importRates(['2026-01-01,USD,0.9'])).status).toBe('ok');
		expect((await importPipeline()).status).toBe('ok');
		const openDollars = () => db.one<{ amount: number }>(`SELECT amount::DOUBLE AS amount FROM snapshots s JOIN deals d ON d.id = s.deal_id
			WHERE d.crm_id = 'D-USD' AND s.snapshot_date = '2026-02-02'`);
		expect(await openDollars()).toEqual({ amount: 900 });

		expect((await importRates(['2026-02-01,USD,0.8'])).status).toBe('ok');
		expect(await openDollars()).toEqual({ amount: 800 });
		const forecast = await ask(forecastApi.GET, '/api/v1/forecast', '/api/v1/forecast?as_of=2026-02-02&months=3');
		expect(forecast.open_pipeline).toMatchObject({ total: 1800 });

		// January's rate corrected: the January snapshot's dollars follow, February's keep their own rate.
		expect((await importRates(['2026-01-01,USD,0.95'])).status).toBe('ok');
		const movement = await ask(movementApi.GET, '/api/v1/movement', '/api/v1/movement?from=2026-01-26&to=2026-02-02');
		expect(movement).toMatchObject({ start: 1000 + 950 + 475, end: 1800 });
	});

	it('refuses a rate that is not a positive number, two rates for one date, and a reporting currency not worth 1', async () => {
		const summary = await importRates(['2026-01-01,USD,abc', '2026-01-01,GBP,1.15', '2026-01-01,GBP,1.16', '2026-01-01,EUR,1.1', '2026-01-01,CHF,0']);
		expect(summary.errors.map((e) => [e.line, e.code])).toEqual([
			[2, 'rate_invalid'],
			[4, 'duplicate_rate'],
			[5, 'rate_of_reporting_currency'],
			[6, 'rate_invalid']
		]);
		expect(await db.read((q) => exchangeRates(q))).toEqual([]);
	});

	it('the sample files import as the README says: rates first (recognised by their header), then deals in dollars and pounds', async () => {
		// Copied beside the test's database: the locked-down DuckDB reads only there and in tests/fixtures.
		const sample = (name: string) => writeFile(dir, name, fs.readFileSync(path.join('data', 'samples', 'rates', name)));
		expect(await importFiles(db, [sample('rates.csv')])).toMatchObject({ status: 'ok', format: 'rates', rows_loaded: 6 });
		expect(await importFiles(db, [sample('snapshots.csv')])).toMatchObject({ status: 'ok', format: 'native', errors: [] });
		// 2 November: 60,000 USD at 0.9385, 25,000 GBP at 1.1475, 48,000 EUR; 7 December: the dollars at
		// 0.9502, the pounds won at 1.1610.
		const movement = await ask(movementApi.GET, '/api/v1/movement', '/api/v1/movement?from=2026-11-02&to=2026-12-07');
		expect(movement).toMatchObject({ start: 132997.5, end: 105012 });
		expect(movement.parts).toMatchObject({ won: 29025, increased: 337.5 + 702, decreased: 0 });
	});

	it("a leader may not import rates: they change every team's figures", async () => {
		const summary = await importFiles(db, [writeFile(dir, 'rates.csv', 'date,currency,rate\n2026-01-01,USD,0.9')], {
			importer: { role: 'leader', teamIds: [1] }
		});
		expect(summary).toMatchObject({ status: 'error', format: 'rates' });
		expect(summary.errors.map((e) => e.code)).toEqual(['rates_admin_only']);
	});
});

describe('REPORTING_CURRENCY', () => {
	afterEach(() => setReportingCurrency('EUR'));

	it('is a three-letter code, EUR when unset', () => {
		expect(reportingCurrencyFromEnv({})).toBe('EUR');
		expect(reportingCurrencyFromEnv({ REPORTING_CURRENCY: 'usd' })).toBe('USD');
		expect(() => reportingCurrencyFromEnv({ REPORTING_CURRENCY: 'dollars' })).toThrow(/REPORTING_CURRENCY/);
	});

	it('every amount is formatted in it, and a deal exported in another currency shows that amount beside it', () => {
		expect(formatMoney(1234)).toBe('€1,234');
		expect(formatMoneyWithOriginal(900, { currency: 'USD', amount: 1000 })).toBe('€900 (US$1,000)');
		setReportingCurrency('USD');
		expect(formatMoney(1234)).toBe('US$1,234');
		expect(formatMoneyWithOriginal(1100, { currency: 'EUR', amount: 1000 })).toBe('US$1,100 (€1,000)');
		expect(formatMoneyWithOriginal(1000, { currency: 'USD', amount: 1000 })).toBe('US$1,000');
	});

	it('with USD as the reporting currency, euro deals are converted and dollar deals need no rate', async () => {
		const rates = writeFile(dir, 'rates.csv', 'date,currency,rate\n2026-01-01,EUR,1.1');
		expect(await importFiles(db, [rates], { reportingCurrency: 'USD' })).toMatchObject({ status: 'ok', format: 'rates' });
		const file = writeFile(dir, 'pipeline.csv', pipeline);
		expect(await importFiles(db, [file], { format: 'native', reportingCurrency: 'USD' })).toMatchObject({ status: 'ok' });
		const open = await db.all<{ crm_id: string; amount: number }>(`SELECT d.crm_id, s.amount::DOUBLE AS amount FROM snapshots s
			JOIN deals d ON d.id = s.deal_id WHERE s.snapshot_date = '2026-02-02' ORDER BY 1`);
		expect(open).toEqual([
			{ crm_id: 'D-EUR', amount: 1100 },
			{ crm_id: 'D-USD', amount: 1000 },
			{ crm_id: 'D-WIN', amount: 500 }
		]);
	});
});
