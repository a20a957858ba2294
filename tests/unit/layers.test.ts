import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers the tree promises, checked on the source: library code runs without a web layer (the
 * CLI scripts and the bench call it as it is), and the browser's code never reaches into server-only
 * modules, not even for a type, so every shape it uses lives in src/lib/domain.
 */
function filesUnder(dir: string, ending: RegExp): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return filesUnder(full, ending);
		return ending.test(entry.name) ? [full] : [];
	});
}

/** Every `import ... from '...'` and `export ... from '...'`, with whether it is types only. */
function imports(source: string): { from: string; typeOnly: boolean }[] {
	const found = [...source.matchAll(/^\s*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+['"]([^'"]+)['"]/gms)];
	const bare = [...source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => ({ from: m[1], typeOnly: false }));
	return [
		...found.map((m) => ({
			from: m[4],
			// `import type {...}`, or `import { type A, type B }` where every name is a type.
			typeOnly: Boolean(m[2]) || /^\{\s*(type\s+\w+(\s+as\s+\w+)?\s*,?\s*)+\}$/.test(m[3].trim())
		})),
		...bare
	];
}

const webOnly = (from: string) => from === '@sveltejs/kit' || from.startsWith('@sveltejs/kit/') || from.startsWith('$app/') || from.startsWith('$env/');

describe('the layers of the tree', () => {
	it('no file under src/lib/server imports SvelteKit, $app or $env at run time', () => {
		const offenders = filesUnder('src/lib/server', /\.ts$/).flatMap((file) =>
			imports(fs.readFileSync(file, 'utf8'))
				.filter((i) => webOnly(i.from) && !i.typeOnly)
				.map((i) => `${file}: ${i.from}`)
		);
		expect(offenders).toEqual([]);
	});

	it('no component or page imports from $lib/server, not even types', () => {
		const offenders = filesUnder('src', /\.svelte$/).flatMap((file) =>
			imports(fs.readFileSync(file, 'utf8'))
				.filter((i) => i.from.startsWith('$lib/server') || /(^|\/)lib\/server\//.test(i.from))
				.map((i) => `${file}: ${i.from}`)
		);
		expect(offenders).toEqual([]);
	});

	it('the check itself sees a run-time import and lets a type import through', () => {
		expect(imports(`import { error } from '@sveltejs/kit';`)).toEqual([{ from: '@sveltejs/kit', typeOnly: false }]);
		expect(imports(`import type { RequestEvent } from '@sveltejs/kit';`)).toEqual([{ from: '@sveltejs/kit', typeOnly: true }]);
		expect(imports(`import { type Handle, type RequestEvent } from '@sveltejs/kit';`)).toEqual([{ from: '@sveltejs/kit', typeOnly: true }]);
		expect(imports(`import {\n\terror,\n\ttype Handle\n} from '@sveltejs/kit';`)).toEqual([{ from: '@sveltejs/kit', typeOnly: false }]);
	});
});
