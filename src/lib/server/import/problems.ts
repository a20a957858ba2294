import * as messages from '../../paraglide/messages.js';
import type { ImportProblem, Severity } from './types.ts';

/**
 * Every problem has a code whose text lives in messages/{en,de}/imports.json as
 * `imports_problem_<code>`, so the CLI prints English and the upload page the reader's language
 * from one source. Parameters: value, column, expected, other, count.
 */
export type ProblemParams = Partial<Record<'value' | 'column' | 'expected' | 'other' | 'count', string>>;

type MessageFunction = (inputs: Record<string, string>, options?: { locale?: 'en' | 'de' }) => string;

export function problemText(code: string, params: ProblemParams, locale: 'en' | 'de' = 'en'): string {
	const render = (messages as unknown as Record<string, MessageFunction | undefined>)[`imports_problem_${code}`];
	if (!render) return `${code}: ${JSON.stringify(params)}`;
	const inputs = { value: '', column: '', expected: '', other: '', count: '', ...params } as Record<string, string>;
	return render(inputs, { locale });
}

export function problem(
	severity: Severity,
	code: string,
	where: { file?: string | null; line?: number | null; column?: string | null; value?: string | null },
	params: ProblemParams = {}
): ImportProblem {
	const all: Record<string, string> = { ...params } as Record<string, string>;
	if (where.value != null && all.value === undefined) all.value = where.value;
	if (where.column != null && all.column === undefined) all.column = where.column;
	return {
		severity,
		code,
		file: where.file ?? null,
		line: where.line ?? null,
		column: where.column ?? null,
		value: where.value ?? null,
		message: problemText(code, all),
		params: all
	};
}

/** `orders.csv line 138, column amount: "-12x" is not a number ...` for people reading a terminal. */
export function describeProblem(p: ImportProblem): string {
	const where = [p.file, p.line != null ? `line ${p.line}` : null].filter(Boolean).join(' ');
	const column = p.column ? `column ${p.column}` : null;
	const prefix = [where || null, column].filter(Boolean).join(', ');
	return prefix ? `${prefix}: ${p.message}` : p.message;
}
