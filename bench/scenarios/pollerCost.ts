import { IVSRealTimeClient } from '@aws-sdk/client-ivs-realtime';
import { ALERT_CHANNEL, cycleStarts, type Harness, withHarness } from '../support/harness.ts';
import { runNaiveCycle } from '../support/naivePoller.ts';
import { addActivity, type SeededStage, seedStage } from '../support/population.ts';
import { figuresOf, type ScenarioResult } from '../support/resultTable.ts';
import { sleepUntilPhase, waitUntil } from '../support/timing.ts';
import type { ScenarioOptions } from './scenarioOptions.ts';

const MAX_TPS = 4;
const PARTICIPANTS_PER_STAGE = 200;
// A cycle's cost follows activity: one GetStage per stage, one ListParticipants per live session and
// one page of events per connected participant. A little over it allows a second page of events
// when activity starts one; a poller that re-read history (the ones who left, ended sessions) or
// re-listed what did not change would be far over. "≤ 0.2× naive" could not fail: the budget caps a
// cycle far below it whatever the poller reads.
const ACTIVITY_SLACK = 1.05;
// A few live sessions in all; the schedule is long enough for a cycle to read every live participant
// (discovery costs one ListStageSessions per stage at MAX_TPS, then the reads), so "steady state" is
// the bot keeping up, not the bot falling behind.
const SIZES = [
  { stages: 1, live: 1, everySeconds: 10, cycles: 4 },
  { stages: 10, live: 2, everySeconds: 15, cycles: 3 },
  { stages: 50, live: 3, everySeconds: 30, cycles: 2 },
] as const;
const START_LEAD_MS = 1_500;

interface CycleCost {
  readonly startedAt: number;
  readonly calls: number;
  readonly byOperation: Record<string, number>;
  /** What the bot itself reported for the cycle (its 'poll cycle' log line). */
  readonly reportedCalls: number | null;
  readonly durationMs: number | null;
}

/**
 * 2. Poller cost: IVS calls per cycle, first cycle and steady state, against a naive poller that reads
 * everything every cycle, on the same simulator in the same run.
 */
export async function pollerCost(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const details: Record<string, unknown> = { maxTps: MAX_TPS, parallel: true };
  // The three sizes run side by side, each with its own simulator, fake Slack and bot: only call
  // counts are measured here, and those do not depend on CPU contention. It saves two minutes.
  const runs = await Promise.allSettled(
    SIZES.map(async (size) => {
      const f = figuresOf('2 poller cost');
      details[`stages${size.stages}`] = await withHarness(`poller-${size.stages}`, options, (h) =>
        measure(h, size, f),
      );
      return f.list;
    }),
  );
  const figures = runs.flatMap((run) => (run.status === 'fulfilled' ? run.value : []));
  const errors = runs.flatMap((run, i) =>
    run.status === 'rejected'
      ? [
          `${SIZES[i]?.stages} stages: ${run.reason instanceof Error ? run.reason.message : String(run.reason)}`,
        ]
      : [],
  );
  return {
    id: 'poller',
    title: 'Poller cost',
    durationMs: Date.now() - started,
    figures,
    details,
    error: errors.length > 0 ? errors.join('; ') : null,
  };
}

async function measure(
  h: Harness,
  size: (typeof SIZES)[number],
  f: ReturnType<typeof figuresOf>,
): Promise<Record<string, unknown>> {
  const now = Date.now();
  const stages: SeededStage[] = [];
  for (let i = 0; i < size.stages; i++) {
    stages.push(
      seedStage(h.sim, {
        participants: PARTICIPANTS_PER_STAGE,
        endedSessions: 2,
        eventsPerEndedParticipant: 8,
        now,
        live:
          i < size.live
            ? { connected: 20, left: 10, eventsPerParticipant: 40, joinedAt: now - 600_000 }
            : null,
      }),
    );
  }

  const client = new IVSRealTimeClient(h.sim.clientConfig());
  const naive = await runNaiveCycle(
    client,
    stages.map((s) => s.stageArn),
  ).finally(() => client.destroy());
  const naiveSimCalls = h.sim.callCount();
  h.sim.resetCalls();

  const periodMs = size.everySeconds * 1000;
  await sleepUntilPhase(periodMs, periodMs - START_LEAD_MS);
  const bot = await h.startBot({
    maxTps: MAX_TPS,
    schedule: `*/${size.everySeconds} * * * * *`,
    watches: stages.map((s) => ({ stage: s.stageArn, channel: ALERT_CHANNEL })),
    // The 'poll cycle' info line marks the end of each cycle and carries the bot's own call count.
    logLevel: 'info',
  });
  // Activity: a new ordinary event in every live session each second.
  const live = stages.filter((s) => s.connected.length > 0);
  let tick = 0;
  const events = setInterval(() => {
    tick += 1;
    for (const stage of live)
      addActivity(h.sim, stage, stage.connected[tick % stage.connected.length] as string, Date.now());
  }, 1_000);
  try {
    await waitUntil(
      () => bot.logsWith('poll cycle').length >= size.cycles,
      (size.cycles + 2) * periodMs + 30_000,
      `${size.cycles} poll cycles over ${size.stages} stages`,
      100,
    );
  } finally {
    clearInterval(events);
  }
  await bot.stop();

  const calls = h.sim.calls;
  const reports = bot.logsWith('poll cycle');
  const starts = cycleStarts(calls);
  const cycles: CycleCost[] = starts.slice(0, size.cycles).map((startedAt, i) => {
    const end = starts[i + 1] ?? Number.POSITIVE_INFINITY;
    const inCycle = calls.filter((c) => c.at >= startedAt && c.at < end);
    const byOperation: Record<string, number> = {};
    for (const c of inCycle) byOperation[c.operation] = (byOperation[c.operation] ?? 0) + 1;
    const report = reports[i]?.fields;
    return {
      startedAt,
      calls: inCycle.length,
      byOperation,
      reportedCalls: typeof report?.apiCalls === 'number' ? report.apiCalls : null,
      durationMs: typeof report?.durationMs === 'number' ? report.durationMs : null,
    };
  });
  const first = cycles[0];
  const steady = cycles.slice(1);
  if (!first || steady.length === 0)
    throw new Error(`only ${cycles.length} cycles seen for ${size.stages} stages`);
  const steadyCalls = steady.reduce((sum, c) => sum + c.calls, 0) / steady.length;
  const firstRatio = first.calls / naive.calls;
  const steadyRatio = steadyCalls / naive.calls;
  const label = `${size.stages} stage${size.stages === 1 ? '' : 's'} × ${PARTICIPANTS_PER_STAGE}`;
  const connected = live.reduce((sum, s) => sum + s.connected.length, 0);
  f.info(
    `${label}: naive calls/cycle`,
    `${naive.calls} (${naive.participants} participants, ${connected} connected in ${live.length} live session${live.length === 1 ? '' : 's'})`,
    naive.calls,
  );
  f.info(`${label}: bot first cycle`, `${first.calls} calls = ${firstRatio.toFixed(3)}× naive`, first.calls);
  const activity = size.stages + live.length + connected;
  f.goal(
    `${label}: bot steady state`,
    `${steadyCalls.toFixed(1)} calls/cycle = ${steadyRatio.toFixed(3)}× naive`,
    steadyCalls,
    `≤ ${(activity * ACTIVITY_SLACK).toFixed(1)} (${size.stages} stages + ${live.length} live + ${connected} connected, +5 %)`,
    steadyCalls <= activity * ACTIVITY_SLACK,
  );
  const disagree = cycles.filter((c) => c.reportedCalls !== c.calls);
  f.goal(
    `${label}: bot's own count per cycle`,
    disagree.length === 0
      ? `equal on ${cycles.length} of ${cycles.length} cycles`
      : `differs on ${disagree.length} of ${cycles.length} (${disagree.map((c) => `${c.reportedCalls ?? 'none'} vs ${c.calls}`).join(', ')})`,
    disagree.length,
    'equal to the simulator’s on every cycle',
    disagree.length === 0,
  );
  const steadyFrom = steady[0]?.startedAt ?? Number.POSITIVE_INFINITY;
  const behind = bot
    .logsWith('poller behind: more participants than the IVS quota can read in one interval')
    .filter((log) => log.time >= steadyFrom);
  const participantsBehind = Math.max(
    0,
    ...behind.map((log) =>
      typeof log.fields.participantsBehind === 'number' ? log.fields.participantsBehind : 0,
    ),
  );
  f.goal(
    `${label}: participants behind at steady state`,
    String(participantsBehind),
    participantsBehind,
    '0',
    participantsBehind === 0,
  );
  const skipped = bot.logCounts.get('warn: poll cycle skipped: the previous cycle is still running') ?? 0;
  return {
    schedule: `*/${size.everySeconds} * * * * *`,
    liveSessions: live.length,
    connected,
    naive,
    naiveSimCalls,
    cycles,
    steadyCalls,
    firstRatio,
    steadyRatio,
    skippedTicks: skipped,
    warnings: Object.fromEntries([...bot.logCounts].filter(([key]) => !key.startsWith('info'))),
  };
}
