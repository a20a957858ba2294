import type { Database, Transaction } from '../db/index.ts';

/**
 * Sign-in throttling, per account and per client address. Per account stops a slow guess at one
 * person's password from many machines; per address stops one machine from trying one common
 * password against every account.
 */
export interface ThrottlePolicy {
	/** Failures allowed before any waiting: enough for honest typos. */
	freeAttempts: number;
	/** The wait after the last free attempt fails; it doubles with every further failure. */
	firstLockoutMs: number;
	/** Doubling stops here, so a forgotten password never locks someone out for a day. */
	longestLockoutMs: number;
	/** A quiet period after which past failures are forgotten. */
	forgetAfterMs: number;
}

export const defaultThrottlePolicy: ThrottlePolicy = {
	freeAttempts: 5,
	firstLockoutMs: 15_000,
	longestLockoutMs: 15 * 60_000,
	forgetAfterMs: 24 * 60 * 60_000
};

export interface SignInAttempt {
	email: string;
	clientAddress: string;
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** How long to wait after `failures` consecutive failures: none, then 15 s, 30 s, 60 s, ... */
export function lockoutMs(failures: number, policy: ThrottlePolicy = defaultThrottlePolicy): number {
	if (failures < policy.freeAttempts) return 0;
	return Math.min(policy.firstLockoutMs * 2 ** (failures - policy.freeAttempts), policy.longestLockoutMs);
}

function throttleKeys(attempt: SignInAttempt): { account: string; address: string } {
	return {
		account: `account:${attempt.email.trim().toLowerCase()}`,
		address: `address:${addressBlock(attempt.clientAddress)}`
	};
}

/**
 * Anyone with IPv6 controls a whole /64 and can rotate through its addresses, so the /64 is what
 * gets counted; IPv4 addresses (including IPv4-mapped IPv6) are counted individually.
 */
export function addressBlock(address: string): string {
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
	if (mapped) return mapped[1];
	if (!address.includes(':')) return address;
	const plain = address.split('%')[0].toLowerCase();
	let groups: string[];
	if (plain.includes('::')) {
		const [head, tail] = plain.split('::');
		const left = head ? head.split(':') : [];
		const right = tail ? tail.split(':') : [];
		groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
	} else {
		groups = plain.split(':');
	}
	return `${groups
		.slice(0, 4)
		.map((group) => group.replace(/^0+(?=.)/, ''))
		.join(':')}::/64`;
}

async function failuresOf(tx: Transaction, key: string, now: Date, policy: ThrottlePolicy) {
	const row = await tx.one<{ failures: number; last_failure_at: number }>(
		'SELECT failures, epoch_ms(last_failure_at) AS last_failure_at FROM sign_in_failures WHERE throttle_key = $key',
		{ key }
	);
	if (!row || now.getTime() - row.last_failure_at >= policy.forgetAfterMs) return { failures: 0, lockedUntil: 0 };
	return { failures: row.failures, lockedUntil: row.last_failure_at + lockoutMs(row.failures, policy) };
}

/**
 * Failures older than the quiet period no longer count (see `failuresOf`), so their rows go. Without
 * this every address and every mistyped e-mail that ever failed would stay in the table for good:
 * a slow leak, and a list of who tried which account kept longer than it is any use. Each sign-in
 * attempt sweeps, inside its own write, so the table holds about a day of failures.
 */
async function forgetQuietFailures(tx: Transaction, now: Date, policy: ThrottlePolicy): Promise<void> {
	await tx.run('DELETE FROM sign_in_failures WHERE last_failure_at <= epoch_ms($cutoff::BIGINT)', {
		cutoff: now.getTime() - policy.forgetAfterMs
	});
}

/**
 * Decides whether a sign-in may be tried now and, if so, counts it as a failure before the password
 * is even checked; `recordSignInSuccess` takes that back. Counting first, inside one serialised
 * write, means fifty simultaneous guesses cannot all slip through before the first one is recorded.
 */
export async function reserveSignInAttempt(
	db: Database,
	attempt: SignInAttempt,
	now = new Date(),
	policy: ThrottlePolicy = defaultThrottlePolicy
): Promise<ThrottleDecision> {
	const keys = Object.values(throttleKeys(attempt));
	return db.write(async (tx) => {
		// This process's writes are one at a time, but other servers count in the same PostgreSQL:
		// taking the table for the transaction keeps their guesses from slipping in between.
		if (db.appStateShared) await tx.run('LOCK TABLE sign_in_failures IN EXCLUSIVE MODE');
		await forgetQuietFailures(tx, now, policy);
		const states = [];
		for (const key of keys) states.push({ key, ...(await failuresOf(tx, key, now, policy)) });
		const lockedUntil = Math.max(...states.map((s) => s.lockedUntil));
		if (now.getTime() < lockedUntil) {
			return { allowed: false, retryAfterSeconds: Math.ceil((lockedUntil - now.getTime()) / 1000) };
		}
		for (const state of states) {
			await tx.run(
				`INSERT INTO sign_in_failures (throttle_key, failures, last_failure_at)
				VALUES ($key, $failures, epoch_ms($now::BIGINT))
				ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at`,
				{ key: state.key, failures: state.failures + 1, now: now.getTime() }
			);
		}
		return { allowed: true };
	});
}

/**
 * The right password clears the account's failures. The address only gets back the one attempt
 * this sign-in reserved: clearing it too would let someone with one valid account reset their
 * address's counter between guesses at everyone else's.
 */
export async function recordSignInSuccess(db: Database, attempt: SignInAttempt): Promise<void> {
	const keys = throttleKeys(attempt);
	await db.write(async (tx) => {
		await tx.run('DELETE FROM sign_in_failures WHERE throttle_key = $key', { key: keys.account });
		await tx.run('UPDATE sign_in_failures SET failures = failures - 1 WHERE throttle_key = $key', { key: keys.address });
		await tx.run('DELETE FROM sign_in_failures WHERE throttle_key = $key AND failures <= 0', { key: keys.address });
	});
}
