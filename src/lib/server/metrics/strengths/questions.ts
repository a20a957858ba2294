import type { Queryable } from '../../db/index.ts';
import type { SalesRole } from '../../../domain/roles.ts';
import type { Scope } from '../../auth/scope.ts';
import { addDays, addQuarters, quarterEnd, quarterOf, quarterStart, type IsoDate, type Quarter } from '../../../domain/periods.ts';
import { importedData } from './kpis.ts';
import { repPeriodCounts, type StrengthPeriod } from './period-counts.ts';
import { buildProfiles, hasActivity, type RepProfile } from './profiles.ts';

/** The questions the pages and the API ask of the strengths. */

/** The last `months` months up to `latest`, both ends included. */
export function trailingPeriod(latest: IsoDate, months: number): { from: IsoDate; to: IsoDate } {
	const day = new Date(`${latest}T00:00:00Z`);
	const back = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() - months, day.getUTCDate()));
	// 31 March minus one month must not roll over into March again.
	if (back.getUTCDate() !== day.getUTCDate()) back.setUTCDate(0);
	return { from: addDays(back.toISOString().slice(0, 10), 1), to: latest };
}

/** The `count` calendar quarters up to the one holding `latest`, the last one to date. */
export function recentQuarters(latest: IsoDate, count: number): StrengthPeriod[] {
	const last: Quarter = quarterOf(latest);
	return Array.from({ length: count }, (_, i) => {
		const quarter = addQuarters(last, i - count + 1);
		const end = quarterEnd(quarter);
		return { key: quarter, from: quarterStart(quarter), to: end > latest ? latest : end };
	});
}

/**
 * The profiles are always built from the whole company's facts: each role's prior strength and the
 * company's rate are aggregate parameters learned over every team (as the calibration's are), and
 * one shared, remembered pass serves every viewer. `buildProfiles` decides what a viewer gets.
 */
const companyWide: Scope = { role: 'executive', repIds: null, teamIds: null, ownRepId: null };

export interface TeamStrengths {
	from: IsoDate;
	to: IsoDate;
	profiles: RepProfile[];
	/** False when no activities were imported for the period: activity KPIs then say so. */
	activitiesImported: boolean;
	/** False when no account is known as a key account or by its customer-since date. */
	accountsImported: boolean;
}

/**
 * Question: where is each rep of the scope strong, and where is their next step? One profile per rep
 * the scope may list (a rep: only their own), compared with the same role on their team.
 */
export async function teamStrengths(db: Queryable, scope: Scope, period: { from: IsoDate; to: IsoDate }): Promise<TeamStrengths> {
	const rows = await repPeriodCounts(db, companyWide, [{ key: 'current', ...period }]);
	const shown = new Set(rows.filter(hasActivity).map((r) => r.rep_id));
	const imported = importedData(rows);
	return {
		...period,
		profiles: buildProfiles(rows, scope).filter((p) => shown.has(p.rep.rep_id)),
		activitiesImported: imported.activities,
		accountsImported: imported.accounts
	};
}

/**
 * Question: how has a rep's profile developed? Profiles for several periods at once (a period and
 * the quarters before it) from one pass, every rep the scope lists whether or not they were active.
 * For one rep, narrow the scope to them first (`narrowScope(..., { rep })`): their team stays the
 * comparison. A rep who changed team during a period has a profile per team (dated membership); the
 * one in their team of today comes first, which is the one a single profile per period stands for.
 */
export async function strengthProfiles(db: Queryable, scope: Scope, periods: readonly StrengthPeriod[]): Promise<RepProfile[]> {
	const rows = await repPeriodCounts(db, companyWide, periods);
	const today = new Map(
		(await db.all<{ id: number; team: string | null }>('SELECT r.id, t.name AS team FROM reps r LEFT JOIN teams t ON t.id = r.team_id')).map((r) => [r.id, r.team])
	);
	const elsewhere = (p: RepProfile) => (p.rep.team === today.get(p.rep.rep_id) ? 0 : 1);
	return buildProfiles(rows, scope).sort(
		(a, b) => a.from.localeCompare(b.from) || a.rep.name.localeCompare(b.rep.name) || elsewhere(a) - elsewhere(b)
	);
}

/** The latest snapshot date, which anchors the default period; null with no data. */
export async function latestSnapshot(db: Queryable): Promise<IsoDate | null> {
	const row = await db.one<{ latest: IsoDate | null }>('SELECT max(snapshot_date) AS latest FROM snapshots');
	return row?.latest ?? null;
}
