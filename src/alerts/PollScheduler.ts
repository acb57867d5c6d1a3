import type { Logger } from '../logger.ts';
import { CronSchedule } from './CronSchedule.ts';
import type { CycleReport, Poller } from './Poller.ts';

/** Seconds between two runs of a cron expression (from its next two run times). */
export function scheduleIntervalSeconds(expression: string): number {
  const parsed = CronSchedule.parse(expression);
  return parsed.ok ? parsed.schedule.intervalSeconds() : 60;
}

// setTimeout takes at most 2^31 - 1 ms (about 24.8 days); a later run re-arms on the way.
const MAX_TIMER_MS = 2_147_483_647;

/** Calls `onTick` at every run of the schedule, from a timer re-armed for the next run each time. */
function scheduleRuns(expression: string, onTick: () => void): { nextRun(): Date | undefined; stop(): void } {
  const parsed = CronSchedule.parse(expression);
  if (!parsed.ok) throw new Error(`IVS_POLL_SCHEDULE ${parsed.problem}`);
  const { schedule } = parsed;
  let next = schedule.nextAfter(new Date());
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (!next) return;
    timer = setTimeout(fire, Math.min(MAX_TIMER_MS, Math.max(0, next.getTime() - Date.now())));
  };
  const fire = () => {
    if (!next) return;
    // Early (a clamped long wait): wait on. Late (a busy or paused process): one tick, not a burst.
    if (Date.now() < next.getTime()) return arm();
    next = schedule.nextAfter(new Date(Math.max(Date.now(), next.getTime())));
    arm();
    onTick();
  };
  arm();
  return {
    nextRun: () => next,
    stop() {
      next = undefined;
      if (timer) clearTimeout(timer);
    },
  };
}

export interface PollScheduleOptions {
  expression: string;
  poller: Poller;
  logger: Logger;
  /** Only the leader replica polls. */
  shouldRun: () => boolean;
  /** How long before the next tick a cycle stops starting reads (one call's spacing plus recording). */
  endMarginMs: number;
  onCycle?: (report: CycleReport | 'failed') => void;
}

/** Runs poll cycles on IVS_POLL_SCHEDULE; a late tick is skipped, never overlapped. */
export function startPollSchedule(options: PollScheduleOptions): { stop(timeoutMs: number): Promise<void> } {
  const { poller, logger } = options;
  let current: Promise<void> | undefined;
  const run = async () => {
    try {
      // Read until just before the next tick, so the cycle ends in time and the tick is not lost.
      const nextTick = task.nextRun()?.getTime();
      const report = await poller.runCycle(
        nextTick === undefined ? {} : { deadline: nextTick - options.endMarginMs },
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
  const task = scheduleRuns(options.expression, () => {
    if (!options.shouldRun()) return;
    const busy = poller.running;
    const tick = run();
    if (!busy) current = tick;
  });
  return {
    /** Stops scheduling and lets a running cycle finish, up to `timeoutMs`. */
    async stop(timeoutMs) {
      task.stop();
      if (current) {
        await Promise.race([current, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
      }
    },
  };
}
