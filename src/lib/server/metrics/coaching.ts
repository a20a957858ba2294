import { sideBySide, sql, type Queryable, type Sql } from '../db/index.ts';
import { narrowScope, type Scope } from '../auth/scope.ts';
import { daysBefore, defaultWindowWeeks } from '../../domain/movement.ts';
import { addDays, isIsoDate, quarterOf } from '../../domain/periods.ts';
import { betaPrior, DEFAULT_PRIOR_STRENGTH, shrinkProportion } from '../../domain/shrinkage.ts';
import type {
	CelebrateItem,
	CoachingAgenda,
	CoachingNote,
	CoachingRep,
	CoachingSeat,
	DealMovement,
	DealRef,
	EnergyItem,
	FollowUpItem,
	NextStep,
	StrengthDeal,
	StrengthItem
} from '../../domain/coaching.ts';
import { hygieneFlags } from '../../domain/coaching.ts';
import { dataQualityFlagCounts } from './data-quality.ts';
import { dealsCreatedAndClosed, movementDeals, slippedDeals, transitionDeals, withComparisonFacts, type TransitionDeal } from './movement.ts';
import { snapshotDates } from './snapshots.ts';
import { minimumSample, stageConversion, stalledDeals, stalledWindowWeeks, withStageWindow } from './stage-velocity.ts';
import { funnelPositions, teamStrengths, trailingPeriod } from './strengths/index.ts';
import { lastSessionBefore, notesOfSession, readNextSteps, stepsAgreedIn } from '../coaching-notes.ts';
import { repCallSummary, type RepCallSummary } from '../forecast-calls.ts';
import { BadInput, Forbidden, NotFound } from '../errors.ts';
import { withOriginals, type OriginalAmount } from './originals.ts';

/**
 * The weekly 1:1 agenda, generated from the data: what to celebrate, where energy is needed, the
 * strength to use, and what became of last week's next steps. It composes the movement, velocity
 * and strengths questions for one rep and two snapshot weeks; the only SQL of its own looks up the
 * deals those questions name and the rep's open deals.
 */

/** How many items each part of the agenda holds: a 1:1 is half an hour, and the agenda prints on one page. */
export const agendaLimits = { movedForward: 6, openedMovedOn: 6, keyAccountProgress: 4, stalled: 3, slipped: 3 } as const;

/** How far back the strength is judged: a year holds enough closed deals to name one fairly. */
const strengthMonths = 12;

// ---------------------------------------------------------------------------------------------
// Weeks

export interface CoachingWeek {
	/** The session week: a snapshot date. */
	week: string;
	/** The snapshot before it, which the week is compared with; null for the first snapshot. */
	previous: string | null;
	next: string | null;
}

export function todayIso(): string {
	return new Date().toISOString().slice(0, 10);
}

/**
 * The session week for `requested` (any date: the snapshot on or before it), or by default "this
 * week": the latest snapshot on or before `today`, compared with the one before it ("last week").
 * Null when no snapshots are loaded. A requested date before every snapshot is a 404: there is no
 * such week.
 */
export async function coachingWeek(q: Queryable, requested: string | null, today: string = todayIso()): Promise<CoachingWeek | null> {
	if (requested !== null && !isIsoDate(requested)) {
		throw new BadInput(`week must be a date written YYYY-MM-DD, e.g. ${today}; got "${requested}".`);
	}
	const dates = await snapshotDates(q); // newest first
	if (dates.length === 0) return null;
	const target = requested ?? today;
	// Data that starts after today (a demo seeded ahead) still has a first week to show.
	const chosen = dates.find((day) => day <= target) ?? (requested === null ? dates.at(-1)! : null);
	if (!chosen) throw new NotFound(`No snapshot on or before ${requested}: the first one is ${dates.at(-1)}.`);
	const index = dates.indexOf(chosen);
	return { week: chosen, previous: dates[index + 1] ?? null, next: dates[index - 1] ?? null };
}

// ---------------------------------------------------------------------------------------------
// Deals

interface StageInfo {
	name: string;
	position: number;
	outcome: 'open' | 'won' | 'lost';
}

async function stageInfo(q: Queryable): Promise<Map<string, StageInfo>> {
	const rows = await q.all<StageInfo>('SELECT name, position, outcome FROM stages');
	return new Map(rows.map((row) => [row.name, row]));
}

/**
 * Our records, with their account, of the deals the agenda names (by CRM id): the rep's open deals
 * carry theirs, and the few others (won since, mostly) are read from the week's comparison facts,
 * which the movement lists read too.
 */
async function agendaDealRefs(
	q: Queryable,
	{ repId, previous, week }: { repId: number; previous: string | null; week: string },
	openDeals: OpenDeal[],
	named: Iterable<string>
): Promise<Map<string, DealRef>> {
	const refs = new Map<string, DealRef>(openDeals.map(({ id, crm_id, name, account, key_account }) => [crm_id, { id, crm_id, name, account, key_account }]));
	const missing = [...new Set(named)].filter((crmId) => !refs.has(crmId));
	if (missing.length === 0 || previous === null) return refs;
	const refsIn = (table: Sql) =>
		sql`SELECT deal_id AS id, crm_id, deal_name AS name, account, key_account FROM ${table}
		WHERE owner_id = ${repId} AND list_contains(${missing}::VARCHAR[], crm_id)`;
	const rows = await withComparisonFacts(q, { from: previous, to: week }, (pair) =>
		q.all<DealRef>(sql`${refsIn(pair.pairs)} UNION ALL ${refsIn(pair.created_and_closed)}`)
	);
	for (const row of rows) refs.set(row.crm_id, row);
	return refs;
}

export interface OpenDeal extends DealRef {
	stage: string;
	position: number;
	amount: number;
	close_date: string;
	deal_type: string | null;
	forecast_category: string | null;
	/** Only for a deal exported in another currency than the reporting one. */
	original?: OriginalAmount;
}

/**
 * The rep's open deals at a snapshot, biggest first: what the next steps and deal notes can name.
 * Read from the facts of the stalled list's window ending at the snapshot, which the agenda's
 * stalled list reads too.
 */
export function openDealsOf(q: Queryable, repId: number, week: string): Promise<OpenDeal[]> {
	return withStageWindow(q, { at: week, windowWeeks: stalledWindowWeeks(undefined) }, (tables) =>
		q.all<OpenDeal>(
			/* sql */ `
			SELECT deal_id AS id, crm_id, deal_name AS name, account, key_account,
				stage, position, amount::DOUBLE AS amount, close_date, deal_type, forecast_category
			FROM ${tables.open_deals}
			WHERE owner_id = $rep
			ORDER BY amount DESC, crm_id`,
			{ rep: repId }
		)
	);
}

// ---------------------------------------------------------------------------------------------
// The agenda

/** The scope narrowed to one rep, with their team as the comparison (as `narrowScope` does). */
function repScope(scope: Scope, repId: number, teamId: number | null): Scope {
	return { role: scope.role, repIds: [repId], teamIds: teamId !== null ? [teamId] : [], ownRepId: scope.ownRepId };
}

/**
 * Question: what should rep `repId` and their leader talk about in the 1:1 of `week`? Executives
 * get a 403 (the follow-up carries the private next steps), a rep outside the scope a 404.
 */
export async function coachingAgenda(q: Queryable, scope: Scope, options: { repId: number; week: string }): Promise<CoachingAgenda> {
	return (await agendaAndOpenDeals(q, scope, options)).agenda;
}

/** The agenda, and the rep's open deals it read on the way (the 1:1's deal pickers show them). */
async function agendaAndOpenDeals(
	q: Queryable,
	scope: Scope,
	{ repId, week }: { repId: number; week: string }
): Promise<{ agenda: CoachingAgenda; openDeals: OpenDeal[] }> {
	if (scope.role === 'executive') throw new Forbidden('Coaching is private between a rep and their leader.');
	if (scope.repIds !== null && !scope.repIds.includes(repId)) throw new NotFound('No such rep');
	const [repRow, snapshots, lastSession, stages] = await sideBySide(q, [
		(c) =>
			c.one<CoachingRep & { team_id: number | null }>(
				`SELECT r.id, r.email, r.name, r.role, t.name AS team, r.team_id
				FROM reps r LEFT JOIN teams t ON t.id = r.team_id
				WHERE r.id = $id`,
				{ id: repId }
			),
		(c) => snapshotDates(c), // newest first
		(c) => lastSessionBefore(c, repId, week),
		(c) => stageInfo(c)
	]);
	if (!repRow) throw new NotFound('No such rep');
	const { team_id: teamId, ...rep } = repRow;
	const only = repScope(scope, repId, teamId);
	// The agenda covers everything since the last 1:1, so a skipped or fortnightly session still sees
	// the wins and completed steps of the weeks between; without one, since the previous snapshot.
	const previousSnapshot = snapshots.find((day) => day < week) ?? null;
	const sessionSnapshot = lastSession === null ? null : (snapshots.find((day) => day <= lastSession && day < week) ?? null);
	const previous = sessionSnapshot ?? previousSnapshot;
	const strengthPeriod = trailingPeriod(week, strengthMonths);

	// The agenda's questions do not depend on one another; asked side by side, the 1:1 opens in the
	// time of the slowest, not of all of them together.
	const [forward, stalled, slipped, createdAndClosed, parts, steps, openedMovedOn, focus, strengths, openDeals, flagCounts] = await sideBySide(q, [
		async (c) => (previous ? (await transitionDeals(c, only, { from: previous, to: week, direction: 'forward' })).deals : []),
		async (c) => (await stalledDeals(c, only, { at: week, limit: agendaLimits.stalled })).deals,
		async (c) => (previous ? (await slippedDeals(c, only, { from: previous, to: week, limit: agendaLimits.slipped })).deals : []),
		async (c) => (previous ? await dealsCreatedAndClosed(c, only, { from: previous, to: week }) : []),
		async (c) => (previous ? (await movementDeals(c, only, { from: previous, to: week })).deals : []),
		(c) => followUpSteps(c, repId, week, previous),
		async (c) => (previous ? await openedDealsMovedOn(c, repId, previous, week) : []),
		(c) => conversionFocus(c, only, week),
		(c) => teamStrengths(c, only, strengthPeriod),
		(c) => openDealsOf(c, repId, week),
		(c) => dataQualityFlagCounts(c, only, week)
	]);

	const celebrated = new Set(forward.map((d) => d.deal_id));
	const progressed = parts.filter((d) => (d.part === 'new' || d.part === 'increased' || d.part === 'pulled_in') && !celebrated.has(d.deal_id));
	const named = [...forward, ...createdAndClosed, ...progressed, ...stalled, ...slipped].map((d) => d.deal_id);
	const [stepTransitions, refs] = await sideBySide(q, [
		(c) => transitionsSince(c, only, week, steps),
		(c) => agendaDealRefs(c, { repId, previous, week }, openDeals, named)
	]);

	const ref = (crmId: string, name: string | null): DealRef =>
		refs.get(crmId) ?? { id: -1, crm_id: crmId, name, account: null, key_account: false };

	// Celebrate: wins first, then every step forward (biggest leaps first), then small progress at key accounts.
	const celebrate: CelebrateItem[] = [];
	for (const deal of forward.filter((d) => stages.get(d.stage_to ?? '')?.outcome === 'won')) {
		celebrate.push({ kind: 'won', deal: ref(deal.deal_id, deal.deal_name), amount: deal.amount_to ?? deal.amount_from ?? 0 });
	}
	for (const deal of createdAndClosed.filter((d) => d.outcome === 'won')) {
		celebrate.push({ kind: 'won', deal: ref(deal.deal_id, deal.deal_name), amount: deal.amount });
	}
	for (const deal of forward.filter((d) => stages.get(d.stage_to ?? '')?.outcome === 'open').slice(0, agendaLimits.movedForward)) {
		celebrate.push({
			kind: 'moved_forward',
			deal: ref(deal.deal_id, deal.deal_name),
			stage_from: deal.stage_from ?? '',
			stage_to: deal.stage_to ?? '',
			steps: deal.steps ?? 0,
			amount: deal.amount_to ?? 0
		});
	}
	celebrate.push(...openedMovedOn);
	const keyProgress = progressed.filter((d) => refs.get(d.deal_id)?.key_account);
	for (const deal of keyProgress.slice(0, agendaLimits.keyAccountProgress)) {
		celebrate.push({
			kind: 'key_account_progress',
			deal: ref(deal.deal_id, deal.deal_name),
			progress: deal.part as 'new' | 'increased' | 'pulled_in',
			stage: deal.stage_to,
			amount: deal.amount_to ?? 0,
			change: deal.change,
			close_date: deal.close_to
		});
	}

	// Where energy is needed: deals that stand still, dates that moved out, and one stage to work on.
	const energy: EnergyItem[] = [
		...stalled.map(
			(d): EnergyItem => ({
				kind: 'stalled',
				deal: ref(d.deal_id, d.deal_name),
				stage: d.stage,
				amount: d.amount,
				days_in_stage: d.days_in_stage,
				at_least: d.at_least,
				typical_days: d.typical_days
			})
		),
		...slipped.map(
			(d): EnergyItem => ({
				kind: 'slipped',
				deal: ref(d.deal_id, d.deal_name),
				stage: d.stage,
				amount: d.amount,
				close_from: d.close_from,
				close_to: d.close_to,
				days_slipped: d.days_slipped,
				times_pushed: d.times_pushed
			})
		)
	];
	if (focus) energy.push(focus);
	// The rep's own CRM hygiene, gently and only the most pressing gap: one line, not a list of faults.
	const hygiene = hygieneFlags.find((flag) => flagCounts[flag] > 0);
	if (hygiene) energy.push({ kind: 'hygiene', flag: hygiene, count: flagCounts[hygiene] });

	const strength = strengthToUse(strengths.profiles, repId, strengthPeriod, energy, openDeals);

	const follow_up: FollowUpItem[] = steps.map((step) => ({
		step,
		overdue: !step.done && step.due_date < week,
		movement: step.deal ? dealMovement(stepTransitions.get(step.week)?.get(step.deal.crm_id) ?? null, step.week, week, stages) : null
	}));

	return {
		agenda: { rep, week, previous_week: previous, since_last_session: sessionSnapshot !== null, celebrate, energy, strength, follow_up },
		openDeals
	};
}

/**
 * Deals the rep opened (`deals.sourced_by`: an SDR or BDR) that a colleague now owns and that moved
 * forward between the two weeks. The movement questions follow a deal's owner, so an opener's agenda
 * would otherwise never see the relay leg they ran pay off.
 */
async function openedDealsMovedOn(q: Queryable, repId: number, from: string, to: string): Promise<CelebrateItem[]> {
	const rows = await withComparisonFacts(q, { from, to }, (pair) =>
		q.all<DealRef & { stage_from: string; stage_to: string; won: boolean }>(
			sql`
			SELECT p.deal_id AS id, p.crm_id, p.deal_name AS name, p.account, p.key_account,
				f.name AS stage_from, t.name AS stage_to, p.outcome_b = 'won' AS won
			FROM ${pair.pairs} p
			JOIN stages f ON f.id = p.stage_a
			JOIN stages t ON t.id = p.stage_b
			WHERE p.sourced_by = ${repId} AND p.owner_b <> ${repId} AND p.outcome_a = 'open' AND p.rank_b > p.rank_a
			ORDER BY p.outcome_b = 'won' DESC, p.rank_b - p.rank_a DESC, p.amount_b DESC, p.crm_id
			LIMIT ${agendaLimits.openedMovedOn}`
		)
	);
	return rows.map(({ stage_from, stage_to, won, ...deal }) => ({ kind: 'opened_moved_on', deal, stage_from, stage_to, won }));
}

// ---------------------------------------------------------------------------------------------
// Where energy is needed: the stage to work on

/**
 * The stage where the rep's conversion falls furthest below a reference: the team's over the same
 * window, or the rep's own over the window before it (same length, so deals have had equally long to
 * move on). Fair on small samples: the rep's rate is pulled toward the reference by
 * DEFAULT_PRIOR_STRENGTH pseudo-deals, and a stage counts only when even the upper end of its 80%
 * interval stays below the reference, i.e. when the data really says so. Null when no stage does.
 */
async function conversionFocus(q: Queryable, scope: Scope, week: string): Promise<EnergyItem | null> {
	const [recent, earlier] = await sideBySide(q, [
		(c) => stageConversion(c, scope, { at: week }),
		// The window before is compared with the rep's own rates only.
		(c) => stageConversion(c, scope, { at: daysBefore(week, 7 * defaultWindowWeeks), withTeam: false })
	]);
	let best: (EnergyItem & { kind: 'conversion' }) | null = null;
	let bestGap = 0;
	for (const stage of recent.stages) {
		if (stage.entered < minimumSample || stage.conversion === null) continue;
		const own = earlier.stages.find((s) => s.stage_id === stage.stage_id);
		const references = [
			{ reference: 'team' as const, rate: (stage.team_entered ?? 0) >= minimumSample ? stage.team_conversion : null },
			{ reference: 'own' as const, rate: own && own.entered >= minimumSample ? own.conversion : null }
		];
		for (const { reference, rate } of references) {
			if (rate === null || rate <= 0) continue;
			const shrunk = shrinkProportion({ successes: stage.converted, trials: stage.entered }, betaPrior(rate, DEFAULT_PRIOR_STRENGTH));
			const gap = rate - shrunk.estimate;
			if (shrunk.high < rate && gap > bestGap) {
				bestGap = gap;
				best = {
					kind: 'conversion',
					stage: stage.stage,
					rate: stage.conversion,
					estimate: shrunk.estimate,
					entered: stage.entered,
					converted: stage.converted,
					reference,
					reference_rate: rate,
					from: recent.from,
					to: recent.to
				};
			}
		}
	}
	return best;
}

// ---------------------------------------------------------------------------------------------
// Strength to use

/** Where on the rep's open deals each relay leg does its work. */
function strengthApplies(dimension: string, deal: OpenDeal): boolean {
	switch (dimension) {
		case 'opening':
			return deal.position <= funnelPositions.qualified;
		case 'advancing':
			return deal.position >= funnelPositions.midFunnel && deal.position < funnelPositions.lateFunnel;
		case 'closing':
			return deal.position >= funnelPositions.lateFunnel;
		case 'expanding':
			return deal.deal_type === 'upsell' || deal.deal_type === 'cross_sell' || deal.deal_type === 'renewal';
		case 'forecasting':
			return deal.forecast_category === 'commit' || deal.forecast_category === 'best_case';
		default:
			return false;
	}
}

/**
 * The rep's top strength (from the strengths profile, compared with the same role on their team)
 * and one open deal where it applies: preferably one that also needs energy this week, so the
 * strength becomes the way forward; then key accounts; then the biggest. Null when no strength can
 * be named fairly yet (too few outcomes, or no one to compare with).
 */
function strengthToUse(
	profiles: Awaited<ReturnType<typeof teamStrengths>>['profiles'],
	repId: number,
	period: { from: string; to: string },
	energy: EnergyItem[],
	openDeals: OpenDeal[]
): StrengthItem | null {
	const top = profiles.find((p) => p.rep.rep_id === repId)?.topStrength ?? null;
	if (!top || top.index === null) return null;

	const needsEnergy = new Map<number, 'stalled' | 'slipped'>();
	for (const item of energy) {
		if ((item.kind === 'stalled' || item.kind === 'slipped') && !needsEnergy.has(item.deal.id)) needsEnergy.set(item.deal.id, item.kind);
	}
	const candidates = openDeals.filter((deal) => strengthApplies(top.dimension, deal));
	const rank = (deal: OpenDeal) => (needsEnergy.has(deal.id) ? 0 : deal.key_account ? 1 : 2);
	const chosen = candidates.sort((a, b) => rank(a) - rank(b) || b.amount - a.amount)[0];
	const deal: StrengthDeal | null = chosen
		? {
				id: chosen.id,
				crm_id: chosen.crm_id,
				name: chosen.name,
				account: chosen.account,
				key_account: chosen.key_account,
				stage: chosen.stage,
				amount: chosen.amount,
				close_date: chosen.close_date,
				reason: needsEnergy.get(chosen.id) ?? 'fits'
			}
		: null;
	return { dimension: top.dimension, measure: top.key, index: top.index, n: top.n, from: period.from, to: period.to, deal };
}

// ---------------------------------------------------------------------------------------------
// Follow-up

/**
 * The steps to follow up in `week`: everything agreed in the previous session, and older steps
 * still open or ticked off since then (so finishing a long-running step is seen and celebrated).
 */
function followUpSteps(q: Queryable, repId: number, week: string, previous: string | null): Promise<NextStep[]> {
	const since = sql`${previous}::DATE`;
	return readNextSteps(
		q,
		sql`s.rep_id = ${repId} AND s.week < ${week}::DATE
		AND (s.done_at IS NULL OR (${since} IS NOT NULL AND (s.week >= ${since} OR s.done_at >= ${since}::TIMESTAMP)))`
	);
}

/**
 * Per week a followed-up step was agreed in, how each of its deals moved from then to `week`. Asked
 * for those deals only: a rep can hold thousands, and the steps name a handful.
 */
async function transitionsSince(q: Queryable, scope: Scope, week: string, steps: NextStep[]): Promise<Map<string, Map<string, TransitionDeal>>> {
	const dealsByWeek = new Map<string, string[]>();
	for (const step of steps) if (step.deal) dealsByWeek.set(step.week, [...(dealsByWeek.get(step.week) ?? []), step.deal.crm_id]);
	const byWeek = new Map<string, Map<string, TransitionDeal>>();
	for (const [since, dealIds] of dealsByWeek) {
		const { deals } = await transitionDeals(q, scope, { from: since, to: week, dealIds });
		byWeek.set(since, new Map(deals.map((d) => [d.deal_id, d])));
	}
	return byWeek;
}

function dealMovement(move: TransitionDeal | null, from: string, to: string, stages: Map<string, StageInfo>): DealMovement {
	if (!move) {
		// Neither open then nor now in this rep's pipeline: closed earlier, or handed to someone else.
		return { from, to, kind: 'gone', stage_from: null, stage_to: null, close_from: null, close_to: null, slipped: false };
	}
	const outcome = move.stage_to ? stages.get(move.stage_to)?.outcome : undefined;
	const kind: DealMovement['kind'] =
		move.stage_to === null
			? 'gone'
			: outcome === 'won'
				? 'won'
				: outcome === 'lost'
					? 'lost'
					: move.direction === 'forward'
						? 'forward'
						: move.direction === 'backward'
							? 'backward'
							: 'unchanged';
	return {
		from,
		to,
		kind,
		stage_from: move.stage_from,
		stage_to: move.stage_to,
		close_from: move.close_from,
		close_to: move.close_to,
		slipped: outcome === 'open' && move.close_from !== null && move.close_to !== null && move.close_to > move.close_from
	};
}

// ---------------------------------------------------------------------------------------------
// The whole session

export interface CoachingSession {
	rep: CoachingRep;
	seat: CoachingSeat;
	weeks: CoachingWeek;
	agenda: CoachingAgenda;
	leaderNote: CoachingNote | null;
	selfReview: CoachingNote | null;
	dealNotes: CoachingNote[];
	nextSteps: NextStep[];
	/** The rep's open deals in the session week, for naming a deal in a step or note. */
	openDeals: OpenDeal[];
	/** A sensible due date for a new step: the next session. */
	suggestedDueDate: string;
	/** The rep's latest forecast call for the current quarter and the one before it. */
	forecastCall: RepCallSummary;
}

/**
 * Who looks at a 1:1, beyond whose data they may read (their `Scope`): their own rep record, if they
 * have one. It decides the side of the table they sit on (`seatAt`), which decides what they may
 * write (the leader's note or the self-review). A leader or admin has none, or one of their own.
 */
export interface CoachingViewer {
	readonly repId: number | null;
}

/**
 * The seat of `viewer` in rep `repId`'s 1:1, once their scope has let them in: the rep's own seat
 * when it is their 1:1, else the leader's (admins sit with the leaders). The same seats as
 * `coachingSeat` gives, which checks the user's teams itself.
 */
export function seatAt(viewer: CoachingViewer, repId: number): CoachingSeat {
	return viewer.repId === repId ? 'rep' : 'leader';
}

/**
 * Everything on rep `repEmail`'s 1:1 page for `week`, as `viewer` with `scope` may see it:
 * executives 403, a rep outside the scope 404 (before anything is read). Null `weeks` when no data
 * is loaded.
 */
export async function coachingSession(
	q: Queryable,
	scope: Scope,
	viewer: CoachingViewer,
	{ repEmail, week, today }: { repEmail: string; week: string | null; today?: string }
): Promise<CoachingSession | { rep: CoachingRep; weeks: null }> {
	if (scope.role === 'executive') throw new Forbidden('Coaching notes are private between a rep and their leader.');
	const repScope = await narrowScope(q, scope, { rep: repEmail });
	const repId = repScope.repIds?.[0];
	if (repId === undefined) throw new NotFound('No such rep');
	const seat = seatAt(viewer, repId);
	const weeks = await coachingWeek(q, week, today);
	if (!weeks) {
		const rep = await q.one<CoachingRep>(
			'SELECT r.id, r.email, r.name, r.role, t.name AS team FROM reps r LEFT JOIN teams t ON t.id = r.team_id WHERE r.id = $id',
			{ id: repId }
		);
		return { rep: rep!, weeks: null };
	}
	const [notes, nextSteps, { agenda, openDeals }, forecastCall] = await sideBySide(q, [
		(c) => notesOfSession(c, seat, { repId, week: weeks.week }),
		(c) => stepsAgreedIn(c, { repId, week: weeks.week }),
		(c) => agendaAndOpenDeals(c, repScope, { repId, week: weeks.week }),
		(c) => repCallSummary(c, repId, quarterOf(today ?? todayIso()))
	]);
	return {
		rep: agenda.rep,
		seat: notes.seat,
		weeks,
		agenda,
		leaderNote: notes.leaderNote,
		selfReview: notes.selfReview,
		dealNotes: notes.dealNotes,
		nextSteps,
		// The deals a step or note can name, each as exported too where it was in another currency.
		openDeals: await withOriginals(q, openDeals, (d) => ({ deal: d.id, date: weeks.week }), 'id'),
		suggestedDueDate: weeks.next ?? addDays(weeks.week, 7),
		forecastCall
	};
}
