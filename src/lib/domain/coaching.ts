/**
 * The weekly 1:1 between a sales leader and a rep: the shapes the server hands the page and the API,
 * who may write what, and the agenda phrased in the leader's voice (celebrate first, ways not
 * excuses, energy not pressure). Phrasing reads the messages of the current locale; nothing here
 * touches the database.
 */
import { m } from '../paraglide/messages.js';
import { formatDate, formatMoney, formatPercent } from './format.ts';

export const noteKinds = ['leader_note', 'self_review', 'deal_note'] as const;
export type NoteKind = (typeof noteKinds)[number];

export function isNoteKind(value: unknown): value is NoteKind {
	return typeof value === 'string' && (noteKinds as readonly string[]).includes(value);
}

export const stepOwners = ['leader', 'rep'] as const;
export type StepOwner = (typeof stepOwners)[number];

export function isStepOwner(value: unknown): value is StepOwner {
	return typeof value === 'string' && (stepOwners as readonly string[]).includes(value);
}

/** Which side of the table someone sits on in a rep's 1:1. An admin sits on the leader's side. */
export type CoachingSeat = 'leader' | 'rep';

/**
 * The leader writes the session notes, the rep their self-review; deal notes are worked on
 * together, which is the point of them ("lead by example").
 */
export function mayWrite(seat: CoachingSeat, kind: NoteKind): boolean {
	if (kind === 'deal_note') return true;
	return kind === 'leader_note' ? seat === 'leader' : seat === 'rep';
}

/** Long enough for a thorough session write-up, short enough that a stuck key cannot fill the disk. */
export const noteMaxLength = 20_000;
export const stepTextMaxLength = 500;

export interface DealRef {
	/** Our deal id, what forms send. */
	id: number;
	/** The CRM's id, what people recognise. */
	crm_id: string;
	name: string | null;
	account: string | null;
	key_account: boolean;
}

export interface CoachingRep {
	id: number;
	email: string;
	name: string;
	role: string;
	team: string | null;
}

export interface NoteVersion {
	version: number;
	body: string;
	/** The version its author was looking at when saving. */
	based_on: number;
	author_id: string;
	author: string;
	saved_at: string;
}

export interface CoachingNote {
	id: number;
	kind: NoteKind;
	rep_id: number;
	week: string;
	deal: DealRef | null;
	/** The latest version: what the note says now. */
	version: number;
	body: string;
	author: string;
	saved_at: string;
	/**
	 * Versions saved while the latest one was being written, which its author did not see. Both
	 * texts stay visible until someone saves a version based on the latest, i.e. merges them.
	 */
	concurrent: NoteVersion[];
	/** Every version, newest first. */
	history: NoteVersion[];
}

export interface StepRevision {
	revision: number;
	change: 'created' | 'edited' | 'done' | 'reopened';
	text: string;
	deal_id: number | null;
	due_date: string;
	owner: StepOwner;
	done: boolean;
	changed_by: string;
	changed_at: string;
}

export interface NextStep {
	id: number;
	rep_id: number;
	/** The session week that agreed it. */
	week: string;
	text: string;
	deal: DealRef | null;
	due_date: string;
	owner: StepOwner;
	revision: number;
	created_by: string;
	created_at: string;
	done: boolean;
	done_at: string | null;
	done_by: string | null;
	/** Every state it was in, newest first. */
	history: StepRevision[];
}

// ---------------------------------------------------------------------------------------------
// The agenda

export type CelebrateItem =
	| {
			kind: 'moved_forward';
			deal: DealRef;
			stage_from: string;
			stage_to: string;
			steps: number;
			amount: number;
	  }
	| { kind: 'won'; deal: DealRef; amount: number }
	| {
			/**
			 * A deal the rep opened (as SDR or BDR) that moved on in a colleague's hands: the relay
			 * credits the opener. The colleague is not named; the deal is the rep's own work.
			 */
			kind: 'opened_moved_on';
			deal: DealRef;
			stage_from: string;
			stage_to: string;
			won: boolean;
	  }
	| {
			kind: 'key_account_progress';
			deal: DealRef;
			progress: 'new' | 'increased' | 'pulled_in';
			stage: string | null;
			amount: number;
			/** What the deal added to the pipeline between the two weeks. */
			change: number;
			close_date: string | null;
	  };

export type ConversionReference = 'team' | 'own';

export type EnergyItem =
	| {
			kind: 'stalled';
			deal: DealRef;
			stage: string;
			amount: number;
			days_in_stage: number;
			/** True when the deal sat there before the look-back window began: at least that long. */
			at_least: boolean;
			typical_days: number;
	  }
	| {
			kind: 'slipped';
			deal: DealRef;
			stage: string | null;
			amount: number;
			close_from: string;
			close_to: string;
			days_slipped: number;
			times_pushed: number;
	  }
	| {
			kind: 'conversion';
			stage: string;
			/** The rep's own share of deals that moved on from the stage, in the recent window. */
			rate: number;
			/** The same, pulled toward the reference by the evidence it rests on. */
			estimate: number;
			entered: number;
			converted: number;
			reference: ConversionReference;
			reference_rate: number;
			/** Start and end of the recent window. */
			from: string | null;
			to: string;
	  }
	| {
			/**
			 * The rep's own CRM hygiene (see the data-quality view): open deals with a close date in the
			 * past, without one, or without an amount. One gentle line, the most pressing gap only.
			 */
			kind: 'hygiene';
			flag: HygieneFlag;
			count: number;
	  };

/** The data-quality flags the 1:1 raises, most pressing first: each makes the forecast less true. */
export const hygieneFlags = ['past_close_date', 'no_close_date', 'no_amount'] as const;
export type HygieneFlag = (typeof hygieneFlags)[number];

export interface StrengthDeal extends DealRef {
	stage: string;
	amount: number;
	close_date: string;
	/** Why this deal: it also needs energy this week, or it simply sits where the strength works. */
	reason: 'stalled' | 'slipped' | 'fits';
}

export interface StrengthItem {
	/** A relay leg: opening, advancing, closing, expanding, forecasting. */
	dimension: string;
	/** The measure that shows it, e.g. late_stage_conversion. */
	measure: string;
	/** 100 = the median of the same role on the team; 130 = 30% above it. */
	index: number;
	/** Outcomes it rests on. */
	n: number;
	from: string;
	to: string;
	deal: StrengthDeal | null;
}

export type DealMovementKind = 'forward' | 'backward' | 'unchanged' | 'won' | 'lost' | 'gone';

export interface DealMovement {
	/** The two weeks compared: when the step was agreed, and the session week. */
	from: string;
	to: string;
	kind: DealMovementKind;
	stage_from: string | null;
	stage_to: string | null;
	close_from: string | null;
	close_to: string | null;
	/** Close date moved later between the two weeks. */
	slipped: boolean;
}

export interface FollowUpItem {
	step: NextStep;
	/** Due before the session week and not done: worth a kind question, not a reproach. */
	overdue: boolean;
	/** How the named deal moved since the step was agreed; null for a step without a deal. */
	movement: DealMovement | null;
}

export interface CoachingAgenda {
	rep: CoachingRep;
	week: string;
	/** Where the agenda starts: the week of the last 1:1 with notes or next steps, else the previous snapshot. */
	previous_week: string | null;
	/** True when `previous_week` is the last 1:1, false when it is only the snapshot before. */
	since_last_session: boolean;
	celebrate: CelebrateItem[];
	energy: EnergyItem[];
	strength: StrengthItem | null;
	follow_up: FollowUpItem[];
}

// ---------------------------------------------------------------------------------------------
// Phrasing, in the leader's voice

export function dealLabel(deal: DealRef): string {
	return deal.name ? `${deal.name} (${deal.crm_id})` : deal.crm_id;
}

const money = (value: number) => formatMoney(value);

export function celebrateText(item: CelebrateItem): string {
	const deal = dealLabel(item.deal);
	switch (item.kind) {
		case 'moved_forward':
			return item.deal.key_account && item.deal.account
				? m.coaching_celebrate_forward_key_account({ deal, account: item.deal.account, from: item.stage_from, to: item.stage_to })
				: m.coaching_celebrate_forward({ deal, from: item.stage_from, to: item.stage_to });
		case 'won':
			return m.coaching_celebrate_won({ deal, amount: money(item.amount) });
		case 'opened_moved_on':
			return item.won
				? m.coaching_celebrate_opened_won({ deal })
				: m.coaching_celebrate_opened_moved_on({ deal, from: item.stage_from, to: item.stage_to });
		case 'key_account_progress': {
			const account = item.deal.account ?? deal;
			if (item.progress === 'new') return m.coaching_celebrate_key_new({ deal, account, amount: money(item.amount) });
			if (item.progress === 'increased') return m.coaching_celebrate_key_increased({ deal, account, change: money(item.change) });
			return m.coaching_celebrate_key_pulled_in({ deal, account, date: item.close_date ? formatDate(item.close_date) : '' });
		}
	}
}

export function energyText(item: EnergyItem): string {
	switch (item.kind) {
		case 'stalled':
			return (item.at_least ? m.coaching_energy_stalled_at_least : m.coaching_energy_stalled)({
				deal: dealLabel(item.deal),
				stage: item.stage,
				days: String(item.days_in_stage),
				typical: String(Math.round(item.typical_days))
			});
		case 'slipped':
			return (item.times_pushed > 1 ? m.coaching_energy_slipped_again : m.coaching_energy_slipped)({
				deal: dealLabel(item.deal),
				from: formatDate(item.close_from),
				to: formatDate(item.close_to),
				times: String(item.times_pushed)
			});
		case 'conversion':
			return (item.reference === 'team' ? m.coaching_energy_conversion_team : m.coaching_energy_conversion_own)({
				stage: item.stage,
				rate: formatPercent(item.rate),
				converted: String(item.converted),
				entered: String(item.entered),
				reference: formatPercent(item.reference_rate)
			});
		case 'hygiene': {
			const texts = {
				past_close_date: [m.coaching_energy_hygiene_past_close_date_one, m.coaching_energy_hygiene_past_close_date],
				no_close_date: [m.coaching_energy_hygiene_no_close_date_one, m.coaching_energy_hygiene_no_close_date],
				no_amount: [m.coaching_energy_hygiene_no_amount_one, m.coaching_energy_hygiene_no_amount]
			}[item.flag];
			return texts[item.count === 1 ? 0 : 1]({ count: String(item.count) });
		}
	}
}

const dimensionNames: Record<string, () => string> = {
	opening: m.coaching_dimension_opening,
	advancing: m.coaching_dimension_advancing,
	closing: m.coaching_dimension_closing,
	expanding: m.coaching_dimension_expanding,
	forecasting: m.coaching_dimension_forecasting
};

export function dimensionName(dimension: string): string {
	return dimensionNames[dimension]?.() ?? dimension;
}

export function strengthText(strength: StrengthItem | null): string {
	if (!strength) return m.coaching_strength_none();
	const name = dimensionName(strength.dimension);
	const lead = m.coaching_strength_lead({ strength: name, index: String(Math.round(strength.index)), n: String(strength.n) });
	if (!strength.deal) return `${lead} ${m.coaching_strength_no_deal()}`;
	const deal = strength.deal;
	const use = (deal.reason === 'fits' ? m.coaching_strength_deal : m.coaching_strength_deal_needs_energy)({
		deal: dealLabel(deal),
		stage: deal.stage,
		amount: money(deal.amount),
		strength: name
	});
	return `${lead} ${use}`;
}

export function movementText(movement: DealMovement, deal: DealRef): string {
	const label = dealLabel(deal);
	let text: string;
	switch (movement.kind) {
		case 'forward':
			text = m.coaching_follow_moved_forward({ deal: label, from: movement.stage_from ?? '', to: movement.stage_to ?? '' });
			break;
		case 'won':
			text = m.coaching_follow_won({ deal: label });
			break;
		case 'backward':
			text = m.coaching_follow_moved_back({ deal: label, from: movement.stage_from ?? '', to: movement.stage_to ?? '' });
			break;
		case 'lost':
			text = m.coaching_follow_lost({ deal: label });
			break;
		case 'gone':
			text = m.coaching_follow_gone({ deal: label });
			break;
		case 'unchanged':
			text = m.coaching_follow_unchanged({ deal: label, stage: movement.stage_to ?? '' });
			break;
	}
	if (movement.slipped && movement.close_to) text += ` ${m.coaching_follow_slipped({ date: formatDate(movement.close_to) })}`;
	return text;
}

export function followUpText(item: FollowUpItem): string {
	const { step } = item;
	const status = step.done
		? m.coaching_follow_done()
		: item.overdue
			? m.coaching_follow_overdue({ date: formatDate(step.due_date) })
			: m.coaching_follow_open({ date: formatDate(step.due_date) });
	const parts = [`${step.text} (${ownerName(step.owner)}, ${m.coaching_follow_agreed({ date: formatDate(step.week) })})`, status];
	if (step.deal && item.movement) parts.push(movementText(item.movement, step.deal));
	return parts.join(' · ');
}

export function ownerName(owner: StepOwner): string {
	return owner === 'leader' ? m.coaching_owner_leader() : m.coaching_owner_rep();
}

// ---------------------------------------------------------------------------------------------
// The Markdown export

export interface CoachingSessionExport {
	agenda: CoachingAgenda;
	leaderNote: CoachingNote | null;
	selfReview: CoachingNote | null;
	dealNotes: CoachingNote[];
	nextSteps: NextStep[];
}

/**
 * Markdown text is written as typed; only what would change the document's structure is escaped,
 * so a note that happens to start with "#" stays a line of text and not a heading.
 */
function markdownText(text: string): string {
	return text
		.replace(/\r\n?/g, '\n')
		.split('\n')
		.map((line) => line.replace(/^(\s*)([#>]|[-*+] |\d+[.)] )/, '$1\\$2'))
		.join('\n');
}

function noteBlock(note: CoachingNote | null): string[] {
	if (!note || note.body.trim() === '') return [`_${m.coaching_export_nothing_written()}_`];
	const lines = [markdownText(note.body), '', `_${m.coaching_export_version({ version: String(note.version), author: note.author, date: formatDate(note.saved_at.slice(0, 10)) })}_`];
	for (const other of note.concurrent) {
		lines.push('', `> ${m.coaching_export_concurrent({ author: other.author, version: String(other.version) })}`);
		lines.push(...markdownText(other.body).split('\n').map((line) => `> ${line}`));
	}
	return lines;
}

/** Which dates the agenda covers: since the last 1:1, or since the snapshot before. */
export function agendaCovers(agenda: Pick<CoachingAgenda, 'week' | 'previous_week' | 'since_last_session'>): string {
	if (!agenda.previous_week) return m.coaching_week_only({ week: formatDate(agenda.week) });
	const dates = { week: formatDate(agenda.week), previous: formatDate(agenda.previous_week) };
	return agenda.since_last_session ? m.coaching_week_since_session(dates) : m.coaching_week_compared(dates);
}

/** The week's session as one Markdown document: agenda, both sides' notes, next steps. */
export function sessionMarkdown(session: CoachingSessionExport): string {
	const { agenda } = session;
	const list = (items: string[]) => (items.length ? items.map((item) => `- ${markdownText(item)}`) : [`_${m.coaching_export_none()}_`]);
	const lines = [
		`# ${m.coaching_session_title({ rep: agenda.rep.name })}`,
		'',
		agendaCovers(agenda),
		'',
		`## ${m.coaching_celebrate_heading()}`,
		'',
		...list(agenda.celebrate.map(celebrateText)),
		'',
		`## ${m.coaching_energy_heading()}`,
		'',
		...list(agenda.energy.map(energyText)),
		'',
		`## ${m.coaching_strength_heading()}`,
		'',
		markdownText(strengthText(agenda.strength)),
		'',
		`## ${m.coaching_follow_up_heading()}`,
		'',
		...list(agenda.follow_up.map((item) => `[${item.step.done ? 'x' : ' '}] ${followUpText(item)}`)),
		'',
		`## ${m.coaching_self_review_heading()}`,
		'',
		...noteBlock(session.selfReview),
		'',
		`## ${m.coaching_notes_heading()}`,
		'',
		...noteBlock(session.leaderNote),
		'',
		`## ${m.coaching_next_steps_heading()}`,
		'',
		...list(
			session.nextSteps.map(
				(step) =>
					`[${step.done ? 'x' : ' '}] ${step.text} (${ownerName(step.owner)}, ${m.coaching_step_due({ date: formatDate(step.due_date) })}${step.deal ? `, ${dealLabel(step.deal)}` : ''})`
			)
		)
	];
	if (session.dealNotes.length > 0) {
		lines.push('', `## ${m.coaching_deal_notes_heading()}`);
		for (const note of session.dealNotes) {
			lines.push('', `### ${note.deal ? markdownText(dealLabel(note.deal)) : ''}`, '', ...noteBlock(note));
		}
	}
	return lines.join('\n') + '\n';
}
