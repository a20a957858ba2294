import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { appStateTables } from './app-state-migrations.ts';
import { literal } from '../import/sql.ts';
import { readDirectoryManifest, type LakeManifest, type LakeStorage } from './lake-storage.ts';

export type { LakeManifest } from './lake-storage.ts';

/**
 * The snapshots in a Parquet lake (`LAKE_PATH`), shared by every app server: each data version is
 * `data/<version>/` holding `snapshots/snapshot_date=YYYY-MM-DD/part-*.parquet` and one folder per
 * dimension table (teams, reps, accounts, deals, stages, activities, quotas), and `manifest.json`
 * names the current version. Where the files are kept, and how a version is put in place without a
 * reader ever seeing half of one, is the storage's business (`lake-storage.ts`: a directory or an
 * object store).
 *
 * Each server keeps its DuckDB file as a copy of the current version (the metrics read their tables
 * at full speed, zone maps and all), loaded through `read_parquet(..., hive_partitioning = true)` in
 * one transaction whenever the manifest names a version it does not have.
 */

/** A directory lake's manifest (null before the first import). */
export function readManifest(lake: string): LakeManifest | null {
	return readDirectoryManifest(lake);
}

/** Where a directory lake keeps a version. */
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
export async function publishLake(connection: DuckDBConnection, lake: LakeStorage): Promise<LakeManifest> {
	await lake.sweep(connection);
	const previous = await lake.readManifest(connection);
	const sequence = previous ? Number(previous.version.split('-')[0]) + 1 : 1;
	const version = `${String(sequence).padStart(8, '0')}-${randomUUID().slice(0, 8)}`;
	// An empty table is left out: its partitioned copy would have no file to read back, and a table
	// the manifest does not name is loaded as empty.
	const tables: string[] = [];
	for (const table of await lakeTables(connection)) {
		const rows = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM (SELECT 1 FROM ${table} LIMIT 1)`);
		if (Number(rows.getRowObjectsJson()[0].n) > 0) tables.push(table);
	}
	const staging = lake.prepare(version, tables);
	const at = (...parts: string[]) => (lake.kind === 'directory' ? path.join(staging, ...parts) : [staging, ...parts].join('/'));
	for (const table of tables) {
		if (table === 'snapshots') {
			// One folder per snapshot date: a question about two dates reads two folders.
			await connection.run(
				`COPY (SELECT * FROM snapshots ORDER BY snapshot_date, deal_id) TO ${literal(at(table))}
				(FORMAT parquet, PARTITION_BY (snapshot_date), FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE)`
			);
		} else {
			await connection.run(`COPY ${table} TO ${literal(at(table, 'part-0.parquet'))} (FORMAT parquet)`);
		}
	}
	const manifest: LakeManifest = { version, tables, published_at: new Date().toISOString() };
	await lake.publish(connection, staging, manifest);
	return manifest;
}

/**
 * Replaces the DuckDB file's snapshot tables by the lake's version, inside the caller's transaction.
 * Sequences are moved past the highest ids loaded, so the next import's new teams, reps, accounts
 * and deals do not collide with those another server created.
 */
export async function loadLakeVersion(connection: DuckDBConnection, lake: LakeStorage, manifest: LakeManifest): Promise<void> {
	for (const table of await lakeTables(connection)) {
		await connection.run(`DELETE FROM ${table}`);
		if (!manifest.tables.includes(table)) continue;
		const files = literal(lake.at('data', manifest.version, table, '**', '*.parquet'));
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
