/**
 * The company's stage ladder from the command line:
 *
 *   npm run stages -- show
 *   npm run stages -- set FILE
 *
 * FILE is a CSV with the header name,outcome[,probability], one stage per line in funnel order
 * (outcome open, won or lost). See src/lib/server/stage-ladder.ts. The database is DATABASE_PATH
 * (default data/pipeline.duckdb); stop the server first, because DuckDB lets only one process open it.
 * With LAKE_PATH the new ladder is published to the lake, and every server follows it.
 */
import fs from 'node:fs';
import { Database } from '../src/lib/server/db/database.ts';
import { databaseConfigFromEnv } from '../src/lib/server/db/config.ts';
import { LakeConfigurationError } from '../src/lib/server/db/lake-storage.ts';
import { LadderError, parseLadder, setLadder } from '../src/lib/server/stage-ladder.ts';

const usage = `Usage:
  npm run stages -- show
  npm run stages -- set FILE     (CSV: name,outcome[,probability], in funnel order)`;

async function main([command, file]: string[]): Promise<void> {
	if (command !== 'show' && command !== 'set') {
		console.log(usage);
		if (command && !['help', '--help', '-h'].includes(command)) process.exitCode = 1;
		return;
	}
	let text = '';
	if (command === 'set') {
		if (!file) throw new LadderError(`set needs a file.\n\n${usage}`);
		if (!fs.existsSync(file)) throw new LadderError(`${file} does not exist.`);
		text = fs.readFileSync(file, 'utf8');
	}
	const stages = command === 'set' ? parseLadder(text) : null;
	const db = await Database.open(databaseConfigFromEnv());
	try {
		if (stages) await setLadder(db, stages);
		const ladder = await db.read((q) =>
			q.all<{ name: string; outcome: string; default_probability: number }>('SELECT name, outcome, default_probability FROM stages ORDER BY position')
		);
		if (stages) console.log('The stage ladder is now:');
		for (const [i, s] of ladder.entries()) console.log(`${String(i + 1).padStart(2)}. ${s.name} (${s.outcome}, ${Math.round(s.default_probability * 100)}%)`);
	} finally {
		db.close();
	}
}

main(process.argv.slice(2)).catch((error) => {
	console.error(error instanceof LadderError || error instanceof LakeConfigurationError ? error.message : error);
	process.exitCode = 1;
});
