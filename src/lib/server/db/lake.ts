import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { appStateTables } from './app-state-migrations.ts';
import { literal } from '../import/sql.ts';

/**
 * The snapshots in a Parquet lake (`LAKE_PATH`), shared by every app server: each data version is a
 * directory `data/<version>/` holding `snapshots/snapshot_date=YYYY-MM-DD/part-*.parquet` and one
 * folder per dimension table (teams, reps, accounts, deals, stages, activities, quotas), and
 * `manifest.json` names the current version.
 *
 * Publishing writes the new version under a temporary name, renames it into place, then replaces
 * the manifest in one rename: a reader sees the old version or the new one, never half of one. A
 * publisher killed before the manifest's rename leaves files nobody names; the next publish sweeps
 * them. Each server keeps its DuckDB file as a copy of the current version (the metrics read their
 * tables at full speed, zone maps and all), loaded through `read_parquet(..., hive_partitioning = true)`
 * in one transaction whenever the manifest names a version it does not have.
 */
export interface LakeManifest {
	version: string;
	/** The tables in this version, each a folder of the version's directory. */
	tables: string[];
	published_at: string;
}

const manifestName = 'manifest.json';

export function readManifest(lake: string): LakeManifest | null {
	try {
		return JSON.parse(fs.readFileSync(path.join(lake, manifestName), 'utf8')) as LakeManifest;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw error;
	}
}

export function versionDirectory(lake: string, version: string): string {
	return path.join(lake, 'data', version);
}

/** The snapshots' tables: every table of the DuckDB file that is not app state. */
export async function lakeTables(connection: DuckDBConnection): Promise<string[]> {
	const reader = await connection.runAndReadAll(
		`SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary ORDER BY table_name`
	);
	const skip = new Set<string>([...appStateTables, 'schema_version']);
	return reader.getRowObjectsJson().map((r) => String(r.table_name)).filter((name) => !skip.has(name));
}

/**
 * Writes the DuckDB file's snapshot tables as a new version of the lake and names it in the
 * manifest. The caller holds the lake's lock (one publisher at a time across servers).
 */
export async function publishLake(connection: DuckDBConnection, lake: string): Promise<LakeManifest> {
	sweepLake(lake);
	const previous = readManifest(lake);
	const sequence = previous ? Number(previous.version.split('-')[0]) + 1 : 1;
	const version = `${String(sequence).padStart(8, '0')}-${randomUUID().slice(0, 8)}`;
	const data = path.join(lake, 'data');
	const temporary = path.join(data, `.tmp-${version}`);
	fs.mkdirSync(temporary, { recursive: true });
	const tables = await lakeTables(connection);
	for (const table of tables) {
		const target = path.join(temporary, table);
		if (table === 'snapshots') {
			// One folder per snapshot date: a question about two dates reads two folders.
			await connection.run(
				`COPY (SELECT * FROM snapshots ORDER BY snapshot_date, deal_id) TO ${literal(target)}
				(FORMAT parquet, PARTITION_BY (snapshot_date), FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE)`
			);
		} else {
			fs.mkdirSync(target);
			await connection.run(`COPY ${table} TO ${literal(path.join(target, 'part-0.parquet'))} (FORMAT parquet)`);
		}
	}
	fs.renameSync(temporary, versionDirectory(lake, version));
	const manifest: LakeManifest = { version, tables, published_at: new Date().toISOString() };
	const pending = path.join(lake, `.${manifestName}.${version}`);
	fs.writeFileSync(pending, JSON.stringify(manifest, null, '\t'));
	fs.renameSync(pending, path.join(lake, manifestName));
	return manifest;
}

/**
 * Removes what no manifest names: half-written versions of a publisher that died, and versions
 * older than the previous one (a server still loading the previous version may be reading it).
 */
export function sweepLake(lake: string): void {
	const data = path.join(lake, 'data');
	if (!fs.existsSync(data)) return;
	const current = readManifest(lake)?.version;
	const versions = fs
		.readdirSync(data)
		.filter((name) => !name.startsWith('.'))
		.sort();
	const keep = new Set([current, versions.filter((v) => current && v < current).at(-1)]);
	for (const name of fs.readdirSync(data)) {
		if (!keep.has(name)) fs.rmSync(path.join(data, name), { recursive: true, force: true });
	}
	for (const name of fs.readdirSync(lake)) {
		if (name.startsWith(`.${manifestName}.`)) fs.rmSync(path.join(lake, name), { force: true });
	}
}

/**
 * Replaces the DuckDB file's snapshot tables by the lake's version, inside the caller's transaction.
 * Sequences are moved past the highest ids loaded, so the next import's new teams, reps, accounts
 * and deals do not collide with those another server created.
 */
export async function loadLakeVersion(connection: DuckDBConnection, lake: string, manifest: LakeManifest): Promise<void> {
	const directory = versionDirectory(lake, manifest.version);
	for (const table of await lakeTables(connection)) {
		await connection.run(`DELETE FROM ${table}`);
		if (!manifest.tables.includes(table)) continue;
		const files = literal(path.join(directory, table, '**', '*.parquet'));
		const order = table === 'snapshots' ? ' ORDER BY snapshot_date, deal_id' : '';
		await connection.run(`INSERT INTO ${table} BY NAME SELECT * FROM read_parquet(${files}, hive_partitioning = true)${order}`);
	}
	const reader = await connection.runAndReadAll(
		`SELECT table_name, column_name, regexp_extract(column_default, 'nextval\\(''([a-z_]+)''', 1) AS sequence
		FROM duckdb_columns() WHERE database_name = current_database() AND column_default LIKE 'nextval(%'`
	);
	const lakeOwned = new Set(manifest.tables);
	for (const row of reader.getRowObjectsJson()) {
		const [table, column, sequence] = [String(row.table_name), String(row.column_name), String(row.sequence)];
		if (!lakeOwned.has(table) || !sequence) continue;
		const highest = Number((await connection.runAndReadAll(`SELECT coalesce(max(${column}), 0)::BIGINT AS n FROM ${table}`)).getRowObjectsJson()[0].n);
		const next = Number((await connection.runAndReadAll(`SELECT nextval(${literal(sequence)})::BIGINT AS n`)).getRowObjectsJson()[0].n);
		if (next < highest) await connection.run(`SELECT max(nextval(${literal(sequence)})) FROM range(${highest - next})`);
	}
}
