import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listValue } from '@duckdb/node-api';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { seedDemo } from '../../src/lib/server/demo/index.ts';
import { keyAccountConcentration } from '../../src/lib/server/metrics/retention.ts';
import {
	newBusinessBySource,
	revenueMix,
	revenueMixByRep,
	revenueMixByTeam,
	revenueMixOverTime
} from '../../src/lib/server/metrics/revenue-mix.ts';
import { freshDatabase } from './helpers.ts';

/*
 * The demo company, checked against SQL written independently from the definitions: "first snapshot
 * showing Closed Won" as a row_number window rather than arg_min, the derivation as correlated
 * EXISTS. The demo types every deal, so a seventh of them lose their type to exercise the derivation.
 */

const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };

let db: Database;
let cleanup: () => void;
let northLeader: Scope;

beforeAll(async () => {
	({ db, cleanup } = await freshDatabase());
	await seedDemo(db, { until: '2026-11-23', scale: 1 });
	await db.write((tx) => tx.run('UPDATE deals SET deal_type = NULL WHERE id % 7 = 0'));
	const north = await db.all<{ id: number }>('SELECT id FROM reps WHERE team_id = 1 ORDER BY id');
	northLeader = { role: 'leader', repIds: north.map((r) => r.id), teamIds: [1], ownRepId: null };
});
afterAll(() => cleanup());

interface Expected {
	won_new_business: number;
	won_existing: number;
	pipeline_as_of: string;
	pipeline_total_new_business: number;
	pipeline_total_existing: number;
	pipeline_weighted_new_business: number;
	pipeline_weighted_existing: number;
}

/** The split by the definitions, by a different route than the product's SQL. */
async function directSplit(scope: Scope, from: string, to: string): Promise<Expected> {
	const inScope = (column: string) => (scope.repIds === null ? 'true' : `list_contains($reps::INTEGER[], ${column})`);
	const row = await db.one<Expected>(
		`WITH won_rows AS (
			SELECT s.*, row_number() OVER (PARTITION BY s.deal_id ORDER BY s.snapshot_date) AS nth
			FROM snapshots s JOIN stages st ON st.id = s.stage_id
			WHERE st.outcome = 'won'
		),
		first_won AS (SELECT deal_id, close_date, amount, owner_id FROM won_rows WHERE nth = 1),
		is_new AS (
			SELECT d.id AS deal_id,
				CASE WHEN d.deal_type IS NOT NULL THEN d.deal_type = 'new_business'
				ELSE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = d.account_id AND a.customer_since < d.created_date)
					AND NOT EXISTS (
						SELECT 1 FROM first_won f JOIN deals earlier ON earlier.id = f.deal_id
						WHERE earlier.account_id = d.account_id AND f.close_date < d.created_date
					)
				END AS new_business
			FROM deals d
		),
		won AS (
			SELECT f.amount, n.new_business FROM first_won f JOIN is_new n USING (deal_id)
			WHERE f.close_date >= $from::DATE AND f.close_date <= $to::DATE AND ${inScope('f.owner_id')}
		),
		at_end AS (SELECT max(snapshot_date) AS d FROM snapshots WHERE snapshot_date <= $to::DATE),
		open AS (
			SELECT s.amount, s.probability, n.new_business
			FROM snapshots s JOIN stages st ON st.id = s.stage_id JOIN is_new n USING (deal_id)
			WHERE st.outcome = 'open' AND s.snapshot_date = (SELECT d FROM at_end) AND ${inScope('s.owner_id')}
		)
		SELECT
			(SELECT coalesce(sum(amount), 0) FROM won WHERE new_business)::DOUBLE AS won_new_business,
			(SELECT coalesce(sum(amount), 0) FROM won WHERE NOT new_business)::DOUBLE AS won_existing,
			(SELECT d FROM at_end) AS pipeline_as_of,
			(SELECT coalesce(sum(amount), 0) FROM open WHERE new_business)::DOUBLE AS pipeline_total_new_business,
			(SELECT coalesce(sum(amount), 0) FROM open WHERE NOT new_business)::DOUBLE AS pipeline_total_existing,
			(SELECT coalesce(sum(amount * probability), 0) FROM open WHERE new_business)::DOUBLE AS pipeline_weighted_new_business,
			(SELECT coalesce(sum(amount * probability), 0) FROM open WHERE NOT new_business)::DOUBLE AS pipeline_weighted_existing`,
		{ from, to, ...(scope.repIds === null ? {} : { reps: listValue([...scope.repIds]) }) }
	);
	return row!;
}

const periods = [
	{ name: 'the demo’s last quarter to date', from: '2026-10-01', to: '2026-11-23' },
	{ name: 'a whole year', from: '2025-01-01', to: '2025-12-31' },
	{ name: 'a custom range ending between snapshots', from: '2026-02-11', to: '2026-05-06' }
];

describe('revenue mix on the demo company, against direct SQL', () => {
	for (const period of periods) {
		for (const [scopeName, scope] of [
			['an executive', () => everyone],
			['the North leader', () => northLeader]
		] as const) {
			it(`${period.name}, for ${scopeName}: the split and the weighted score`, async () => {
				const expected = await directSplit(scope(), period.from, period.to);
				const w = 1.7;
				const m = await db.read((q) => revenueMix(q, scope(), { from: period.from, to: period.to, newBusinessWeight: w }));
				// The period must hold something, or the comparison proves nothing.
				expect(expected.won_new_business).toBeGreaterThan(0);
				expect(expected.won_existing).toBeGreaterThan(0);
				expect(m.won.new_business).toBeCloseTo(expected.won_new_business, 2);
				expect(m.won.existing).toBeCloseTo(expected.won_existing, 2);
				expect(m.weighted_score).toBeCloseTo(expected.won_new_business * w + expected.won_existing, 2);
				expect(m.pipeline_as_of).toBe(expected.pipeline_as_of);
				expect(m.pipeline.new_business.total).toBeCloseTo(expected.pipeline_total_new_business, 2);
				expect(m.pipeline.existing.total).toBeCloseTo(expected.pipeline_total_existing, 2);
				expect(m.pipeline.new_business.weighted).toBeCloseTo(expected.pipeline_weighted_new_business, 2);
				expect(m.pipeline.existing.weighted).toBeCloseTo(expected.pipeline_weighted_existing, 2);
				expect(m.derived.won_deals + m.derived.open_deals).toBeGreaterThan(0);
			});
		}
	}

	it('per rep, per team, per month, per source and per account, the parts add up to the headline', async () => {
		const query = { from: '2025-01-01', to: '2025-12-31', newBusinessWeight: 2 };
		const [m, reps, teams, months, sources, concentration] = await db.read(async (q) => [
			await revenueMix(q, everyone, query),
			await revenueMixByRep(q, everyone, query),
			(await revenueMixByTeam(q, everyone, query)).teams,
			await revenueMixOverTime(q, everyone, { ...query, bucket: 'month' }),
			await newBusinessBySource(q, everyone, query),
			await keyAccountConcentration(q, everyone, query)
		]);
		const total = (rows: readonly object[], key: string) => rows.reduce((s, r) => s + (r as Record<string, number>)[key], 0);
		for (const rows of [reps, teams]) {
			expect(total(rows, 'won_new_business')).toBeCloseTo(m.won.new_business, 2);
			expect(total(rows, 'won_existing')).toBeCloseTo(m.won.existing, 2);
			expect(total(rows, 'weighted_score')).toBeCloseTo(m.weighted_score, 2);
			expect(total(rows, 'pipeline_weighted_new_business')).toBeCloseTo(m.pipeline.new_business.weighted, 2);
		}
		expect(months).toHaveLength(24);
		expect(total(months.filter((r) => r.segment === 'new_business'), 'won')).toBeCloseTo(m.won.new_business, 2);
		expect(total(months.filter((r) => r.segment === 'existing'), 'won')).toBeCloseTo(m.won.existing, 2);
		const december = months.filter((r) => r.period_start === '2025-12-01');
		expect(december.map((r) => r.pipeline_as_of)).toEqual([m.pipeline_as_of, m.pipeline_as_of]);
		expect(december[0].pipeline_total).toBeCloseTo(m.pipeline.new_business.total, 2);
		expect(total(sources, 'won')).toBeCloseTo(m.won.new_business, 2);
		expect(total(sources, 'pipeline_total')).toBeCloseTo(m.pipeline.new_business.total, 2);
		expect(concentration.total_won).toBeCloseTo(m.won.new_business + m.won.existing, 2);
	});

	it('a leader’s reps add up to the leader’s headline, and nobody outside the team appears', async () => {
		const query = { from: '2026-01-01', to: '2026-11-23', newBusinessWeight: 1.3 };
		const [m, reps] = await db.read(async (q) => [await revenueMix(q, northLeader, query), await revenueMixByRep(q, northLeader, query)]);
		expect(reps.every((r) => northLeader.repIds!.includes(r.rep_id))).toBe(true);
		expect(reps.reduce((s, r) => s + r.weighted_score, 0)).toBeCloseTo(m.weighted_score, 2);
	});
});
