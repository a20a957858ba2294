/**
 * Fair comparison of reps on small samples. A rep who closed 3 of 4 deals has not shown a 75% win
 * rate; they have shown that their rate is somewhere between "a bit below the team" and "far above
 * it". Empirical Bayes says exactly that: each rep's rate is pulled toward the team's rate by as many
 * pseudo-deals as the spread between reps justifies, and carries an interval that narrows as their
 * own deals accumulate. Rates of success (won of closed) use the Beta-binomial model; volumes
 * (opportunities opened per active week) the Gamma-Poisson one. Pure functions, no dependencies.
 */

/** Successes out of trials: won of closed, qualified of opened, ... */
export interface Proportion {
	successes: number;
	trials: number;
}

/** A Beta prior, described by its mean (the team rate) and its strength (pseudo-trials, alpha + beta). */
export interface BetaPrior {
	mean: number;
	strength: number;
	alpha: number;
	beta: number;
	/** 'estimated' when the strength was estimated from the reps' spread; 'fixed' when it was given. */
	fitted: 'estimated' | 'fixed';
}

/** A shrunk rate with its credible interval. */
export interface RateEstimate {
	/** Posterior mean: the rep's own rate pulled toward the team rate. */
	estimate: number;
	low: number;
	high: number;
	/** The rep's own trials, so readers can see how much evidence there is. */
	n: number;
	/** The unshrunk rate, null without trials. */
	raw: number | null;
}

/**
 * Below this many outcomes a rep is shown with an interval but never named as strong or as needing
 * growth in a dimension. With fewer than ten outcomes a single deal moves the rate by ten points or
 * more, which is as large as the whole spread between typical reps on a team: the label would be
 * about luck, not skill.
 */
export const MIN_SAMPLE_TO_LABEL = 10;

/**
 * Credible level of the intervals drawn. 80% rather than 95%: at 95% nearly every rep's interval spans
 * the team median and the chart says nothing; at 80% the one-in-five misses are an honest reminder.
 */
export const INTERVAL_LEVEL = 0.8;

/**
 * Pseudo-trials of the team rate where a fixed strength is wanted (the coaching agenda's stage
 * conversions): the team rate counts as ten deals' worth of evidence, so a rep's own record dominates
 * from about ten deals on, matching MIN_SAMPLE_TO_LABEL.
 */
export const DEFAULT_PRIOR_STRENGTH = 10;

/**
 * The spread between reps that the strength estimate expects before it sees any data: a standard
 * deviation of half a unit of log-odds (log for volumes), i.e. reps of a role at 30% typically
 * between 21% and 41%. It is a weak belief (see PRIOR_SPREAD_UNCERTAINTY): with twenty reps the
 * data decide; with a team of three it keeps the estimate from the two cliffs a moment estimate
 * falls off on small teams, everyone flattened to the team rate, or no shrinkage at all.
 */
export const EXPECTED_REP_SPREAD = 0.5;

/** Standard deviation of the log strength around the expected one: a factor of e either way. */
export const PRIOR_SPREAD_UNCERTAINTY = 1;

/** The strengths the estimate weighs, log-spaced from hardly any pooling to nearly complete pooling. */
const STRENGTH_GRID = Array.from({ length: 81 }, (_, i) => Math.exp(Math.log(0.5) + (i / 80) * (Math.log(20000) - Math.log(0.5))));

/**
 * Jeffreys' half pseudo-count: a team that has never won still cannot rule out a win, so the prior
 * keeps at least this much weight on each side and the Beta stays proper.
 */
const MIN_PRIOR_SHAPE = 0.5;

/** The team rate: all successes over all trials (reps with more deals weigh more), null without trials. */
export function pooledRate(groups: readonly Proportion[]): number | null {
	let successes = 0;
	let trials = 0;
	for (const g of groups) {
		successes += g.successes;
		trials += g.trials;
	}
	return trials > 0 ? successes / trials : null;
}

/** Reps grouped by the level above them (their team), each group with the rate it is pulled toward. */
export interface ProportionGroup {
	mean: number;
	members: readonly Proportion[];
}

/**
 * The strength (pseudo-trials) of the Beta the members' rates are drawn from, estimated from all
 * groups at once: the posterior mean of its log under the beta-binomial likelihood of every member
 * around their own group's mean, and a weak prior centred on EXPECTED_REP_SPREAD. Estimating it
 * over every team of a role is what keeps a team of three from deciding it alone; the weak prior is
 * what keeps a role with one small team from a strength of zero or infinity. Without any member
 * with trials the prior's centre for the pooled mean is returned.
 */
export function estimateBetaStrength(groups: readonly ProportionGroup[]): number {
	const members = groups.flatMap((g) => g.members.filter((m) => m.trials > 0).map((m) => ({ ...m, mean: clampRate(g.mean) })));
	const pooled = pooledRate(members) ?? 0.5;
	const centre = Math.log(1 / (EXPECTED_REP_SPREAD ** 2 * clampRate(pooled) * (1 - clampRate(pooled))));
	return posteriorStrength(centre, (strength) => {
		let logLikelihood = 0;
		for (const m of members) {
			const a = Math.max(MIN_PRIOR_SHAPE, m.mean * strength);
			const b = Math.max(MIN_PRIOR_SHAPE, (1 - m.mean) * strength);
			logLikelihood += logBeta(a + m.successes, b + m.trials - m.successes) - logBeta(a, b);
		}
		return logLikelihood;
	});
}

/** Keeps a rate off 0 and 1, where log-odds and Beta shapes break down. */
function clampRate(rate: number): number {
	return Math.min(1 - 1e-6, Math.max(1e-6, rate));
}

/** exp(E[log strength]) over the grid, weighting each strength by likelihood x log-normal prior. */
function posteriorStrength(centre: number, logLikelihood: (strength: number) => number): number {
	const logPosterior = STRENGTH_GRID.map(
		(strength) => logLikelihood(strength) - (Math.log(strength) - centre) ** 2 / (2 * PRIOR_SPREAD_UNCERTAINTY ** 2)
	);
	const top = Math.max(...logPosterior);
	let weight = 0;
	let logSum = 0;
	STRENGTH_GRID.forEach((strength, i) => {
		const w = Math.exp(logPosterior[i] - top);
		weight += w;
		logSum += w * Math.log(strength);
	});
	return Math.exp(logSum / weight);
}

/**
 * Fits a Beta prior to one team's records: the mean is the team rate (all wins over all closed
 * deals), the strength is estimated as in `estimateBetaStrength`. If the reps differ no more than
 * chance, the strength is high and everyone is pulled close to the team rate, which is the honest
 * answer, but never so high that a rep with a real record cannot differ. Null when nobody has any
 * trials.
 */
export function fitBetaPrior(groups: readonly Proportion[]): BetaPrior | null {
	const withData = groups.filter((g) => g.trials > 0);
	const mean = pooledRate(withData);
	if (mean === null) return null;
	return betaPrior(mean, estimateBetaStrength([{ mean, members: withData }]), 'estimated');
}

/** Each team's prior in a hierarchy: the reps' Beta around the team's own (shrunk) rate. */
export interface HierarchicalBetaPriors {
	company: number;
	/** Per team, in the order given; null for a team without any trials. */
	teams: (BetaPrior | null)[];
}

/**
 * Rep -> team -> company for one role: each team's rate is pulled toward the company's rate of the
 * role by a between-team strength estimated over all teams; each rep's prior is a Beta around their
 * team's shrunk rate whose strength is estimated over all reps of the role in every team.
 */
export function fitHierarchicalBeta(teams: readonly (readonly Proportion[])[]): HierarchicalBetaPriors | null {
	const totals = teams.map((members) => ({
		successes: members.reduce((s, m) => s + m.successes, 0),
		trials: members.reduce((s, m) => s + m.trials, 0)
	}));
	const company = pooledRate(totals);
	if (company === null) return null;
	const teamStrength = estimateBetaStrength([{ mean: company, members: totals }]);
	const teamRates = totals.map((t) => (t.trials > 0 ? (t.successes + teamStrength * company) / (t.trials + teamStrength) : null));
	const repStrength = estimateBetaStrength(
		teams.flatMap((members, i) => (teamRates[i] === null ? [] : [{ mean: teamRates[i]!, members }]))
	);
	return { company, teams: teamRates.map((rate) => (rate === null ? null : betaPrior(rate, repStrength, 'estimated'))) };
}

/** A Beta prior with the given mean and strength (pseudo-trials). */
export function betaPrior(mean: number, strength: number, fitted: BetaPrior['fitted'] = 'fixed'): BetaPrior {
	return {
		mean,
		strength,
		alpha: Math.max(MIN_PRIOR_SHAPE, mean * strength),
		beta: Math.max(MIN_PRIOR_SHAPE, (1 - mean) * strength),
		fitted
	};
}

/** The rep's rate shrunk toward the prior, with the central `level` credible interval of the Beta posterior. */
export function shrinkProportion(observed: Proportion, prior: BetaPrior, level: number = INTERVAL_LEVEL): RateEstimate {
	if (observed.successes < 0 || observed.successes > observed.trials) {
		throw new RangeError(`${observed.successes} successes out of ${observed.trials} trials is not a proportion`);
	}
	const a = prior.alpha + observed.successes;
	const b = prior.beta + observed.trials - observed.successes;
	const tail = (1 - level) / 2;
	return {
		estimate: a / (a + b),
		low: betaQuantile(tail, a, b),
		high: betaQuantile(1 - tail, a, b),
		n: observed.trials,
		raw: observed.trials > 0 ? observed.successes / observed.trials : null
	};
}

// ---------------------------------------------------------------------------------------------
// Volumes: events per unit of exposure (opportunities opened per active week), gamma-Poisson.

/** Events over an exposure: 42 opportunities opened in 13 active weeks. */
export interface Count {
	events: number;
	exposure: number;
}

/** A Gamma prior on a per-exposure rate: mean (the team rate) and strength (pseudo-events, the shape). */
export interface GammaPrior {
	mean: number;
	strength: number;
	shape: number;
	/** Pseudo-exposure: shape / mean. */
	rate: number;
	fitted: 'estimated' | 'fixed';
}

/** The team's pooled rate (all events over all exposure), null without exposure. */
export function pooledEventRate(counts: readonly Count[]): number | null {
	let events = 0;
	let exposure = 0;
	for (const c of counts) {
		events += c.events;
		exposure += c.exposure;
	}
	return exposure > 0 ? events / exposure : null;
}

/** Reps' volumes grouped by their team, each group with the rate it is pulled toward. */
export interface CountGroup {
	mean: number;
	members: readonly Count[];
}

/**
 * The shape (pseudo-events) of the Gamma the members' per-exposure rates are drawn from, the
 * Poisson twin of `estimateBetaStrength`: negative-binomial likelihood around each group's mean,
 * weak prior centred on a spread of EXPECTED_REP_SPREAD on the log scale.
 */
export function estimateGammaStrength(groups: readonly CountGroup[]): number {
	const members = groups.flatMap((g) => (g.mean > 0 ? g.members.filter((m) => m.exposure > 0).map((m) => ({ ...m, mean: g.mean })) : []));
	return posteriorStrength(Math.log(1 / EXPECTED_REP_SPREAD ** 2), (shape) => {
		let logLikelihood = 0;
		for (const m of members) {
			const rate = shape / m.mean;
			logLikelihood += logGamma(shape + m.events) - logGamma(shape) + shape * Math.log(rate / (rate + m.exposure)) - m.events * Math.log(rate + m.exposure);
		}
		return logLikelihood;
	});
}

/**
 * Fits a Gamma prior to one team's volumes: mean the pooled rate, shape as in
 * `estimateGammaStrength`. Null when nobody has exposure or the team had no events at all.
 */
export function fitGammaPrior(counts: readonly Count[]): GammaPrior | null {
	const withData = counts.filter((c) => c.exposure > 0);
	const mean = pooledEventRate(withData);
	if (mean === null || mean <= 0) return null;
	return gammaPrior(mean, estimateGammaStrength([{ mean, members: withData }]), 'estimated');
}

export interface HierarchicalGammaPriors {
	company: number;
	teams: (GammaPrior | null)[];
}

/** Rep -> team -> company for volumes, as `fitHierarchicalBeta` does for rates of success. */
export function fitHierarchicalGamma(teams: readonly (readonly Count[])[]): HierarchicalGammaPriors | null {
	const totals = teams.map((members) => ({
		events: members.reduce((s, m) => s + m.events, 0),
		exposure: members.reduce((s, m) => s + m.exposure, 0)
	}));
	const company = pooledEventRate(totals);
	if (company === null || company <= 0) return null;
	const teamShape = estimateGammaStrength([{ mean: company, members: totals }]);
	const teamRates = totals.map((t) => (t.exposure > 0 ? (t.events + teamShape) / (t.exposure + teamShape / company) : null));
	const repShape = estimateGammaStrength(teams.flatMap((members, i) => (teamRates[i] === null ? [] : [{ mean: teamRates[i]!, members }])));
	return { company, teams: teamRates.map((rate) => (rate === null ? null : gammaPrior(rate, repShape, 'estimated'))) };
}

export function gammaPrior(mean: number, strength: number, fitted: GammaPrior['fitted'] = 'fixed'): GammaPrior {
	return { mean, strength, shape: strength, rate: strength / mean, fitted };
}

/** The rep's volume per unit of exposure, shrunk toward the team's, with its credible interval. */
export function shrinkEventRate(observed: Count, prior: GammaPrior, level: number = INTERVAL_LEVEL): RateEstimate {
	if (observed.events < 0 || observed.exposure < 0) {
		throw new RangeError(`${observed.events} events over ${observed.exposure} is not a count`);
	}
	const shape = prior.shape + observed.events;
	const rate = prior.rate + observed.exposure;
	const tail = (1 - level) / 2;
	return {
		estimate: shape / rate,
		low: gammaQuantile(tail, shape) / rate,
		high: gammaQuantile(1 - tail, shape) / rate,
		n: observed.events,
		raw: observed.exposure > 0 ? observed.events / observed.exposure : null
	};
}

// ---------------------------------------------------------------------------------------------
// The Beta distribution, small and self-contained: log-gamma (Lanczos), the regularised incomplete
// beta function (Lentz's continued fraction), and its inverse by safeguarded Newton steps.

const LANCZOS = [
	0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
	12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
];

export function logGamma(x: number): number {
	if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
	const z = x - 1;
	let sum = LANCZOS[0];
	for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
	const t = z + 7.5;
	return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

function logBeta(a: number, b: number): number {
	return logGamma(a) + logGamma(b) - logGamma(a + b);
}

function betaContinuedFraction(x: number, a: number, b: number): number {
	const tiny = 1e-300;
	let c = 1;
	let d = 1 - ((a + b) * x) / (a + 1);
	if (Math.abs(d) < tiny) d = tiny;
	d = 1 / d;
	let h = d;
	for (let m = 1; m <= 500; m++) {
		const m2 = 2 * m;
		for (const aa of [
			(m * (b - m) * x) / ((a - 1 + m2) * (a + m2)),
			(-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2))
		]) {
			d = 1 + aa * d;
			if (Math.abs(d) < tiny) d = tiny;
			c = 1 + aa / c;
			if (Math.abs(c) < tiny) c = tiny;
			d = 1 / d;
			h *= d * c;
		}
		// The second factor of the pair decides convergence.
		if (Math.abs(d * c - 1) < 1e-15) break;
	}
	return h;
}

/** P(X <= x) for X ~ Beta(a, b). */
export function betaCdf(x: number, a: number, b: number): number {
	if (!(a > 0 && b > 0)) throw new RangeError(`Beta(${a}, ${b}) needs positive shapes`);
	if (x <= 0) return 0;
	if (x >= 1) return 1;
	const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b));
	// The continued fraction converges fast only left of the mode; use the symmetry on the right.
	if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
	return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaDensity(x: number, a: number, b: number): number {
	if (x <= 0 || x >= 1) return 0;
	return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - logBeta(a, b));
}

/** The p-quantile of Beta(a, b): Newton steps kept inside a shrinking bracket, bisecting when a step leaves it. */
export function betaQuantile(p: number, a: number, b: number): number {
	if (!(p >= 0 && p <= 1)) throw new RangeError(`${p} is not a probability`);
	if (!(a > 0 && b > 0)) throw new RangeError(`Beta(${a}, ${b}) needs positive shapes`);
	if (p === 0) return 0;
	if (p === 1) return 1;
	let low = 0;
	let high = 1;
	let x = a / (a + b);
	for (let i = 0; i < 200; i++) {
		const error = betaCdf(x, a, b) - p;
		if (Math.abs(error) < 1e-13) return x;
		if (error > 0) high = x;
		else low = x;
		const density = betaDensity(x, a, b);
		let next = density > 0 ? x - error / density : NaN;
		if (!(next > low && next < high)) next = (low + high) / 2;
		if (Math.abs(next - x) < 1e-15) return next;
		x = next;
	}
	return x;
}

// ---------------------------------------------------------------------------------------------
// Comparing a rep with the team.

/** The median, null for no values. */
export function median(values: readonly number[]): number | null {
	const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
	if (sorted.length === 0) return null;
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Index points for one standard deviation of the spread between reps: 120 is one typical spread above the team. */
export const INDEX_POINTS_PER_SPREAD = 20;

/** The derivative of the digamma function, by recurrence up to 6 and its asymptotic series beyond. */
export function trigamma(x: number): number {
	if (!(x > 0)) throw new RangeError(`trigamma(${x}) needs a positive argument`);
	let result = 0;
	while (x < 6) {
		result += 1 / (x * x);
		x += 1;
	}
	const x2 = 1 / (x * x);
	return result + 1 / x + x2 / 2 + (x2 / x) * (1 / 6 - x2 * (1 / 30 - x2 * (1 / 42 - x2 / 30)));
}

/** The spread between reps a Beta prior stands for: the standard deviation of their log-odds. */
export function betaSpread(prior: BetaPrior): number {
	return Math.sqrt(trigamma(prior.alpha) + trigamma(prior.beta));
}

/** The spread between reps a Gamma prior stands for: the standard deviation of their log rates. */
export function gammaSpread(prior: GammaPrior): number {
	return Math.sqrt(trigamma(prior.shape));
}

const logOdds = (p: number) => Math.log(p / (1 - p));

/**
 * A rep's rate against their team's, in typical spreads between reps: 100 at the team's rate, 20
 * points per standard deviation of the role's spread. Rates of success are compared in log-odds
 * and volumes in logs, so 7% against 5% in a role where reps spread by a point or two reads as far
 * as 70% against 50% where they spread by fifteen; a ratio would call the first 140 however usual
 * such gaps are. Null without a reference or a spread.
 */
export function spreadIndex(value: number | null, reference: number | null, spread: number | null, scale: 'log-odds' | 'log'): number | null {
	if (value === null || reference === null || spread === null || !(spread > 0)) return null;
	if (scale === 'log-odds') {
		if (!(value > 0 && value < 1 && reference > 0 && reference < 1)) return null;
		return 100 + (INDEX_POINTS_PER_SPREAD * (logOdds(value) - logOdds(reference))) / spread;
	}
	if (!(value > 0 && reference > 0)) return null;
	return 100 + (INDEX_POINTS_PER_SPREAD * Math.log(value / reference)) / spread;
}

/**
 * Percentile rank in [0, 100]: the share of `values` below `value`, counting ties as half, so the
 * median rep is at 50 and a team of identical reps puts everyone at 50.
 */
export function percentileRank(value: number, values: readonly number[]): number | null {
	if (values.length === 0) return null;
	let below = 0;
	let equal = 0;
	for (const v of values) {
		if (v < value) below++;
		else if (v === value) equal++;
	}
	return (100 * (below + equal / 2)) / values.length;
}

/** Ranks starting at 1, ties sharing their average rank. */
export function ranks(values: readonly number[]): number[] {
	const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
	const result = new Array<number>(values.length);
	for (let start = 0; start < order.length; ) {
		let end = start;
		while (end + 1 < order.length && order[end + 1][0] === order[start][0]) end++;
		const rank = (start + end) / 2 + 1;
		for (let i = start; i <= end; i++) result[order[i][1]] = rank;
		start = end + 1;
	}
	return result;
}

/** Spearman's rank correlation (Pearson on tie-averaged ranks); NaN when either side is constant. */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
	if (xs.length !== ys.length) throw new RangeError(`${xs.length} values against ${ys.length}`);
	const rx = ranks(xs);
	const ry = ranks(ys);
	const n = xs.length;
	const mx = rx.reduce((s, v) => s + v, 0) / n;
	const my = ry.reduce((s, v) => s + v, 0) / n;
	let sxy = 0;
	let sxx = 0;
	let syy = 0;
	for (let i = 0; i < n; i++) {
		sxy += (rx[i] - mx) * (ry[i] - my);
		sxx += (rx[i] - mx) ** 2;
		syy += (ry[i] - my) ** 2;
	}
	return sxy / Math.sqrt(sxx * syy);
}

// ---------------------------------------------------------------------------------------------
// The Gamma distribution (unit rate): the regularised lower incomplete gamma function by its series
// left of the mean and by Lentz's continued fraction right of it, and its inverse.

/** P(X <= x) for X ~ Gamma(shape, 1). */
export function gammaCdf(x: number, shape: number): number {
	if (!(shape > 0)) throw new RangeError(`Gamma(${shape}) needs a positive shape`);
	if (x <= 0) return 0;
	const logFront = shape * Math.log(x) - x - logGamma(shape);
	if (x < shape + 1) {
		let term = 1 / shape;
		let sum = term;
		for (let n = 1; n < 1000; n++) {
			term *= x / (shape + n);
			sum += term;
			if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
		}
		return sum * Math.exp(logFront);
	}
	const tiny = 1e-300;
	let b = x + 1 - shape;
	let c = 1 / tiny;
	let d = 1 / b;
	let h = d;
	for (let i = 1; i < 1000; i++) {
		const an = -i * (i - shape);
		b += 2;
		d = an * d + b;
		if (Math.abs(d) < tiny) d = tiny;
		c = b + an / c;
		if (Math.abs(c) < tiny) c = tiny;
		d = 1 / d;
		const delta = d * c;
		h *= delta;
		if (Math.abs(delta - 1) < 1e-16) break;
	}
	return 1 - Math.exp(logFront) * h;
}

/** The p-quantile of Gamma(shape, 1), by Newton steps inside a bracket that grows until it holds the answer. */
export function gammaQuantile(p: number, shape: number): number {
	if (!(p >= 0 && p <= 1)) throw new RangeError(`${p} is not a probability`);
	if (!(shape > 0)) throw new RangeError(`Gamma(${shape}) needs a positive shape`);
	if (p === 0) return 0;
	if (p === 1) return Infinity;
	let low = 0;
	let high = shape + 10 * Math.sqrt(shape) + 10;
	while (gammaCdf(high, shape) < p) high *= 2;
	let x = shape;
	for (let i = 0; i < 200; i++) {
		const error = gammaCdf(x, shape) - p;
		if (Math.abs(error) < 1e-13) return x;
		if (error > 0) high = x;
		else low = x;
		const density = Math.exp((shape - 1) * Math.log(x) - x - logGamma(shape));
		let next = density > 0 ? x - error / density : NaN;
		if (!(next > low && next < high)) next = (low + high) / 2;
		if (Math.abs(next - x) < 1e-15 * Math.max(1, x)) return next;
		x = next;
	}
	return x;
}
