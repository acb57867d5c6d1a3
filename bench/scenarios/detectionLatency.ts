import type { EventErrorCode } from '@aws-sdk/client-ivs-realtime';
import { ALERT_CHANNEL, cycleStarts, withHarness } from '../support/harness.ts';
import { formatMs, summarize } from '../support/latencyStats.ts';
import { addErrorEvent, seedStage } from '../support/population.ts';
import { figuresOf, type ScenarioResult } from '../support/resultTable.ts';
import { sleepUntilPhase, waitUntil } from '../support/timing.ts';
import { SATURATION } from './quotaThroughput.ts';
import type { ScenarioOptions } from './scenarioOptions.ts';

const EVERY_SECONDS = 5;
// One code per trial, so each trial's alert is a new group and a new message.
const TRIAL_CODES: readonly EventErrorCode[] = [
  'BITRATE_EXCEEDED',
  'RESOLUTION_EXCEEDED',
  'INVALID_VIDEO_CODEC',
  'PUBLISHER_NOT_FOUND',
  'QUOTA_EXCEEDED',
  'B_FRAME_PRESENT',
];
const GOAL_MS = EVERY_SECONDS * 1000 + 2_000;

/**
 * 6. Detection latency: from an error event appearing in IVS to its alert reaching Slack, at a 5 s
 * schedule. Trials land at evenly spread phases of the schedule, so the figures cover the whole wait
 * for the next tick, from almost none to almost a full interval.
 */
export async function detectionLatency(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const f = figuresOf('6 detection');
  const details: Record<string, unknown> = { everySeconds: EVERY_SECONDS, trials: TRIAL_CODES.length };
  let error: string | null = null;
  try {
    await withHarness(
      'detection',
      { ...options, simulatorRateLimit: SATURATION.simulatorLimit },
      async (h) => {
        const now = Date.now();
        const stage = seedStage(h.sim, {
          participants: 15,
          endedSessions: 1,
          eventsPerEndedParticipant: 8,
          now,
          live: { connected: 5, left: 0, eventsPerParticipant: 20, joinedAt: now - 60_000 },
        });
        const periodMs = EVERY_SECONDS * 1000;
        await sleepUntilPhase(periodMs, periodMs - 1_500);
        const bot = await h.startBot({
          maxTps: SATURATION.maxTps,
          schedule: `*/${EVERY_SECONDS} * * * * *`,
          watches: [{ stage: stage.stageArn, channel: ALERT_CHANNEL }],
        });
        await waitUntil(() => cycleStarts(h.sim.calls).length >= 1, 15_000, 'the first poll cycle');

        const trials: Array<{ code: string; phaseMs: number; latencyMs: number | null }> = [];
        for (const [i, code] of TRIAL_CODES.entries()) {
          const phaseMs = Math.round(((i + 0.5) / TRIAL_CODES.length) * periodMs);
          await sleepUntilPhase(periodMs, phaseMs);
          const at = Date.now();
          addErrorEvent(h.sim, stage, stage.connected[i % stage.connected.length] as string, code, at);
          const alerted = () =>
            h.slack
              .accepted('chat.postMessage')
              .find(
                (r) => r.at >= at && r.body.thread_ts === undefined && JSON.stringify(r.body).includes(code),
              );
          let latencyMs: number | null = null;
          try {
            await waitUntil(() => alerted() !== undefined, 3 * periodMs, `the ${code} alert`, 10);
            latencyMs = (alerted()?.at ?? at) - at;
          } catch (caught) {
            // A missing alert is a measured outcome: it shows as a miss in the table.
            if (!(caught instanceof Error && caught.message.startsWith('timed out'))) throw caught;
          }
          trials.push({ code, phaseMs, latencyMs });
        }
        await bot.stop();

        const seen = trials.filter((t) => t.latencyMs !== null).map((t) => t.latencyMs as number);
        const summary = summarize(seen);
        f.goal(
          `event → Slack p50/max (${trials.length} trials)`,
          `${formatMs(summary.p50)} / ${formatMs(summary.max)}${seen.length < trials.length ? `; ${trials.length - seen.length} never alerted` : ''}`,
          summary.max,
          `max ≤ ${formatMs(GOAL_MS)} (interval + 2 s)`,
          seen.length === trials.length && summary.max <= GOAL_MS,
        );
        Object.assign(details, { trials, summary, warnings: Object.fromEntries(bot.logCounts) });
      },
    );
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  return {
    id: 'detection',
    title: 'Detection latency',
    durationMs: Date.now() - started,
    figures: f.list,
    details,
    error,
  };
}
