import type { EventErrorCode } from '@aws-sdk/client-ivs-realtime';
import { ALERT_CHANNEL, cycleStarts, withHarness } from '../support/harness.ts';
import { formatMs } from '../support/latencyStats.ts';
import { addErrorEvent, type SeededStage, seedStage } from '../support/population.ts';
import { figuresOf, type ScenarioResult } from '../support/resultTable.ts';
import { sleep, sleepUntilPhase, waitUntil } from '../support/timing.ts';
import { SATURATION } from './quotaThroughput.ts';
import type { ScenarioOptions } from './scenarioOptions.ts';

const STAGES = 5;
const PARTICIPANTS_PER_STAGE = 3;
const EVENTS = 10_000;
const CODES: readonly EventErrorCode[] = [
  'BITRATE_EXCEEDED',
  'RESOLUTION_EXCEEDED',
  'INSUFFICIENT_CAPABILITIES',
  'QUOTA_EXCEEDED',
  'INVALID_VIDEO_CODEC',
];
const CODES_PER_STAGE = 3;
const SEEDED_EVENTS = 10;
const RSS_GOAL_MB = 150;
const IDLE_RSS_GOAL_MB = 100;
const QUIET_MS = 3_000;
// Longer than the 250 ms between two calls of a busy bucket at 4/s.
const QUIET_IVS_MS = 380;

/**
 * 5. Alert storm: 10,000 error events across 5 stages appear at once, just as a cycle starts, all
 * alerting into one channel. The bot should send one message per (stage, session, code) group,
 * stay under Slack's one message per second per channel (no 429), and keep its memory small.
 */
export async function alertStorm(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const f = figuresOf('5 storm');
  const details: Record<string, unknown> = { stages: STAGES, events: EVENTS, codesPerStage: CODES_PER_STAGE };
  let error: string | null = null;
  try {
    await withHarness('storm', { ...options, simulatorRateLimit: SATURATION.simulatorLimit }, async (h) => {
      const now = Date.now();
      const stages: SeededStage[] = Array.from({ length: STAGES }, () =>
        seedStage(h.sim, {
          participants: PARTICIPANTS_PER_STAGE,
          endedSessions: 0,
          eventsPerEndedParticipant: 0,
          now,
          live: {
            connected: PARTICIPANTS_PER_STAGE,
            left: 0,
            eventsPerParticipant: SEEDED_EVENTS,
            joinedAt: now - 60_000,
          },
        }),
      );
      const periodMs = SATURATION.everySeconds * 1000;
      await sleepUntilPhase(periodMs, periodMs - 1_500);
      const bot = await h.startBot({
        maxTps: SATURATION.maxTps,
        schedule: `*/${SATURATION.everySeconds} * * * * *`,
        watches: stages.map((s) => ({ stage: s.stageArn, channel: ALERT_CHANNEL })),
      });
      bot.sampleRss(200);
      const cpuBefore = bot.cpuSeconds();

      // The storm lands between cycles: after the first cycle read every participant once and went
      // quiet, so the next cycle is the first to see it and no read races with the injection.
      await waitUntil(
        () =>
          cycleStarts(h.sim.calls).length >= 1 && Date.now() - (h.sim.calls.at(-1)?.at ?? 0) > QUIET_IVS_MS,
        30_000,
        'the first poll cycle to finish',
      );
      // Idle: watching 5 live stages, one cycle done, nothing to alert (VmRSS now, not the start-up peak).
      const rssBeforeKb = bot.currentRssKb();
      const injectedAt = Date.now();
      const eventsOf = new Map<string, number>();
      const perStage = EVENTS / STAGES;
      for (const [s, stage] of stages.entries()) {
        for (let e = 0; e < perStage; e++) {
          // Every participant gets every code of its stage: each group spans all of them.
          const code = CODES[
            (s + (Math.floor(e / PARTICIPANTS_PER_STAGE) % CODES_PER_STAGE)) % CODES.length
          ] as EventErrorCode;
          const participantId = stage.connected[e % stage.connected.length] as string;
          eventsOf.set(participantId, (eventsOf.get(participantId) ?? SEEDED_EVENTS) + 1);
          addErrorEvent(h.sim, stage, participantId, code, injectedAt - 60_000 + (e % 60_000));
        }
      }
      const injectMs = Date.now() - injectedAt;
      // Every page of every storm participant must be read once before all groups are known.
      let stormPages = 0;
      for (const events of eventsOf.values()) stormPages += Math.ceil(events / 100);
      const readFloorMs = (stormPages / SATURATION.maxTps) * 1000;
      const cyclesBefore = cycleStarts(h.sim.calls).length;
      const expectedGroups = STAGES * CODES_PER_STAGE;
      const alertPosts = () =>
        h.slack
          .accepted('chat.postMessage')
          .filter((r) => r.body.thread_ts === undefined && r.at >= injectedAt);
      // Done when every group is posted, the cycle after the storm cycle re-read it all (no
      // duplicates; a third cycle started), and Slack heard nothing for a while.
      await waitUntil(
        () => {
          const last = h.slack.requests.at(-1)?.at ?? 0;
          return (
            alertPosts().length >= expectedGroups &&
            cycleStarts(h.sim.calls).length >= cyclesBefore + 3 &&
            Date.now() - last > QUIET_MS
          );
        },
        150_000,
        'the storm to be alerted and drained',
        100,
      );
      await sleep(200);
      const peakKb = bot.peakRssKb();
      const stormCpuSeconds = bot.cpuSeconds() - cpuBefore;
      await bot.stop();

      const afterStorm = h.slack.requests.filter(
        (r) => r.at >= injectedAt && !r.method.startsWith('response:'),
      );
      const posts = alertPosts();
      const replies = h.slack.accepted('chat.postMessage').filter((r) => r.body.thread_ts !== undefined);
      const updates = h.slack.accepted('chat.update');
      const refused = h.slack.rateLimited();
      const lastAccepted = afterStorm.filter((r) => r.status === 200).at(-1)?.at ?? injectedAt;
      const drainMs = lastAccepted - injectedAt;
      const groupsPosted = new Set(posts.map((p) => groupOf(p.body, stages)));
      const peakMb = peakKb / 1024;
      const throttled = h.sim.calls.filter((c) => c.status === 429).length;
      const stormReads = h.sim.calls.filter(
        (c) => c.operation === 'ListParticipantEvents' && c.at >= injectedAt,
      ).length;

      f.goal(
        'alert messages (top-level posts)',
        `${posts.length} for ${expectedGroups} groups (${groupsPosted.size} distinct)`,
        posts.length,
        `${expectedGroups} (one per group)`,
        posts.length === expectedGroups && groupsPosted.size === expectedGroups,
      );
      f.info('updates / thread replies', `${updates.length} / ${replies.length}`);
      f.goal('Slack 429s', String(refused.length), refused.length, '0', refused.length === 0);
      f.info(
        'time to drain (storm → last message)',
        `${formatMs(drainMs)} (reading ${stormPages} pages at ${SATURATION.maxTps}/s takes ${formatMs(readFloorMs)})`,
        drainMs,
      );
      f.goal(
        'idle RSS of the bot (VmRSS, watching 5 stages)',
        `${(rssBeforeKb / 1024).toFixed(0)} MB`,
        rssBeforeKb / 1024,
        `< ${IDLE_RSS_GOAL_MB} MB`,
        rssBeforeKb / 1024 < IDLE_RSS_GOAL_MB,
      );
      f.goal(
        'peak RSS of the bot (VmHWM)',
        `${peakMb.toFixed(0)} MB (idle ${(rssBeforeKb / 1024).toFixed(0)} MB; ${stormCpuSeconds.toFixed(1)} s CPU from healthy to drained)`,
        peakMb,
        `< ${RSS_GOAL_MB} MB`,
        peakMb < RSS_GOAL_MB,
      );
      Object.assign(details, {
        injectMs,
        expectedGroups,
        posts: posts.length,
        groupsPosted: [...groupsPosted],
        updates: updates.length,
        replies: replies.length,
        slack429: refused.length,
        drainMs,
        peakRssKb: peakKb,
        stormCpuSeconds,
        idleRssKb: rssBeforeKb,
        rssSamplesKb: bot.rssSamplesKb.filter((_, i) => i % 5 === 0),
        ivsThrottled: throttled,
        stormReads,
        stormPages,
        readFloorMs,
        warnings: Object.fromEntries(bot.logCounts),
      });
    });
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  return {
    id: 'storm',
    title: 'Alert storm',
    durationMs: Date.now() - started,
    figures: f.list,
    details,
    error,
  };
}

/** Which (stage, code) an alert message is about, from the stage ID and code it names. */
function groupOf(body: Record<string, unknown>, stages: readonly SeededStage[]): string {
  const text = JSON.stringify(body);
  const stage = stages.findIndex((s) => text.includes(s.stageArn.split('/')[1] as string));
  const code = CODES.find((c) => text.includes(c)) ?? '?';
  return `stage${stage}:${code}`;
}
