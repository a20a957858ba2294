import { formatDateTime } from '$lib/domain/format';
import { m } from '$lib/paraglide/messages.js';

/** What an action of the 1:1 page answers (see +page.server.ts). */
export interface ActionResult {
	action: string;
	key: string;
	status: string | null;
	problems: Partial<Record<string, string>>;
	values: Record<string, string> | null;
	current: { text: string; due_date: string; owner: string; changed_by: string } | null;
}

/** The sentence for a problem code from the server, in the reader's language. */
export function problemText(code: string): string {
	switch (code) {
		case 'body_too_long':
			return m.coaching_problem_body_too_long();
		case 'text_required':
			return m.coaching_problem_text_required();
		case 'text_too_long':
			return m.coaching_problem_text_too_long();
		case 'due_date_required':
			return m.coaching_problem_due_date_required();
		case 'due_date_invalid':
			return m.coaching_problem_due_date_invalid();
		case 'owner_invalid':
			return m.coaching_problem_owner_invalid();
		case 'deal_required':
			return m.coaching_problem_deal_required();
		case 'deal_not_found':
			return m.coaching_problem_deal_not_found();
		case 'step_changed':
			return m.coaching_problem_step_changed();
		case 'step_not_found':
			return m.coaching_problem_step_not_found();
		case 'version_unknown':
			return m.coaching_problem_version_unknown();
		default:
			return m.coaching_problem_reload();
	}
}

/**
 * When a version was saved. In UTC and saying so: the server and every browser then print the
 * same time, and people in different offices read the same history.
 */
export function savedAt(iso: string): string {
	if (!iso) return '';
	return formatDateTime(iso);
}
