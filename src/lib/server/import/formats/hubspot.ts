import { normaliseHeader } from '../fields.ts';
import type { FormatModule } from '../format.ts';
import { problem } from '../problems.ts';
import type { StagedFile } from '../read.ts';
import { hubspotStages } from '../stages.ts';
import type { ParsedFile } from '../fields.ts';
import { dealRowSpecs, stageDatesToSnapshots, type StageDateColumn } from './stage-dates.ts';

/**
 * HubSpot's deals export with the "Date entered <stage> (<pipeline>)" properties: each is the
 * moment the deal entered that stage, so together they are the deal's stage history.
 */

/** `Date entered "Contract Sent (Sales Pipeline)"` -> `Contract Sent`. */
export function enteredStage(header: string): string | null {
	const match = /^date entered\s+"?(.+?)"?\s*$/i.exec(header.trim());
	if (!match) return null;
	return match[1].replace(/\s*\([^()]*\)\s*$/, '').trim();
}

/**
 * HubSpot has one deal type for every deal with a current customer, "Existing Business", where we
 * tell renewals from expansion: retention and NRR count what was up for renewal apart from what was
 * sold on top. The rule: an existing-business deal is a renewal when its pipeline or its name says
 * renewal ("Renewals" pipeline, "Bodensee renewal", "Verlängerung 2027"), else expansion (upsell).
 * Portals that keep renewals in a pipeline of their own are read right as they are; others name
 * their renewal deals so ("renewable energy" is no renewal). The other deal types read as in every
 * format (fields.ts).
 */
export const renewalPattern = '\\brenew(al|als|ing)?\\b|verlänger';

export function hubspotDealType(parsed: ParsedFile): string {
	const existing = `lower(regexp_replace(${parsed.raw('deal_type')}, '[^A-Za-z]', '', 'g')) = 'existingbusiness'`;
	const says = `lower(concat_ws(' ', ${parsed.raw('pipeline')}, ${parsed.raw('deal_name')}))`;
	return `CASE WHEN ${existing} THEN CASE WHEN regexp_matches(${says}, '${renewalPattern}') THEN 'renewal' ELSE 'upsell' END
		ELSE ${parsed.value('deal_type')} END`;
}

/** The deal row's fields, and the pipeline the renewal rule reads. */
const specs = [...dealRowSpecs(false), { name: 'pipeline', kind: 'text' as const }];

const headers: Record<string, string[]> = {
	deal_id: ['Record ID', 'Deal ID', 'hs_object_id'],
	deal_name: ['Deal Name', 'dealname'],
	stage: ['Deal Stage', 'dealstage'],
	close_date: ['Close Date', 'closedate'],
	created_date: ['Create Date', 'createdate'],
	owner: ['Deal owner', 'HubSpot Owner', 'Owner', 'hubspot_owner_id'],
	deal_type: ['Deal Type', 'dealtype'],
	account_id: ['Associated Company IDs', 'Associated Company ID', 'Company ID'],
	account_name: ['Associated Company', 'Associated Company (Primary)', 'Company name'],
	probability: ['Deal probability', 'hs_deal_stage_probability'],
	forecast_category: ['Forecast category', 'hs_manual_forecast_category'],
	currency: ['Currency', 'Deal currency code', 'deal_currency_code'],
	source: ['Original Source Type', 'Original Source', 'Source'],
	team: ['HubSpot Team', 'Team'],
	pipeline: ['Pipeline', 'pipeline']
};

function hasStageDates(file: StagedFile) {
	return file.columns.some((c) => enteredStage(c) !== null);
}

export const hubspot: FormatModule = {
	format: 'hubspot',
	stageAliases: hubspotStages,
	mapFields: specs.map((s) => s.name),

	detect(files) {
		return files.some((f) => hasStageDates(f) && f.columns.some((c) => normaliseHeader(c) === 'record_id' || normaliseHeader(c) === 'deal_id'));
	},

	async run(context) {
		const { checker, stages } = context;
		const columns = new Map<StagedFile, StageDateColumn[]>();
		// Next to a deals export, a file without stage dates (companies, contacts) is one the preset
		// does not read: skipped with a warning. Without any deals export, nothing can be read.
		const anyDeals = context.files.some(hasStageDates);
		const read = context.files.filter((file) => {
			if (hasStageDates(file)) return true;
			if (anyDeals) checker.add(problem('warning', 'hubspot_file_skipped', { file: file.name, line: 1, value: file.name }));
			else checker.add(problem('error', 'hubspot_no_stages', { file: file.name, line: 1 }));
			return false;
		});
		for (const file of read) {
			const dated: StageDateColumn[] = [];
			for (const column of file.columns) {
				const label = enteredStage(column);
				if (label === null) continue;
				const stage = stages.resolve(label);
				if (stage) dated.push({ column, stage });
				else checker.add(problem('error', 'unknown_stage', { file: file.name, line: 1, column, value: label }, { expected: stages.list }));
			}
			columns.set(file, dated);
		}
		if ((await checker.errorCount()) > 0) return;
		await stageDatesToSnapshots(
			{ ...context, files: read },
			'deals',
			specs,
			(file) => columns.get(file) ?? [],
			{
				map: context.options.map,
				headers,
				// "Date exited ...", "Cumulative time in ..." and the like are HubSpot's own bookkeeping.
				claimed: (column) => /^(date exited|cumulative time in|latest time in|time in)\b/i.test(column.trim())
			},
			// `Deal Stage` carries the pipeline as the "Date entered" headers do: `Closed Won (Sales Pipeline)`.
			{ pipelineSuffix: true, dealType: hubspotDealType }
		);
	}
};
