import type { Queryable, Transaction } from '../db/index.ts';
import type { UserRole } from '../../domain/roles.ts';
import { hashPassword, verifyPassword } from './password.ts';

/**
 * Sign-ins for the demo data: one account per way of seeing the product, so anyone trying it can
 * look through an admin's, an executive's, a leader's and a rep's eyes.
 */

export const defaultDemoPassword = 'pipeline-demo';
export const demoAdminEmail = 'admin@demo.test';
export const demoExecutiveEmail = 'exec@demo.test';

/**
 * Creates admin@demo.test, exec@demo.test, one leader per team and one rep user per rep (signing in
 * with the rep's own e-mail), all with `password`. Accounts that already exist are left as they
 * are, so running the seed again changes nothing. Argon2 runs once and every account shares the
 * hash: a hash per user would take seconds for a hundred reps, and these accounts guard only
 * generated data.
 */
export async function createDemoUsers(tx: Transaction, password: string): Promise<void> {
	const passwordHash = await hashPassword(password);
	const params = { password_hash: passwordHash };

	await tx.run(
		`INSERT INTO users (id, email, name, password_hash, role)
		VALUES
			(gen_random_uuid()::VARCHAR, '${demoAdminEmail}', 'Demo Admin', $password_hash, 'admin'),
			(gen_random_uuid()::VARCHAR, '${demoExecutiveEmail}', 'Demo Executive', $password_hash, 'executive')
		ON CONFLICT (email) DO NOTHING`,
		params
	);

	await tx.run(
		`INSERT INTO users (id, email, name, password_hash, role)
		SELECT gen_random_uuid()::VARCHAR, 'leader' || position || '@demo.test', 'Leader ' || name, $password_hash, 'leader'
		FROM (SELECT name, row_number() OVER (ORDER BY id) AS position FROM teams) t
		ON CONFLICT (email) DO NOTHING`,
		params
	);
	await tx.run(
		`INSERT INTO user_teams (user_id, team_id)
		SELECT u.id, t.id
		FROM (SELECT id, row_number() OVER (ORDER BY id) AS position FROM teams) t
		JOIN users u ON u.email = 'leader' || t.position || '@demo.test' AND u.role = 'leader'
		ON CONFLICT DO NOTHING`
	);

	// A rep already linked to some user (say, by an admin) keeps that link: one person, one login.
	await tx.run(
		`INSERT INTO users (id, email, name, password_hash, role, rep_id)
		SELECT gen_random_uuid()::VARCHAR, lower(r.email), r.name, $password_hash, 'rep', r.id
		FROM reps r
		WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.rep_id = r.id)
		ON CONFLICT (email) DO NOTHING`,
		params
	);
}

export interface DemoAccountsHint {
	/** One account per role, in the order admin, executive, leader, rep. */
	accounts: { email: string; role: UserRole }[];
	/** Shown only when it is the default or SHOW_DEMO_PASSWORD=true, and only if it really works. */
	password: string | null;
}

const verifiedHints = new Map<string, boolean>();

/** The environment the sign-in page's hint depends on. */
export interface DemoEnv {
	DEMO?: string;
	DEMO_PASSWORD?: string;
	SHOW_DEMO_PASSWORD?: string;
}

/**
 * Whether this server runs as a demo: started by `npm run demo`, or with DEMO=1 (or true). Only
 * the operator's say-so counts. A real installation whose admin once ran the seed, or whose
 * accounts still carry the default password, must not print accounts and a password for anyone
 * who opens the sign-in page.
 */
export function isDemoMode(env: DemoEnv = process.env): boolean {
	const value = env.DEMO?.trim().toLowerCase();
	return value === '1' || value === 'true';
}

/**
 * What the sign-in page may say about demo accounts: nothing outside demo mode, nor when there are
 * none. The password is checked against the admin account's hash before it is shown, so the page
 * never advertises a password that was changed or seeded differently; the check runs once per
 * hash, not per page view.
 */
export async function demoAccountsHint(q: Queryable, env: DemoEnv = process.env): Promise<DemoAccountsHint | null> {
	if (!isDemoMode(env)) return null;
	const accounts = await q.all<{ email: string; role: UserRole; password_hash: string }>(
		`SELECT email, role, password_hash FROM (
			SELECT email, role, password_hash,
				row_number() OVER (PARTITION BY role ORDER BY email = $admin DESC, email = $executive DESC, rep_id, email) AS n
			FROM users
			WHERE active AND (
				email IN ($admin, $executive)
				OR (role = 'leader' AND email ~ '^leader[0-9]+@demo\\.test$')
				OR (role = 'rep' AND rep_id IS NOT NULL AND email = (SELECT lower(email) FROM reps WHERE id = rep_id))
			)
		) candidates
		WHERE n = 1
		ORDER BY CASE role WHEN 'admin' THEN 1 WHEN 'executive' THEN 2 WHEN 'leader' THEN 3 ELSE 4 END`,
		{ admin: demoAdminEmail, executive: demoExecutiveEmail }
	);
	const admin = accounts.find((account) => account.email === demoAdminEmail);
	if (!admin) return null;

	const candidate = env.DEMO_PASSWORD ?? defaultDemoPassword;
	const mayShow = candidate === defaultDemoPassword || env.SHOW_DEMO_PASSWORD === 'true';
	let works = false;
	if (mayShow) {
		const key = `${admin.password_hash}\n${candidate}`;
		works = verifiedHints.get(key) ?? (await verifyPassword(admin.password_hash, candidate));
		verifiedHints.set(key, works);
	}
	return {
		accounts: accounts.map(({ email, role }) => ({ email, role })),
		password: works ? candidate : null
	};
}
