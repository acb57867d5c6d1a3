import { withHarness } from '../support/harness.ts';
import { formatMs, type LatencySummary, summarize } from '../support/latencyStats.ts';
import { figuresOf, type ScenarioResult } from '../support/resultTable.ts';
import { type CommandTiming, participantCommand } from '../support/slashCommands.ts';
import { sleep } from '../support/timing.ts';
import type { ScenarioOptions } from './scenarioOptions.ts';

const MAX_TPS = 4;
// One at a time, a pause longer than the bucket's spacing (1 / MAX_TPS) between requests, so each
// meets an idle bot as a person typing would; then 50 and 200 sent at once.
const WAVES = [
  { concurrency: 1, requests: 20, pauseMs: 300 },
  { concurrency: 50, requests: 50, pauseMs: 0 },
  { concurrency: 200, requests: 200, pauseMs: 0 },
] as const;
const SLACK_ACK_DEADLINE_MS = 3_000;

/**
 * 1. Slash-command latency: `/ivs participant …` signed like Slack, one at a time and then 50 and 200
 * at once. The ack must beat Slack's 3 s deadline whatever the load; the full answer waits for IVS
 * quota (two calls per command, each operation at IVS_MAX_TPS), so N at once take about N / rate.
 */
export async function commandLatency(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const f = figuresOf('1 commands');
  const details: Record<string, unknown> = { maxTps: MAX_TPS };
  let error: string | null = null;
  try {
    await withHarness('commands', options, async (h) => {
      const seeded = h.sim.seedStage({ participants: 20, eventsPerParticipant: 30 });
      const bot = await h.startBot({ maxTps: MAX_TPS, schedule: '*/5 * * * * *', watches: [] });
      const target = (i: number) => ({
        stageArn: seeded.stageArn,
        sessionId: seeded.sessionId,
        participantId: seeded.participantIds[i % seeded.participantIds.length] as string,
      });
      // The first request pays for lazy loading and connection set-up; reported, not mixed in.
      const cold = await participantCommand(bot.url, h.slack, target(0), 'cold', 30_000);
      details.cold = cold;
      f.info(
        'cold first command: ack / answer',
        `${formatMs(cold.ackMs)} / ${formatMs(cold.answerMs ?? Number.NaN)}`,
      );

      for (const wave of WAVES) {
        const timings = await runWave(wave.concurrency, wave.requests, wave.pauseMs, (i) =>
          participantCommand(bot.url, h.slack, target(i), `c${wave.concurrency}-${i}`, 180_000),
        );
        const ack = summarize(timings.map((t) => t.ackMs));
        const answered = timings.filter((t) => t.answerMs !== null);
        const answer = summarize(answered.map((t) => t.answerMs as number));
        const ok = timings.filter((t) => t.status === 200 && t.answerOk).length;
        // Each command needs one GetParticipant and one ListParticipantEvents; each operation's
        // bucket lets MAX_TPS through per second, so the last of N answers waits about N / MAX_TPS.
        const quotaFloorMs = ((wave.concurrency - 1) / MAX_TPS) * 1000;
        details[`c${wave.concurrency}`] = { ack, answer, ok, requests: wave.requests, quotaFloorMs, timings };
        f.goal(
          `ack c=${wave.concurrency} p50/p99/max`,
          triple(ack),
          ack.max,
          `max < ${SLACK_ACK_DEADLINE_MS / 1000} s (Slack deadline)`,
          ack.max < SLACK_ACK_DEADLINE_MS && ack.count === wave.requests,
        );
        f.info(
          `full answer c=${wave.concurrency} p50/p99/max`,
          wave.concurrency === 1
            ? triple(answer)
            : `${triple(answer)} (quota floor for the last: ${formatMs(quotaFloorMs)})`,
          answer.max,
        );
        f.goal(
          `answers c=${wave.concurrency} correct`,
          `${ok}/${wave.requests}`,
          ok,
          'all',
          ok === wave.requests,
        );
      }
      details.warnings = Object.fromEntries(bot.logCounts);
    });
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  return {
    id: 'commands',
    title: 'Slash-command latency',
    durationMs: Date.now() - started,
    figures: f.list,
    details,
    error,
  };
}

/** Runs `total` commands with at most `concurrency` in flight, each worker pausing `pauseMs` between them. */
async function runWave(
  concurrency: number,
  total: number,
  pauseMs: number,
  send: (i: number) => Promise<CommandTiming>,
): Promise<CommandTiming[]> {
  const timings: CommandTiming[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      timings.push(await send(i));
      if (pauseMs > 0) await sleep(pauseMs);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return timings;
}

function triple(s: LatencySummary): string {
  return `${formatMs(s.p50)} / ${formatMs(s.p99)} / ${formatMs(s.max)}`;
}
