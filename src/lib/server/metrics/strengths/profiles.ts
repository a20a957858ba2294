import type { Scope } from '../../auth/scope.ts';
import { MIN_OTHER_REPS_BEHIND_TEAM_FIGURE, withheldTeamFigure } from '../team-privacy.ts';
import type { SalesRole } from '../../../domain/roles.ts';
import type { IsoDate } from '../../../domain/periods.ts';
import {
	MIN_SAMPLE_TO_LABEL,
	betaSpread,
	fitHierarchicalBeta,
	fitHierarchicalGamma,
	gammaSpread,
	percentileRank,
	shrinkEventRate,
	shrinkProportion,
	spreadIndex,
	type BetaPrior,
	type Count,
	type GammaPrior,
	type Proportion,
	type RateEstimate
} from '../../../domain/shrinkage.ts';
import { importedData, missingKpis, repKpis, type MissingData, type RepKpis } from './kpis.ts';
import { measures, measuresForRole, type Dimension, type MeasureKey, type Observation } from './measures.ts';
import type { RepPeriodCounts } from './period-counts.ts';

/** Profiles: every measure shrunk and compared rep -> team -> company, and what a viewer gets of them. */

/**
 * A rep sees their team's median only when enough other reps with a sample share the role on the
 * team: with one, the median of the pair is their average and gives the colleague's number away
 * exactly. The one team-privacy rule every team figure a rep sees follows (team-privacy.ts).
 */
export const MIN_PEERS_TO_SHARE_MEDIAN = MIN_OTHER_REPS_BEHIND_TEAM_FIGURE;

export interface MeasureScore {
	key: MeasureKey;
	dimension: Dimension;
	/** The rep's rate, shrunk toward their peers' rate. */
	value: number | null;
	/** The unshrunk rate, for the curious; null without a sample. */
	raw: number | null;
	/** 80% credible interval of `value`. */
	low: number | null;
	high: number | null;
	/** The rep's own sample: trials, or events for a volume. */
	n: number;
	/**
	 * The team's rate of the role, itself pulled toward the company's: what the index compares with.
	 * (The name is the API's since before the hierarchy.) Null when there is no one to compare with,
	 * or a rep may not see it.
	 */
	team_median: number | null;
	/** 100 at the team's rate; 20 points per typical spread between reps of the role (`spreadIndex`). */
	index: number | null;
	index_low: number | null;
	index_high: number | null;
	/** Share of peers below (ties half); only for viewers who may see the whole team. */
	percentile: number | null;
	/** Reps of the role on the team with a sample, the rep included. */
	peers: number;
	/** Enough outcomes to be named a top strength or growth area. */
	labelled: boolean;
	/** Why the measure has no value for anyone: nothing imported that it is counted from. */
	missing: MissingData | null;
}

export interface DimensionScore extends MeasureScore {
	name: Dimension;
}

export interface RepIdentity {
	rep_id: number;
	email: string;
	name: string;
	role: SalesRole;
	team: string | null;
	active: boolean;
}

export interface RepProfile {
	rep: RepIdentity;
	period: string;
	from: IsoDate;
	to: IsoDate;
	dimensions: DimensionScore[];
	measures: MeasureScore[];
	topStrength: MeasureScore | null;
	growthArea: MeasureScore | null;
	kpis: RepKpis;
	/** The role's KPIs that have nothing to be counted from (an import nobody made), and why. */
	kpisMissing: Partial<Record<keyof RepKpis, MissingData>>;
}

/** The rep's estimate under their team's prior, when both are of the measure's model. */
function estimate(observation: Observation, prior: BetaPrior | GammaPrior | null): RateEstimate | null {
	if (prior === null) return null;
	if (observation.model === 'proportion' && 'alpha' in prior) return shrinkProportion(observation.observed, prior);
	if (observation.model === 'volume' && 'shape' in prior) return shrinkEventRate(observation.observed, prior);
	return null;
}

/** The rate a prior centres on; a team that never won keeps the half pseudo-win that lets it. */
function priorMean(prior: BetaPrior | GammaPrior): number {
	return 'alpha' in prior ? prior.alpha / (prior.alpha + prior.beta) : prior.mean;
}

function hasSample(observation: Observation): boolean {
	return observation.model === 'proportion' ? observation.observed.trials > 0 : observation.observed.exposure > 0;
}

/**
 * The priors of one measure for every team of a role (rep -> team -> company), each with the spread
 * between reps its index is counted in; null per team without any sample.
 */
function fitTeamPriors(model: Observation['model'], teams: Observation[][]): ({ prior: BetaPrior | GammaPrior; spread: number } | null)[] {
	const sampled = teams.map((observations) => observations.filter(hasSample));
	if (model === 'proportion') {
		const fitted = fitHierarchicalBeta(sampled.map((observations) => observations.map((o) => o.observed as Proportion)));
		return teams.map((_, i) => {
			const prior = fitted?.teams[i] ?? null;
			return prior ? { prior, spread: betaSpread(prior) } : null;
		});
	}
	const fitted = fitHierarchicalGamma(sampled.map((observations) => observations.map((o) => o.observed as Count)));
	return teams.map((_, i) => {
		const prior = fitted?.teams[i] ?? null;
		return prior ? { prior, spread: gammaSpread(prior) } : null;
	});
}

/** The first measure with the highest index, and the first other one with the lowest, among those with enough outcomes. */
export function strengthAndGrowthArea(scores: readonly MeasureScore[]): { topStrength: MeasureScore | null; growthArea: MeasureScore | null } {
	const eligible = scores.filter((s) => s.labelled && s.index !== null);
	if (eligible.length === 0) return { topStrength: null, growthArea: null };
	const topStrength = eligible.reduce((best, s) => (s.index! > best.index! ? s : best));
	const rest = eligible.filter((s) => s !== topStrength);
	const growthArea = rest.length === 0 ? null : rest.reduce((worst, s) => (s.index! < worst.index! ? s : worst));
	return { topStrength, growthArea };
}

/**
 * Shrinks and compares every measure rep -> team -> company: the rows are the whole company's, so
 * that each role's prior strength is estimated over all its teams, and each rep is compared with
 * their own team's rate of the role (the index, see `spreadIndex`). Then keeps the profiles of the
 * reps the scope may list. For a rep's own scope the team's rate is shown only when enough other
 * colleagues share the role (MIN_PEERS_TO_SHARE_MEDIAN); percentiles, which place a rep among
 * named colleagues, are left out. Other teams' rows never leave this function except as the
 * company's rate they shrink toward.
 */
export function buildProfiles(rows: readonly RepPeriodCounts[], scope: Scope): RepProfile[] {
	const roles = new Map<string, Map<string, RepPeriodCounts[]>>();
	for (const row of rows) {
		const roleKey = `${row.period}|${row.role}`;
		const teams = roles.get(roleKey) ?? new Map<string, RepPeriodCounts[]>();
		roles.set(roleKey, teams);
		const teamKey = String(row.team_id ?? '');
		const team = teams.get(teamKey);
		if (team) team.push(row);
		else teams.set(teamKey, [row]);
	}
	// A row is a rep in one team over the period (dated membership): a team scope with dated
	// membership sees its teams' rows, a rep who moved out with what they did while in them.
	const visible = (row: RepPeriodCounts) =>
		scope.memberTeamIds
			? row.team_id !== null && scope.memberTeamIds.includes(row.team_id)
			: scope.repIds === null || scope.repIds.includes(row.rep_id);
	const rowKey = (row: RepPeriodCounts) => `${row.rep_id}|${row.team_id ?? ''}`;
	const ownView = scope.role === 'rep';
	const imported = importedData(rows);

	const profiles: RepProfile[] = [];
	for (const teamsOfRole of roles.values()) {
		const groups = [...teamsOfRole.values()];
		const role = groups[0][0].role;
		const scored = new Map<string, MeasureScore[]>();
		for (const definition of measuresForRole(role)) {
			const missing: MeasureScore['missing'] = definition.needs === 'no_activities' && !imported.activities ? 'no_activities' : null;
			const observations = groups.map((group) => group.map((row) => definition.observe(row)));
			const priors = missing ? groups.map(() => null) : fitTeamPriors(definition.model, observations);
			groups.forEach((group, g) => {
				if (!group.some(visible)) return;
				const team = priors[g];
				const estimates = observations[g].map((o) => estimate(o, team?.prior ?? null));
				const sampled = observations[g].map(hasSample);
				const peerValues = estimates.filter((e, i): e is RateEstimate => e !== null && sampled[i]).map((e) => e.estimate);
				const peers = peerValues.length;
				const otherPeers = group.filter((row, i) => row.rep_id !== scope.ownRepId && estimates[i] !== null && sampled[i]).length;
				const comparable = team !== null && peers >= 2 && (!ownView || withheldTeamFigure(scope, { otherReps: otherPeers }) === null);
				const teamRate = comparable ? priorMean(team.prior) : null;
				const scale = definition.model === 'proportion' ? 'log-odds' : 'log';
				const indexOf = (value: number | null) => spreadIndex(value, teamRate, team?.spread ?? null, scale);
				group.forEach((row, i) => {
					const e = sampled[i] ? estimates[i] : null;
					const observed = observations[g][i];
					const n = observed.model === 'proportion' ? observed.observed.trials : observed.observed.events;
					const index = e ? indexOf(e.estimate) : null;
					const score: MeasureScore = {
						key: definition.key,
						dimension: definition.dimension,
						value: e ? e.estimate : null,
						raw: estimates[i]?.raw ?? null,
						low: e ? e.low : null,
						high: e ? e.high : null,
						n,
						team_median: teamRate,
						index,
						index_low: index !== null && e ? indexOf(e.low) : null,
						index_high: index !== null && e ? indexOf(e.high) : null,
						percentile: !ownView && index !== null && e ? percentileRank(e.estimate, peerValues) : null,
						peers,
						labelled: index !== null && n >= MIN_SAMPLE_TO_LABEL,
						missing
					};
					const list = scored.get(rowKey(row));
					if (list) list.push(score);
					else scored.set(rowKey(row), [score]);
				});
			});
		}
		for (const row of groups.flat()) {
			if (!visible(row)) continue;
			const scores = scored.get(rowKey(row)) ?? [];
			const primaries = measures.filter((m) => m.primary && m.roles.includes(row.role));
			profiles.push({
				rep: { rep_id: row.rep_id, email: row.email, name: row.name, role: row.role, team: row.team, active: row.active },
				period: row.period,
				from: row.period_start,
				to: row.period_end,
				dimensions: primaries.map((m) => ({ name: m.dimension, ...scores.find((s) => s.key === m.key)! })),
				measures: scores,
				...strengthAndGrowthArea(scores),
				kpis: repKpis(row, { ownView }),
				kpisMissing: missingKpis(row.role, imported)
			});
		}
	}
	return profiles;
}

/** Whether a rep has anything to show in a period: at work, or with deals or activity in it. */
export function hasActivity(row: RepPeriodCounts): boolean {
	return (
		row.active_days > 0 &&
		(row.active ||
			row.opened + row.mid_entered + row.won_count + row.lost_count + row.committed + row.calls + row.emails + row.open_deals > 0)
	);
}
