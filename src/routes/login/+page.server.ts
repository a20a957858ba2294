import { fail, redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { database } from '$lib/server/db';
import { demoAccountsHint } from '$lib/server/auth/demo-users';
import { createSession, generateSessionToken, invalidateSession, setSessionTokenCookie } from '$lib/server/auth/session';
import { verifySignIn } from '$lib/server/auth/users';
import type { Actions, PageServerLoad } from './$types';

/**
 * Where to go after signing in: only a path on this site. Anything else (`//evil.example`,
 * `https://...`, `/\evil`) would turn the sign-in page into an open redirect that lends our
 * address to phishing links.
 */
function sameSitePath(target: string | null | undefined, origin: string): string {
	if (!target || !target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return '/';
	try {
		const url = new URL(target, origin);
		if (url.origin !== origin) return '/';
		// Coming back to the sign-in page (or signing out) after signing in would be a loop.
		if (url.pathname === '/login' || url.pathname === '/logout') return '/';
		return url.pathname + url.search + url.hash;
	} catch {
		return '/';
	}
}

// Messages are codes; the page translates them, so the error follows the reader's language.
const signInForm = v.object({
	email: v.pipe(
		v.string(),
		v.trim(),
		v.nonEmpty('email_required'),
		v.maxLength(254, 'email_invalid'),
		v.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'email_invalid')
	),
	password: v.pipe(v.string(), v.nonEmpty('password_required')),
	redirectTo: v.optional(v.string())
});

type FieldErrors = { email?: string; password?: string };

export const load: PageServerLoad = async (event) => {
	const redirectTo = sameSitePath(event.url.searchParams.get('redirectTo'), event.url.origin);
	const db = await database();
	return {
		redirectTo,
		// Someone already signed in sees the form too: signing in again is how to switch accounts.
		signedInAs: event.locals.user?.email ?? null,
		demo: await db.read((q) => demoAccountsHint(q))
	};
};

export const actions: Actions = {
	default: async (event) => {
		const formData = await event.request.formData();
		const fields = {
			email: String(formData.get('email') ?? ''),
			password: String(formData.get('password') ?? ''),
			redirectTo: String(formData.get('redirectTo') ?? event.url.searchParams.get('redirectTo') ?? '')
		};
		const parsed = v.safeParse(signInForm, fields);
		if (!parsed.success) {
			const errors = v.flatten<typeof signInForm>(parsed.issues).nested ?? {};
			return fail(400, {
				email: fields.email,
				errors: { email: errors.email?.[0], password: errors.password?.[0] } as FieldErrors,
				problem: undefined,
				retryAfterSeconds: undefined
			});
		}

		const db = await database();
		const result = await verifySignIn(db, {
			email: parsed.output.email,
			password: parsed.output.password,
			clientAddress: event.getClientAddress()
		});
		if (!result.ok) {
			return fail(result.reason === 'throttled' ? 429 : 400, {
				email: parsed.output.email,
				errors: {} as FieldErrors,
				problem: result.reason === 'throttled' ? 'too_many_attempts' : 'invalid_credentials',
				retryAfterSeconds: result.reason === 'throttled' ? result.retryAfterSeconds : undefined
			});
		}

		// A browser that was signed in as someone else gives up that session rather than holding two.
		if (event.locals.session) await invalidateSession(db, event.locals.session.id);
		const token = generateSessionToken();
		const session = await createSession(db, token, result.userId);
		setSessionTokenCookie(event, token, session.expiresAt);
		redirect(303, sameSitePath(parsed.output.redirectTo, event.url.origin));
	}
};
