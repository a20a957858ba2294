import type { Transaction } from './database.ts';
import { migrations as allMigrations } from './migrations/index.ts';

/**
 * Brings the schema up to date inside the caller's transaction: either every pending migration
 * applies or none does, so a crash mid-upgrade leaves the previous version intact.
 */
export async function migrate(tx: Transaction, migrations = allMigrations): Promise<number> {
	await tx.run(`CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY,
		name VARCHAR NOT NULL,
		applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
	)`);
	const current = await currentSchemaVersion(tx);
	const newest = migrations.at(-1)?.version ?? 0;
	if (current > newest) {
		throw new Error(
			`The database is at schema version ${current}, newer than this app (${newest}). Upgrade the app.`
		);
	}
	for (const migration of migrations.filter((m) => m.version > current)) {
		for (const statement of splitStatements(migration.sql)) await tx.run(statement);
		await tx.run('INSERT INTO schema_version (version, name) VALUES ($version, $name)', {
			version: migration.version,
			name: migration.name
		});
	}
	return newest;
}

export async function currentSchemaVersion(tx: Pick<Transaction, 'one'>): Promise<number> {
	const row = await tx.one<{ version: number | null }>('SELECT max(version) AS version FROM schema_version');
	return row?.version ?? 0;
}

// Our migrations contain no semicolons inside literals, so a plain split is enough.
function splitStatements(sql: string): string[] {
	return sql
		.split(/;\s*(?:\n|$)/)
		.map((s) => s.trim())
		.filter(Boolean);
}
