import cron from 'node-cron';
import type { Logger } from '../platform/logger.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { CycleReport, Poller } from './Poller.ts';

/** Seconds between two runs of a cron expression (from its next two run times). */
export function scheduleIntervalSeconds(expression: string): number {
  const probe = cron.createTask(expression, () => {});
  const [first, second] = probe.getNextRuns(2);
  void probe.destroy();
  if (!first || !second) return 60;
  return Math.max(1, Math.round((second.getTime() - first.getTime()) / 1000));
}

export interface PollScheduleOptions {
  expression: string;
  poller: Poller;
  logger: Logger;
  /** Only the leader replica polls. */
  shouldRun: () => boolean;
  /** How long before the next tick a cycle stops starting reads (one call's spacing plus recording). */
  endMarginMs: () => number;
  onCycle?: (report: CycleReport | 'failed') => void;
}

/** Runs poll cycles on IVS_POLL_SCHEDULE; a late tick is skipped, never overlapped. */
export function startPollSchedule(options: PollScheduleOptions): { stop(timeoutMs: number): Promise<void> } {
  const { poller, logger } = options;
  let current: Promise<void> | undefined;
  const run = async () => {
    try {
      // Read until just before the next tick, so the cycle ends in time and the tick is not lost.
      const nextTick = task.getNextRun()?.getTime();
      const report = await poller.runCycle(
        nextTick === undefined ? {} : { deadline: nextTick - options.endMarginMs() },
      );
      options.onCycle?.(report);
      if (!report.skipped) {
        logger.info(
          {
            stages: report.stages.length,
            apiCalls: report.apiCalls,
            durationMs: Math.round(report.durationMs),
            newEvents: report.stages.reduce((sum, s) => sum + s.newEvents, 0),
            failing: report.stages.filter((s) => !s.ok).length,
          },
          'poll cycle',
        );
      }
    } catch (error) {
      options.onCycle?.('failed');
      logger.error({ err: error }, 'poll cycle failed');
    }
  };
  // The poller's own guard skips (and logs) a tick that falls inside a running cycle, so the
  // schedule just ticks; `current` keeps the cycle that is really running, for stop().
  const task = cron.schedule(
    options.expression,
    () => {
      if (!options.shouldRun()) return;
      const busy = poller.running;
      const tick = run();
      if (!busy) current = tick;
    },
    { name: 'ivs-poller' },
  );
  return {
    /** Stops scheduling and lets a running cycle finish, up to `timeoutMs`. */
    async stop(timeoutMs) {
      await task.stop();
      await task.destroy();
      if (current) {
        await Promise.race([current, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
      }
    },
  };
}

/** Records one poll cycle's outcome, duration, detections and lag. */
export function recordCycle(metrics: Metrics, report: CycleReport | 'failed'): void {
  if (report === 'failed' || report.skipped) {
    metrics.pollCycles.inc({ outcome: report === 'failed' ? 'failed' : 'skipped' });
    return;
  }
  metrics.pollCycles.inc({ outcome: 'ok' });
  metrics.pollCycleSeconds.observe(report.durationMs / 1000);
  metrics.alertsDetected.inc(report.stages.reduce((sum, s) => sum + s.newEvents, 0));
  metrics.pollerLagSeconds.set(Math.max(0, ...report.stages.map((s) => s.lagSeconds)));
}
