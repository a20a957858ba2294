import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Database } from '../../src/lib/server/db/database.ts';
import { readManifest, versionDirectory } from '../../src/lib/server/db/lake.ts';
import { importFiles } from '../../src/lib/server/import/index.ts';
import { dataFingerprint } from '../../src/lib/server/metrics/facts/version.ts';
import { fixture, snapshotTable, writeFile } from '../fixtures/import/helpers.ts';
import { serverImportDirectories } from '../../src/lib/server/import/directories.ts';
import { spawnSync } from 'node:child_process';
import { LakeConfigurationError, ObjectStoreLake, objectStoreGraceMs } from '../../src/lib/server/db/lake-storage.ts';
import { loadLakeVersion, publishLake } from '../../src/lib/server/db/lake.ts';
import { seedDemo } from '../../src/lib/server/demo/index.ts';
import { parseLadder, setLadder } from '../../src/lib/server/stage-ladder.ts';

/**
 * With LAKE_PATH, imports publish the snapshots as a Parquet lake and every server reads the lake's
 * current version: two servers here are two DuckDB files over one lake directory.
 */

let root: string;
let lake: string;
const opened: Database[] = [];

async function server(name: string): Promise<Database> {
	const db = await Database.open(
		{ path: path.join(root, `${name}.duckdb`), threads: 1, memoryLimit: '256MB', lakePath: lake, lakeCheckMs: 0 },
		{ lockDown: { directories: [root, fixture(), ...serverImportDirectories()] } }
	);
	opened.push(db);
	return db;
}

const nextWeek = `snapshot_date,deal_id,deal_name,account_id,account_name,owner,owner_name,owner_role,team,stage,amount,probability,close_date,deal_type,forecast_category,created_date,currency,source
2026-03-16,OPP-5,Westwind trial,ACC-5,Westwind SE,erik.falk@example.com,Erik Falk,AE,West,Discovery,9000,,2026-08-31,New Business,pipeline,2026-03-10,EUR,
`;

beforeEach(() => {
	root = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-coach-lake-'));
	lake = path.join(root, 'lake');
});
afterEach(() => {
	for (const db of opened.splice(0)) db.close();
	fs.rmSync(root, { recursive: true, force: true });
});

describe('snapshots in a Parquet lake', () => {
	it('an import through one server is published as Parquet partitioned by snapshot date, and served by the other without a restart', async () => {
		const one = await server('one');
		const other = await server('other');
		expect(await other.all('SELECT count(*) AS n FROM snapshots')).toEqual([{ n: 0 }]);
		const before = (await dataFingerprint(other)).fingerprint;

		const summary = await importFiles(one, [fixture('import', 'native-two-weeks.csv')]);
		expect(summary.status).toBe('ok');

		const manifest = readManifest(lake)!;
		expect(manifest.tables).toEqual(expect.arrayContaining(['snapshots', 'deals', 'reps', 'teams', 'accounts', 'stages']));
		const partitions = fs.readdirSync(path.join(versionDirectory(lake, manifest.version), 'snapshots')).sort();
		expect(partitions).toEqual(['snapshot_date=2026-03-02', 'snapshot_date=2026-03-09']);
		expect(fs.readdirSync(path.join(versionDirectory(lake, manifest.version), 'snapshots', partitions[0]))[0]).toMatch(/^part-\d+\.parquet$/);

		expect(await snapshotTable(other)).toEqual(await snapshotTable(one));
		expect((await snapshotTable(other)).length).toBe(7);
		expect(other.lakeVersion).toBe(manifest.version);
		expect((await dataFingerprint(other)).fingerprint).not.toBe(before);
	});

	it("the next import on the other server builds on the first one's data: ids go on, nothing collides", async () => {
		const one = await server('one');
		const other = await server('other');
		await importFiles(one, [fixture('import', 'native-two-weeks.csv')]);
		const summary = await importFiles(other, [writeFile(root, 'next-week.csv', nextWeek)]);
		expect(summary).toMatchObject({ status: 'ok', created: { teams: 1, reps: 1, accounts: 1, deals: 1 } });

		const deals = await one.all<{ id: number; crm_id: string }>('SELECT id, crm_id FROM deals ORDER BY id');
		expect(deals.map((d) => d.crm_id)).toEqual(['OPP-1', 'OPP-2', 'OPP-3', 'OPP-4', 'OPP-5']);
		expect(new Set(deals.map((d) => d.id)).size).toBe(5);
		expect((await snapshotTable(one)).length).toBe(8);
	});

	it('a half-written version (the publisher died before the manifest) is invisible, and swept by the next import', async () => {
		const one = await server('one');
		await importFiles(one, [fixture('import', 'native-two-weeks.csv')]);
		const published = readManifest(lake)!.version;
		// What a killed publisher leaves: a version under its temporary name, one renamed but never
		// named by the manifest, and a manifest never renamed into place.
		fs.mkdirSync(path.join(lake, 'data', '.tmp-99999999-dead'), { recursive: true });
		fs.cpSync(versionDirectory(lake, published), versionDirectory(lake, '99999998-dead'), { recursive: true });
		fs.writeFileSync(path.join(lake, '.manifest.json.99999998-dead'), '{}');

		const other = await server('other');
		expect(other.lakeVersion).toBe(published);
		expect((await snapshotTable(other)).length).toBe(7);

		await importFiles(other, [writeFile(root, 'next-week.csv', nextWeek)]);
		const left = fs.readdirSync(path.join(lake, 'data')).sort();
		expect(left).toEqual([published, readManifest(lake)!.version].sort());
		expect(fs.readdirSync(lake).filter((name) => name.startsWith('.manifest'))).toEqual([]);
	});

	it('a stage ladder set on one server is published to the lake, and the other serves it', async () => {
		const one = await server('one');
		const other = await server('other');
		await importFiles(one, [fixture('import', 'native-two-weeks.csv')]);
		const before = readManifest(lake)!.version;
		const ladder = (await one.all<{ name: string; outcome: string; p: number }>('SELECT name, outcome, default_probability AS p FROM stages ORDER BY position')).map(
			(s) => ({ ...s, p: s.name === 'Discovery' ? 0.15 : s.p })
		);
		await setLadder(one, parseLadder(['name,outcome,probability', ...ladder.map((s) => `${s.name},${s.outcome},${s.p}`)].join('\n')));

		expect(readManifest(lake)!.version).not.toBe(before);
		expect(await other.one('SELECT default_probability AS p FROM stages WHERE name = $name', { name: 'Discovery' })).toEqual({ p: 0.15 });
		expect(await snapshotTable(other)).toEqual(await snapshotTable(one));
	});

	it('the demo company seeded into one server is published to the lake, and the other serves all of it', async () => {
		const one = await server('one');
		const other = await server('other');
		const summary = await seedDemo(one, { until: '2026-11-23', weeks: 2, scale: 0.05 });
		const count = (db: Database) => db.one<{ deals: number; rows: number }>('SELECT (SELECT count(*) FROM deals) AS deals, (SELECT count(*) FROM snapshots) AS rows');
		expect(await count(other)).toEqual({ deals: summary.deals, rows: summary.snapshotRows });
		expect(other.lakeVersion).toBe(readManifest(lake)!.version);
	});

	it('npm run stages with LAKE_PATH publishes the new ladder, which a server over the same lake then serves', async () => {
		const other = await server('other');
		const file = writeFile(root, 'ladder.csv', 'name,outcome,probability\nQualify,open,0.1\nPropose,open,0.5\nWon,won,1\nLost,lost,0\n');
		const run = spawnSync('npx', ['tsx', 'scripts/stages.ts', 'set', file], {
			env: { ...process.env, DATABASE_PATH: path.join(root, 'cli.duckdb'), LAKE_PATH: lake },
			encoding: 'utf8'
		});
		expect(run.status, run.stderr).toBe(0);
		expect((await other.all<{ name: string }>('SELECT name FROM stages ORDER BY position')).map((s) => s.name)).toEqual(['Qualify', 'Propose', 'Won', 'Lost']);
	});
});

describe('a lake on object storage', () => {
	it('publishes as object stores allow (files under their final names, the manifest object last) and loads back; a local directory stands in for the store', async () => {
		const store = new ObjectStoreLake(path.join(root, 'bucket') + '/');
		const plain = async (name: string) => {
			const db = await Database.open({ path: path.join(root, `${name}.duckdb`), threads: 1, memoryLimit: '256MB' });
			opened.push(db);
			return db;
		};
		const one = await plain('one');
		await importFiles(one, [fixture('import', 'native-two-weeks.csv')]);
		const readManifestOf = (db: Database) => db.write((tx) => store.readManifest(tx.connection));
		expect(await readManifestOf(one)).toBeNull();

		const manifest = await one.write((tx) => publishLake(tx.connection, store));
		expect(fs.readdirSync(path.join(root, 'bucket', 'data'))).toEqual([manifest.version]);
		expect(fs.readFileSync(path.join(root, 'bucket', 'manifest.json'), 'utf8').trim().split('\n')).toHaveLength(1);
		const other = await plain('other');
		expect(await readManifestOf(other)).toEqual(manifest);
		await other.write((tx) => loadLakeVersion(tx.connection, store, manifest));
		expect(await snapshotTable(other)).toEqual(await snapshotTable(one));

		// A version the manifest does not name stays until the grace period has passed, then is listed.
		fs.cpSync(path.join(root, 'bucket', 'data', manifest.version), path.join(root, 'bucket', 'data', '00000000-dead'), { recursive: true });
		const next = await one.write((tx) => publishLake(tx.connection, store));
		expect(fs.readdirSync(path.join(root, 'bucket', 'data')).sort()).toEqual(['00000000-dead', manifest.version, next.version]);

		const anHourAgo = new Date(Date.now() - objectStoreGraceMs - 60_000);
		for (const file of fs.readdirSync(path.join(root, 'bucket', 'data', '00000000-dead'), { recursive: true, withFileTypes: true })) {
			if (file.isFile()) fs.utimesSync(path.join(file.parentPath, file.name), anHourAgo, anHourAgo);
		}
		const logged = vi.spyOn(console, 'log').mockImplementation(() => {});
		try {
			await one.write((tx) => store.sweep(tx.connection));
			const said = logged.mock.calls.map((call) => String(call[0])).join('\n');
			expect(said).toContain(`${path.join(root, 'bucket', 'data', '00000000-dead')}/`);
			expect(said).not.toContain(manifest.version);
		} finally {
			logged.mockRestore();
		}
	});

	it('LAKE_PATH as an s3:// URL, where DuckDB has no httpfs (as on this machine), stops the opening with a message naming LAKE_PATH and httpfs', async () => {
		const error = await Database.open({ path: path.join(root, 'url.duckdb'), threads: 1, memoryLimit: '256MB', lakePath: 's3://pipeline-coach/lake' }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(LakeConfigurationError);
		expect((error as Error).message).toMatch(/^LAKE_PATH is s3:\/\/pipeline-coach\/lake, an object store that DuckDB reaches through its httpfs extension, which cannot be loaded here/);
		expect((error as Error).message).toMatch(/INSTALL httpfs.*or set LAKE_PATH to a directory\.$/);
	});
});

