/**
 * CSV for spreadsheet users. Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR)
 * are prefixed with an apostrophe, so an exported deal name cannot execute anything.
 */
export function toCsv(columns: { key: string; label: string }[], rows: Record<string, unknown>[]): string {
	const line = (cells: unknown[]) => cells.map(csvCell).join(',');
	return [line(columns.map((c) => c.label)), ...rows.map((row) => line(columns.map((c) => row[c.key])))].join('\r\n') + '\r\n';
}

function csvCell(value: unknown): string {
	if (value === null || value === undefined) return '';
	let text = String(value);
	if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
