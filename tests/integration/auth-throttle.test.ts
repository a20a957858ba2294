import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
	addressBlock,
	lockoutMs,
	recordSignInSuccess,
	reserveSignInAttempt
} from '../../src/lib/server/auth/throttle.ts';
import type { Database } from '../../src/lib/server/db/index.ts';
import { freshDatabase } from './helpers.ts';

const start = new Date('2026-03-02T09:00:00Z');
const after = (seconds: number) => new Date(start.getTime() + seconds * 1000);

let db: Database;
let cleanup: () => void;
beforeEach(async () => ({ db, cleanup } = await freshDatabase()));
afterEach(() => cleanup());

async function failTimes(times: number, who: { email: string; clientAddress: string }, at = start) {
	for (let i = 0; i < times; i++) expect(await reserveSignInAttempt(db, who, at)).toEqual({ allowed: true });
}

describe('sign-in throttling', () => {
	it('allows five failures, then locks with a wait that doubles after every further failure', async () => {
		const who = { email: 'anna@example.test', clientAddress: '203.0.113.7' };
		await failTimes(5, who);
		expect(await reserveSignInAttempt(db, who, after(1))).toEqual({ allowed: false, retryAfterSeconds: 14 });

		// Waiting out the 15 s lock buys one attempt; failing it doubles the lock to 30 s.
		await failTimes(1, who, after(15));
		expect(await reserveSignInAttempt(db, who, after(16))).toEqual({ allowed: false, retryAfterSeconds: 29 });
		await failTimes(1, who, after(45));
		expect(await reserveSignInAttempt(db, who, after(45))).toEqual({ allowed: false, retryAfterSeconds: 60 });
	});

	it('locks an account tried from many addresses', async () => {
		for (let i = 1; i <= 5; i++) await failTimes(1, { email: 'anna@example.test', clientAddress: `198.51.100.${i}` });
		const decision = await reserveSignInAttempt(db, { email: 'Anna@Example.test', clientAddress: '198.51.100.99' }, start);
		expect(decision.allowed).toBe(false);
		// Another account from those addresses is unaffected.
		await failTimes(1, { email: 'ben@example.test', clientAddress: '198.51.100.1' });
	});

	it('locks an address trying many accounts', async () => {
		for (let i = 1; i <= 5; i++) await failTimes(1, { email: `rep${i}@example.test`, clientAddress: '203.0.113.9' });
		const decision = await reserveSignInAttempt(db, { email: 'rep6@example.test', clientAddress: '203.0.113.9' }, start);
		expect(decision.allowed).toBe(false);
		await failTimes(1, { email: 'rep6@example.test', clientAddress: '203.0.113.10' });
	});

	it('counts a whole IPv6 /64 as one address', async () => {
		expect(addressBlock('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
		expect(addressBlock('2001:0db8:0000:0001:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:0:1::/64');
		expect(addressBlock('::ffff:192.0.2.4')).toBe('192.0.2.4');
		for (let i = 1; i <= 5; i++) await failTimes(1, { email: `rep${i}@example.test`, clientAddress: `2001:db8:0:1::${i}` });
		const decision = await reserveSignInAttempt(db, { email: 'x@example.test', clientAddress: '2001:db8:0:1:ffff::1' }, start);
		expect(decision.allowed).toBe(false);
	});

	it('a successful sign-in resets the account counter but gives the address back only its own attempt', async () => {
		const who = { email: 'anna@example.test', clientAddress: '203.0.113.7' };
		await failTimes(4, who);
		await failTimes(1, who); // the right password this time
		await recordSignInSuccess(db, who);

		const counters = await db.all('SELECT throttle_key, failures FROM sign_in_failures ORDER BY throttle_key');
		expect(counters).toEqual([{ throttle_key: 'address:203.0.113.7', failures: 4 }]);
		// The account starts over: five more attempts before any lock (from a fresh address).
		await failTimes(5, { email: 'anna@example.test', clientAddress: '192.0.2.1' });
		expect((await reserveSignInAttempt(db, { email: 'anna@example.test', clientAddress: '192.0.2.2' }, start)).allowed).toBe(false);
	});

	it('forgets failures after a quiet day', async () => {
		const who = { email: 'anna@example.test', clientAddress: '203.0.113.7' };
		await failTimes(5, who);
		await failTimes(5, who, after(24 * 60 * 60));
	});

	it('rows of failures older than the quiet day are deleted by the next sign-in attempt, recent ones kept', async () => {
		await failTimes(3, { email: 'anna@example.test', clientAddress: '203.0.113.7' });
		await failTimes(1, { email: 'ben@example.test', clientAddress: '198.51.100.4' }, after(12 * 60 * 60));
		const keys = () => db.all<{ throttle_key: string }>('SELECT throttle_key FROM sign_in_failures ORDER BY 1').then((rows) => rows.map((r) => r.throttle_key));
		expect(await keys()).toEqual(['account:anna@example.test', 'account:ben@example.test', 'address:198.51.100.4', 'address:203.0.113.7']);

		// A day after Anna's failures, half a day after Ben's: someone else tries to sign in.
		await failTimes(1, { email: 'carl@example.test', clientAddress: '192.0.2.9' }, after(24 * 60 * 60));
		expect(await keys()).toEqual(['account:ben@example.test', 'account:carl@example.test', 'address:192.0.2.9', 'address:198.51.100.4']);
	});

	it('never waits longer than 15 minutes', () => {
		expect([4, 5, 6, 7, 20].map((failures) => lockoutMs(failures))).toEqual([0, 15_000, 30_000, 60_000, 900_000]);
	});
});
