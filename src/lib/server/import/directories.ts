import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The directories an import reads from. Once the database is locked down (see `lockDownDuckDB`)
 * DuckDB reaches no other files, so every place the importer hands DuckDB a path is named here.
 */

/**
 * Where the Imports page keeps uploaded files until they are imported or swept (UPLOAD_DIR,
 * default a folder in the system's temp directory); one `mkdtemp` folder per upload inside it.
 */
export function uploadsRoot(env: NodeJS.ProcessEnv = process.env): string {
	return path.resolve(env.UPLOAD_DIR || path.join(os.tmpdir(), 'pipeline-coach-uploads'));
}

/** Where the importer puts a CSV file's first line for DuckDB to sniff the columns from. */
export function headersRoot(): string {
	return path.join(os.tmpdir(), 'pipeline-coach-headers');
}

/**
 * `headersRoot()`, created readable by this user only. The temp folder is shared with every user of
 * the machine: a folder of that name made by someone else (or a link planted there) would let them
 * read the headers of our imports, so it is refused rather than used.
 */
export async function headersDirectory(): Promise<string> {
	const dir = headersRoot();
	await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
	const stat = await fs.promises.lstat(dir);
	if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid())) {
		throw new Error(`${dir} is not a folder of this user's; remove it so that imports can recreate it.`);
	}
	return dir;
}

/** The directories the server's importer reads from: uploads, and the headers it writes itself. */
export function serverImportDirectories(): string[] {
	return [uploadsRoot(), headersRoot()];
}

/** The directories the command-line importer reads from: those of the files it was given. */
export function cliImportDirectories(files: string[]): string[] {
	return [headersRoot(), ...files.map((file) => path.dirname(path.resolve(file)))];
}
