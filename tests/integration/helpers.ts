import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseConfig } from '../../src/lib/server/db/config.ts';
import { Database } from '../../src/lib/server/db/database.ts';

/** A fresh DuckDB file in a temp folder, migrated; removed by `cleanup`. */
export async function freshDatabase(config: Partial<DatabaseConfig> = {}): Promise<{ db: Database; dir: string; file: string; cleanup: () => void }> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-coach-'));
	const file = path.join(dir, 'test.duckdb');
	const db = await Database.open({ path: file, threads: 2, memoryLimit: '1GB', ...config });
	return {
		db,
		dir,
		file,
		cleanup: () => {
			db.close();
			fs.rmSync(dir, { recursive: true, force: true });
		}
	};
}
