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
		// The fastest of five runs each, taken in turns: a busy machine can only slow a run down, never
		// speed it up, and a busy stretch then slows both kinds alike instead of one kind's runs.
		const runs = { wrong: [] as number[], unknown: [] as number[] };
		const timed = async (check: () => Promise<boolean>, into: number[]) => {
			const begin = performance.now();
			expect(await check()).toBe(false);
			into.push(performance.now() - begin);
		};
		for (let i = 0; i < 5; i++) {
			await timed(() => verifyPassword(hash, 'wrong password'), runs.wrong);
			await timed(() => verifyDummyPassword('wrong password'), runs.unknown);
		}
		const wrong = Math.min(...runs.wrong);
		const unknown = Math.min(...runs.unknown);
		// Same parameters, same cost: well within a factor of three of each other on any machine.
		expect(unknown).toBeGreaterThan(wrong / 3);
		expect(unknown).toBeLessThan(wrong * 3);
	});
});
