import { withHarness } from '../support/harness.ts';
import { formatMs, summarize } from '../support/latencyStats.ts';
import { figuresOf, type ScenarioResult } from '../support/resultTable.ts';
import { type CommandTiming, participantCommand } from '../support/slashCommands.ts';
import { sleep, waitUntil } from '../support/timing.ts';
import { SATURATION, seedBeyondQuota, startSaturatedBot } from './quotaThroughput.ts';
import type { ScenarioOptions } from './scenarioOptions.ts';

const COMMANDS = 12;
// Not a multiple of the 5 s schedule, so the commands land at every phase of a cycle.
const SPACING_MS = 1_300;
const GOAL_MS = 1_500;

/**
 * 4. Interactive latency while the poller uses the whole quota: `/ivs participant` answers should not
 * wait behind the poller's queue, because people's calls go first in each (region, operation) bucket.
 */
export async function interactiveUnderLoad(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const f = figuresOf('4 interactive');
  const details: Record<string, unknown> = { ...SATURATION, commands: COMMANDS, spacingMs: SPACING_MS };
  let error: string | null = null;
  try {
    await withHarness(
      'interactive',
      { ...options, simulatorRateLimit: SATURATION.simulatorLimit },
      async (h) => {
        const stages = seedBeyondQuota(h);
        const bot = await startSaturatedBot(h, stages);
        await waitUntil(
          () => h.sim.calls.some((c) => c.operation === 'ListParticipantEvents'),
          15_000,
          'the poller reading events',
        );
        await sleep(1_000);
        const stage = stages[0] as (typeof stages)[number];
        const windowStart = Date.now();
        const sends: Promise<CommandTiming>[] = [];
        for (let i = 0; i < COMMANDS; i++) {
          sends.push(
            participantCommand(
              bot.url,
              h.slack,
              {
                stageArn: stage.stageArn,
                sessionId: stage.liveSessionId as string,
                participantId: stage.connected[(i * 17) % stage.connected.length] as string,
              },
              `busy-${i}`,
              30_000,
            ),
          );
          await sleep(SPACING_MS);
        }
        const timings = await Promise.all(sends);
        const windowEnd = Date.now();
        await bot.stop();

        const answers = summarize(timings.map((t) => t.answerMs ?? Number.POSITIVE_INFINITY));
        const acks = summarize(timings.map((t) => t.ackMs));
        const ok = timings.filter((t) => t.answerOk).length;
        const events = h.sim.calls.filter(
          (c) => c.operation === 'ListParticipantEvents' && c.at >= windowStart && c.at < windowEnd,
        );
        const perSecond = events.length / ((windowEnd - windowStart) / 1000);
        const throttled = h.sim.calls.filter((c) => c.status === 429).length;
        f.info(
          'ListParticipantEvents during the commands',
          `${perSecond.toFixed(2)}/s (bot limit ${SATURATION.maxTps}/s, poller + commands)`,
          perSecond,
        );
        f.goal(
          `full answer p50/p99/max (${COMMANDS} commands)`,
          `${formatMs(answers.p50)} / ${formatMs(answers.p99)} / ${formatMs(answers.max)}`,
          answers.max,
          `max ≤ ${GOAL_MS / 1000} s`,
          answers.max <= GOAL_MS && ok === COMMANDS,
        );
        f.info(
          'ack p50/max; answers correct',
          `${formatMs(acks.p50)} / ${formatMs(acks.max)}; ${ok}/${COMMANDS}`,
        );
        f.goal('throttling errors (429 from IVS)', String(throttled), throttled, '0', throttled === 0);
        Object.assign(details, {
          answers,
          acks,
          ok,
          perSecond,
          throttled,
          timings,
          warnings: Object.fromEntries(bot.logCounts),
        });
      },
    );
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  return {
    id: 'interactive',
    title: 'Interactive latency under load',
    durationMs: Date.now() - started,
    figures: f.list,
    details,
    error,
  };
}
