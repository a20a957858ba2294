import { hash, verify, type Options } from '@node-rs/argon2';

/**
 * Argon2id with OWASP's minimum recommendation (19 MiB, 2 passes, 1 lane). Memory-hard hashing makes
 * each guess against a stolen hash cost real memory, which GPUs and ASICs cannot parallelise cheaply.
 * The library's default algorithm is Argon2id; its `Algorithm` enum is a `const enum`, which our
 * isolated-module build cannot import, so we rely on that default and a test pins the `$argon2id$`
 * prefix. The parameters are written into every hash, so raising them later keeps old hashes valid.
 */
const argon2Options: Options = {
	memoryCost: 19456,
	timeCost: 2,
	outputLen: 32,
	parallelism: 1
};

/** Short passwords fall to guessing no matter how they are hashed. */
export const minimumPasswordLength = 8;
/** Argon2 accepts anything, but a megabyte "password" is a cheap way to burn server CPU. */
export const maximumPasswordLength = 256;

/** Why a password is not acceptable, or null when it is. */
export function passwordProblem(password: string): string | null {
	if (password.length < minimumPasswordLength) return `must be at least ${minimumPasswordLength} characters`;
	if (password.length > maximumPasswordLength) return `must be at most ${maximumPasswordLength} characters`;
	return null;
}

export function hashPassword(password: string): Promise<string> {
	return hash(password, argon2Options);
}

/** False for a wrong password and for a hash that is not a valid argon2 string. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	if (password.length > maximumPasswordLength) return false;
	try {
		return await verify(passwordHash, password);
	} catch {
		return false;
	}
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as checking a real password, for an e-mail nobody has: without it, "unknown
 * e-mail" answers in a millisecond and "wrong password" in tens, and the difference tells an
 * attacker which addresses have accounts. Always false.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
	dummyHash ??= hashPassword(crypto.randomUUID());
	await verifyPassword(await dummyHash, password);
	return false;
}
