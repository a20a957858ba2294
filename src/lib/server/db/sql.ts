import { listValue, type DuckDBValue } from '@duckdb/node-api';

/**
 * SQL fragments that carry their own parameters. A value written into `sql`…`` is never part of the
 * statement's text: it becomes a parameter, named only when the whole statement is put together, so
 * two fragments (two scope conditions, a fact's key and a question's filter) can never bind the same
 * name to different values, and composing them needs no bookkeeping of which names a statement uses.
 *
 *   const held = sql`list_contains(${repIds}::INTEGER[], p.owner_b)`;
 *   await db.all(sql`SELECT * FROM ${sql.id('facts', table)} p WHERE ${held} AND p.amount > ${minimum}`);
 *
 * What may be written into one: another fragment (inlined with its parameters), an identifier made by
 * `sql.id` (quoted, so a name cannot end the statement), a list of values (one LIST parameter) or a
 * single value. Text that is not a fragment is always a value, so nothing a user types can become SQL.
 */
export class Sql {
	readonly #pieces: readonly (string | Sql | Value)[];

	private constructor(pieces: readonly (string | Sql | Value)[]) {
		this.#pieces = pieces;
	}

	/** The statement's text, its parameters named `$p1`, `$p2`, … in order, and their values. */
	toQuery(): { text: string; params: Record<string, DuckDBValue> } {
		const params: Record<string, DuckDBValue> = {};
		let count = 0;
		const write = (fragment: Sql): string => {
			let text = '';
			for (const piece of fragment.#pieces) {
				if (typeof piece === 'string') text += piece;
				else if (piece instanceof Sql) text += write(piece);
				else {
					const name = `p${++count}`;
					params[name] = piece.value;
					text += `$${name}`;
				}
			}
			return text;
		};
		return { text: write(this), params };
	}

	/**
	 * The text of a fragment without parameters (a table name, a constant subquery), so that SQL still
	 * written as plain strings can name it. One with parameters refuses: its values would be lost.
	 */
	toString(): string {
		const { text, params } = this.toQuery();
		if (Object.keys(params).length > 0) throw new Error(`A SQL fragment with parameters cannot become plain text: ${text}`);
		return text;
	}

	/** @internal */
	static of(pieces: readonly (string | Sql | Value)[]): Sql {
		return new Sql(pieces);
	}
}

/** A value bound as one parameter. */
class Value {
	constructor(readonly value: DuckDBValue) {}
}

/** What may be written into a fragment. */
export type SqlValue = Sql | DuckDBValue | readonly (string | number | boolean | null)[];

function piece(value: SqlValue): Sql | Value {
	if (value instanceof Sql) return value;
	if (value === undefined) throw new Error('undefined written into SQL: pass null for a missing value');
	if (Array.isArray(value)) return new Value(listValue([...value]));
	return new Value(value as DuckDBValue);
}

/** A fragment: `sql`SELECT … WHERE id = ${id}``. */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): Sql {
	const pieces: (string | Sql | Value)[] = [strings[0]];
	values.forEach((value, index) => pieces.push(piece(value), strings[index + 1]));
	return Sql.of(pieces);
}

/** A quoted identifier, qualified by the names before it: `sql.id('facts', 'pairs')` is `"facts"."pairs"`. */
sql.id = (...names: string[]): Sql => {
	if (names.length === 0 || names.some((name) => name.length === 0)) throw new Error('An SQL identifier needs a name');
	return Sql.of([names.map((name) => `"${name.replaceAll('"', '""')}"`).join('.')]);
};

/** The fragments one after another, `separator` between them (a comma by default). */
sql.join = (fragments: readonly Sql[], separator: Sql = sql`, `): Sql =>
	Sql.of(fragments.flatMap((fragment, index) => (index === 0 ? [fragment] : [separator, fragment])));
