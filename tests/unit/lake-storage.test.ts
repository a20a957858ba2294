import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { joinUrl, lakeCredentialsFromEnv, lakeExtension, lakeStorage } from '../../src/lib/server/db/lake-storage.ts';

/** LAKE_PATH names a directory or an object store; which one decides how the lake is written. */
describe('where the lake is kept', () => {
	it('a path is a directory lake; s3://, r2://, gs:// and https:// are object stores reached through httpfs, az:// through azure', () => {
		expect(lakeExtension('/srv/lake')).toBeNull();
		expect(lakeExtension('relative/lake')).toBeNull();
		expect(lakeExtension('s3://pipeline/lake')).toBe('httpfs');
		expect(lakeExtension('r2://pipeline/lake')).toBe('httpfs');
		expect(lakeExtension('gs://pipeline/lake')).toBe('httpfs');
		expect(lakeExtension('HTTPS://files.example.com/lake')).toBe('httpfs');
		expect(lakeExtension('az://pipeline/lake')).toBe('azure');
	});

	it('a URL with a scheme DuckDB cannot reach is refused, naming LAKE_PATH', () => {
		expect(() => lakeExtension('ftp://files.example.com/lake')).toThrow(/LAKE_PATH ftp:\/\/files\.example\.com\/lake: ftp:\/\/ is not a storage/);
	});

	it('names under an object store are joined with single slashes, however the parts are written', () => {
		expect(joinUrl('s3://pipeline/lake', 'data', '00000001-ab', 'snapshots')).toBe('s3://pipeline/lake/data/00000001-ab/snapshots');
		expect(joinUrl('s3://pipeline/lake/', '/data/', 'manifest.json')).toBe('s3://pipeline/lake/data/manifest.json');
		expect(joinUrl('https://files.example.com/lake//', 'data', '**', '*.parquet')).toBe('https://files.example.com/lake/data/**/*.parquet');
	});

	it('an object-store lake keeps its URL as the root, without the trailing slash; a directory lake its absolute path', () => {
		const store = lakeStorage('s3://pipeline/lake/');
		expect(store.kind).toBe('object store');
		expect(store.root).toBe('s3://pipeline/lake');
		expect(store.at('data', 'v1', 'deals', 'part-0.parquet')).toBe('s3://pipeline/lake/data/v1/deals/part-0.parquet');
		expect(store.prepare('v2', ['deals'])).toBe('s3://pipeline/lake/data/v2');

		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-coach-lake-unit-'));
		try {
			const directory = lakeStorage(path.join(dir, 'lake'));
			expect(directory.kind).toBe('directory');
			expect(directory.root).toBe(path.join(dir, 'lake'));
			// A directory lake writes a version under a temporary name first, then renames it.
			expect(directory.prepare('v2', ['deals'])).toBe(path.join(dir, 'lake', 'data', '.tmp-v2'));
			expect(fs.existsSync(path.join(dir, 'lake', 'data', '.tmp-v2', 'deals'))).toBe(true);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	it('S3 credentials come as a pair from LAKE_S3_KEY_ID and LAKE_S3_SECRET, or not at all', () => {
		expect(lakeCredentialsFromEnv({})).toBeUndefined();
		expect(lakeCredentialsFromEnv({ LAKE_S3_KEY_ID: 'AK', LAKE_S3_SECRET: 'sk', LAKE_S3_REGION: 'eu-central-1' })).toEqual({
			keyId: 'AK',
			secret: 'sk',
			region: 'eu-central-1',
			endpoint: undefined
		});
		expect(() => lakeCredentialsFromEnv({ LAKE_S3_KEY_ID: 'AK' })).toThrow(/LAKE_S3_KEY_ID and LAKE_S3_SECRET go together/);
	});
});
