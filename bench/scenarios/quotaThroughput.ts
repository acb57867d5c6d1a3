import { DatabaseSync } from 'node:sqlite';
import { ALERT_CHANNEL, cycleStarts, type Harness, withHarness } from '../support/harness.ts';
import { type SeededStage, seedStage } from '../support/population.ts';
import { figuresOf, type ScenarioResult } from '../support/resultTable.ts';
import { sleep, sleepUntilPhase, waitUntil } from '../support/timing.ts';
import type { ScenarioOptions } from './scenarioOptions.ts';

export const SATURATION = {
  /** What the bot allows itself per (region, operation). */
  maxTps: 4,
  /** What the simulator allows, like IVS: 5 per operation per second. */
  simulatorLimit: 5,
  everySeconds: 5,
  stages: 2,
  connectedPerStage: 200,
} as const;

const RUN_MS = 30_000;
const FRACTION_GOAL = 0.9;

/**
 * Stages with more connected participants than the quota can read per minute, all joined now: the
 * poller has work for every token it gets.
 */
export function seedBeyondQuota(h: Harness): SeededStage[] {
  const now = Date.now();
  return Array.from({ length: SATURATION.stages }, () =>
    seedStage(h.sim, {
      participants: SATURATION.connectedPerStage,
      endedSessions: 0,
      eventsPerEndedParticipant: 0,
      now,
      live: { connected: SATURATION.connectedPerStage, left: 0, eventsPerParticipant: 10, joinedAt: now },
    }),
  );
}

/** Starts the bot on the saturation settings, its first cycle about 1.5 s after it is up. */
export async function startSaturatedBot(
  h: Harness,
  stages: readonly SeededStage[],
  maxTps: number = SATURATION.maxTps,
) {
  const periodMs = SATURATION.everySeconds * 1000;
  await sleepUntilPhase(periodMs, periodMs - 1_500);
  return h.startBot({
    maxTps,
    schedule: `*/${SATURATION.everySeconds} * * * * *`,
    watches: stages.map((s) => ({ stage: s.stageArn, channel: ALERT_CHANNEL })),
  });
}

/**
 * 3. Throughput against the limit: the simulator enforces 5 calls/s per operation, the bot allows
 * itself 4. How much of its own rate the bot uses, whether IVS ever throttles it, how many
 * participants it covers per minute against the physical bound, and how far behind it falls when
 * there are more participants than that bound.
 */
export function quotaThroughput(options: ScenarioOptions): Promise<ScenarioResult> {
  return quotaThroughputAt(SATURATION.maxTps, 'quota', '3 quota', options);
}

async function quotaThroughputAt(
  maxTps: number,
  id: string,
  label: string,
  options: ScenarioOptions,
): Promise<ScenarioResult> {
  const started = Date.now();
  const f = figuresOf(label);
  const details: Record<string, unknown> = { ...SATURATION, maxTps, runMs: RUN_MS };
  let error: string | null = null;
  try {
    await withHarness(id, { ...options, simulatorRateLimit: SATURATION.simulatorLimit }, async (h) => {
      const stages = seedBeyondQuota(h);
      const watched = stages.reduce((sum, s) => sum + s.connected.length, 0);
      const bot = await startSaturatedBot(h, stages, maxTps);
      await waitUntil(() => h.sim.calls.length > 0, 15_000, 'the first poll cycle');
      const firstCallAt = (h.sim.calls[0] as { at: number }).at;
      await sleep(RUN_MS);
      const runEnd = Date.now();
      await bot.stop();

      const calls = h.sim.calls;
      // Whole cycles only: from the first cycle's start to the start of the last one that began.
      const starts = cycleStarts(calls).filter((at) => at <= runEnd);
      const from = starts[0] ?? firstCallAt;
      const to = starts.length >= 2 ? (starts.at(-1) as number) : runEnd;
      const seconds = (to - from) / 1000;
      const inWindow = calls.filter((c) => c.at >= from && c.at < to);
      const rates: Record<string, { calls: number; perSecond: number; fractionOfMaxTps: number }> = {};
      for (const c of inWindow) {
        const entry = rates[c.operation] ?? { calls: 0, perSecond: 0, fractionOfMaxTps: 0 };
        entry.calls += 1;
        rates[c.operation] = entry;
      }
      for (const entry of Object.values(rates)) {
        entry.perSecond = entry.calls / seconds;
        entry.fractionOfMaxTps = entry.perSecond / maxTps;
      }
      const busiest = busiestSecond(
        calls.filter((c) => c.operation === 'ListParticipantEvents').map((c) => c.at),
      );
      const events = rates.ListParticipantEvents ?? { calls: 0, perSecond: 0, fractionOfMaxTps: 0 };
      const throttled = calls.filter((c) => c.status === 429);
      const reads = inWindow.filter(
        (c) => c.operation === 'ListParticipantEvents' && c.body?.nextToken === undefined,
      );
      const coveredPerMinute = (reads.length / seconds) * 60;
      const boundPerMinute = 60 * maxTps;
      const distinctRead = new Set(
        calls.filter((c) => c.operation === 'ListParticipantEvents').map((c) => c.body?.participantId),
      ).size;
      const loggedLag = bot.maxOf('poller behind', 'lagSeconds') ?? 0;
      const health = readStageHealth(h.dbPath);
      const healthLag = Math.max(0, ...health.map((row) => row.lag_seconds));
      // Once every participant has been read once, the least recent one waits a full rotation.
      const rotationSeconds =
        coveredPerMinute > 0 ? (watched / coveredPerMinute) * 60 : Number.POSITIVE_INFINITY;

      f.goal(
        'ListParticipantEvents rate / IVS_MAX_TPS',
        `${events.perSecond.toFixed(2)}/s of ${maxTps} = ${events.fractionOfMaxTps.toFixed(2)}`,
        events.fractionOfMaxTps,
        `≥ ${FRACTION_GOAL}`,
        events.fractionOfMaxTps >= FRACTION_GOAL,
      );
      const others = Object.entries(rates)
        .filter(([operation]) => operation !== 'ListParticipantEvents')
        .map(([operation, r]) => `${operation} ${r.perSecond.toFixed(2)}/s`)
        .join(', ');
      f.info('other operations (not saturated)', others);
      f.info(
        'busiest 1 s window of ListParticipantEvents',
        `${busiest} calls (bucket bound r + 1 = ${maxTps + 1}; IVS allows ${SATURATION.simulatorLimit})`,
        busiest,
      );
      f.goal(
        'throttling errors (429 from IVS)',
        String(throttled.length),
        throttled.length,
        '0',
        throttled.length === 0,
      );
      f.info(
        'participants covered / min vs bound',
        `${coveredPerMinute.toFixed(0)} of ${boundPerMinute} (60 × ${maxTps}/s) = ${(coveredPerMinute / boundPerMinute).toFixed(2)}`,
        coveredPerMinute,
      );
      f.info(
        `lag with ${watched} watched (> bound)`,
        `after ${Math.round((runEnd - firstCallAt) / 1000)} s: ${loggedLag} s logged, ${healthLag} s in stage_health; ${distinctRead}/${watched} read once; full rotation ≈ ${Math.round(rotationSeconds)} s`,
        loggedLag,
      );
      Object.assign(details, {
        window: { from, to, seconds, cycles: Math.max(0, starts.length - 1) },
        rates,
        throttled: throttled.length,
        busiestSecond: busiest,
        coveredPerMinute,
        boundPerMinute,
        distinctRead,
        watched,
        loggedLag,
        health,
        rotationSeconds,
        warnings: Object.fromEntries(bot.logCounts),
      });
    });
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  return {
    id,
    title: `Throughput against the limit at ${maxTps}/s`,
    durationMs: Date.now() - started,
    figures: f.list,
    details,
    error,
  };
}

/** Most calls in any sliding one-second window (the simulator's own throttling window). */
function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while ((sorted[from] as number) <= (sorted[to] as number) - 1000) from++;
    max = Math.max(max, to - from + 1);
  }
  return max;
}

interface StageHealthRow {
  stage_arn: string;
  status: string;
  lag_seconds: number;
  last_error: string | null;
}

/** The bot's own view of each stage, read from its SQLite file after it stopped. */
export function readStageHealth(path: string): StageHealthRow[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db
      .prepare('SELECT stage_arn, status, lag_seconds, last_error FROM stage_health')
      .all() as unknown as StageHealthRow[];
  } finally {
    db.close();
  }
}
