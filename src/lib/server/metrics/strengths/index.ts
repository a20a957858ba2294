/**
 * Team and rep strengths: where along the relay each rep is strong (opening, advancing, closing,
 * expanding, forecasting), compared with the colleagues in the same role on their own team, fairly.
 *
 * Fairness, in three rules:
 * - Every rate is shrunk toward the peers' rate by empirical Bayes and carries an 80% interval, so a
 *   rep with four deals reads as "close to the team, unsure", never as top or bottom.
 * - Reps are compared only with the same role on the same team. An Enterprise AE opens fewer, bigger
 *   deals than a mid-market AE, and a BDR opens half as many as an SDR by design; ranking across
 *   those would measure the territory, not the person. A rep alone in their role on the team has no
 *   median to be held against: their values are shown, their index is not.
 * - A measure names a top strength or growth area only from MIN_SAMPLE_TO_LABEL outcomes on.
 *
 * Everything starts from one pass over the snapshots that reduces each deal to its facts (when it
 * was created and by whom, the stages it reached, when and how it first closed, at what amount),
 * built once per data version (facts/strengths.ts), then aggregates those facts per rep and period
 * (period-counts.ts). History (quarter by quarter) is the same query with several periods. From the
 * counts come the measures (measures.ts), shrunk and compared into profiles (profiles.ts), and each
 * role's KPIs (kpis.ts).
 */
export { funnelPositions, sdrSourcePattern } from '../facts/strengths.ts';
export { repPeriodCounts, type RepPeriodCounts, type StrengthPeriod } from './period-counts.ts';
export { dimensions, measureKeys, measures, measuresForRole, type Dimension, type MeasureKey } from './measures.ts';
export {
	accountKpis,
	activityKpis,
	baseKpis,
	kpisByRole,
	kpisForRole,
	repKpis,
	type MissingData,
	type RepKpis
} from './kpis.ts';
export {
	MIN_PEERS_TO_SHARE_MEDIAN,
	buildProfiles,
	strengthAndGrowthArea,
	type DimensionScore,
	type MeasureScore,
	type RepIdentity,
	type RepProfile
} from './profiles.ts';
export { bestPracticeDeals, type BestPracticeDeal } from './best-practice.ts';
export {
	latestSnapshot,
	recentQuarters,
	strengthProfiles,
	teamStrengths,
	trailingPeriod,
	type TeamStrengths
} from './questions.ts';
