import { botIvsCalls, callsSince } from '../support/botMetrics.ts';
import { ALERT_CHANNEL, cycleStarts, withHarness } from '../support/harness.ts';
import { formatMs } from '../support/latencyStats.ts';
import { addErrorEvent, seedStage } from '../support/population.ts';
import { figuresOf, type ScenarioResult } from '../support/resultTable.ts';
import { type CommandTiming, participantCommand } from '../support/slashCommands.ts';
import { sleep, sleepUntilPhase, waitUntil } from '../support/timing.ts';
import { SATURATION } from './quotaThroughput.ts';
import type { ScenarioOptions } from './scenarioOptions.ts';

const COMMANDS = 200;
const WATCHED_CONNECTED = 3;
const POLLER_SHARE = 0.25;
const CODE = 'INVALID_VIDEO_CODEC';
// Detection latency without load: the wait for the next tick plus about a second for the cycle
// (scenario 6 measures it: interval + 2 s at most).
const NORMAL_DETECTION_MS = SATURATION.everySeconds * 1000 + 2_000;
// The poller's floor: reading the watched participants takes them ÷ (share × rate) while people wait.
const FLOOR_MS = (WATCHED_CONNECTED / (POLLER_SHARE * SATURATION.maxTps)) * 1000;

/**
 * 7. An alert during a burst of commands. 200 `/ivs participant` commands for 200 different
 * participants of another stage arrive at once: 400 reads, which keep GetParticipant and
 * ListParticipantEvents saturated for about a minute. Two seconds in, an error event appears on a
 * watched stage. With the poller's floor (IVS_POLLER_SHARE) the alert comes within the normal
 * detection latency plus the time the floor needs to read the watched participants; without it the
 * poller waits for the whole burst. The people still get (1 − share) of the rate at least.
 */
export async function alertDuringBurst(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const f = figuresOf('7 burst');
  const details: Record<string, unknown> = {
    commands: COMMANDS,
    pollerShare: POLLER_SHARE,
    maxTps: SATURATION.maxTps,
    everySeconds: SATURATION.everySeconds,
  };
  let error: string | null = null;
  try {
    await withHarness('burst', { ...options, simulatorRateLimit: SATURATION.simulatorLimit }, async (h) => {
      const now = Date.now();
      const watched = seedStage(h.sim, {
        participants: WATCHED_CONNECTED,
        endedSessions: 0,
        eventsPerEndedParticipant: 0,
        now,
        live: { connected: WATCHED_CONNECTED, left: 0, eventsPerParticipant: 10, joinedAt: now - 60_000 },
      });
      const asked = h.sim.seedStage({ participants: COMMANDS, eventsPerParticipant: 5 });
      const periodMs = SATURATION.everySeconds * 1000;
      await sleepUntilPhase(periodMs, periodMs - 1_500);
      const bot = await h.startBot({
        maxTps: SATURATION.maxTps,
        schedule: `*/${SATURATION.everySeconds} * * * * *`,
        watches: [{ stage: watched.stageArn, channel: ALERT_CHANNEL }],
        env: { IVS_POLLER_SHARE: String(POLLER_SHARE) },
      });
      await waitUntil(() => cycleStarts(h.sim.calls).length >= 2, 20_000, 'two poll cycles');
      // Counts are read between cycles, when no poller call is in flight, so the two counts can agree.
      const BETWEEN_CYCLES_MS = 3_500;
      await sleepUntilPhase(periodMs, BETWEEN_CYCLES_MS);
      const from = Date.now();
      const botBefore = await botIvsCalls(bot.url);
      const commands: Promise<CommandTiming>[] = asked.participantIds.map((participantId, i) =>
        participantCommand(
          bot.url,
          h.slack,
          { stageArn: asked.stageArn, sessionId: asked.sessionId, participantId },
          `burst-${i}`,
          180_000,
        ),
      );
      await sleep(2_000);
      const injectedAt = Date.now();
      addErrorEvent(h.sim, watched, watched.connected[0] as string, CODE, injectedAt);
      const alerted = () =>
        h.slack
          .accepted('chat.postMessage')
          .find((r) => r.at >= injectedAt && JSON.stringify(r.body).includes(CODE));
      let latencyMs: number | null = null;
      try {
        await waitUntil(() => alerted() !== undefined, 90_000, `the ${CODE} alert`, 10);
        latencyMs = (alerted()?.at ?? injectedAt) - injectedAt;
      } catch (caught) {
        if (!(caught instanceof Error && caught.message.startsWith('timed out'))) throw caught;
      }
      const timings = await Promise.all(commands);
      await sleepUntilPhase(periodMs, BETWEEN_CYCLES_MS);
      const botCalls = callsSince(botBefore, await botIvsCalls(bot.url));
      const burstCalls = h.sim.calls.filter((c) => c.at >= from);
      const answered = timings.filter((t) => t.answerMs !== null);
      const lastAnswerMs = Math.max(...answered.map((t) => t.sentAt + (t.answerMs as number))) - from;
      const ok = timings.filter((t) => t.answerOk).length;
      const stillBusy = alerted() !== undefined && (alerted()?.at ?? 0) < from + lastAnswerMs;

      const goalMs = NORMAL_DETECTION_MS + FLOOR_MS;
      f.goal(
        'error → Slack while 200 commands are answered',
        latencyMs === null
          ? 'never alerted'
          : `${formatMs(latencyMs)}${stillBusy ? ' (the commands were still being answered)' : ''}`,
        latencyMs,
        `≤ ${formatMs(goalMs)} (interval + 2 s + ${WATCHED_CONNECTED} reads ÷ (${POLLER_SHARE} × ${SATURATION.maxTps}/s))`,
        latencyMs !== null && latencyMs <= goalMs && stillBusy,
      );
      const peopleBoundMs = ((2 * COMMANDS) / 2 / ((1 - POLLER_SHARE) * SATURATION.maxTps)) * 1000 + 1_000;
      f.goal(
        '200 different commands: all answered after',
        `${formatMs(lastAnswerMs)} (${ok}/${timings.length} correct)`,
        lastAnswerMs,
        `≤ ${formatMs(peopleBoundMs)} (${COMMANDS} reads per operation ÷ ((1 − ${POLLER_SHARE}) × ${SATURATION.maxTps}/s) + 1 s)`,
        answered.length === COMMANDS && ok === COMMANDS && lastAnswerMs <= peopleBoundMs,
      );
      const pollerEvents = burstCalls.filter(
        (c) => c.operation === 'ListParticipantEvents' && c.body?.stageArn === watched.stageArn,
      ).length;
      const allEvents = burstCalls.filter((c) => c.operation === 'ListParticipantEvents').length;
      f.info(
        'poller’s ListParticipantEvents during the burst',
        `${pollerEvents} of ${allEvents} (${((pollerEvents / Math.max(1, allEvents)) * 100).toFixed(0)} %; it needs ${WATCHED_CONNECTED} per ${SATURATION.everySeconds} s cycle)`,
        pollerEvents,
      );
      const simCounts: Record<string, number> = {};
      for (const c of burstCalls) simCounts[c.operation] = (simCounts[c.operation] ?? 0) + 1;
      const agree = Object.keys({ ...simCounts, ...botCalls }).every(
        (op) => (simCounts[op] ?? 0) === (botCalls[op] ?? 0),
      );
      f.goal(
        'bot’s own call count during the burst',
        Object.entries(botCalls)
          .map(([op, n]) => `${op} ${n}`)
          .join(', '),
        null,
        'equal to the simulator’s, per operation',
        agree,
      );
      const throttled = burstCalls.filter((c) => c.status === 429).length;
      f.goal('throttling errors (429 from IVS)', String(throttled), throttled, '0', throttled === 0);
      Object.assign(details, {
        latencyMs,
        goalMs,
        lastAnswerMs,
        ok,
        simCounts,
        botCalls,
        pollerEvents,
        allEvents,
        warnings: Object.fromEntries(bot.logCounts),
      });
    });
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  return {
    id: 'burst',
    title: 'An alert during a burst of commands',
    durationMs: Date.now() - started,
    figures: f.list,
    details,
    error,
  };
}
