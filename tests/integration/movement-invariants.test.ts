import { listValue } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/database.ts';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import { dealTypes, type DealType } from '../../src/lib/domain/roles.ts';
import {
	movementParts,
	occasionalParts,
	partSign,
	periodFor,
	periodPicks,
	waterfallGapCents,
	type MovementPart,
	type Period
} from '../../src/lib/domain/movement.ts';
import { movementDeals, pipelineMovement, stageTransitions, transitionDeals, type MovementOptions } from '../../src/lib/server/metrics/movement.ts';
import { seedDemo } from '../../src/lib/server/demo/index.ts';
import { freshDatabase } from './helpers.ts';
import { annOnly, benOnly, catOnly, everyone, load, northLeader, pipelineDatabase, week, type SnapshotRow, type StageName } from './movement-fixtures.ts';

/** A small seeded PRNG (mulberry32), so a failing case can be replayed. */
function random(seed: number) {
	let state = seed >>> 0;
	const next = () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	return {
		next,
		int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
		pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
		chance: (p: number) => next() < p
	};
}
type Random = ReturnType<typeof random>;

const cents = (value: number) => Math.round(value * 100);

/** Open pipeline at A and at B for a scope, summed straight from the two snapshots. */
async function independentTotals(db: Database, scope: Scope, options: MovementOptions) {
	const reps = scope.repIds === null ? null : listValue([...scope.repIds]);
	const params = {
		from: options.from,
		to: options.to,
		ps: options.period?.start ?? null,
		pe: options.period?.end ?? null,
		type: options.dealType ?? null,
		reps
	};
	const inScope = (column: string) => `($reps::INTEGER[] IS NULL OR list_contains($reps::INTEGER[], ${column}))`;
	const filters = `st.outcome = 'open' AND ($ps::DATE IS NULL OR x.close_date BETWEEN $ps::DATE AND $pe::DATE)
		AND ($type::VARCHAR IS NULL OR d.deal_type = $type::VARCHAR)`;
	// A deal counts for its owner as of each snapshot, so a scope's weeks chain (issue 18; it used to
	// count for its latest owner in both).
	const start = await db.one<{ total: number }>(
		`SELECT coalesce(sum(x.amount), 0)::DOUBLE AS total
		FROM snapshots x
		JOIN stages st ON st.id = x.stage_id
		JOIN deals d ON d.id = x.deal_id
		WHERE x.snapshot_date = $from::DATE AND ${filters} AND ${inScope('x.owner_id')}
			AND $to::DATE IS NOT NULL`,
		params
	);
	const end = await db.one<{ total: number }>(
		`SELECT coalesce(sum(x.amount), 0)::DOUBLE AS total
		FROM snapshots x
		JOIN stages st ON st.id = x.stage_id
		JOIN deals d ON d.id = x.deal_id
		WHERE x.snapshot_date = $to::DATE AND ${filters} AND ${inScope('x.owner_id')}
			AND $from::DATE IS NOT NULL`,
		params
	);
	return { start: start!.total, end: end!.total };
}

/** Everything that must hold for any A, B, P, scope and deal type. */
async function checkWaterfall(db: Database, scope: Scope, options: MovementOptions, label: string) {
	const movement = await db.read((q) => pipelineMovement(q, scope, options));
	expect(waterfallGapCents(movement.start, movement.parts, movement.end), `${label}: start + parts = end`).toBe(0);

	const totals = await independentTotals(db, scope, options);
	expect(cents(movement.start), `${label}: start`).toBe(cents(totals.start));
	expect(cents(movement.end), `${label}: end`).toBe(cents(totals.end));

	// A deal is in a part at most once (it may be in two: pulled in and won); a part is the sum of its
	// deals' changes.
	const { deals, total } = await db.read((q) => movementDeals(q, scope, options));
	expect(total, `${label}: deals listed`).toBe(deals.length);
	expect(new Set(deals.map((d) => `${d.deal_id}/${d.part}`)).size, `${label}: each deal once per part`).toBe(deals.length);
	for (const part of movementParts) {
		const mine = deals.filter((d) => d.part === part);
		expect(mine.length, `${label}: ${part} count`).toBe(movement.counts[part]);
		const sum = mine.reduce((s, d) => s + cents(d.change), 0);
		expect(sum - partSign[part] * cents(movement.parts[part]), `${label}: ${part} amount`).toBe(0);
		// A deal worth 0 (or nothing known) still counts in its part, moving it by nothing.
		expect(mine.every((d) => d.change === 0 || Math.sign(d.change) === partSign[part]), `${label}: ${part} sign`).toBe(true);
	}

	// The forward and backward counts are the deals behind them.
	const moves = await db.read((q) => stageTransitions(q, scope, options));
	const forward = await db.read((q) => transitionDeals(q, scope, { ...options, direction: 'forward' }));
	expect(forward.total, `${label}: moved forward`).toBe(moves.movedForward);
	return movement;
}

function randomPeriod(rng: Random, anchor: string): Period | null {
	const kind = rng.int(0, 2);
	if (kind === 0) return null;
	if (kind === 1) return periodFor(rng.pick(periodPicks), anchor);
	const start = new Date(Date.UTC(2025, 9, 1) + rng.int(0, 600) * 86_400_000);
	const end = new Date(start.getTime() + rng.int(0, 400) * 86_400_000);
	return { start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10) };
}

describe('the waterfall adds up on a restless synthetic pipeline', () => {
	let db: Database;
	let cleanup: () => void;
	const weeks = 14;

	/**
	 * Deals that move forward and back, win, lose, reopen, vanish for a week or for good, change
	 * amount (to zero too), close date and owner, often several at once.
	 */
	function restlessPipeline(rng: Random): { rows: SnapshotRow[]; types: { crm: string; type: DealType }[] } {
		const rows: SnapshotRow[] = [];
		const types: { crm: string; type: DealType }[] = [];
		const openStages: StageName[] = ['Lead', 'Qualified', 'Discovery', 'Demo', 'Proposal', 'Negotiation'];
		for (let n = 0; n < 240; n++) {
			const crm = `R${n}`;
			types.push({ crm, type: rng.pick(dealTypes) });
			let stage: StageName = rng.pick(openStages.slice(0, 3));
			let amount = rng.chance(0.05) ? 0 : rng.int(1, 5_000_000);
			let close = new Date(Date.UTC(2026, 0, 15) + rng.int(0, 540) * 86_400_000);
			let owner = rng.pick(['ann', 'ben', 'cat'] as const);
			for (let w = rng.chance(0.5) ? 0 : rng.int(1, weeks - 1); w < weeks; w++) {
				const open = stage !== 'Won' && stage !== 'Lost';
				if (rng.chance(0.04)) continue; // missing from this snapshot only
				if (rng.chance(0.01)) break; // gone for good
				if (open) {
					const position = openStages.indexOf(stage);
					if (rng.chance(0.15)) stage = openStages[Math.min(5, position + rng.int(1, 2))];
					else if (rng.chance(0.05)) stage = openStages[Math.max(0, position - 1)];
					if (rng.chance(0.05)) stage = 'Won';
					else if (rng.chance(0.05)) stage = 'Lost';
				} else if (rng.chance(0.02)) {
					stage = rng.pick(openStages);
				}
				if (rng.chance(0.12)) amount = rng.chance(0.1) ? 0 : Math.max(0, amount + rng.int(-200_000, 300_000));
				if (rng.chance(0.2)) close = new Date(close.getTime() + rng.int(-40, 90) * 86_400_000);
				if (rng.chance(0.04)) owner = rng.pick(['ann', 'ben', 'cat'] as const);
				rows.push({ week: w, deal: crm, stage, amount: (amount / 100).toFixed(2), close: close.toISOString().slice(0, 10), owner });
			}
		}
		return { rows, types };
	}

	beforeAll(async () => {
		({ db, cleanup } = await pipelineDatabase());
		const { rows, types } = restlessPipeline(random(20261123));
		await load(db, rows, types);
	});
	afterAll(() => cleanup());

	it('for 120 random choices of A, B, P, scope and deal type, in cents, with every deal once in each of its parts', async () => {
		const rng = random(7);
		const scopes = [everyone, northLeader, annOnly, benOnly, catOnly];
		for (let i = 0; i < 120; i++) {
			const a = rng.int(0, weeks - 1);
			const b = rng.int(a, weeks - 1);
			const options: MovementOptions = {
				from: week(a),
				to: week(b),
				period: randomPeriod(rng, week(b)),
				dealType: rng.chance(0.3) ? rng.pick(dealTypes) : null
			};
			await checkWaterfall(db, rng.pick(scopes), options, `case ${i} ${JSON.stringify(options)}`);
		}
	});

	it("every deal has one owner at each snapshot: the reps' waterfalls add up to the company's, part by part", async () => {
		const options = { from: week(1), to: week(12), period: { start: '2026-03-15', end: '2026-08-31' } };
		const company = await db.read((q) => pipelineMovement(q, everyone, options));
		const reps = await Promise.all([annOnly, benOnly, catOnly].map((scope) => db.read((q) => pipelineMovement(q, scope, options))));
		const transfers: MovementPart[] = ['transferred_in', 'transferred_out'];
		for (const part of movementParts.filter((p) => !transfers.includes(p))) {
			expect(reps.reduce((sum, r) => sum + cents(r.parts[part]), 0), part).toBe(cents(company.parts[part]));
		}
		// What one rep hands over another receives; the company sees no transfer at all.
		const transferredIn = reps.reduce((sum, r) => sum + cents(r.parts.transferred_in), 0);
		expect(transferredIn).toBeGreaterThan(0);
		expect(reps.reduce((sum, r) => sum + cents(r.parts.transferred_out), 0)).toBe(transferredIn);
		expect([company.parts.transferred_in, company.parts.transferred_out]).toEqual([0, 0]);
		expect(reps.reduce((sum, r) => sum + cents(r.start), 0)).toBe(cents(company.start));
	});

	it('the restless history exercises every part of the company waterfall but the transfers', async () => {
		const exercised = new Set<MovementPart>();
		for (const period of [null, { start: '2026-02-01', end: '2026-04-30' }, { start: '2026-03-15', end: '2026-08-31' }]) {
			for (let a = 0; a + 1 < weeks; a += 2) {
				const m = await db.read((q) => pipelineMovement(q, everyone, { from: week(a), to: week(a + 1), period }));
				for (const part of movementParts) if (m.counts[part] > 0) exercised.add(part);
			}
		}
		expect(movementParts.filter((part) => !exercised.has(part))).toEqual(['transferred_in', 'transferred_out']);
	});

	it("a team's and a rep's consecutive weeks chain: the end of one comparison is the start of the next", async () => {
		const southLeader: Scope = { role: 'leader', repIds: [3], teamIds: [2], ownRepId: null };
		const periods: (Period | null)[] = [null, { start: '2026-04-01', end: '2026-06-30' }, { start: '2026-01-01', end: '2026-12-31' }];
		for (const scope of [northLeader, southLeader, annOnly, benOnly]) {
			for (const period of periods) {
				let previous: { start: number; end: number } | null = null;
				let moved = 0;
				for (let w = 0; w + 1 < weeks; w++) {
					const m = await db.read((q) => pipelineMovement(q, scope, { from: week(w), to: week(w + 1), period }));
					expect(waterfallGapCents(m.start, m.parts, m.end), `week ${w} adds up`).toBe(0);
					if (previous) expect(cents(m.start), `${scope.repIds} ${JSON.stringify(period)}: week ${w} starts where week ${w - 1} ended`).toBe(cents(previous.end));
					moved += m.counts.transferred_in + m.counts.transferred_out;
					previous = m;
				}
				if (period === null) expect(moved, 'the history re-owns deals across this scope').toBeGreaterThan(0);
			}
		}
	});
});

describe('the waterfall adds up on the demo company', () => {
	let db: Database;
	let cleanup: () => void;
	let dates: string[];
	let teams: { id: number; reps: number[] }[];

	beforeAll(async () => {
		({ db, cleanup } = await freshDatabase());
		await seedDemo(db, { until: '2026-11-23', seed: 42, scale: 1, weeks: 104 });
		dates = (await db.all<{ d: string }>('SELECT DISTINCT snapshot_date AS d FROM snapshots ORDER BY d')).map((r) => r.d);
		const rows = await db.all<{ team_id: number; reps: number[] }>(
			'SELECT team_id, list(id ORDER BY id) AS reps FROM reps WHERE team_id IS NOT NULL GROUP BY team_id ORDER BY team_id'
		);
		teams = rows.map((r) => ({ id: r.team_id, reps: r.reps }));
	});
	afterAll(() => cleanup());

	it('for 80 random choices of A, B, P, scope and deal type', async () => {
		const rng = random(42);
		expect(dates.length).toBe(104);
		for (let i = 0; i < 80; i++) {
			const a = rng.int(0, dates.length - 1);
			const b = rng.chance(0.5) ? Math.min(dates.length - 1, a + 1) : rng.int(a, dates.length - 1);
			const team = rng.pick(teams);
			const repId = rng.pick(team.reps);
			const scope: Scope = rng.pick([
				everyone,
				{ role: 'leader', repIds: team.reps, teamIds: [team.id], ownRepId: null },
				{ role: 'rep', repIds: [repId], teamIds: [team.id], ownRepId: repId }
			]);
			const options: MovementOptions = {
				from: dates[a],
				to: dates[b],
				period: randomPeriod(rng, dates[b]),
				dealType: rng.chance(0.3) ? rng.pick(dealTypes) : null
			};
			await checkWaterfall(db, scope, options, `demo case ${i} ${JSON.stringify({ ...options, scope: scope.repIds?.length ?? 'all' })}`);
		}
	});

	it('over the latest four weeks, the pipeline moves in every part (the demo exercises them all)', async () => {
		// Four weeks, not one: in the middle of a quarter a deal is pulled into it only when a lost deal
		// is reopened, which a single week of the demo company may or may not hold, whatever its seed.
		const movement = await checkWaterfall(db, everyone, { from: dates.at(-5)!, to: dates.at(-1)!, period: periodFor('this_quarter', dates.at(-1)!) }, 'latest four weeks');
		// The occasional parts (issue 18) need a narrowed scope, an export that drops deals, or close
		// dates crossing the period's other edge, which the demo company does not produce; the restless
		// history above exercises them.
		const quiet = movementParts.filter((part: MovementPart) => movement.counts[part] === 0 && !occasionalParts.has(part));
		expect(quiet).toEqual([]);
	});
});
