import pLimit, { type LimitFunction } from 'p-limit';
import type { Scope } from './auth/scope.ts';
import { defaultQuestionsAtOnce } from './db/config.ts';
import type { Database, Queryable } from './db/index.ts';
import { answeredOnce } from './metrics/remembered.ts';

/**
 * How long an answer is kept (metrics/remembered.ts `answeredOnce`):
 * - 'while data unchanged': until the next import (or any change to what the answer reads);
 * - 'while data and app state unchanged': also until anyone, on any server, changes what people
 *   write in the app, for answers holding it (coaching notes, next steps, forecast calls).
 */
export type RememberPolicy = 'while data unchanged' | 'while data and app state unchanged';

/**
 * A question a view asks: its name, the function that answers it and how long the answer is kept,
 * tied together where it is defined. Pages and their JSON endpoints ask the same question objects,
 * so no route types a cache key by hand and the two can never drift apart.
 */
export interface Question<A, T> {
	readonly name: string;
	readonly remembered: RememberPolicy;
	/** The answer for `scope` and `args`, remembered under (name, scope, args). */
	ask(db: Database, scope: Scope, args: A): Promise<T>;
}

const defined = new Map<string, unknown>();

/**
 * Defines a question. `answer` reads only through `q` (one pooled connection; `sideBySide` runs
 * parts of it on others) and depends on nothing but `scope` and `args`: everything else that
 * changes the answer (a preference, the language, today's date) must be in `args`.
 *
 * Names are unique: two questions sharing one would share answers.
 */
export function defineQuestion<A, T>(
	name: string,
	answer: (q: Queryable, scope: Scope, args: A) => Promise<T>,
	remembered: RememberPolicy = 'while data unchanged'
): Question<A, T> {
	// Vite's dev server may load a module twice; only another function under the same name is a mistake.
	const earlier = defined.get(name);
	if (earlier !== undefined && String(earlier) !== String(answer)) throw new Error(`Two questions are named "${name}"`);
	defined.set(name, answer);
	return {
		name,
		remembered,
		ask: (db, scope, args) =>
			answeredOnce(db, [name, scope, args], () => inTurn(db)(() => db.read((q) => answer(q, scope, args))), {
				appState: remembered === 'while data and app state unchanged'
			})
	};
}

const turns = new WeakMap<Database, LimitFunction>();

/**
 * Questions are worked out a few at a time per database (`questionsAtOnce`), the rest waiting for a
 * free turn, first come first served; remembered answers never wait. Twenty people asking at once on
 * two cores would otherwise all be worked out side by side: each holding its queries' memory twenty
 * times as long, and every one of them finishing late. In turn, they finish one after another, and
 * the memory held is a few questions' worth. No question asks another, so a turn never waits for a
 * turn.
 */
function inTurn(db: Database): LimitFunction {
	let limit = turns.get(db);
	if (!limit) turns.set(db, (limit = pLimit(db.config.questionsAtOnce ?? defaultQuestionsAtOnce)));
	return limit;
}
