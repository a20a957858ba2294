import type { Handle } from '@sveltejs/kit';

// Placeholder until sessions land: nobody is signed in.
export const handleSession: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	event.locals.session = null;
	return resolve(event);
};
