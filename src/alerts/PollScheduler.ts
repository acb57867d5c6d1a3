import cron from 'node-cron';
import type { Logger } from '../logger.ts';
import type { Poller } from './Poller.ts';

/** Seconds between two runs of a cron expression (from its next two run times). */
export function scheduleIntervalSeconds(expression: string): number {
  const probe = cron.createTask(expression, () => {});
  const [first, second] = probe.getNextRuns(2);
  void probe.destroy();
  if (!first || !second) return 60;
  return Math.max(1, Math.round((second.getTime() - first.getTime()) / 1000));
}

/** Runs poll cycles on IVS_POLL_SCHEDULE; the poller itself refuses to overlap a running cycle. */
export function startPollSchedule(
  expression: string,
  poller: Poller,
  logger: Logger,
): { stop(): Promise<void> } {
  const task = cron.schedule(
    expression,
    async () => {
      try {
        const report = await poller.runCycle();
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
        logger.error({ err: error }, 'poll cycle failed');
      }
    },
    { name: 'ivs-poller', noOverlap: true },
  );
  task.on('execution:overlap', () => {
    logger.warn('poll cycle skipped: the previous cycle is still running');
  });
  return {
    async stop() {
      await task.stop();
      await task.destroy();
    },
  };
}
