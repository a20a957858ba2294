import { trailingPeriod } from '$lib/server/metrics/strengths';

/**
 * The period the strengths pages read: the last N months up to the latest snapshot. Strengths are
 * slow-moving and need samples, so the choices start at a quarter and the default is a year.
 */
export const periodMonths = [3, 6, 12, 24] as const;
export const defaultPeriodMonths = 12;

export function periodFromSearch(params: URLSearchParams, latest: string) {
	const asked = Number(params.get('months'));
	const months = (periodMonths as readonly number[]).includes(asked) ? asked : defaultPeriodMonths;
	return { months, ...trailingPeriod(latest, months) };
}
