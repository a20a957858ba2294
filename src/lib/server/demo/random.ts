/**
 * The demo company's only source of chance. The generator never touches Math.random or the clock:
 * the same seed must replay the same company row for row, because tests, screenshots and the
 * product's own "does it find the strong closer?" checks all rely on that.
 *
 * mulberry32 is small, fast and statistically good enough for simulated sales data. Every concern
 * (a week's new deals, one deal's life, one rep's activity) draws from its own stream, derived from
 * the seed with `streamSeed`, so tuning one part of the simulation does not reshuffle all the others.
 * The transcendental functions used below (log, cos, sqrt, exp) are V8's fdlibm ports, identical on
 * every platform, so the streams are reproducible across machines.
 */
export class Random {
	private state: number;

	constructor(seed: number) {
		this.state = seed >>> 0;
	}

	/** Uniform in [0, 1). */
	next(): number {
		this.state = (this.state + 0x6d2b79f5) >>> 0;
		let t = this.state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	}

	/** Uniform in [min, max). */
	between(min: number, max: number): number {
		return min + (max - min) * this.next();
	}

	/** Uniform integer in [min, max], both ends included. */
	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}

	chance(probability: number): boolean {
		return this.next() < probability;
	}

	pick<T>(items: readonly T[]): T {
		return items[Math.floor(this.next() * items.length)];
	}

	weighted<T>(items: readonly T[], weights: readonly number[]): T {
		let total = 0;
		for (const weight of weights) total += weight;
		let target = this.next() * total;
		for (let i = 0; i < items.length; i++) {
			target -= weights[i];
			if (target < 0) return items[i];
		}
		return items[items.length - 1];
	}

	/** Box-Muller; one draw per call keeps the stream's position easy to reason about. */
	normal(mean = 0, sd = 1): number {
		const u = 1 - this.next();
		const v = this.next();
		return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
	}

	/** Right-skewed and positive, like deal sizes and cycle lengths; `median` is the typical value. */
	logNormal(median: number, sigma: number): number {
		return median * Math.exp(this.normal(0, sigma));
	}

	/** How many events of a process with `mean` events per period happen in one period. */
	poisson(mean: number): number {
		if (mean <= 0) return 0;
		if (mean > 30) return Math.max(0, Math.round(this.normal(mean, Math.sqrt(mean))));
		const limit = Math.exp(-mean);
		let count = 0;
		let product = this.next();
		while (product > limit) {
			count++;
			product *= this.next();
		}
		return count;
	}
}

function fmix32(h: number): number {
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
}

/** A well-mixed 32-bit seed for one stream, from the company seed and the stream's coordinates. */
export function streamSeed(...parts: number[]): number {
	let h = 0x9e3779b9;
	for (const part of parts) h = fmix32((h ^ fmix32(part >>> 0)) + 0x9e3779b9);
	return h;
}

/** The named streams, so two concerns never share one by accident. */
export const Stream = {
	company: 1,
	newDeals: 2,
	deal: 3,
	activity: 4,
	accounts: 5
} as const;
