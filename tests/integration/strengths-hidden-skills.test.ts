import { listValue } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import { spearman } from '../../src/lib/domain/shrinkage.ts';
import { teamStrengths, type Dimension, type RepProfile } from '../../src/lib/server/metrics/strengths/index.ts';
import { freshDatabase } from './helpers.ts';

/**
 * Checked on data the strengths were not built on (issue 19): a company simulated here, not the demo
 * generator, whose reps carry hidden skills. SDRs differ in opening (how much they source and how
 * much of it qualifies), AEs in closing (how often a deal that reached Proposal is won); everything
 * else is chance. The opening and closing indices must each rank the reps close to their hidden
 * skill, on several seeds, so that no one seed's luck passes the test.
 */

const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };
const TEAMS = 3;
const SDRS_PER_TEAM = 4;
const AES_PER_TEAM = 5;
const WEEKS = 60;
/** Stage ids of the default ladder. */
const stage = { lead: 1, qualified: 2, discovery: 3, proposal: 5, won: 7, lost: 8 } as const;

/** mulberry32: small, deterministic, good enough for a simulation. */
function random(seed: number) {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

/** The Monday `week` weeks after Monday 6 January 2025. */
function monday(week: number): string {
	return new Date(Date.UTC(2025, 0, 6 + 7 * week)).toISOString().slice(0, 10);
}

interface SimulatedRep {
	id: number;
	team: number;
	role: 'SDR' | 'AE';
	email: string;
	/** The hidden skill, in standard deviations from the role's average. */
	skill: number;
}

interface SimulatedCompany {
	reps: SimulatedRep[];
	deals: { id: number; sourcedBy: number; created: string }[];
	/** [snapshot date, deal, owner, stage, close date] */
	rows: [string, number, number, number, string][];
}

function simulateCompany(seed: number): SimulatedCompany {
	const next = random(seed);
	const normal = () => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
	const poisson = (mean: number) => {
		let count = 0;
		for (let product = next(); product > Math.exp(-mean); product *= next()) count++;
		return count;
	};
	const reps: SimulatedRep[] = [];
	let repId = 1;
	for (let team = 1; team <= TEAMS; team++) {
		for (let i = 0; i < SDRS_PER_TEAM; i++) reps.push({ id: repId, team, role: 'SDR', email: `sdr${repId++}@sim.test`, skill: normal() });
		for (let i = 0; i < AES_PER_TEAM; i++) reps.push({ id: repId, team, role: 'AE', email: `ae${repId++}@sim.test`, skill: normal() });
	}
	const deals: SimulatedCompany['deals'] = [];
	const rows: SimulatedCompany['rows'] = [];
	let dealId = 1;
	for (const sdr of reps.filter((r) => r.role === 'SDR')) {
		const aes = reps.filter((r) => r.role === 'AE' && r.team === sdr.team);
		// A strong opener sources more, and more of what they source qualifies.
		const perWeek = 3 * Math.exp(0.3 * sdr.skill);
		const qualifies = logistic(logit(0.4) + 0.5 * sdr.skill);
		for (let week = 0; week < WEEKS - 8; week++) {
			for (let n = poisson(perWeek); n > 0; n--) {
				const id = dealId++;
				const ae = aes[Math.floor(next() * aes.length)];
				deals.push({ id, sourcedBy: sdr.id, created: monday(week) });
				const open = (offset: number, stageId: number) => rows.push([monday(week + offset), id, ae.id, stageId, monday(week + 12)]);
				// Closed on the Friday before the snapshot that first shows it closed.
				const close = (offset: number, stageId: number) =>
					rows.push([monday(week + offset), id, ae.id, stageId, new Date(Date.parse(monday(week + offset)) - 3 * 86_400_000).toISOString().slice(0, 10)]);
				open(0, stage.lead);
				if (next() >= qualifies) {
					open(1, stage.lead);
					close(2, stage.lost);
					continue;
				}
				open(1, stage.qualified);
				open(2, stage.discovery);
				open(3, stage.discovery);
				// Mid-funnel is chance here: the test is about opening and closing.
				if (next() >= 0.6) {
					close(4, stage.lost);
					continue;
				}
				open(4, stage.proposal);
				open(5, stage.proposal);
				// A strong closer wins more of what reached Proposal.
				close(6, next() < logistic(logit(0.35) + 0.6 * ae.skill) ? stage.won : stage.lost);
			}
		}
	}
	return { reps, deals, rows };
}

async function load(db: Database, company: SimulatedCompany): Promise<void> {
	await db.write(async (tx) => {
		for (let team = 1; team <= TEAMS; team++) await tx.run('INSERT INTO teams (id, name) VALUES ($id, $name)', { id: team, name: `Team ${team}` });
		for (const rep of company.reps) {
			await tx.run('INSERT INTO reps (id, email, name, role, team_id) VALUES ($id, $email, $name, $role, $team)', {
				id: rep.id,
				email: rep.email,
				name: rep.email.split('@')[0],
				role: rep.role,
				team: rep.team
			});
		}
		await tx.run(
			`INSERT INTO deals (id, crm_id, name, deal_type, source, sourced_by, created_date)
			SELECT id, 'SIM-' || id, 'Deal ' || id, 'new_business', 'sdr', sourced_by, created
			FROM (SELECT unnest($ids::INTEGER[]) AS id, unnest($sourced_by::INTEGER[]) AS sourced_by, unnest($created::DATE[]) AS created)`,
			{
				ids: listValue(company.deals.map((d) => d.id)),
				sourced_by: listValue(company.deals.map((d) => d.sourcedBy)),
				created: listValue(company.deals.map((d) => d.created))
			}
		);
		await tx.run(
			`INSERT INTO snapshots
			SELECT snapshot_date, deal_id, owner_id, stage_id, 1000,
				CASE stage_id WHEN 7 THEN 1 WHEN 8 THEN 0 ELSE 0.3 END,
				close_date,
				CASE stage_id WHEN 7 THEN 'closed' WHEN 8 THEN 'omitted' ELSE 'pipeline' END
			FROM (
				SELECT unnest($dates::DATE[]) AS snapshot_date, unnest($deals::INTEGER[]) AS deal_id, unnest($owners::INTEGER[]) AS owner_id,
					unnest($stages::INTEGER[]) AS stage_id, unnest($closes::DATE[]) AS close_date
			)
			WHERE snapshot_date <= $last::DATE`,
			{
				dates: listValue(company.rows.map((r) => r[0])),
				deals: listValue(company.rows.map((r) => r[1])),
				owners: listValue(company.rows.map((r) => r[2])),
				stages: listValue(company.rows.map((r) => r[3])),
				closes: listValue(company.rows.map((r) => r[4])),
				last: monday(WEEKS - 1)
			}
		);
	});
}

/**
 * Spearman of a dimension's index against the hidden skill, over the reps of a role: against the
 * skill itself (`company`), and against the skill relative to the average of the rep's own team
 * (`withinTeam`), which is what an index against the team's rate measures by design.
 */
function rankAgainstSkill(profiles: RepProfile[], company: SimulatedCompany, dimension: Dimension, role: 'SDR' | 'AE') {
	const reps = company.reps.filter((r) => r.role === role);
	const teamSkill = (team: number) => {
		const mates = reps.filter((r) => r.team === team);
		return mates.reduce((sum, r) => sum + r.skill, 0) / mates.length;
	};
	const points = reps.flatMap((rep) => {
		const index = profiles.find((p) => p.rep.email === rep.email)?.dimensions.find((d) => d.name === dimension)?.index ?? null;
		return index === null ? [] : [{ index, skill: rep.skill, relative: rep.skill - teamSkill(rep.team) }];
	});
	const indexes = points.map((p) => p.index);
	return {
		n: points.length,
		company: spearman(indexes, points.map((p) => p.skill)),
		withinTeam: spearman(indexes, points.map((p) => p.relative))
	};
}

const seeds = [1, 2, 3, 4, 5, 6];
const results = new Map<number, { opening: ReturnType<typeof rankAgainstSkill>; closing: ReturnType<typeof rankAgainstSkill>; closingSamples: number[] }>();
const cleanups: (() => void)[] = [];

beforeAll(async () => {
	for (const seed of seeds) {
		const fresh = await freshDatabase();
		cleanups.push(fresh.cleanup);
		const company = simulateCompany(seed);
		await load(fresh.db, company);
		const period = { from: monday(4), to: monday(WEEKS - 1) };
		const { profiles } = await fresh.db.read((q) => teamStrengths(q, everyone, period));
		results.set(seed, {
			opening: rankAgainstSkill(profiles, company, 'opening', 'SDR'),
			closing: rankAgainstSkill(profiles, company, 'closing', 'AE'),
			closingSamples: profiles.filter((p) => p.rep.role === 'AE').map((p) => p.dimensions.find((d) => d.name === 'closing')!.n)
		});
	}
}, 120_000);
afterAll(() => cleanups.forEach((c) => c()));

describe('the strengths find the skills hidden in a company simulated here (issue 19)', () => {
	for (const seed of seeds) {
		it(`ranks each team's SDRs by opening skill and AEs by closing skill (Spearman >= 0.6, seed ${seed})`, () => {
			const { opening, closing, closingSamples } = results.get(seed)!;
			expect(opening.n).toBe(TEAMS * SDRS_PER_TEAM);
			expect(opening.withinTeam).toBeGreaterThanOrEqual(0.6);
			expect(closing.n).toBe(TEAMS * AES_PER_TEAM);
			expect(closing.withinTeam).toBeGreaterThanOrEqual(0.6);
			expect(closing.company).toBeGreaterThanOrEqual(0.6);
			// Every AE's closing index stands on a real sample of deals that reached Proposal.
			for (const n of closingSamples) expect(n).toBeGreaterThanOrEqual(10);
		});
	}

	it('ranks the SDRs of the whole company by opening skill, on average over the seeds (Spearman >= 0.6)', () => {
		// Company-wide, a within-team index cannot see that one team of four happens to hold the three
		// best openers: on such a draw (seed 2) the plain rank correlation drops although every team is
		// ranked right. Averaged over draws it must still hold.
		const company = seeds.map((seed) => results.get(seed)!.opening.company);
		expect(company.reduce((sum, rho) => sum + rho, 0) / company.length).toBeGreaterThanOrEqual(0.6);
	});
});
