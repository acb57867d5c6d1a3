import { botIvsCalls, callsSince, total } from '../support/botMetrics.ts';
import { countByOperation, withHarness } from '../support/harness.ts';
import { formatMs, type LatencySummary, summarize } from '../support/latencyStats.ts';
import { figuresOf, type ScenarioResult } from '../support/resultTable.ts';
import { type CommandTiming, type ParticipantRef, participantCommand } from '../support/slashCommands.ts';
import { sleep } from '../support/timing.ts';
import type { ScenarioOptions } from './scenarioOptions.ts';

const MAX_TPS = 4;
const CACHE_SECONDS = 5;
const PARTICIPANTS = 20;
const READS = ['GetParticipant', 'ListParticipantEvents'];
const ACK_GOAL_SEQUENTIAL_MS = 10;
const ACK_GOAL_BURST_MS = 250;
const IDENTICAL_GOAL_MS = 5_000;
const IDLE_RSS_GOAL_MB = 100;

/**
 * 1. Slash commands, signed like Slack's, against a bot with the read cache on (5 s):
 * - one at a time, 300 ms apart, each for another participant (a person typing; every read is new);
 * - 200 identical commands at once (an incident: everyone asks about the same participant);
 * - 200 commands at once over 20 participants.
 * Waves are 6 s apart, so each starts with nothing cached. The simulator's own count of the requests
 * it received is compared with the bot's (its /metrics).
 */
export async function commandLatency(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const f = figuresOf('1 commands');
  const details: Record<string, unknown> = { maxTps: MAX_TPS, cacheSeconds: CACHE_SECONDS };
  let error: string | null = null;
  try {
    await withHarness('commands', options, async (h) => {
      const seeded = h.sim.seedStage({ participants: PARTICIPANTS, eventsPerParticipant: 30 });
      const bot = await h.startBot({
        maxTps: MAX_TPS,
        schedule: '*/5 * * * * *',
        watches: [],
        env: { IVS_READ_CACHE_SECONDS: String(CACHE_SECONDS) },
      });
      const target = (i: number): ParticipantRef => ({
        stageArn: seeded.stageArn,
        sessionId: seeded.sessionId,
        participantId: seeded.participantIds[i % seeded.participantIds.length] as string,
      });
      await sleep(3_000);
      const idleKb = bot.currentRssKb();
      details.idleRssKb = idleKb;
      details.startPeakRssKb = bot.peakRssKb();
      f.goal(
        'idle RSS 3 s after start (VmRSS, no watches)',
        `${(idleKb / 1024).toFixed(0)} MB`,
        idleKb / 1024,
        `< ${IDLE_RSS_GOAL_MB} MB`,
        idleKb / 1024 < IDLE_RSS_GOAL_MB,
      );

      // The first request pays for lazy loading and connection set-up; reported, not mixed in.
      const cold = await participantCommand(bot.url, h.slack, target(0), 'cold', 30_000);
      details.cold = cold;
      f.info(
        'cold first command: ack / answer',
        `${formatMs(cold.ackMs)} / ${formatMs(cold.answerMs ?? Number.NaN)}`,
      );
      await sleep((CACHE_SECONDS + 1) * 1000);

      // One at a time, each for a participant not read in the last 5 s: every command calls IVS.
      const sequential = await measureWave(h, bot.url, 'c1', async (send) => {
        const timings: CommandTiming[] = [];
        for (let i = 1; i <= PARTICIPANTS; i++) {
          timings.push(await send(target(i), `seq-${i}`));
          await sleep(300);
        }
        return timings;
      });
      details.sequential = sequential;
      f.goal(
        'ack one at a time p50/p99/max',
        triple(sequential.ack),
        sequential.ack.p99,
        `p99 < ${ACK_GOAL_SEQUENTIAL_MS} ms`,
        sequential.ack.p99 < ACK_GOAL_SEQUENTIAL_MS && sequential.ack.count === PARTICIPANTS,
      );
      f.info('full answer one at a time p50/p99/max', triple(sequential.answer), sequential.answer.max);
      f.goal(
        'answers one at a time correct',
        `${sequential.ok}/${sequential.count}`,
        sequential.ok,
        'all',
        sequential.ok === sequential.count,
      );
      await sleep((CACHE_SECONDS + 1) * 1000);

      const identical = await measureWave(h, bot.url, 'same', (send) =>
        Promise.all(Array.from({ length: 200 }, (_, i) => send(target(0), `same-${i}`))),
      );
      details.identical = identical;
      burstFigures(f, '200 identical', identical, 2);
      f.goal(
        '200 identical: all answered after',
        `${formatMs(identical.allAnsweredMs)} (${identical.ok}/${identical.count} correct)`,
        identical.allAnsweredMs,
        `< ${IDENTICAL_GOAL_MS / 1000} s, all correct`,
        identical.allAnsweredMs < IDENTICAL_GOAL_MS && identical.ok === identical.count,
      );
      await sleep((CACHE_SECONDS + 1) * 1000);

      const spread = await measureWave(h, bot.url, 'spread', (send) =>
        Promise.all(Array.from({ length: 200 }, (_, i) => send(target(i), `spread-${i}`))),
      );
      details.spread = spread;
      burstFigures(f, `200 over ${PARTICIPANTS}`, spread, PARTICIPANTS * READS.length);
      // Each operation reads each participant once, at MAX_TPS; the first read of each goes at once.
      const boundMs = (PARTICIPANTS / MAX_TPS) * 1000 + 1_000;
      f.goal(
        `200 over ${PARTICIPANTS}: all answered after`,
        `${formatMs(spread.allAnsweredMs)} (${spread.ok}/${spread.count} correct)`,
        spread.allAnsweredMs,
        `≤ ${formatMs(boundMs)} (${PARTICIPANTS} reads ÷ ${MAX_TPS}/s + 1 s), all correct`,
        spread.allAnsweredMs <= boundMs && spread.ok === spread.count,
      );
      details.peakRssKb = bot.peakRssKb();
      f.info(
        'peak RSS after the bursts (VmHWM)',
        `${(bot.peakRssKb() / 1024).toFixed(0)} MB`,
        bot.peakRssKb(),
      );
      details.warnings = Object.fromEntries(bot.logCounts);
    });
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  return {
    id: 'commands',
    title: 'Slash-command latency and shared reads',
    durationMs: Date.now() - started,
    figures: f.list,
    details,
    error,
  };
}

interface Wave {
  readonly count: number;
  readonly ok: number;
  readonly ack: LatencySummary;
  readonly answer: LatencySummary;
  /** From the first request sent to the last answer received. */
  readonly allAnsweredMs: number;
  /** IVS requests the simulator received during the wave, by operation. */
  readonly simulatorCalls: Record<string, number>;
  /** IVS calls the bot counted (its /metrics) during the wave, by operation. */
  readonly botCalls: Record<string, number>;
  readonly timings: readonly CommandTiming[];
}

type Send = (target: ParticipantRef, name: string) => Promise<CommandTiming>;

async function measureWave(
  h: Parameters<Parameters<typeof withHarness>[2]>[0],
  botUrl: string,
  label: string,
  run: (send: Send) => Promise<CommandTiming[]>,
): Promise<Wave> {
  const botBefore = await botIvsCalls(botUrl);
  const from = Date.now();
  const timings = await run((target, name) =>
    participantCommand(botUrl, h.slack, target, `${label}-${name}`, 180_000),
  );
  const botCalls = callsSince(botBefore, await botIvsCalls(botUrl));
  const simulatorCalls = countByOperation(h.sim.calls.filter((c) => c.at >= from));
  const answered = timings.filter((t) => t.answerMs !== null);
  const firstSent = Math.min(...timings.map((t) => t.sentAt));
  const lastAnswer = Math.max(...answered.map((t) => t.sentAt + (t.answerMs as number)));
  return {
    count: timings.length,
    ok: timings.filter((t) => t.status === 200 && t.answerOk).length,
    ack: summarize(timings.map((t) => t.ackMs)),
    answer: summarize(answered.map((t) => t.answerMs as number)),
    allAnsweredMs: answered.length === timings.length ? lastAnswer - firstSent : Number.POSITIVE_INFINITY,
    simulatorCalls,
    botCalls,
    timings,
  };
}

/** Ack latency, IVS calls against the distinct reads, and the bot's count against the simulator's. */
function burstFigures(
  f: ReturnType<typeof figuresOf>,
  label: string,
  wave: Wave,
  distinctReads: number,
): void {
  f.goal(
    `${label}: ack p50/p99/max`,
    triple(wave.ack),
    wave.ack.p99,
    `p99 < ${ACK_GOAL_BURST_MS} ms`,
    wave.ack.p99 < ACK_GOAL_BURST_MS && wave.ack.count === wave.count,
  );
  const calls = total(wave.simulatorCalls, READS);
  f.goal(
    `${label}: IVS calls (simulator)`,
    `${calls} (${READS.map((op) => `${op} ${wave.simulatorCalls[op] ?? 0}`).join(', ')})`,
    calls,
    `= ${distinctReads} (one per distinct read; ${wave.count * READS.length} without sharing)`,
    calls === distinctReads,
  );
  const agree = READS.every((op) => (wave.botCalls[op] ?? 0) === (wave.simulatorCalls[op] ?? 0));
  f.goal(
    `${label}: bot's own call count`,
    `${total(wave.botCalls, READS)} (${READS.map((op) => `${op} ${wave.botCalls[op] ?? 0}`).join(', ')})`,
    total(wave.botCalls, READS),
    'equal to the simulator’s, per operation',
    agree,
  );
}

function triple(s: LatencySummary): string {
  return `${formatMs(s.p50)} / ${formatMs(s.p99)} / ${formatMs(s.max)}`;
}
