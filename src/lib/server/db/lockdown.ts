import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { literalList } from '../import/sql.ts';

/** The files DuckDB may still reach once the database is locked down. */
export interface LockDown {
	/**
	 * Directories the importer reads files from (and writes its scratch files to), and the lake's
	 * directory or URL prefix; nothing else.
	 */
	directories: string[];
}

/**
 * Shuts DuckDB's doors to everything outside the database, after migrations have run. Every query
 * the app sends is written by us, but some carry file paths and names that came from people; should
 * one ever slip through, it still cannot read `/etc/passwd`, attach another database file, write
 * files, fetch an extension or turn these settings back: `lock_configuration` makes every later
 * `SET` fail, on any connection. In-memory databases (the import staging, the facts) and DuckDB's
 * own spilling to its temp directory keep working.
 */
export async function lockDownDuckDB(connection: DuckDBConnection, lockDown: LockDown): Promise<void> {
	// A trailing separator, so that allowing /tmp/uploads does not also allow /tmp/uploads-other (nor
	// s3://bucket/lake s3://bucket/lake-other). An object-store lake's extension is loaded by now.
	const directories = [...new Set(lockDown.directories.map((d) => (isUrl(d) ? d.replace(/\/+$/, '') + '/' : path.resolve(d) + path.sep)))];
	await connection.run(`SET allowed_directories = ${literalList(directories)}::VARCHAR[]`);
	await connection.run('SET enable_external_access = false');
	await connection.run('SET autoinstall_known_extensions = false');
	await connection.run('SET autoload_known_extensions = false');
	await connection.run('SET lock_configuration = true');
}

function isUrl(location: string): boolean {
	return /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}
