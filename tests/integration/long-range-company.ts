import { DuckDBDateValue } from '@duckdb/node-api';
import type { Database } from '../../src/lib/server/db/index.ts';

/**
 * A simulated company for the 6-18 month view, whose truth is known: three years of weekly
 * snapshots, reps creating deals at a steady rate, a known win rate per segment, a known cycle and a
 * known habit of slipping. Nothing in it is tuned to the model: it only plays the deals out.
 */

export interface CompanySettings {
	seed: number;
	weeks: number;
	/** Deals each rep creates per week, on average. */
	createdPerRepWeek: number;
	winRate: { new_business: number; existing: number };
	/** Days from creation to close, uniform between the two. */
	cycleDays: [number, number];
	/** Share of deals that close a month or two after their first stated date. */
	slipShare: number;
	medianAmount: number;
	/** A rep joining this many weeks in (team 2), or null. */
	newRepWeek: number | null;
}

export const firstMonday = '2023-01-02';
const dayMs = 86_400_000;
const startDay = Date.parse(`${firstMonday}T00:00:00Z`) / dayMs;
export const isoOf = (day: number) => new Date(day * dayMs).toISOString().slice(0, 10);
const monthOfDay = (day: number) => isoOf(day).slice(0, 7);

function mulberry32(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function poisson(mean: number, random: () => number) {
	const limit = Math.exp(-mean);
	let k = 0;
	let p = random();
	while (p > limit) {
		k++;
		p *= random();
	}
	return k;
}

interface SimDeal {
	id: number;
	owner: number;
	created: number;
	planned: number;
	closes: number;
	won: boolean;
	amount: number;
	type: 'new_business' | 'upsell';
}

export interface SimulatedCompany {
	snapshotDates: string[];
	/** Won revenue per close month, the truth the projection is judged against. */
	wonByMonth: Map<string, number>;
	wonByMonthForRep: (rep: number) => Map<string, number>;
}

export async function simulateCompany(db: Database, settings: CompanySettings): Promise<SimulatedCompany> {
	const random = mulberry32(settings.seed);
	const reps = [1, 2, 3, 4, 5, 6, 7, 8];
	const endDay = startDay + (settings.weeks - 1) * 7;
	const deals: SimDeal[] = [];
	const repStart = (rep: number) => (rep === 8 && settings.newRepWeek !== null ? startDay + settings.newRepWeek * 7 : startDay - 200);
	for (const rep of reps) {
		for (let week = repStart(rep); week <= endDay; week += 7) {
			const n = poisson(settings.createdPerRepWeek, random);
			for (let k = 0; k < n; k++) {
				const created = week + Math.floor(random() * 7);
				const type = random() < 0.7 ? 'new_business' : 'upsell';
				const won = random() < settings.winRate[type === 'new_business' ? 'new_business' : 'existing'];
				const [low, high] = settings.cycleDays;
				const planned = created + low + Math.floor(random() * (high - low));
				const slip = random() < settings.slipShare ? 30 + Math.floor(random() * 31) : 0;
				const amount = Math.round(settings.medianAmount * (type === 'new_business' ? 1 : 0.5) * Math.exp(0.6 * normal(random)));
				deals.push({ id: deals.length + 1, owner: rep, created, planned, closes: planned + slip, won, amount, type });
			}
		}
	}

	const snapshotDates: string[] = [];
	await db.write(async (tx) => {
		await tx.run(`INSERT INTO teams (id, name) VALUES (1, 'North'), (2, 'South')`);
		for (const rep of reps) {
			await tx.run(`INSERT INTO reps (id, email, name, role, team_id) VALUES ($id, $email, $name, 'AE', $team)`, {
				id: rep,
				email: `rep${rep}@sim.test`,
				name: `Rep ${rep}`,
				team: rep <= 4 ? 1 : 2
			});
		}
		const dealRows = await tx.connection.createAppender('deals');
		for (const deal of deals) {
			dealRows.appendInteger(deal.id);
			dealRows.appendVarchar(`S-${deal.id}`);
			dealRows.appendVarchar(`Deal ${deal.id}`);
			dealRows.appendNull();
			dealRows.appendVarchar(deal.type);
			dealRows.appendNull();
			dealRows.appendNull();
			dealRows.appendDate(new DuckDBDateValue(deal.created));
			dealRows.appendVarchar('EUR');
			dealRows.endRow();
		}
		dealRows.closeSync();
		const rows = await tx.connection.createAppender('snapshots');
		const probability = [0, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 0];
		for (let day = startDay; day <= endDay; day += 7) {
			snapshotDates.push(isoOf(day));
			for (const deal of deals) {
				if (deal.created > day) continue;
				let stage: number;
				let close: number;
				if (day < deal.closes) {
					const progress = (day - deal.created) / (deal.closes - deal.created);
					stage = Math.min(6, 2 + Math.floor(progress * 5));
					// The stated date is the plan until it has passed; then the real one.
					close = day < deal.planned ? deal.planned : deal.closes;
				} else if (day < deal.closes + 28) {
					stage = deal.won ? 7 : 8;
					close = deal.closes;
				} else continue;
				rows.appendDate(new DuckDBDateValue(day));
				rows.appendInteger(deal.id);
				rows.appendInteger(deal.owner);
				rows.appendSmallInt(stage);
				rows.appendDouble(deal.amount);
				rows.appendDouble(probability[stage]);
				rows.appendDate(new DuckDBDateValue(close));
				rows.appendVarchar(stage === 7 || stage === 8 ? 'closed' : 'pipeline');
				rows.endRow();
			}
		}
		rows.closeSync();
	});
	const wonBy = (filter: (deal: SimDeal) => boolean) => {
		const won = new Map<string, number>();
		for (const deal of deals) {
			// A deal closing after the last snapshot was never shown won.
			if (!deal.won || deal.closes > endDay || !filter(deal)) continue;
			won.set(monthOfDay(deal.closes), (won.get(monthOfDay(deal.closes)) ?? 0) + deal.amount);
		}
		return won;
	};
	return { snapshotDates, wonByMonth: wonBy(() => true), wonByMonthForRep: (rep) => wonBy((d) => d.owner === rep) };
}

function normal(random: () => number) {
	return Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
}
