import type { ListOrder } from '../../testkit/ivsSimulator.ts';
import { ALERT_CHANNEL, cycleStarts, type Harness, withHarness } from '../support/harness.ts';
import { figuresOf, type ScenarioResult } from '../support/resultTable.ts';
import { sleepUntilPhase, waitUntil } from '../support/timing.ts';
import type { ScenarioOptions } from './scenarioOptions.ts';

const EVERY_SECONDS = 5;
const MAX_TPS = 4;
const CYCLES = 8;
const HISTORIES = [10, 1_000] as const;
const ORDERS: readonly ListOrder[] = ['oldest-first', 'newest-first'];

interface HistoryRun {
  readonly order: ListOrder;
  /** ListParticipantEvents calls per cycle, per participant's history length. */
  readonly perCycle: Record<number, number[]>;
}

/**
 * History cost: ListParticipantEvents calls per cycle for one connected participant with 10 and
 * one with 1,000 events, each getting a new ordinary event every second, under both orders IVS may
 * list events in (it documents none). The first cycle learns the order by reading every page; after
 * that a participant should cost what is new, not what is old.
 */
export async function historyCost(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const f = figuresOf('history cost');
  const details: Record<string, unknown> = { everySeconds: EVERY_SECONDS, maxTps: MAX_TPS, cycles: CYCLES };
  // Both orders side by side, each with its own simulator and bot: only call counts are measured.
  const runs = await Promise.allSettled(
    ORDERS.map((order) => withHarness(`history-${order}`, options, (h) => measure(h, order))),
  );
  const errors: string[] = [];
  for (const [i, run] of runs.entries()) {
    if (run.status === 'rejected') {
      errors.push(`${ORDERS[i]}: ${run.reason instanceof Error ? run.reason.message : String(run.reason)}`);
      continue;
    }
    const { order, perCycle } = run.value;
    details[order] = perCycle;
    const few = steady(perCycle[10] ?? []);
    for (const events of HISTORIES) {
      const calls = perCycle[events] ?? [];
      const s = steady(calls);
      const text = `${s.mean.toFixed(2)} calls/cycle (median ${s.median}, max ${s.max}; first cycle ${calls[0] ?? 'n/a'})`;
      if (events === 10) {
        f.info(`${order}: 10 events`, text, s.mean);
      } else {
        f.goal(
          `${order}: ${events.toLocaleString('en-US')} events`,
          text,
          s.mean,
          'same as 10 events (median; max + 1 page)',
          s.median === few.median && s.max <= few.max + 1,
        );
      }
    }
  }
  return {
    id: 'history',
    title: 'History cost',
    durationMs: Date.now() - started,
    figures: f.list,
    details,
    error: errors.length > 0 ? errors.join('; ') : null,
  };
}

async function measure(h: Harness, order: ListOrder): Promise<HistoryRun> {
  h.sim.setEventOrder(order);
  const now = Date.now();
  const stageArn = h.sim.addStage();
  const sessionId = h.sim.startSession(stageArn, { startTime: now - 7_200_000 });
  const ids = new Map<number, string>();
  for (const events of HISTORIES) {
    const joined = now - 7_000_000;
    const participantId = h.sim.addParticipant(stageArn, sessionId, {
      firstJoinTime: joined,
      published: true,
    });
    for (let e = 0; e < events; e++) {
      h.sim.addEvent(stageArn, sessionId, participantId, {
        name: e === 0 ? 'JOINED' : e % 2 === 0 ? 'SUBSCRIBE_STARTED' : 'SUBSCRIBE_STOPPED',
        eventTime: joined + e * 1_000,
      });
    }
    ids.set(events, participantId);
  }

  const periodMs = EVERY_SECONDS * 1000;
  await sleepUntilPhase(periodMs, periodMs - 1_500);
  const bot = await h.startBot({
    maxTps: MAX_TPS,
    schedule: `*/${EVERY_SECONDS} * * * * *`,
    watches: [{ stage: stageArn, channel: ALERT_CHANNEL }],
    logLevel: 'info',
  });
  // Both participants stay active: a new ordinary event each second.
  const activity = setInterval(() => {
    for (const participantId of ids.values()) {
      h.sim.addEvent(stageArn, sessionId, participantId, {
        name: 'SUBSCRIBE_STARTED',
        eventTime: Date.now(),
      });
    }
  }, 1_000);
  try {
    await waitUntil(
      () => bot.logsWith('poll cycle').length >= CYCLES,
      (CYCLES + 2) * periodMs + 30_000,
      `${CYCLES} poll cycles`,
      100,
    );
  } finally {
    clearInterval(activity);
  }
  await bot.stop();

  const starts = cycleStarts(h.sim.calls).slice(0, CYCLES);
  const perCycle: Record<number, number[]> = {};
  for (const [events, participantId] of ids) {
    perCycle[events] = starts.map((from, i) => {
      const to = starts[i + 1] ?? Number.POSITIVE_INFINITY;
      return h.sim.calls.filter(
        (c) =>
          c.operation === 'ListParticipantEvents' &&
          c.at >= from &&
          c.at < to &&
          c.body?.participantId === participantId,
      ).length;
    });
  }
  return { order, perCycle };
}

/** Cycles after the first (which reads every page once to learn the order). */
function steady(calls: readonly number[]): { mean: number; median: number; max: number } {
  const rest = calls.slice(1);
  if (rest.length === 0) return { mean: Number.NaN, median: Number.NaN, max: Number.NaN };
  const sorted = [...rest].sort((a, b) => a - b);
  return {
    mean: rest.reduce((sum, c) => sum + c, 0) / rest.length,
    median: sorted[Math.floor(sorted.length / 2)] as number,
    max: sorted.at(-1) as number,
  };
}
