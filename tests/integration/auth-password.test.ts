import { describe, expect, it } from 'vitest';
import { hashPassword, verifyDummyPassword, verifyPassword } from '../../src/lib/server/auth/password.ts';

describe('passwords', () => {
	it('are hashed with argon2id, salted, and verify', async () => {
		const hash = await hashPassword('correct horse battery');
		expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
		expect(hash).not.toContain('correct horse battery');
		expect(await hashPassword('correct horse battery')).not.toBe(hash);
		expect(await verifyPassword(hash, 'correct horse battery')).toBe(true);
	});

	it('a wrong password, or a hash that is not argon2, fails', async () => {
		const hash = await hashPassword('correct horse battery');
		expect(await verifyPassword(hash, 'correct horse batterY')).toBe(false);
		expect(await verifyPassword(hash, '')).toBe(false);
		expect(await verifyPassword('not-a-hash', 'correct horse battery')).toBe(false);
	});

	it('checking a password for an unknown account does the same argon2 work and always fails', async () => {
		const hash = await hashPassword('correct horse battery');
		await verifyDummyPassword('warm-up'); // the dummy hash is made once, on first use
		// The fastest of three runs: a busy machine can only slow a run down, never speed it up.
		const time = async (check: () => Promise<boolean>) => {
			const runs = [];
			for (let i = 0; i < 3; i++) {
				const begin = performance.now();
				expect(await check()).toBe(false);
				runs.push(performance.now() - begin);
			}
			return Math.min(...runs);
		};
		const wrong = await time(() => verifyPassword(hash, 'wrong password'));
		const unknown = await time(() => verifyDummyPassword('wrong password'));
		// Same parameters, same cost: well within a factor of three of each other on any machine.
		expect(unknown).toBeGreaterThan(wrong / 3);
		expect(unknown).toBeLessThan(wrong * 3);
	});
});
