import { defaultAnswerMemoryMb } from '../db/config.ts';
import type { Scope } from '../auth/scope.ts';
import type { Database, Queryable } from '../db/index.ts';
import { dataFingerprint } from './facts/version.ts';

/**
 * Answers kept by key while their version holds; past `limit` (in the units of `weigh`), the answer
 * asked for least recently goes first. A failed question is asked again next time, not remembered.
 */
class Remembered {
	private readonly entries = new Map<string, { version: string; answer: Promise<unknown>; weight: number }>();
	private total = 0;

	constructor(
		private readonly limit: number,
		private readonly weigh: (answer: unknown) => number
	) {}

	answer<T>(key: string, version: string, ask: () => Promise<T>): Promise<T> {
		const known = this.entries.get(key);
		if (known?.version === version) {
			this.entries.delete(key);
			this.entries.set(key, known);
			return known.answer as Promise<T>;
		}
		this.forget(key);
		const answer = ask();
		const entry = { version, answer, weight: 0 };
		this.entries.set(key, entry);
		answer.then(
			(value) => {
				if (this.entries.get(key) !== entry) return;
				const weight = this.weigh(value);
				if (weight > this.limit) return this.forget(key);
				entry.weight = weight;
				this.total += weight;
				for (const oldest of this.entries.keys()) {
					if (this.total <= this.limit) break;
					this.forget(oldest);
				}
			},
			() => {
				if (this.entries.get(key) === entry) this.forget(key);
			}
		);
		return answer;
	}

	private forget(key: string) {
		const entry = this.entries.get(key);
		if (!entry) return;
		this.total -= entry.weight;
		this.entries.delete(key);
	}
}

/** Enough whole-history facts for every scope and period of a busy morning. */
const wholeHistoryFacts = new Remembered(500, () => 1);

export async function rememberedWhileDataUnchanged<T>(db: Queryable, question: string, ask: () => Promise<T>): Promise<T> {
	const { database, fingerprint } = await dataFingerprint(db);
	return wholeHistoryFacts.answer(`${database}\n${question}`, fingerprint, ask);
}

/**
 * The views' answers (a page's data, an endpoint's JSON) for one scope and one set of filters, kept
 * while the data is unchanged. The snapshots change only on import, once a week or so, while a
 * Monday's leaders, reps and executives ask the same few questions over and over: an answer worked
 * out once serves them all, exactly as fresh, and twenty people at once cost the machine what one
 * does (npm run bench, README "Performance"). The question must name everything the answer depends
 * on: the view, the scope (which decides whose data is in it) and every filter or preference.
 *
 * An answer that also reads what people write in the app (coaching notes, next steps) is asked with
 * `untilAnyWrite`, so that it is worked out again after any write at all.
 *
 * Each database keeps its own, within its config's `answerMemoryMb` (measured as the answer's JSON,
 * a fair proxy for what it holds); 0 turns remembering off, which the bench uses to time the work.
 */
export async function answeredOnce<T>(
	db: Database,
	question: readonly unknown[],
	ask: () => Promise<T>,
	{ untilAnyWrite = false }: { untilAnyWrite?: boolean } = {}
): Promise<T> {
	const megabytes = db.config.answerMemoryMb ?? defaultAnswerMemoryMb;
	// Other servers write notes too when app state is shared, unseen by this process's write count:
	// PostgreSQL's notices count those, and while they cannot be heard nothing is kept.
	const elsewhere = db.appState ? db.appState.appStateChanges : 0;
	if (megabytes === 0 || (untilAnyWrite && elsewhere === null)) return ask();
	let memory = answerMemories.get(db);
	if (!memory) answerMemories.set(db, (memory = new Remembered(megabytes * 2 ** 20, jsonBytes)));
	// Read the counts before the fingerprint: a write committing meanwhile leaves a stale version, never a stale answer.
	const writes = db.writes;
	const { fingerprint } = await db.read((q) => dataFingerprint(q));
	return memory.answer(JSON.stringify(question), untilAnyWrite ? `${fingerprint}#${writes}#${elsewhere}` : fingerprint, ask);
}

const answerMemories = new WeakMap<Database, Remembered>();

/** UTF-16 bytes of the answer as JSON; one that cannot be written as JSON is too odd to keep. */
function jsonBytes(answer: unknown): number {
	try {
		return 2 * (typeof answer === 'string' ? answer : JSON.stringify(answer)).length;
	} catch {
		return Infinity;
	}
}
