import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../import/sql.ts';

/** What `manifest.json` holds: the data version every server should serve. */
export interface LakeManifest {
	version: string;
	/** The tables in this version, each a folder of the version's directory. */
	tables: string[];
	published_at: string;
}

const manifestName = 'manifest.json';

/**
 * Where the lake's files are kept (`LAKE_PATH`): a directory (local, or a shared mount), or an
 * object store that DuckDB reaches through an extension. The Parquet files are written and read by
 * DuckDB in both cases (`COPY ... TO`, `read_parquet`) at `at(...)`; what differs is how a version is
 * put in place, how the manifest is read and written, and what sweeping can do.
 */
export interface LakeStorage {
	/** `LAKE_PATH` as used: an absolute directory, or a URL without a trailing slash. */
	readonly root: string;
	readonly kind: 'directory' | 'object store';
	/** A name under the lake, as DuckDB's `COPY ... TO` and `read_parquet` take it. */
	at(...parts: string[]): string;
	readManifest(connection: DuckDBConnection): Promise<LakeManifest | null>;
	/** Where the new version's files are written before anything names them; its table folders exist. */
	prepare(version: string, tables: string[]): string;
	/** Puts the version written at `staging` in place, then names it in the manifest, last. */
	publish(connection: DuckDBConnection, staging: string, manifest: LakeManifest): Promise<void>;
	/** Clears away versions nobody reads any more (see each kind's own). */
	sweep(connection: DuckDBConnection): Promise<void>;
}

/** The URL schemes `LAKE_PATH` may use, and the DuckDB extension that reaches each. */
const objectStoreSchemes: Record<string, string> = {
	s3: 'httpfs',
	r2: 'httpfs',
	gs: 'httpfs',
	gcs: 'httpfs',
	http: 'httpfs',
	https: 'httpfs',
	az: 'azure',
	azure: 'azure',
	abfss: 'azure'
};

/** The extension DuckDB needs for `lakePath`, or null for a directory. */
export function lakeExtension(lakePath: string): string | null {
	const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(lakePath)?.[1].toLowerCase();
	if (!scheme) return null;
	const extension = objectStoreSchemes[scheme];
	if (!extension) {
		throw new Error(`LAKE_PATH ${lakePath}: ${scheme}:// is not a storage DuckDB reaches; use a directory or an s3://, r2://, gs://, az:// or https:// URL.`);
	}
	return extension;
}

/** A name under a URL: parts joined by single slashes, whatever slashes the root ends with. */
export function joinUrl(root: string, ...parts: string[]): string {
	return [root.replace(/\/+$/, ''), ...parts.map((part) => part.replace(/^\/+|\/+$/g, ''))].filter(Boolean).join('/');
}

/** The storage `LAKE_PATH` names: an object store for a URL, a directory otherwise. */
export function lakeStorage(lakePath: string): LakeStorage {
	return lakeExtension(lakePath) ? new ObjectStoreLake(lakePath) : new DirectoryLake(lakePath);
}

/** The manifest of a directory lake, read straight from the file (null before the first import). */
export function readDirectoryManifest(lake: string): LakeManifest | null {
	try {
		return JSON.parse(fs.readFileSync(path.join(lake, manifestName), 'utf8')) as LakeManifest;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw error;
	}
}

/**
 * A directory: a version is written under a temporary name and renamed into place, then the
 * manifest is replaced in one rename. A reader sees the old version or the new one, never half of
 * one. A publisher killed before the manifest's rename leaves files nobody names; the next publish
 * sweeps them, keeping the current version and the one before (a server still loading it may be
 * reading it).
 */
class DirectoryLake implements LakeStorage {
	readonly kind = 'directory';
	readonly root: string;

	constructor(lakePath: string) {
		this.root = path.resolve(lakePath);
		fs.mkdirSync(this.root, { recursive: true });
	}

	at(...parts: string[]): string {
		return path.join(this.root, ...parts);
	}

	async readManifest(): Promise<LakeManifest | null> {
		return readDirectoryManifest(this.root);
	}

	prepare(version: string, tables: string[]): string {
		const staging = this.at('data', `.tmp-${version}`);
		for (const table of tables) fs.mkdirSync(path.join(staging, table), { recursive: true });
		return staging;
	}

	async publish(_connection: DuckDBConnection, staging: string, manifest: LakeManifest): Promise<void> {
		fs.renameSync(staging, this.at('data', manifest.version));
		const pending = this.at(`.${manifestName}.${manifest.version}`);
		fs.writeFileSync(pending, JSON.stringify(manifest, null, '\t'));
		fs.renameSync(pending, this.at(manifestName));
	}

	async sweep(): Promise<void> {
		const data = this.at('data');
		if (!fs.existsSync(data)) return;
		const current = readDirectoryManifest(this.root)?.version;
		const versions = fs
			.readdirSync(data)
			.filter((name) => !name.startsWith('.'))
			.sort();
		const keep = new Set([current, versions.filter((v) => current && v < current).at(-1)]);
		for (const name of fs.readdirSync(data)) {
			if (!keep.has(name)) fs.rmSync(path.join(data, name), { recursive: true, force: true });
		}
		for (const name of fs.readdirSync(this.root)) {
			if (name.startsWith(`.${manifestName}.`)) fs.rmSync(path.join(this.root, name), { force: true });
		}
	}
}

/** How long an unnamed version on an object store is left alone: it may be an import still writing. */
export const objectStoreGraceMs = 60 * 60 * 1000;

/**
 * An object store (S3 and what speaks its API, Google Cloud Storage, Azure), through DuckDB's own
 * extension, so the same `COPY` and `read_parquet` work on it. Object stores have no rename, but a
 * single object's PUT is atomic: a version's files are written under their final names, which no
 * manifest names yet, and the manifest object is written last. Readers therefore see the old version
 * or the new one, as in a directory.
 *
 * DuckDB cannot delete objects, so sweeping here finds what may go (versions the manifest does not
 * name, not the one before it, and older than `objectStoreGraceMs`, so that an import still writing
 * is not among them) and says so in the log, for the store's own tools (or a job) to delete.
 *
 * Everything here goes through DuckDB's file functions, so a local directory given as the root
 * behaves the same way: the tests use one, as httpfs cannot be installed where they run.
 */
export class ObjectStoreLake implements LakeStorage {
	readonly kind = 'object store';
	readonly root: string;

	constructor(lakePath: string) {
		this.root = lakePath.replace(/\/+$/, '');
	}

	at(...parts: string[]): string {
		return joinUrl(this.root, ...parts);
	}

	async readManifest(connection: DuckDBConnection): Promise<LakeManifest | null> {
		const reader = await connection.runAndReadAll(`SELECT content FROM read_text(${literal(this.at(manifestName))})`).catch((error: Error) => {
			// Before the first import there is no manifest: DuckDB says no file matched.
			if (/no files found|not found|404/i.test(error.message)) return null;
			throw error;
		});
		const content = reader?.getRowObjectsJson()[0]?.content;
		return content ? (JSON.parse(String(content)) as LakeManifest) : null;
	}

	prepare(version: string, tables: string[]): string {
		const staging = this.at('data', version);
		// An object store has no folders; a local stand-in needs them before DuckDB writes a file in one.
		if (!lakeExtension(this.root)) for (const table of tables) fs.mkdirSync(path.join(staging, table), { recursive: true });
		return staging;
	}

	async publish(connection: DuckDBConnection, _staging: string, manifest: LakeManifest): Promise<void> {
		// One line of JSON, which is the manifest; replacing one object is atomic.
		await connection.run(
			`COPY (SELECT ${literal(manifest.version)} AS version, ${literal(JSON.stringify(manifest.tables))}::JSON::VARCHAR[] AS tables,
				${literal(manifest.published_at)} AS published_at) TO ${literal(this.at(manifestName))} (FORMAT json)`
		);
	}

	async sweep(connection: DuckDBConnection): Promise<void> {
		const current = (await this.readManifest(connection))?.version;
		if (!current) return;
		const prefix = this.at('data') + '/';
		const reader = await connection.runAndReadAll(
			`SELECT split_part(substr(filename, ${prefix.length + 1}), '/', 1) AS version, max(epoch_ms(last_modified))::BIGINT AS written
			FROM read_blob(${literal(this.at('data', '*', '**'))}) GROUP BY version ORDER BY version`
		);
		const versions = reader.getRowObjectsJson().map((row) => ({ version: String(row.version), written: Number(row.written) }));
		const previous = versions.filter((v) => v.version < current).at(-1)?.version;
		const stale = versions.filter((v) => v.version !== current && v.version !== previous && Date.now() - v.written > objectStoreGraceMs);
		if (stale.length) {
			console.log(`Lake: versions no manifest names any more, to delete with the store's own tools: ${stale.map((v) => this.at('data', v.version) + '/').join(', ')}`);
		}
	}
}

/** `LAKE_PATH` names storage this server cannot reach: a setting to fix, said in a sentence. */
export class LakeConfigurationError extends Error {
	constructor(message: string, options?: ErrorOptions) {
		super(message, options);
		this.name = 'LakeConfigurationError';
	}
}

/**
 * The credentials for an S3-API lake (`LAKE_S3_KEY_ID`, `LAKE_S3_SECRET`, optionally
 * `LAKE_S3_REGION`, `LAKE_S3_ENDPOINT` for R2, MinIO or Google's S3 interoperability); unset leaves
 * them to DuckDB's own secrets (a persistent secret in its secret directory).
 */
export interface LakeCredentials {
	keyId: string;
	secret: string;
	region?: string;
	endpoint?: string;
}

export function lakeCredentialsFromEnv(env: NodeJS.ProcessEnv): LakeCredentials | undefined {
	const keyId = env.LAKE_S3_KEY_ID?.trim();
	const secret = env.LAKE_S3_SECRET?.trim();
	if (!keyId && !secret) return undefined;
	if (!keyId || !secret) throw new LakeConfigurationError('LAKE_S3_KEY_ID and LAKE_S3_SECRET go together: set both, or neither to use DuckDB\'s own secrets.');
	return { keyId, secret, region: env.LAKE_S3_REGION?.trim() || undefined, endpoint: env.LAKE_S3_ENDPOINT?.trim() || undefined };
}

/**
 * Makes DuckDB able to reach an object-store lake: loads its extension (before the database is
 * locked down, after which no extension loads) and, with credentials, a secret scoped to the lake.
 * Installing the extension is the deployment's job, once: a server does not download code at start.
 */
export async function openLakeStorage(connection: DuckDBConnection, lakePath: string, credentials?: LakeCredentials): Promise<LakeStorage> {
	const extension = lakeExtension(lakePath);
	if (!extension) return lakeStorage(lakePath);
	try {
		await connection.run(`LOAD ${extension}`);
	} catch (error) {
		throw new LakeConfigurationError(
			`LAKE_PATH is ${lakePath}, an object store that DuckDB reaches through its ${extension} extension, which cannot be loaded here ` +
				`(${(error instanceof Error ? error.message : String(error)).split('\n')[0]}). Install it once where the server runs ` +
				`(for example: duckdb -c "INSTALL ${extension}"), or set LAKE_PATH to a directory.`,
			{ cause: error }
		);
	}
	const storage = lakeStorage(lakePath);
	if (credentials) {
		const type = /^r2:/i.test(lakePath) ? 'r2' : /^gc?s:/i.test(lakePath) ? 'gcs' : 's3';
		const options = [
			`TYPE ${type}`,
			`KEY_ID ${literal(credentials.keyId)}`,
			`SECRET ${literal(credentials.secret)}`,
			credentials.region && `REGION ${literal(credentials.region)}`,
			credentials.endpoint && `ENDPOINT ${literal(credentials.endpoint)}`,
			`SCOPE ${literal(storage.root)}`
		].filter(Boolean);
		await connection.run(`CREATE OR REPLACE SECRET lake (${options.join(', ')})`);
	}
	return storage;
}
