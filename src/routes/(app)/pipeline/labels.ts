import type { MovementPart, PeriodPick, WaterfallKey } from '$lib/domain/movement';
import type { DealType } from '$lib/domain/roles';
import { m } from '$lib/paraglide/messages.js';

/** What each bar of the waterfall is called, as a short axis label and as a heading. */
export function barLabel(key: WaterfallKey): string {
	switch (key) {
		case 'start':
			return m.movement_bar_start();
		case 'end':
			return m.movement_bar_end();
		default:
			return partLabel(key);
	}
}

export function partLabel(part: MovementPart): string {
	const labels: Record<MovementPart, () => string> = {
		new: m.movement_part_new,
		pulled_in: m.movement_part_pulled_in,
		slipped_in: m.movement_part_slipped_in,
		increased: m.movement_part_increased,
		transferred_in: m.movement_part_transferred_in,
		decreased: m.movement_part_decreased,
		won: m.movement_part_won,
		lost: m.movement_part_lost,
		removed: m.movement_part_removed,
		pushed: m.movement_part_pushed,
		pulled_out: m.movement_part_pulled_out,
		transferred_out: m.movement_part_transferred_out
	};
	return labels[part]();
}

/** The definition of each bar, shown on hover and in the list under the chart. */
export function barDefinition(key: WaterfallKey): string {
	const definitions: Record<WaterfallKey, () => string> = {
		start: m.movement_def_start,
		end: m.movement_def_end,
		new: m.movement_def_part_new,
		pulled_in: m.movement_def_part_pulled_in,
		slipped_in: m.movement_def_part_slipped_in,
		increased: m.movement_def_part_increased,
		transferred_in: m.movement_def_part_transferred_in,
		decreased: m.movement_def_part_decreased,
		won: m.movement_def_part_won,
		lost: m.movement_def_part_lost,
		removed: m.movement_def_part_removed,
		pushed: m.movement_def_part_pushed,
		pulled_out: m.movement_def_part_pulled_out,
		transferred_out: m.movement_def_part_transferred_out
	};
	return definitions[key]();
}

export function dealTypeLabel(type: DealType): string {
	const labels: Record<DealType, () => string> = {
		new_business: m.movement_deal_type_new_business,
		upsell: m.movement_deal_type_upsell,
		cross_sell: m.movement_deal_type_cross_sell,
		renewal: m.movement_deal_type_renewal
	};
	return labels[type]();
}

export function periodLabel(choice: PeriodPick | 'custom' | 'none'): string {
	const labels: Record<PeriodPick | 'custom' | 'none', () => string> = {
		none: m.movement_period_none,
		this_quarter: m.movement_period_this_quarter,
		next_quarter: m.movement_period_next_quarter,
		next_6_months: m.movement_period_next_6_months,
		next_12_months: m.movement_period_next_12_months,
		next_18_months: m.movement_period_next_18_months,
		custom: m.movement_period_custom
	};
	return labels[choice]();
}

/** A deal as a person reads it: its name, with the CRM id to find it there. */
export function dealLabel(row: { deal_id: string; deal_name: string | null }): string {
	return row.deal_name ? `${row.deal_name} (${row.deal_id})` : row.deal_id;
}
