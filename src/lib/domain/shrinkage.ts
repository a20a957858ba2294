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
	/** 'moments' when the spread between reps was measured; 'fixed' when there were too few reps to measure it. */
	fitted: 'moments' | 'fixed';
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
 * Prior strength when the spread between reps cannot be measured (fewer than MIN_GROUPS_TO_FIT reps
 * with data): the team rate counts as ten deals' worth of evidence, so a rep's own record dominates
 * from about ten deals on, matching MIN_SAMPLE_TO_LABEL.
 */
export const DEFAULT_PRIOR_STRENGTH = 10;

/** A method-of-moments variance from three reps is noise; below four the fixed strength is used. */
export const MIN_GROUPS_TO_FIT = 4;

/**
 * Bounds on a fitted strength. At least 2 pseudo-trials, so even a very heterogeneous team pulls a
 * 1-of-1 rep off 100%; at most 500, so a team whose reps look identical still lets a rep with
 * hundreds of outcomes differ from the team.
 */
export const MIN_PRIOR_STRENGTH = 2;
export const MAX_PRIOR_STRENGTH = 500;

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

/**
 * Fits a Beta prior to the reps' records (beta-binomial method of moments for unequal sample
 * sizes): the prior mean is the team rate, and the strength comes from how much more the reps'
 * rates differ than binomial noise alone would make them. If they differ no more than chance, the
 * strength is high and everyone is pulled close to the team rate, which is the honest answer.
 * Returns null when nobody has any trials.
 */
export function fitBetaPrior(
	groups: readonly Proportion[],
	fallbackStrength: number = DEFAULT_PRIOR_STRENGTH
): BetaPrior | null {
	const withData = groups.filter((g) => g.trials > 0);
	const mean = pooledRate(withData);
	if (mean === null) return null;
	const strength = fittedStrength(withData, mean);
	return strength === null ? betaPrior(mean, fallbackStrength, 'fixed') : betaPrior(mean, strength, 'moments');
}

function fittedStrength(groups: readonly Proportion[], mean: number): number | null {
	const k = groups.length;
	if (k < MIN_GROUPS_TO_FIT || mean <= 0 || mean >= 1) return null;
	let total = 0;
	let sumSquares = 0;
	let spread = 0;
	for (const g of groups) {
		total += g.trials;
		sumSquares += g.trials * g.trials;
		spread += g.trials * (g.successes / g.trials - mean) ** 2;
	}
	// E[spread] = p(1-p) * ((k - 1) + rho * denominator), rho = 1 / (strength + 1) the intra-rep correlation.
	const denominator = total - k + 1 - sumSquares / total;
	if (denominator <= 0) return null;
	const rho = (spread / (mean * (1 - mean)) - (k - 1)) / denominator;
	if (rho <= 0) return MAX_PRIOR_STRENGTH;
	return Math.min(MAX_PRIOR_STRENGTH, Math.max(MIN_PRIOR_STRENGTH, 1 / rho - 1));
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
	fitted: 'moments' | 'fixed';
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

/**
 * Fits a Gamma prior to the reps' volumes by the method of moments for unequal exposures, the
 * Poisson twin of `fitBetaPrior`: the spread of per-week rates beyond Poisson noise is the real
 * difference between reps. The strength is in pseudo-events, bounded like the Beta's pseudo-trials.
 * Null when nobody has exposure or the team had no events at all.
 */
export function fitGammaPrior(
	counts: readonly Count[],
	fallbackStrength: number = DEFAULT_PRIOR_STRENGTH
): GammaPrior | null {
	const withData = counts.filter((c) => c.exposure > 0);
	const mean = pooledEventRate(withData);
	if (mean === null || mean <= 0) return null;
	const k = withData.length;
	let strength: number | null = null;
	if (k >= MIN_GROUPS_TO_FIT) {
		let total = 0;
		let sumSquares = 0;
		let spread = 0;
		for (const c of withData) {
			total += c.exposure;
			sumSquares += c.exposure * c.exposure;
			spread += c.exposure * (c.events / c.exposure - mean) ** 2;
		}
		// E[spread] = variance_between * (T - sum t^2 / T) + mean * (k - 1).
		const denominator = total - sumSquares / total;
		if (denominator > 0) {
			const between = (spread - mean * (k - 1)) / denominator;
			strength = between <= 0 ? MAX_PRIOR_STRENGTH : Math.min(MAX_PRIOR_STRENGTH, Math.max(MIN_PRIOR_STRENGTH, (mean * mean) / between));
		}
	}
	return gammaPrior(mean, strength ?? fallbackStrength, strength === null ? 'fixed' : 'moments');
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

/**
 * 100 at the team median, 120 for 20% better than the median. For measures where less is better
 * (days per stage, cycle length) the ratio is inverted, so a higher index always reads as stronger.
 */
export function indexToMedian(value: number | null, teamMedian: number | null, lowerIsBetter = false): number | null {
	if (value === null || teamMedian === null || !Number.isFinite(value) || !Number.isFinite(teamMedian)) return null;
	if (lowerIsBetter) return value > 0 ? (100 * teamMedian) / value : null;
	return teamMedian > 0 ? (100 * value) / teamMedian : null;
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
