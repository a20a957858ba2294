import { problem } from './problems.ts';
import { literal } from './sql.ts';
import type { Staging } from './staging.ts';
import type { ImportProblem } from './types.ts';
import type { LadderStage } from '../stage-ladder.ts';

/**
 * How stage names in a file find our stage ladder (the `stages` table, configurable). A file's
 * stage must be one of the ladder's names (any case), a name the chosen CRM preset knows, or one the
 * user mapped with --stages; anything else is an "unknown stage" error, never a guess.
 */

/** Salesforce's default sales process, step by step onto our ladder. */
export const salesforceStages: Record<string, string> = {
	Prospecting: 'Lead',
	Qualification: 'Qualified',
	'Needs Analysis': 'Discovery',
	'Value Proposition': 'Solution/Demo',
	'Id. Decision Makers': 'Solution/Demo',
	'Perception Analysis': 'Solution/Demo',
	'Proposal/Price Quote': 'Proposal',
	'Negotiation/Review': 'Negotiation',
	'Closed Won': 'Closed Won',
	'Closed Lost': 'Closed Lost'
};

/** HubSpot's default deal pipeline, by label and by internal name. */
export const hubspotStages: Record<string, string> = {
	'Appointment Scheduled': 'Qualified',
	appointmentscheduled: 'Qualified',
	'Qualified To Buy': 'Discovery',
	qualifiedtobuy: 'Discovery',
	'Presentation Scheduled': 'Solution/Demo',
	presentationscheduled: 'Solution/Demo',
	'Decision Maker Bought-In': 'Proposal',
	decisionmakerboughtin: 'Proposal',
	'Contract Sent': 'Negotiation',
	contractsent: 'Negotiation',
	'Closed Won': 'Closed Won',
	closedwon: 'Closed Won',
	'Closed Lost': 'Closed Lost',
	closedlost: 'Closed Lost'
};

export interface Stage {
	id: number;
	name: string;
	position: number;
	default_probability: number;
	outcome: 'open' | 'won' | 'lost';
}

export interface StageNames {
	/** Qualified name of the lookup table: key (lower-case name), stage_id, position, default_probability, outcome. */
	table: string;
	/** A copy of the ladder in staging (id, name, position, default_probability, outcome), for views there. */
	ladder: string;
	stages: Stage[];
	/** "Lead, Qualified, ..." for messages. */
	list: string;
	/** The stage a name in a file stands for (ladder name, preset alias or user mapping), any case. */
	resolve(name: string): Stage | undefined;
	problems: ImportProblem[];
}

export async function stageNames(
	staging: Staging,
	presetAliases: Record<string, string>,
	userMap: Record<string, string> = {},
	newLadder?: LadderStage[]
): Promise<StageNames> {
	// A first import that brings its own ladder is checked against that ladder, numbered as
	// replaceEmptyLadder will store it.
	const stages = newLadder
		? newLadder.map((s, i) => ({ id: i + 1, name: s.name, position: i + 1, default_probability: s.probability, outcome: s.outcome }))
		: await staging.all<Stage>('SELECT id, name, position, default_probability, outcome FROM stages ORDER BY position');
	const byName = new Map(stages.map((s) => [s.name.toLowerCase(), s]));
	const keys = new Map<string, Stage>();
	for (const stage of stages) keys.set(stage.name.toLowerCase(), stage);
	for (const [alias, target] of Object.entries(presetAliases)) {
		// A preset alias only applies while the ladder still has its target stage.
		const stage = byName.get(target.toLowerCase());
		if (stage && !keys.has(alias.toLowerCase())) keys.set(alias.toLowerCase(), stage);
	}
	const problems: ImportProblem[] = [];
	const list = stages.map((s) => s.name).join(', ');
	for (const [crmName, target] of Object.entries(userMap)) {
		const stage = byName.get(target.trim().toLowerCase());
		if (!stage) problems.push(problem('error', 'stage_map_unknown', { value: target }, { expected: list }));
		else keys.set(crmName.trim().toLowerCase(), stage);
	}

	const table = staging.table('stage_names');
	await staging.run(
		`CREATE TABLE ${table} (key VARCHAR PRIMARY KEY, stage_id SMALLINT, position SMALLINT, default_probability DOUBLE, outcome VARCHAR)`
	);
	if (keys.size > 0) {
		await staging.run(
			`INSERT INTO ${table} VALUES ${[...keys]
				.map(([key, s]) => `(${literal(key)}, ${s.id}, ${s.position}, ${s.default_probability}, ${literal(s.outcome)})`)
				.join(', ')}`
		);
	}
	const ladder = staging.table('stages');
	await staging.run(
		`CREATE TABLE ${ladder} (id SMALLINT, name VARCHAR, position SMALLINT, default_probability DOUBLE, outcome VARCHAR)`
	);
	await staging.run(
		`INSERT INTO ${ladder} VALUES ${stages
			.map((s) => `(${s.id}, ${literal(s.name)}, ${s.position}, ${s.default_probability}, ${literal(s.outcome)})`)
			.join(', ')}`
	);
	return { table, ladder, stages, list, problems, resolve: (name) => keys.get(name.trim().toLowerCase()) };
}
