import type { Scope } from '../../src/lib/server/auth/scope.ts';
import type { Database } from '../../src/lib/server/db/database.ts';
import type { DealType } from '../../src/lib/domain/roles.ts';
import { freshDatabase } from './helpers.ts';

/**
 * Tiny hand-made pipelines for the movement tests: two teams, three reps, weekly snapshots on Mondays
 * from 5 January 2026, deals written as one row per snapshot.
 */

export const stage = {
	Lead: 1,
	Qualified: 2,
	Discovery: 3,
	Demo: 4,
	Proposal: 5,
	Negotiation: 6,
	Won: 7,
	Lost: 8
} as const;
export type StageName = keyof typeof stage;

export const rep = { ann: 1, ben: 2, cat: 3 } as const;
export type RepName = keyof typeof rep;

/** The snapshot date of week `n` (week 0 = Monday 5 January 2026). */
export function week(n: number): string {
	return new Date(Date.UTC(2026, 0, 5 + 7 * n)).toISOString().slice(0, 10);
}

export const everyone: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };
/** Leader of team North (Ann and Ben). */
export const northLeader: Scope = { role: 'leader', repIds: [rep.ann, rep.ben], teamIds: [1], ownRepId: null };
export const annOnly: Scope = { role: 'rep', repIds: [rep.ann], teamIds: [1], ownRepId: rep.ann };
export const benOnly: Scope = { role: 'rep', repIds: [rep.ben], teamIds: [1], ownRepId: rep.ben };
export const catOnly: Scope = { role: 'rep', repIds: [rep.cat], teamIds: [2], ownRepId: rep.cat };

export interface SnapshotRow {
	week: number;
	deal: string;
	stage: StageName;
	/** A decimal string ('1234.56') or a number of whole units. */
	amount: string | number;
	close: string;
	owner?: RepName;
}

export interface DealSpec {
	crm: string;
	type?: DealType;
	created?: string | null;
}

export async function pipelineDatabase(): Promise<{ db: Database; cleanup: () => void }> {
	const { db, cleanup } = await freshDatabase();
	await db.write(async (tx) => {
		await tx.run(`INSERT INTO teams (id, name) VALUES (1, 'North'), (2, 'South')`);
		await tx.run(`INSERT INTO reps (id, email, name, role, team_id) VALUES
			(1, 'ann@example.test', 'Ann', 'AE', 1),
			(2, 'ben@example.test', 'Ben', 'AE', 1),
			(3, 'cat@example.test', 'Cat', 'AE', 2)`);
	});
	return { db, cleanup };
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * Inserts snapshot rows, creating every deal they mention (new business, created on its first
 * snapshot unless `deals` says otherwise). Deal ids follow the order deals are first mentioned.
 */
export async function load(db: Database, rows: SnapshotRow[], deals: DealSpec[] = []): Promise<void> {
	const specs = new Map(deals.map((d) => [d.crm, d]));
	const firstSeen = new Map<string, number>();
	for (const row of rows) firstSeen.set(row.deal, Math.min(firstSeen.get(row.deal) ?? Infinity, row.week));
	for (const crm of firstSeen.keys()) if (!specs.has(crm)) specs.set(crm, { crm });
	await db.write(async (tx) => {
		const existing = await tx.one<{ next: number }>('SELECT coalesce(max(id), 0) + 1 AS next FROM deals');
		let next = existing?.next ?? 1;
		const ids = new Map<string, number>();
		const dealValues = [...specs.values()].map((spec) => {
			const id = next++;
			ids.set(spec.crm, id);
			const created = spec.created === undefined ? week(firstSeen.get(spec.crm) ?? 0) : spec.created;
			return `(${id}, ${quote(spec.crm)}, ${quote(`Deal ${spec.crm}`)}, ${quote(spec.type ?? 'new_business')}, ${created ? `DATE ${quote(created)}` : 'NULL'})`;
		});
		if (dealValues.length > 0) {
			await tx.run(`INSERT INTO deals (id, crm_id, name, deal_type, created_date) VALUES ${dealValues.join(', ')}`);
		}
		const sorted = [...rows].sort((x, y) => x.week - y.week);
		for (let i = 0; i < sorted.length; i += 5000) {
			const values = sorted.slice(i, i + 5000).map((row) => {
				const probability = row.stage === 'Won' ? 1 : row.stage === 'Lost' ? 0 : 0.5;
				return `(DATE ${quote(week(row.week))}, ${ids.get(row.deal)}, ${rep[row.owner ?? 'ann']}, ${stage[row.stage]}, ${row.amount}::DECIMAL(18,2), ${probability}, DATE ${quote(row.close)}, 'pipeline')`;
			});
			await tx.run(`INSERT INTO snapshots VALUES ${values.join(', ')}`);
		}
	});
}

/** One deal's history: the same deal in consecutive weeks from `firstWeek`, one entry per week. */
export function history(
	deal: string,
	firstWeek: number,
	states: ([StageName, string | number, string] | [StageName, string | number, string, RepName] | null)[]
): SnapshotRow[] {
	return states.flatMap((state, i) =>
		state === null ? [] : [{ week: firstWeek + i, deal, stage: state[0], amount: state[1], close: state[2], owner: state[3] }]
	);
}
