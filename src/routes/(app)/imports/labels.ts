import { formatDate, formatNumber } from '$lib/domain/format';
import type { ImportFormat, ImportLogEntry, ImportProblem, ImportProgress, ReplacedSnapshot } from '$lib/domain/imports';
import { m } from '$lib/paraglide/messages.js';
import { getLocale } from '$lib/paraglide/runtime';

/** How the Imports page, its report and its upload client name things, in the reader's language. */

export const formatLabels: Record<ImportFormat, () => string> = {
	native: m.imports_format_native,
	salesforce: m.imports_format_salesforce,
	hubspot: m.imports_format_hubspot,
	deals: m.imports_format_deals,
	quotas: m.imports_format_quotas,
	activities: m.imports_format_activities,
	roster: m.imports_format_roster,
	rates: m.imports_format_rates,
	accounts: m.imports_format_accounts
};

export const phaseLabels: Record<ImportProgress['phase'], () => string> = {
	reading: m.imports_phase_reading,
	checking: m.imports_phase_checking,
	building: m.imports_phase_building,
	loading: m.imports_phase_loading,
	done: m.imports_phase_done
};

export const statusLabels: Record<ImportLogEntry['status'], () => string> = {
	ok: m.imports_status_ok,
	error: m.imports_status_error,
	dry_run: m.imports_status_dry_run
};

/** Weekday names in the reader's language: 5 January 2026 was a Monday. */
export function weekdayName(index: number): string {
	const locale = getLocale() === 'en' ? 'en-GB' : getLocale();
	return new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2026, 0, 5 + index)));
}

export function formatBytes(bytes: number): string {
	if (bytes < 1024 * 1024) return `${formatNumber(bytes / 1024, 1)} KB`;
	if (bytes < 1024 ** 3) return `${formatNumber(bytes / 1024 ** 2, 1)} MB`;
	return `${formatNumber(bytes / 1024 ** 3, 2)} GB`;
}

export const dates = (list: string[]) => list.map((d) => formatDate(d)).join(', ');

export const replaced = (list: ReplacedSnapshot[]) =>
	list
		.map((s) =>
			m.imports_replaced_date({
				date: formatDate(s.date),
				rows: formatNumber(s.rows),
				deleted: formatNumber(s.deleted),
				teams: s.teams.map((t) => `${t.team ?? m.imports_no_team()} ${formatNumber(t.rows)}`).join(', ')
			})
		)
		.join('; ');

/** A problem in the reader's language, from its code; the server's English text if the code is new. */
export function problemMessage(p: Pick<ImportProblem, 'code' | 'params'>, english: string | null = null): string {
	const render = (m as unknown as Record<string, ((inputs: Record<string, string>) => string) | undefined>)[`imports_problem_${p.code}`];
	if (!render) return english ?? p.code;
	return render({ value: '', column: '', expected: '', other: '', count: '', ...p.params });
}

/** "a=b, c=d" as {a: 'b', c: 'd'}; column names may contain '=', so the last one splits. */
export function pairs(text: string): Record<string, string> {
	const result: Record<string, string> = {};
	for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
		const at = entry.lastIndexOf('=');
		if (at <= 0 || at === entry.length - 1) throw new Error(m.imports_map_invalid({ entry }));
		result[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
	}
	return result;
}
