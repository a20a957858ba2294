import fs from 'node:fs';

/**
 * Which line of the file each CSV record started on. DuckDB parses the file; it numbers the records
 * it returns (1, 2, 3, ...), but a record is not a line: quoted values may span lines (a CRM's
 * description field), DuckDB skips blank lines, and it leaves out rejected records. People fix a
 * file by line number, so this pass finds record starts with the same RFC 4180 quoting rules and
 * keeps only the points where "line = record + offset" changes. It computes no values.
 */
export interface LineMap {
	/** The file line on which returned record `record` (1-based) starts; the header is line 1. */
	lineOf(record: number): number;
	/** The line of each rejected record DuckDB reported, by its byte position. */
	lineAtByte(position: number): number;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * `rejectedAt`: byte positions DuckDB gave for records it rejected (they are not in its output,
 * so they must not be counted). DuckDB's position may point one byte into the record.
 */
export async function mapLines(path: string, delimiter: string, rejectedAt: number[]): Promise<LineMap> {
	const delim = delimiter.charCodeAt(0);
	const rejects = [...new Set(rejectedAt)].sort((a, b) => a - b);
	const rejectLines = new Map<number, number>();
	let nextReject = 0;

	// Breakpoints: from record `records[i]` on, line = record + offsets[i].
	const records: number[] = [];
	const offsets: number[] = [];

	let line = 1;
	let byte = 0;
	let inQuotes = false;
	let quotePending = false;
	let fieldStart = true;
	let recordStartByte = 0;
	let recordStartLine = 1;
	let recordHasContent = false;
	let headerDone = false;
	let returned = 0;

	const endRecord = (endByte: number) => {
		let rejected = false;
		while (nextReject < rejects.length && rejects[nextReject] <= endByte) {
			if (rejects[nextReject] >= recordStartByte) {
				rejectLines.set(rejects[nextReject], recordStartLine);
				rejected = true;
			}
			nextReject++;
		}
		if (!headerDone) headerDone = recordHasContent;
		else if (recordHasContent && !rejected) {
			returned++;
			const offset = recordStartLine - returned;
			if (offsets.length === 0 || offsets[offsets.length - 1] !== offset) {
				records.push(returned);
				offsets.push(offset);
			}
		}
		recordHasContent = false;
		fieldStart = true;
		recordStartByte = endByte + 1;
		recordStartLine = line;
	};

	for await (const chunk of fs.createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
		let i = 0;
		// Most chunks hold no quote at all: jump from newline to newline natively.
		if (!inQuotes && !quotePending && chunk.indexOf(QUOTE) === -1) {
			while (i < chunk.length) {
				const newline = chunk.indexOf(LF, i);
				const end = newline === -1 ? chunk.length : newline;
				if (!recordHasContent) {
					for (let j = i; j < end; j++) {
						if (chunk[j] !== CR) {
							recordHasContent = true;
							break;
						}
					}
				}
				if (newline === -1) break;
				line++;
				endRecord(byte + newline);
				i = newline + 1;
			}
			const last = chunk[chunk.length - 1];
			fieldStart = last === delim || last === LF;
			byte += chunk.length;
			continue;
		}
		for (; i < chunk.length; i++) {
			const b = chunk[i];
			if (quotePending) {
				quotePending = false;
				if (b === QUOTE) continue; // "" inside quotes is one literal quote
				inQuotes = false;
			}
			if (inQuotes) {
				if (b === QUOTE) quotePending = true;
				else if (b === LF) line++;
				continue;
			}
			if (b === LF) {
				line++;
				endRecord(byte + i);
				continue;
			}
			if (b === CR) continue;
			recordHasContent = true;
			if (b === QUOTE && fieldStart) {
				inQuotes = true;
				fieldStart = false;
			} else fieldStart = b === delim;
		}
		byte += chunk.length;
	}
	if (recordHasContent || nextReject < rejects.length) endRecord(Math.max(byte, rejects.at(-1) ?? 0));

	return {
		lineOf(record: number) {
			let lo = 0;
			let hi = records.length - 1;
			let found = -1;
			while (lo <= hi) {
				const mid = (lo + hi) >> 1;
				if (records[mid] <= record) {
					found = mid;
					lo = mid + 1;
				} else hi = mid - 1;
			}
			return record + (found === -1 ? 1 : offsets[found]);
		},
		lineAtByte(position: number) {
			return rejectLines.get(position) ?? 1;
		}
	};
}

/**
 * The bytes of the header record (the first record, which may contain quoted delimiters and
 * newlines), so DuckDB can read the column names from it on its own. Null when the file has no
 * complete header within the first megabyte.
 */
export async function headerBytes(path: string): Promise<Buffer | null> {
	const handle = await fs.promises.open(path, 'r');
	try {
		const buffer = Buffer.alloc(1 << 20);
		const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
		const head = buffer.subarray(0, bytesRead);
		let inQuotes = false;
		for (let i = 0; i < head.length; i++) {
			if (head[i] === QUOTE) inQuotes = !inQuotes;
			else if (head[i] === LF && !inQuotes) return head.subarray(0, i + 1);
		}
		return bytesRead < buffer.length && !inQuotes && bytesRead > 0 ? head : null;
	} finally {
		await handle.close();
	}
}
