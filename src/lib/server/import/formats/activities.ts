import { normaliseHeader, recordSql, type FieldSpec } from '../fields.ts';
import type { FormatModule } from '../format.ts';
import { literal } from '../sql.ts';
import { matchReps, parseRepFacts } from './rep-facts.ts';

/** The activity kinds the views count, as the activities table spells them. */
export const activityKinds = ['call', 'email', 'meeting_booked', 'meeting_held', 'demo', 'proposal_sent'] as const;

/**
 * Activities per rep per day or week (`rep, date, kind, count`), as a CRM's activity report exports
 * them. Rows for the same rep, date and kind are added up: activity logs list one row per call as
 * often as one per day. A day already loaded for the rep and kind is replaced by the file's count.
 */
const specs: FieldSpec[] = [
	{ name: 'rep', kind: 'text', required: true },
	{ name: 'date', kind: 'date', required: true },
	{ name: 'kind', kind: 'text', required: true },
	{ name: 'count', kind: 'amount', required: true }
];

/** Kinds compared with letters only: "Meeting booked", "meeting-booked" and "MEETING_BOOKED" are one. */
const kindSql = (raw: string) => `CASE lower(regexp_replace(${raw}, '[^A-Za-z]', '', 'g'))
	WHEN 'call' THEN 'call' WHEN 'calls' THEN 'call' WHEN 'email' THEN 'email' WHEN 'emails' THEN 'email'
	WHEN 'meetingbooked' THEN 'meeting_booked' WHEN 'meetingsbooked' THEN 'meeting_booked'
	WHEN 'meetingheld' THEN 'meeting_held' WHEN 'meetingsheld' THEN 'meeting_held' WHEN 'meeting' THEN 'meeting_held'
	WHEN 'demo' THEN 'demo' WHEN 'demos' THEN 'demo' WHEN 'proposalsent' THEN 'proposal_sent' WHEN 'proposal' THEN 'proposal_sent'
END`;

export const activities: FormatModule = {
	format: 'activities',
	stageAliases: {},
	mapFields: specs.map((s) => s.name),

	detect(files) {
		return files.every((file) => {
			const headers = new Set(file.columns.map(normaliseHeader));
			return ['rep', 'date', 'kind', 'count'].every((h) => headers.has(h));
		});
	},

	async run(context) {
		const { staging, checker } = context;
		const facts = staging.table('facts');
		await staging.run(`CREATE TABLE ${facts} (file_no INTEGER, record BIGINT, rep VARCHAR, activity_date DATE, kind VARCHAR,
			count DECIMAL(18, 2))`);
		await parseRepFacts(context, 'activities', specs, async (parsed) => {
			const v = parsed.value;
			const column = (name: string) => literal(parsed.fields.find((f) => f.name === name)?.column ?? name);
			await staging.run(
				`INSERT INTO ${facts} SELECT ${parsed.file.no}, ${recordSql}, ${v('rep')}, ${v('date')}, ${kindSql(parsed.raw('kind'))}, ${v('count')}
				FROM ${parsed.from}`
			);
			await checker.custom(
				'unknown_activity_kind',
				'error',
				`SELECT ${parsed.file.no}, ${recordSql}, ${column('kind')}, ${parsed.raw('kind')}, ${literal(activityKinds.join(', '))}, NULL, NULL
				FROM ${parsed.from} WHERE ${parsed.raw('kind')} IS NOT NULL AND ${kindSql(parsed.raw('kind'))} IS NULL`
			);
			await checker.custom(
				'count_not_whole',
				'error',
				`SELECT file_no, record, ${column('count')}, count::VARCHAR, NULL, NULL, NULL
				FROM ${facts} WHERE file_no = ${parsed.file.no} AND count <> trunc(count)`
			);
		});
		await matchReps(context, facts, 'rep');
	},

	async load(tx, staging) {
		const facts = staging.table('facts');
		const row = await tx.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${facts}`);
		await tx.run(
			`INSERT OR REPLACE INTO activities (activity_date, rep_id, kind, count)
			SELECT activity_date, rep_id, kind, sum(count)::INTEGER FROM ${facts}
			GROUP BY ALL ORDER BY activity_date, rep_id, kind`
		);
		return { rowsLoaded: row?.n ?? 0 };
	}
};
