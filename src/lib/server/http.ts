/** A JSON response from JSON already written, such as a remembered answer (`answeredOnce`). */
export function jsonText(body: string, init: ResponseInit = {}): Response {
	const headers = new Headers(init.headers);
	headers.set('content-type', 'application/json');
	return new Response(body, { ...init, headers });
}
