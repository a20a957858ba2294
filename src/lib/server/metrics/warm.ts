import type { Database } from '../db/index.ts';
import type { Scope } from '../auth/scope.ts';
import { dataQuality } from './data-quality.ts';
import { dealHistories } from './facts/history.ts';
import { warmLongRangeBacktests } from './long-range-backtest.ts';
import { pipelineMovement } from './movement.ts';
import { revenueMix } from './revenue-mix.ts';
import { snapshotDates } from './snapshots.ts';
import { stageConversion } from './stage-velocity.ts';
import { withDealFacts } from './facts/strengths.ts';

/** Facts carry no one's data, so they are built as if for someone who sees everything. */
const everyone: Scope = { role: 'admin', repIds: null, teamIds: null, ownRepId: null };

/**
 * Builds the facts that the week's first pages ask for, so the first leader on Monday morning does
 * not wait for them: the whole deal histories (forecast, calibration, revenue), the latest pair of
 * snapshots, the stage window ending at the latest one, its data-quality flags, revenue mix's, the
 * strengths' pass over every deal (team page, 1:1) and the 6-18 month view's backtests. Run in the
 * background when the server starts and after every import; a page asked meanwhile waits for the
 * same build, never starts a second one.
 */
export async function warmFacts(db: Database): Promise<void> {
	await db.read(async (q) => {
		const [latest, previous] = await snapshotDates(q);
		if (!latest) return;
		await dealHistories(q);
		await stageConversion(q, everyone, { at: latest });
		await dataQuality(q, everyone, latest);
		if (previous) await pipelineMovement(q, everyone, { from: previous, to: latest });
		await revenueMix(q, everyone, { from: latest, to: latest, newBusinessWeight: 1 });
		await withDealFacts(q, async () => {});
		await warmLongRangeBacktests(q);
	});
}

/**
 * `warmFacts` without waiting, for start-up and after imports; a failure is logged, never thrown.
 * The line it logs when done says how long the first pages after an import would otherwise have
 * waited (the bench waits for it before measuring, see scripts/bench/server.ts).
 */
export function warmFactsInBackground(db: Database): void {
	const started = performance.now();
	warmFacts(db).then(
		() => console.log(`${factsReadyMessage} ${((performance.now() - started) / 1000).toFixed(1)} s.`),
		(error) => console.error('Building the facts ahead of the first pages failed:', error)
	);
}

export const factsReadyMessage = 'Facts for the first pages built in';
