import { describe, expect, it } from 'vitest';
import {
	INDEX_POINTS_PER_SPREAD,
	betaCdf,
	betaPrior,
	betaQuantile,
	betaSpread,
	fitBetaPrior,
	fitGammaPrior,
	fitHierarchicalBeta,
	fitHierarchicalGamma,
	gammaCdf,
	gammaPrior,
	gammaQuantile,
	gammaSpread,
	median,
	percentileRank,
	pooledRate,
	ranks,
	shrinkEventRate,
	shrinkProportion,
	spearman,
	spreadIndex,
	trigamma,
	type Count,
	type Proportion
} from '../../src/lib/domain/shrinkage.ts';

/** A small deterministic generator (mulberry32), so the simulated team is the same on every run. */
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

describe('the Beta distribution', () => {
	it('has the closed-form CDF of Beta(2, 3) at 0.4 (a binomial tail sum: 0.5248)', () => {
		expect(betaCdf(0.4, 2, 3)).toBeCloseTo(0.5248, 12);
	});

	it('inverts the uniform and the power-law Betas exactly', () => {
		for (const p of [0.01, 0.1, 0.5, 0.9, 0.99]) {
			expect(betaQuantile(p, 1, 1)).toBeCloseTo(p, 10);
			// Beta(a, 1) has CDF x^a; Beta(1, b) has CDF 1 - (1 - x)^b.
			expect(betaQuantile(p, 3.5, 1)).toBeCloseTo(p ** (1 / 3.5), 10);
			expect(betaQuantile(p, 1, 7)).toBeCloseTo(1 - (1 - p) ** (1 / 7), 10);
		}
	});

	it('round-trips quantile and CDF for skewed and for large shapes', () => {
		for (const [a, b] of [
			[0.5, 0.5],
			[0.5, 40],
			[3, 12],
			[300, 700],
			[2000, 15]
		]) {
			for (const p of [0.05, 0.1, 0.5, 0.9, 0.95]) {
				expect(betaCdf(betaQuantile(p, a, b), a, b)).toBeCloseTo(p, 9);
			}
		}
	});

	it('is mirror-symmetric: the p-quantile of Beta(a, b) is one minus the (1 - p)-quantile of Beta(b, a)', () => {
		expect(betaQuantile(0.1, 4, 9)).toBeCloseTo(1 - betaQuantile(0.9, 9, 4), 12);
	});

	it('is close to the normal approximation when both shapes are large', () => {
		// Beta(300, 700): mean 0.3, sd sqrt(0.3 * 0.7 / 1001); the 90% quantile is about mean + 1.2816 sd.
		const sd = Math.sqrt((0.3 * 0.7) / 1001);
		expect(betaQuantile(0.9, 300, 700)).toBeCloseTo(0.3 + 1.2816 * sd, 3);
	});

	it('rejects shapes and probabilities that do not describe a distribution', () => {
		expect(() => betaQuantile(0.5, 0, 3)).toThrow(RangeError);
		expect(() => betaQuantile(1.5, 2, 3)).toThrow(RangeError);
	});
});

describe('shrinking a rep toward the team rate', () => {
	const team = betaPrior(0.25, 20); // the team closes 25%, worth 20 deals of evidence

	it('is the Beta posterior mean: 3 of 4 won against a 25% team worth 20 deals is (5 + 3) / (20 + 4)', () => {
		const rep = shrinkProportion({ successes: 3, trials: 4 }, team);
		expect(rep.estimate).toBeCloseTo(8 / 24, 12);
		expect(rep.raw).toBe(0.75);
		expect(rep.n).toBe(4);
	});

	it('pulls 3 of 4 much closer to the team than 75 of 100, though both won 75%', () => {
		const few = shrinkProportion({ successes: 3, trials: 4 }, team);
		const many = shrinkProportion({ successes: 75, trials: 100 }, team);
		expect(few.estimate).toBeLessThan(0.35);
		expect(many.estimate).toBeGreaterThan(0.65);
		expect(many.high - many.low).toBeLessThan((few.high - few.low) / 2);
	});

	it('gives a rep without deals the team rate and the width of the prior', () => {
		const none = shrinkProportion({ successes: 0, trials: 0 }, team);
		expect(none.estimate).toBeCloseTo(0.25, 12);
		expect(none.raw).toBeNull();
		expect(none.low).toBeCloseTo(betaQuantile(0.1, 5, 15), 12);
		expect(none.high).toBeCloseTo(betaQuantile(0.9, 5, 15), 12);
	});

	it('has an 80% interval that holds the estimate and is the central 80% of the posterior', () => {
		const rep = shrinkProportion({ successes: 12, trials: 30 }, team);
		expect(rep.low).toBeLessThan(rep.estimate);
		expect(rep.high).toBeGreaterThan(rep.estimate);
		expect(betaCdf(rep.high, 5 + 12, 15 + 18) - betaCdf(rep.low, 5 + 12, 15 + 18)).toBeCloseTo(0.8, 9);
	});

	it('keeps a team that never won from ruling out a win (the prior stays a proper Beta)', () => {
		const never = fitBetaPrior([
			{ successes: 0, trials: 5 },
			{ successes: 0, trials: 3 }
		])!;
		const rep = shrinkProportion({ successes: 0, trials: 5 }, never);
		expect(rep.estimate).toBeGreaterThan(0);
		expect(rep.high).toBeGreaterThan(0);
	});

	it('refuses more successes than trials', () => {
		expect(() => shrinkProportion({ successes: 5, trials: 4 }, team)).toThrow(/5 successes out of 4 trials/);
	});
});

describe('fitting the prior to a team (marginal likelihood with a weak prior on the spread)', () => {
	it('recovers the spread between reps: half close 20%, half 40%, i.e. a Beta of strength 20 around 30%', () => {
		// Between-rep variance 0.01 around 0.3 matches a Beta with 0.3 * 0.7 / (strength + 1) = 0.01.
		const next = random(42);
		const reps: Proportion[] = [];
		for (let i = 0; i < 3000; i++) {
			const rate = i % 2 === 0 ? 0.2 : 0.4;
			const trials = 20 + (i % 5) * 15; // unequal samples, 20 to 80 deals
			let successes = 0;
			for (let t = 0; t < trials; t++) if (next() < rate) successes++;
			reps.push({ successes, trials });
		}
		const prior = fitBetaPrior(reps)!;
		expect(prior.fitted).toBe('estimated');
		expect(prior.mean).toBeCloseTo(0.3, 2);
		expect(prior.strength).toBeGreaterThan(16);
		expect(prior.strength).toBeLessThan(25);
	});

	// Issue 19 changes these two: a moment estimate clamped to 2..500 flattened everyone to the team rate
	// when reps differed no more than chance, and fell back to a fixed strength below four reps.
	it('pulls hard toward the team rate when reps differ no more than chance, yet lets a real record differ', () => {
		const identical = Array.from({ length: 8 }, () => ({ successes: 30, trials: 100 }));
		const prior = fitBetaPrior(identical)!;
		expect(prior.strength).toBeGreaterThan(50);
		expect(prior.strength).toBeLessThan(1000);
		expect(shrinkProportion({ successes: 60, trials: 100 }, prior).estimate).toBeGreaterThan(0.4);
	});

	it('estimates a sensible strength for a team of three, where a moment estimate has nothing to go on', () => {
		const prior = fitBetaPrior([
			{ successes: 1, trials: 10 },
			{ successes: 9, trials: 10 },
			{ successes: 5, trials: 10 },
			{ successes: 0, trials: 0 }
		])!;
		expect(prior.fitted).toBe('estimated');
		expect(prior.mean).toBeCloseTo(0.5, 12);
		// Reps this far apart: little pooling, and the three keep their order, well apart.
		expect(prior.strength).toBeGreaterThan(1);
		expect(prior.strength).toBeLessThan(10);
		const [low, mid, high] = [1, 5, 9].map((won) => shrinkProportion({ successes: won, trials: 10 }, prior).estimate);
		expect(low).toBeLessThan(mid - 0.15);
		expect(high).toBeGreaterThan(mid + 0.15);
	});

	it('uses the pooled team rate (all wins over all closed deals) as the prior mean', () => {
		const reps = [
			{ successes: 1, trials: 2 },
			{ successes: 10, trials: 98 }
		];
		expect(pooledRate(reps)).toBeCloseTo(0.11, 12);
		expect(fitBetaPrior(reps)!.mean).toBeCloseTo(0.11, 12);
	});

	it('has nothing to fit when nobody has an outcome', () => {
		expect(fitBetaPrior([{ successes: 0, trials: 0 }])).toBeNull();
		expect(pooledRate([])).toBeNull();
	});
});

describe('the Gamma distribution', () => {
	it('is the exponential for shape 1 and has the closed form 1 - e^-x (1 + x) for shape 2', () => {
		for (const x of [0.1, 1, 2.5, 9]) {
			expect(gammaCdf(x, 1)).toBeCloseTo(1 - Math.exp(-x), 12);
			expect(gammaCdf(x, 2)).toBeCloseTo(1 - Math.exp(-x) * (1 + x), 12);
		}
		expect(gammaQuantile(0.9, 1)).toBeCloseTo(-Math.log(0.1), 10);
	});

	it('gives the chi-square table: the 95% point with one degree of freedom is 3.841459', () => {
		expect(2 * gammaQuantile(0.95, 0.5)).toBeCloseTo(3.841459, 5);
	});

	it('round-trips quantile and CDF for small and large shapes', () => {
		for (const shape of [0.5, 3, 50, 800]) {
			for (const p of [0.05, 0.1, 0.5, 0.9, 0.95]) {
				expect(gammaCdf(gammaQuantile(p, shape), shape)).toBeCloseTo(p, 9);
			}
		}
	});
});

describe('shrinking a volume (events per week) toward the team rate', () => {
	it('is the Gamma posterior mean: 3 opened in half a week against a team at 2 a week worth 10 events', () => {
		const team = gammaPrior(2, 10); // shape 10, 5 pseudo-weeks
		const rep = shrinkEventRate({ events: 3, exposure: 0.5 }, team);
		expect(rep.estimate).toBeCloseTo(13 / 5.5, 12);
		expect(rep.raw).toBe(6);
		expect(rep.low).toBeCloseTo(gammaQuantile(0.1, 13) / 5.5, 12);
		expect(rep.high).toBeCloseTo(gammaQuantile(0.9, 13) / 5.5, 12);
	});

	it('barely moves a rep with a year of weeks, and lets a new joiner start at the team rate', () => {
		const team = gammaPrior(2, 10);
		expect(shrinkEventRate({ events: 156, exposure: 52 }, team).estimate).toBeCloseTo(166 / 57, 12);
		expect(shrinkEventRate({ events: 0, exposure: 0 }, team).estimate).toBeCloseTo(2, 12);
	});

	it('recovers the spread between reps: half open 1 a week, half 3, i.e. a Gamma of shape 4 around 2', () => {
		// Between-rep variance 1 around a mean of 2: shape = mean^2 / variance = 4.
		const next = random(7);
		const poisson = (mean: number) => {
			let count = 0;
			for (let product = next(); product > Math.exp(-mean); product *= next()) count++;
			return count;
		};
		const reps: Count[] = [];
		for (let i = 0; i < 3000; i++) {
			const weeks = 10 + (i % 5) * 10;
			let events = 0;
			for (let w = 0; w < weeks; w++) events += poisson(i % 2 === 0 ? 1 : 3);
			reps.push({ events, exposure: weeks });
		}
		const prior = fitGammaPrior(reps)!;
		expect(prior.fitted).toBe('estimated');
		expect(prior.mean).toBeCloseTo(2, 1);
		expect(prior.strength).toBeGreaterThan(3.4);
		expect(prior.strength).toBeLessThan(4.7);
	});

	it('pulls hard toward the team when volumes differ no more than Poisson noise, and estimates small teams too', () => {
		const identical = Array.from({ length: 6 }, () => ({ events: 40, exposure: 20 }));
		expect(fitGammaPrior(identical)!.strength).toBeGreaterThan(10);
		expect(fitGammaPrior(identical)!.strength).toBeLessThan(1000);
		const small = fitGammaPrior([
			{ events: 10, exposure: 10 },
			{ events: 30, exposure: 10 }
		])!;
		expect(small.fitted).toBe('estimated');
		expect(small.mean).toBe(2);
		expect(fitGammaPrior([{ events: 0, exposure: 10 }])).toBeNull();
	});
});

describe('comparing with the team', () => {
	it('takes the middle value, or the mean of the middle two', () => {
		expect(median([3, 1, 2])).toBe(2);
		expect(median([4, 1, 3, 2])).toBe(2.5);
		expect(median([])).toBeNull();
	});

	it('has the trigamma function of the tables: pi^2 / 6 at 1, pi^2 / 2 at 1/2', () => {
		expect(trigamma(1)).toBeCloseTo(Math.PI ** 2 / 6, 8);
		expect(trigamma(0.5)).toBeCloseTo(Math.PI ** 2 / 2, 8);
		expect(trigamma(2)).toBeCloseTo(Math.PI ** 2 / 6 - 1, 8);
	});

	it('indexes 100 at the team rate and 20 points per typical spread between reps, higher reading as stronger', () => {
		expect(spreadIndex(0.25, 0.25, 0.5, 'log-odds')).toBeCloseTo(100, 12);
		// One standard deviation of log-odds above the team.
		const oneUp = 1 / (1 + Math.exp(-(Math.log(0.25 / 0.75) + 0.5)));
		expect(spreadIndex(oneUp, 0.25, 0.5, 'log-odds')).toBeCloseTo(100 + INDEX_POINTS_PER_SPREAD, 9);
		expect(spreadIndex(3 * Math.exp(0.4), 3, 0.4, 'log')).toBeCloseTo(120, 9);
		expect(spreadIndex(0.2, 0.25, 0.5, 'log-odds')).toBeLessThan(100);
		expect(spreadIndex(0.3, 0, 0.5, 'log-odds')).toBeNull();
		expect(spreadIndex(null, 0.25, 0.5, 'log-odds')).toBeNull();
	});

	it('reads 7% against 5% and 70% against 50% in log-odds, where a ratio would call both 140', () => {
		// With reps spreading by half a unit of log-odds in both roles: 7% vs 5% is 0.36 log-odds (about
		// 114), 70% vs 50% is 0.85 (about 134). Neither is 140; the low base rate no longer inflates the gap.
		expect(spreadIndex(0.07, 0.05, 0.5, 'log-odds')).toBeCloseTo(100 + (20 * Math.log((0.07 / 0.93) / (0.05 / 0.95))) / 0.5, 9);
		expect(spreadIndex(0.07, 0.05, 0.5, 'log-odds')!).toBeLessThan(120);
		expect(spreadIndex(0.7, 0.5, 0.5, 'log-odds')!).toBeLessThan(140);
		// A role whose reps spread widely (1 of 20 against 8 of 20) counts a two-point gap as a small step.
		const wide = fitBetaPrior([
			{ successes: 1, trials: 20 },
			{ successes: 8, trials: 20 },
			{ successes: 3, trials: 20 },
			{ successes: 5, trials: 20 }
		])!;
		expect(spreadIndex(0.2, 0.18, betaSpread(wide), 'log-odds')!).toBeLessThan(110);
		expect(gammaSpread({ mean: 2, strength: 4, shape: 4, rate: 2, fitted: 'fixed' })).toBeCloseTo(Math.sqrt(trigamma(4)), 12);
	});

	it('puts the median rep at the 50th percentile, counting ties as half', () => {
		expect(percentileRank(3, [1, 2, 3, 4, 5])).toBe(50);
		expect(percentileRank(3, [1, 2, 3, 4])).toBe(62.5);
		expect(percentileRank(7, [7, 7, 7])).toBe(50);
	});
});

describe('Spearman rank correlation', () => {
	it('averages tied ranks', () => {
		expect(ranks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
	});

	it('is 1 for any increasing relation and -1 for any decreasing one', () => {
		expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBeCloseTo(1, 12);
		expect(spearman([1, 2, 3, 4], [9, 4, 1, 0])).toBeCloseTo(-1, 12);
	});

	it('matches the textbook example (IQ against hours of TV: -29/165)', () => {
		const iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
		const tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];
		expect(spearman(iq, tv)).toBeCloseTo(-29 / 165, 12);
	});
});

describe('rep -> team -> company on small teams (issue 19)', () => {
	const logistic = (x: number) => 1 / (1 + Math.exp(-x));

	/**
	 * Many small teams as sales has them: 3 to 6 reps, 15 to 30 closed deals each, base rates from 5%
	 * to 50%, reps' true rates spread by half a unit of log-odds. A moment estimate clamped to 2..500
	 * flattened about half of such teams to 100 and gave others hardly any shrinkage.
	 */
	function simulate(seed: number, draws: number) {
		const next = random(seed);
		const normal = () => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
		const poisson = (mean: number) => {
			let count = 0;
			for (let product = next(); product > Math.exp(-mean); product *= next()) count++;
			return count;
		};
		const teams: { skills: number[]; rates: number[]; volumes: number[]; distinct: boolean }[] = [];
		for (let draw = 0; draw < draws; draw++) {
			const size = 3 + (draw % 4);
			const base = [0.05, 0.2, 0.3, 0.5][Math.floor(draw / 4) % 4];
			const skills = Array.from({ length: size }, () => normal());
			const records = skills.map((z) => {
				const rate = logistic(Math.log(base / (1 - base)) + 0.5 * z);
				const trials = 15 + Math.floor(next() * 16);
				let successes = 0;
				for (let t = 0; t < trials; t++) if (next() < rate) successes++;
				return { successes, trials };
			});
			const prior = fitHierarchicalBeta([records])!.teams[0]!;
			const centre = prior.alpha / (prior.alpha + prior.beta);
			const rates = records.map((r) => spreadIndex(shrinkProportion(r, prior).estimate, centre, betaSpread(prior), 'log-odds')!);
			const counts = skills.map((z) => {
				const weeks = 8 + Math.floor(next() * 6);
				let events = 0;
				for (let w = 0; w < weeks; w++) events += poisson(3 * Math.exp(0.4 * z));
				return { events, exposure: weeks };
			});
			const volumePrior = fitHierarchicalGamma([counts])!.teams[0]!;
			const volumes = counts.map((c) => spreadIndex(shrinkEventRate(c, volumePrior).estimate, volumePrior.mean, gammaSpread(volumePrior), 'log')!);
			teams.push({ skills, rates, volumes, distinct: new Set(records.map((r) => r.successes / r.trials)).size > 1 });
		}
		return teams;
	}

	for (const seed of [1, 2, 3]) {
		it(`neither flattens small teams to 100 nor lets an index run away (seed ${seed}, 1,000 teams)`, () => {
			const teams = simulate(seed, 1000);
			const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
			const flat = teams.filter((t) => t.distinct && spread(t.rates) < 2).length;
			expect(flat).toBeLessThanOrEqual(10);
			expect(teams.filter((t) => spread(t.volumes) < 2).length).toBeLessThanOrEqual(10);
			const all = teams.flatMap((t) => [...t.rates, ...t.volumes]);
			expect(Math.min(...all)).toBeGreaterThan(40);
			expect(Math.max(...all)).toBeLessThan(160);
			// With three reps the middle one is no longer 100 by construction.
			const threes = teams.filter((t) => t.rates.length === 3);
			const middleAt100 = threes.filter((t) => Math.abs([...t.rates].sort((a, b) => a - b)[1] - 100) < 0.5).length;
			expect(middleAt100 / threes.length).toBeLessThan(0.2);
			// And the indices still follow the hidden skills.
			const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
			expect(mean(teams.map((t) => spearman(t.rates, t.skills)).filter(Number.isFinite))).toBeGreaterThan(0.4);
			expect(mean(teams.map((t) => spearman(t.volumes, t.skills)).filter(Number.isFinite))).toBeGreaterThan(0.6);
		});
	}

	it('pulls each team toward the company and estimates the reps’ spread over all teams of the role', () => {
		const small = [
			{ successes: 2, trials: 20 },
			{ successes: 6, trials: 20 },
			{ successes: 4, trials: 20 }
		];
		const big = Array.from({ length: 12 }, (_, i) => ({ successes: 4 + (i % 5) * 2, trials: 25 }));
		const alone = fitHierarchicalBeta([small])!;
		const together = fitHierarchicalBeta([small, big, big])!;
		// One strength for the role, shared by every team.
		expect(together.teams[0]!.strength).toBeCloseTo(together.teams[1]!.strength, 12);
		// The small team's rate lies between its own 20% and the company's.
		expect(together.company).toBeGreaterThan(0.2);
		expect(together.teams[0]!.mean).toBeGreaterThan(alone.teams[0]!.mean);
		expect(together.teams[0]!.mean).toBeLessThan(together.company);
		expect(fitHierarchicalBeta([[], [{ successes: 0, trials: 0 }]])).toBeNull();
		expect(fitHierarchicalGamma([[{ events: 6, exposure: 3 }], []])!.teams[1]).toBeNull();
	});
});
