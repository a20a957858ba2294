/**
 * Quoting for the few things SQL parameters cannot carry: column names taken from a file's header
 * and file paths passed to read_csv. Everything a user typed into a value goes through parameters.
 */
export function ident(name: string): string {
	return `"${name.replaceAll('"', '""')}"`;
}

export function literal(text: string): string {
	return `'${text.replaceAll("'", "''")}'`;
}

/** A list of string literals, e.g. for `try_strptime(v, [...])`. */
export function literalList(texts: readonly string[]): string {
	return `[${texts.map(literal).join(', ')}]`;
}
