import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import { dealOutcomesSql } from '../../src/lib/server/metrics/deal-history.ts';
import { forecastByPeriod } from '../../src/lib/server/metrics/forecast.ts';
import { everyone, history, load, pipelineDatabase, week } from './movement-fixtures.ts';

/**
 * One definition of won (issue 18): a deal's outcome is its latest closed stage, dated by the close
 * date of the snapshot that first showed that outcome (after the deal last showed anything else),
 * valued at that snapshot's amount. The forecast, revenue, calibration and strengths all read it.
 */

let db: Database;
let cleanup: () => void;
beforeAll(async () => {
	({ db, cleanup } = await pipelineDatabase());
	await load(db, [
		// Won, then corrected to lost in the CRM: lost.
		...history('CORRECTED', 0, [['Negotiation', '1000.00', '2026-01-20'], ['Won', '1000.00', '2026-01-09'], ['Lost', '1000.00', '2026-01-09'], ['Lost', '1000.00', '2026-01-09']]),
		// Lost, reopened, won: won once, when and at what it was won.
		...history('REWON', 0, [['Lost', '300.00', '2026-01-02'], ['Qualified', '300.00', '2026-02-10'], ['Won', '900.00', '2026-01-25', 'ben'], ['Won', '950.00', '2026-02-02', 'ben']]),
		// Won, reopened, won again: by the second win.
		...history('TWICE', 0, [['Won', '500.00', '2026-01-02'], ['Demo', '500.00', '2026-02-01'], ['Won', '650.00', '2026-01-20'], ['Won', '650.00', '2026-01-20']]),
		// Won, then reopened and still open: no outcome, it is pipeline.
		...history('REOPENED', 0, [['Won', '400.00', '2026-01-02'], ['Demo', '400.00', '2026-03-01'], ['Demo', '400.00', '2026-03-01'], ['Demo', '400.00', '2026-03-01']]),
		// Won and edited later: the first snapshot of the win counts.
		...history('EDITED', 0, [['Won', '200.00', '2026-01-03'], ['Won', '250.00', '2026-02-08'], ['Won', '250.00', '2026-02-08'], ['Won', '250.00', '2026-02-08']]),
		// Won, then dropped from the export: still won.
		...history('DROPPED', 0, [['Negotiation', '700.00', '2026-01-15'], ['Won', '700.00', '2026-01-12'], null, null])
	]);
});
afterAll(() => cleanup());

describe("a deal's outcome", () => {
	it('is its latest closed stage, from the snapshot that first showed it, at that snapshot’s close date, amount and owner', async () => {
		const rows = await db.all<{ crm: string; outcome: string; decided_on: string; close_date: string; amount: number; owner_id: number }>(
			`SELECT d.crm_id AS crm, o.outcome, o.decided_on, o.close_date, o.amount::DOUBLE AS amount, o.owner_id
			FROM (${dealOutcomesSql}) o JOIN deals d ON d.id = o.deal_id ORDER BY d.crm_id`
		);
		expect(rows.map((r) => [r.crm, r.outcome, r.decided_on, r.close_date, r.amount, r.owner_id])).toEqual([
			['CORRECTED', 'lost', week(2), '2026-01-09', 1000, 1],
			['DROPPED', 'won', week(1), '2026-01-12', 700, 1],
			['EDITED', 'won', week(0), '2026-01-03', 200, 1],
			['REWON', 'won', week(2), '2026-01-25', 900, 2],
			['TWICE', 'won', week(2), '2026-01-20', 650, 1]
		]);
	});

	it('is what the forecast counts as won, each win once, in the month it was won', async () => {
		const { months } = await db.read((q) => forecastByPeriod(q, everyone, { asOf: week(3), months: 2 }));
		// January: DROPPED 700 + EDITED 200 + REWON 900 + TWICE 650; not the corrected win, not the reopened deal.
		expect(months.map((m) => [m.month, m.closed])).toEqual([
			['2026-01', 2450],
			['2026-02', 0]
		]);
		// The reopened deal is open pipeline again, due in March.
		const later = await db.read((q) => forecastByPeriod(q, everyone, { asOf: week(3), months: 3 }));
		expect(later.months[2]).toMatchObject({ month: '2026-03', total: 400 });
	});
});
