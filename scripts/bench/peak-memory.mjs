// Loaded with `node --import` into a process the bench measures: as the process exits, writes its
// /proc status (VmHWM is the peak resident memory) to BENCH_PEAK_MEMORY_FILE.
import fs from 'node:fs';

const target = process.env.BENCH_PEAK_MEMORY_FILE;
if (target) {
	process.on('exit', () => {
		try {
			fs.writeFileSync(target, fs.readFileSync('/proc/self/status', 'utf8'));
		} catch {
			// No /proc (not Linux): the bench reports 0.
		}
	});
}
