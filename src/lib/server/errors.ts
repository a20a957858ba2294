/**
 * What library code throws when a request cannot be answered as asked. The routes turn these into
 * HTTP answers (src/lib/http.ts); the CLI scripts and the bench, which call the same functions
 * without a web layer, see plain errors with a message that says what was wrong.
 *
 * Each carries the HTTP status it stands for and the body a client gets, `{message}` (and for bad
 * input the parameters at fault), so a test can check one without a server.
 */
export abstract class AnswerError extends Error {
	abstract readonly status: number;

	get body(): { message: string } {
		return { message: this.message };
	}
}

/** No one is signed in: pages send the reader to sign in, API clients get a 401. */
export class NotSignedIn extends AnswerError {
	readonly status = 401;
	constructor(message = 'Sign in first: this endpoint needs a session cookie.') {
		super(message);
		this.name = 'NotSignedIn';
	}
}

/** The user is known but their role may not do this. */
export class Forbidden extends AnswerError {
	readonly status = 403;
	constructor(message = 'Your role may not do this.') {
		super(message);
		this.name = 'Forbidden';
	}
}

/**
 * Nothing of that name, or nothing the user may see: the two are one answer, so a URL reveals
 * nothing about other people's data.
 */
export class NotFound extends AnswerError {
	readonly status = 404;
	constructor(message: string) {
		super(message);
		this.name = 'NotFound';
	}
}

export interface InputIssue {
	parameter: string | null;
	message: string;
}

/** A parameter that cannot be read; the message names it, what it must look like and what came in. */
export class BadInput extends AnswerError {
	readonly status = 400;
	readonly issues: InputIssue[];
	constructor(message: string, issues?: InputIssue[]) {
		super(message);
		this.name = 'BadInput';
		this.issues = issues ?? [];
	}

	/** One message per issue, joined, as the API has always written them. */
	static of(issues: InputIssue[]): BadInput {
		return new BadInput(issues.map((i) => i.message).join('; '), issues);
	}

	get body(): { message: string; issues?: InputIssue[] } {
		return this.issues.length > 0 ? { message: this.message, issues: this.issues } : { message: this.message };
	}
}

/** The data is not in a state to answer (e.g. movement needs two snapshots). */
export class NotAnswerable extends AnswerError {
	readonly status = 409;
	constructor(message: string) {
		super(message);
		this.name = 'NotAnswerable';
	}
}
