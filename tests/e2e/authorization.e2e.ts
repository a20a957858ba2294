import fs from 'node:fs';
import path from 'node:path';
import { expect, request, test, type APIRequestContext } from '@playwright/test';
import { demoPassword } from './helpers';

/**
 * Who may see what, for every route the app has. The route list is read from src/routes, so a new
 * route without a rule here fails this test: access has to be decided, not forgotten.
 *
 * Outcomes: 'ok' = 200 with data; 'login' = redirected to sign-in; 'own' = redirected to the
 * signed-in rep's own page; 401/403/404 = refused with that status and no data.
 */
type Persona = 'anonymous' | 'repA' | 'repB' | 'leaderOfA' | 'otherLeader' | 'executive' | 'admin';
type Outcome = 'ok' | 'login' | 'own' | 401 | 403 | 404;
interface Context {
	repA: string;
	team: string;
}
interface Rule {
	url: (c: Context) => string;
	access: Record<Persona, Outcome>;
}

const everyoneSignedIn = (anonymous: Outcome): Record<Persona, Outcome> => ({
	anonymous,
	repA: 'ok',
	repB: 'ok',
	leaderOfA: 'ok',
	otherLeader: 'ok',
	executive: 'ok',
	admin: 'ok'
});
/** Data about rep A: A, A's leader, executives and admins; a teammate and another leader get 404. */
const aboutRepA = (anonymous: Outcome): Record<Persona, Outcome> => ({
	anonymous,
	repA: 'ok',
	repB: 404,
	leaderOfA: 'ok',
	otherLeader: 404,
	executive: 'ok',
	admin: 'ok'
});
/** Data about A's team as a whole: its members see team totals; another team's leader does not. */
const aboutTeamOfA = (anonymous: Outcome): Record<Persona, Outcome> => ({
	...everyoneSignedIn(anonymous),
	otherLeader: 404
});
const adminOnly: Record<Persona, Outcome> = {
	anonymous: 'login',
	repA: 403,
	repB: 403,
	leaderOfA: 403,
	otherLeader: 403,
	executive: 403,
	admin: 'ok'
};
const importers: Record<Persona, Outcome> = { ...adminOnly, leaderOfA: 'ok', otherLeader: 'ok' };
/** An upload belongs to whoever started it: for every other importer it does not exist. */
const someoneElsesUpload: Record<Persona, Outcome> = { ...importers, anonymous: 401, leaderOfA: 404, otherLeader: 404, admin: 404 };
const q = encodeURIComponent;

/** One rule per route id (as SvelteKit names them); extra variants probe URL manipulation. */
const rules: Record<string, Rule[]> = {
	'/login': [{ url: () => '/login', access: everyoneSignedIn('ok') }],
	'/(app)': [{ url: () => '/', access: everyoneSignedIn('login') }],
	'/(app)/snapshots': [
		{ url: () => '/snapshots', access: everyoneSignedIn('login') },
		{ url: (c) => `/snapshots?rep=${q(c.repA)}`, access: aboutRepA('login') },
		{ url: (c) => `/snapshots?team=${q(c.team)}`, access: aboutTeamOfA('login') }
	],
	'/(app)/pipeline': [
		{ url: () => '/pipeline', access: everyoneSignedIn('login') },
		{ url: (c) => `/pipeline?rep=${q(c.repA)}`, access: aboutRepA('login') }
	],
	'/(app)/forecast': [
		{ url: () => '/forecast', access: everyoneSignedIn('login') },
		{ url: (c) => `/forecast?rep=${q(c.repA)}`, access: aboutRepA('login') }
	],
	'/(app)/forecast/summary': [{ url: () => '/forecast/summary', access: everyoneSignedIn('login') }],
	// Forecast calls: everyone signed in sees what is theirs (a rep their own calls); a team outside
	// the scope is a 404.
	'/(app)/forecast/calls': [
		{ url: () => '/forecast/calls', access: everyoneSignedIn('login') },
		{ url: (c) => `/forecast/calls?team=${q(c.team)}`, access: aboutTeamOfA('login') }
	],
	'/(app)/forecast/long-range': [
		{ url: () => '/forecast/long-range', access: everyoneSignedIn('login') },
		{ url: (c) => `/forecast/long-range?rep=${q(c.repA)}`, access: aboutRepA('login') },
		{ url: (c) => `/forecast/long-range?team=${q(c.team)}`, access: aboutTeamOfA('login') }
	],
	'/(app)/revenue': [
		{ url: () => '/revenue', access: everyoneSignedIn('login') },
		{ url: (c) => `/revenue?rep=${q(c.repA)}`, access: aboutRepA('login') }
	],
	'/(app)/team': [
		{ url: () => '/team', access: everyoneSignedIn('login') },
		{ url: (c) => `/team?team=${q(c.team)}`, access: aboutTeamOfA('login') }
	],
	'/(app)/team/[rep]': [{ url: (c) => `/team/${q(c.repA)}`, access: aboutRepA('login') }],
	// A rep has one coaching page, their own; executives are told coaching is private (no text).
	'/(app)/coaching': [{ url: () => '/coaching', access: { ...everyoneSignedIn('login'), repA: 'own', repB: 'own' } }],
	'/(app)/coaching/[rep]': [{ url: (c) => `/coaching/${q(c.repA)}`, access: { ...aboutRepA('login'), executive: 403 } }],
	'/(app)/coaching/[rep]/notes.md': [{ url: (c) => `/coaching/${q(c.repA)}/notes.md`, access: { ...aboutRepA('login'), executive: 403 } }],
	// Data quality: a rep sees their own deals' flags only, so another rep's or team's is a 404.
	'/(app)/data-quality': [
		{ url: () => '/data-quality', access: everyoneSignedIn('login') },
		{ url: (c) => `/data-quality?rep=${q(c.repA)}`, access: aboutRepA('login') },
		{ url: (c) => `/data-quality?team=${q(c.team)}`, access: aboutTeamOfA('login') }
	],
	'/(app)/imports': [{ url: () => '/imports', access: importers }],
	'/(app)/admin/users': [{ url: () => '/admin/users', access: adminOnly }],
	'/(app)/admin/settings': [{ url: () => '/admin/settings', access: adminOnly }],
	'/api/v1/snapshots': [{ url: () => '/api/v1/snapshots', access: everyoneSignedIn(401) }],
	'/api/v1/movement': [
		{ url: () => '/api/v1/movement', access: everyoneSignedIn(401) },
		{ url: (c) => `/api/v1/movement?rep=${q(c.repA)}`, access: aboutRepA(401) }
	],
	'/api/v1/forecast': [
		{ url: () => '/api/v1/forecast', access: everyoneSignedIn(401) },
		{ url: (c) => `/api/v1/forecast?rep=${q(c.repA)}`, access: aboutRepA(401) }
	],
	'/api/v1/forecast/accuracy': [{ url: () => '/api/v1/forecast/accuracy', access: everyoneSignedIn(401) }],
	'/api/v1/forecast/calls': [
		{ url: () => '/api/v1/forecast/calls', access: everyoneSignedIn(401) },
		{ url: (c) => `/api/v1/forecast/calls?team=${q(c.team)}&history=1`, access: aboutTeamOfA(401) },
		{ url: () => '/api/v1/forecast/calls?format=csv', access: everyoneSignedIn(401) }
	],
	'/api/v1/forecast/long-range': [
		{ url: () => '/api/v1/forecast/long-range', access: everyoneSignedIn(401) },
		{ url: (c) => `/api/v1/forecast/long-range?rep=${q(c.repA)}`, access: aboutRepA(401) },
		{ url: (c) => `/api/v1/forecast/long-range?team=${q(c.team)}`, access: aboutTeamOfA(401) }
	],
	// Each person lists only their own scenarios (and executives those shared with them).
	'/api/v1/forecast/scenarios': [{ url: () => '/api/v1/forecast/scenarios', access: everyoneSignedIn(401) }],
	'/api/v1/revenue-mix': [
		{ url: () => '/api/v1/revenue-mix?from=2026-01-01&to=2026-12-31', access: everyoneSignedIn(401) },
		{ url: (c) => `/api/v1/revenue-mix?from=2026-01-01&to=2026-12-31&rep=${q(c.repA)}`, access: aboutRepA(401) }
	],
	'/api/v1/data-quality': [
		{ url: () => '/api/v1/data-quality', access: everyoneSignedIn(401) },
		{ url: (c) => `/api/v1/data-quality?rep=${q(c.repA)}`, access: aboutRepA(401) },
		{ url: (c) => `/api/v1/data-quality?team=${q(c.team)}`, access: aboutTeamOfA(401) }
	],
	'/api/v1/reps': [{ url: () => '/api/v1/reps', access: everyoneSignedIn(401) }],
	'/api/v1/imports': [{ url: () => '/api/v1/imports', access: { ...importers, anonymous: 401 } }],
	'/api/v1/imports/[upload]': [{ url: () => '/api/v1/imports/0123456789abcdef01234567', access: someoneElsesUpload }],
	'/api/v1/reps/[email]/strengths': [{ url: (c) => `/api/v1/reps/${q(c.repA)}/strengths`, access: aboutRepA(401) }],
	'/api/v1/reps/[email]/coaching': [
		{ url: (c) => `/api/v1/reps/${q(c.repA)}/coaching`, access: { ...aboutRepA(401), executive: 403 } }
	]
};

/** Route ids of every page and endpoint on disk, as SvelteKit derives them from folder names. */
function routeIds(): string[] {
	const root = path.resolve('src/routes');
	const ids: string[] = [];
	const walk = (dir: string) => {
		for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else if (/^\+(page\.svelte|server\.ts)$/.test(entry.name)) {
				const id = '/' + path.relative(root, dir).split(path.sep).join('/');
				ids.push(id === '/' ? '/' : id.replace(/\/$/, ''));
			}
		}
	};
	walk(root);
	// POST-only endpoints are covered by their own tests (sign-out).
	return [...new Set(ids)].filter((id) => id !== '/logout').sort();
}

const accounts: Record<Exclude<Persona, 'anonymous' | 'repA' | 'repB'>, string> = {
	leaderOfA: 'leader1@demo.test',
	otherLeader: 'leader2@demo.test',
	executive: 'exec@demo.test',
	admin: 'admin@demo.test'
};

async function signedIn(baseURL: string, email: string | null): Promise<APIRequestContext> {
	const context = await request.newContext({ baseURL, maxRedirects: 0 });
	if (email) {
		const response = await context.post('/login', {
			form: { email, password: demoPassword },
			headers: { origin: baseURL }
		});
		expect(response.status(), `sign-in of ${email}`).toBe(303);
	}
	return context;
}

/** Every persona signed in. Rep A and rep B: two AEs of leader1's team, found through the API as leader1 sees them. */
async function signedInPersonas(base: string) {
	const leader = await signedIn(base, accounts.leaderOfA);
	const reps = (await (await leader.get('/api/v1/reps')).json()) as { reps: { email: string; role: string; team: string }[] };
	const aes = reps.reps.filter((r) => r.role === 'AE');
	expect(aes.length).toBeGreaterThanOrEqual(2);
	const personas: Record<Persona, APIRequestContext> = {
		anonymous: await signedIn(base, null),
		repA: await signedIn(base, aes[0].email),
		repB: await signedIn(base, aes[1].email),
		leaderOfA: leader,
		otherLeader: await signedIn(base, accounts.otherLeader),
		executive: await signedIn(base, accounts.executive),
		admin: await signedIn(base, accounts.admin)
	};
	const context: Context = { repA: aes[0].email, team: aes[0].team };
	return { personas, context, repB: aes[1].email };
}

test('every route has an access rule', () => {
	const missing = routeIds().filter((id) => !(id in rules));
	expect(missing, 'routes without a rule in tests/e2e/authorization.e2e.ts').toEqual([]);
});

test('each persona gets exactly the access its role allows, on every route', async ({ baseURL }) => {
	test.setTimeout(180_000);
	const base = baseURL!;
	const { personas, context, repB } = await signedInPersonas(base);

	const failures: string[] = [];
	for (const id of routeIds()) {
		for (const rule of rules[id] ?? []) {
			const url = rule.url(context);
			for (const [persona, expected] of Object.entries(rule.access) as [Persona, Outcome][]) {
				const response = await personas[persona].get(url);
				const status = response.status();
				const location = response.headers()['location'] ?? '';
				const ownPage = persona === 'repA' || persona === 'repB' ? `/${q(persona === 'repA' ? context.repA : repB)}` : null;
				const actual: Outcome | number =
					status === 200
						? 'ok'
						: status === 303 || status === 302
							? location.startsWith('/login')
								? 'login'
								: ownPage && location.endsWith(ownPage)
									? 'own'
									: status
							: status;
				if (actual !== expected) failures.push(`${persona} GET ${url}: expected ${expected}, got ${status} ${location}`);
				if (actual !== 'ok' && status !== 303 && status !== 302) {
					// A refusal carries no data: only an error message.
					const body = await response.text();
					if (body.includes(context.repA) && persona !== 'repA') failures.push(`${persona} GET ${url}: refusal leaks rep A`);
				}
			}
		}
	}
	expect(failures).toEqual([]);
});

test('the import routes refuse writes exactly as they refuse reads, for every persona', async ({ baseURL }) => {
	test.setTimeout(120_000);
	const base = baseURL!;
	const { personas } = await signedInPersonas(base);
	const leader = personas.leaderOfA;
	const csv = Buffer.from('snapshot_date,deal_id,owner,stage,amount,close_date\n');
	const start: Record<Persona, number> = { anonymous: 401, repA: 403, repB: 403, leaderOfA: 201, otherLeader: 201, executive: 403, admin: 201 };
	// Someone else's upload, for every write an upload takes: 404 for other importers, as if it did not exist.
	const foreign: Record<Persona, number> = { anonymous: 401, repA: 403, repB: 403, leaderOfA: 0, otherLeader: 404, executive: 403, admin: 404 };

	const owned = (await (await leader.post('/api/v1/imports', { data: { files: [{ name: 'x.csv', size: csv.length }] } })).json()) as { upload: { id: string } };
	const id = owned.upload.id;
	const failures: string[] = [];
	for (const [persona, api] of Object.entries(personas) as [Persona, APIRequestContext][]) {
		const started = await api.post('/api/v1/imports', { data: { files: [{ name: 'y.csv', size: csv.length }] } });
		if (started.status() !== start[persona]) failures.push(`${persona} POST /api/v1/imports: expected ${start[persona]}, got ${started.status()}`);
		if (started.status() === 201) {
			const { upload } = (await started.json()) as { upload: { id: string } };
			await api.delete(`/api/v1/imports/${upload.id}`);
		}
		if (persona === 'leaderOfA') continue;
		const writes = [
			() => api.put(`/api/v1/imports/${id}?file=0&offset=0`, { data: csv }),
			() => api.post(`/api/v1/imports/${id}`, { data: { action: 'check', options: {} } }),
			() => api.post(`/api/v1/imports/${id}`, { data: { action: 'import' } }),
			() => api.delete(`/api/v1/imports/${id}`)
		];
		for (const [index, write] of writes.entries()) {
			const status = (await write()).status();
			if (status !== foreign[persona]) failures.push(`${persona} write #${index} on someone else's upload: expected ${foreign[persona]}, got ${status}`);
		}
	}
	await leader.delete(`/api/v1/imports/${id}`);
	expect(failures).toEqual([]);
});
