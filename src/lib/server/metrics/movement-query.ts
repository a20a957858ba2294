import * as v from 'valibot';
import { dealTypes, type DealType } from '../../domain/roles.ts';
import { isIsoDate, isPeriodPick, periodFor, periodPicks, type Period, type PeriodPick } from '../../domain/movement.ts';

/**
 * The query parameters the Pipeline movement page and its API share (team and rep are read by
 * `requestScope`). Errors name the parameter, what it must look like and what came in.
 *
 *   from, to                   snapshot dates A and B (default: the two latest)
 *   period                     a quick pick (this_quarter, next_6_months, ...), 'custom' or 'none'
 *   period_start, period_end   a custom close-date window, both ends inclusive
 *   deal_type                  new_business, upsell, cross_sell or renewal
 */

const date = (name: string) =>
	v.pipe(
		v.string(),
		v.check((value: string) => isIsoDate(value), (issue) => `${name} must be a real date written YYYY-MM-DD, e.g. 2026-11-23, got "${issue.input}"`)
	);

const schema = v.pipe(
	v.object({
		from: v.optional(date('from')),
		to: v.optional(date('to')),
		period: v.optional(
			v.picklist(
				[...periodPicks, 'custom', 'none'],
				(issue) => `period must be one of ${[...periodPicks, 'custom', 'none'].join(', ')}, got "${issue.input}"`
			)
		),
		period_start: v.optional(date('period_start')),
		period_end: v.optional(date('period_end')),
		deal_type: v.optional(v.picklist(dealTypes, (issue) => `deal_type must be one of ${dealTypes.join(', ')}, got "${issue.input}"`))
	}),
	v.forward(
		v.check(
			({ period_start, period_end }) => (period_start === undefined) === (period_end === undefined),
			'period_start and period_end go together: give both, or neither for the whole open pipeline'
		),
		['period_end']
	),
	v.forward(
		v.check(
			({ period_start, period_end }) => !period_start || !period_end || period_start <= period_end,
			(issue) => `period_end must be on or after period_start (period_start ${issue.input.period_start}, period_end ${issue.input.period_end})`
		),
		['period_end']
	)
);

export interface MovementQuery {
	from: string;
	to: string;
	period: Period | null;
	/** How the period was chosen, for the picker: a quick pick, custom dates, or none. */
	periodChoice: PeriodPick | 'custom' | 'none';
	dealType: DealType | null;
}

export type ParsedMovementQuery =
	| { ok: true; query: MovementQuery }
	| { ok: false; message: string; issues: { parameter: string | null; message: string }[] };

/** The snapshots on either side of a date that is not one, to say what would have worked. */
function nearest(date: string, snapshots: readonly string[]): string {
	const earlier = snapshots.filter((d) => d < date).sort().at(-1);
	const later = snapshots.filter((d) => d > date).sort()[0];
	const around = [earlier, later].filter(Boolean);
	return around.length > 0 ? `; the nearest are ${around.join(' and ')}` : '';
}

/**
 * Reads the movement parameters against the loaded snapshot dates (`snapshots`, any order, at least
 * two). Empty values count as absent (a GET form sends them so). Without `from`, A is the snapshot
 * before B; without `to`, B is the latest.
 */
export function parseMovementQuery(params: URLSearchParams, snapshots: readonly string[]): ParsedMovementQuery {
	const value = (name: string) => params.get(name) || undefined;
	const parsed = v.safeParse(schema, {
		from: value('from'),
		to: value('to'),
		period: value('period'),
		period_start: value('period_start'),
		period_end: value('period_end'),
		deal_type: value('deal_type')
	});
	const fail = (issues: { parameter: string | null; message: string }[]): ParsedMovementQuery => ({
		ok: false,
		message: issues.map((i) => i.message).join('; '),
		issues
	});
	if (!parsed.success) {
		return fail(parsed.issues.map((issue) => ({ parameter: v.getDotPath(issue) ?? null, message: issue.message })));
	}
	const input = parsed.output;
	const loaded = new Set(snapshots);
	const issues: { parameter: string; message: string }[] = [];
	for (const name of ['from', 'to'] as const) {
		const date = input[name];
		if (date && !loaded.has(date)) {
			issues.push({ parameter: name, message: `${name} ${date} is not a snapshot date${nearest(date, snapshots)}` });
		}
	}
	if (issues.length > 0) return fail(issues);

	const newestFirst = [...snapshots].sort().reverse();
	const to = input.to ?? newestFirst[0];
	const from = input.from ?? newestFirst.find((d) => d < to) ?? to;
	if (from > to) return fail([{ parameter: 'from', message: `from ${from} is after to ${to}: A must be the earlier snapshot` }]);

	let period: Period | null = null;
	let periodChoice: MovementQuery['periodChoice'] = 'none';
	if (isPeriodPick(input.period)) {
		// Seen from A: the period the leader looked at last week, which B must not silently replace.
		period = periodFor(input.period, from);
		periodChoice = input.period;
	} else if (input.period !== 'none') {
		// 'custom' before its dates are filled in is still custom: the form then asks for them.
		if (input.period_start && input.period_end) period = { start: input.period_start, end: input.period_end };
		if (period || input.period === 'custom') periodChoice = 'custom';
	}
	return { ok: true, query: { from, to, period, periodChoice, dealType: input.deal_type ?? null } };
}
