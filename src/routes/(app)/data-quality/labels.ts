import { m } from '$lib/paraglide/messages.js';

/** A data-quality flag as people read it (see src/lib/server/metrics/data-quality.ts). */
export function flagLabel(flag: string): string {
	const labels: Record<string, () => string> = {
		no_close_date: m.quality_flag_no_close_date,
		no_amount: m.quality_flag_no_amount,
		past_close_date: m.quality_flag_past_close_date,
		no_created_date: m.quality_flag_no_created_date,
		stage_skipped: m.quality_flag_stage_skipped,
		moved_backward: m.quality_flag_moved_backward,
		zero_amount: m.quality_flag_zero_amount,
		vanished: m.quality_flag_vanished,
		pushed_3_times: m.quality_flag_pushed_3_times
	};
	return labels[flag]?.() ?? flag;
}

/** The data-quality page's list of one flag's deals, for the views that count such deals. */
export function dataQualityHref(flag: string, filters: { asOf?: string | null; team?: string | null; rep?: string | null }): string {
	const params = new URLSearchParams({ flag });
	if (filters.asOf) params.set('as_of', filters.asOf);
	if (filters.team) params.set('team', filters.team);
	if (filters.rep) params.set('rep', filters.rep);
	return `/data-quality?${params}#deals`;
}
