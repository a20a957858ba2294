/** A JSON response from JSON already written, such as a remembered answer (`answeredOnce`). */
export function jsonText(body: string): Response {
	return new Response(body, { headers: { 'content-type': 'application/json' } });
}
