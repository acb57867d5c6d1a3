import type { EventErrorCode } from '@aws-sdk/client-ivs-realtime';
import type { SimulatorCall } from '../../testkit/ivsSimulator.ts';
import { ALERT_CHANNEL, type Harness, withHarness } from '../support/harness.ts';
import { formatMs } from '../support/latencyStats.ts';
import { errorEventName } from '../support/population.ts';
import { figuresOf, type ScenarioResult } from '../support/resultTable.ts';
import { sleep, waitUntil } from '../support/timing.ts';
import type { ScenarioOptions } from './scenarioOptions.ts';

const STAGES = 10;
const CONNECTED = 2;
const LEFT = 48;
const EVERY_SECONDS = 2;
const MAX_TPS = 3;
const SIMULATOR_LIMIT = 5;
const GOAL_MS = 10_000;
// One code per trial, so that each alert is a new message.
const AT_START: EventErrorCode = 'BITRATE_EXCEEDED';
const AFTER_READ: readonly EventErrorCode[] = [
  'RESOLUTION_EXCEEDED',
  'INVALID_VIDEO_CODEC',
  'B_FRAME_PRESENT',
];

interface LiveStage {
  readonly stageArn: string;
  readonly sessionId: string;
  readonly connected: readonly string[];
  readonly left: ReadonlySet<string>;
}

/**
 * Detection latency during a backlog: 10 watched stages, each with a live session of 2 connected
 * participants and 48 who joined and left before the watch began, a 2 s schedule and IVS_MAX_TPS=3.
 * One error is added to a connected participant just after the watches start (while the backlog of
 * 480 is unread), then three more, each just after the poller has read its participant (the longest
 * wait there is: one full rotation over the connected participants). Goal: alerted within 10 s.
 */
export async function backlogLatency(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const f = figuresOf('backlog latency');
  const details: Record<string, unknown> = {
    stages: STAGES,
    connected: CONNECTED,
    left: LEFT,
    everySeconds: EVERY_SECONDS,
    maxTps: MAX_TPS,
  };
  let error: string | null = null;
  try {
    await withHarness('backlog', { ...options, simulatorRateLimit: SIMULATOR_LIMIT }, async (h) => {
      const stages = Array.from({ length: STAGES }, () => seedLiveStage(h, Date.now()));
      const bot = await h.startBot({
        maxTps: MAX_TPS,
        schedule: `*/${EVERY_SECONDS} * * * * *`,
        watches: stages.map((s) => ({ stage: s.stageArn, channel: ALERT_CHANNEL })),
      });
      const botStarted = Date.now();
      const trials: Array<{ trial: string; code: string; latencyMs: number | null }> = [];

      // Just after the watches start: the last stage's second host.
      const last = stages.at(-1) as LiveStage;
      trials.push({
        trial: 'at watch start',
        code: AT_START,
        latencyMs: await errorToAlert(h, last, last.connected[1] as string, AT_START),
      });
      // Then just after a host's read: it waits a whole rotation for the next one.
      for (const [i, code] of AFTER_READ.entries()) {
        const stage = stages[i] as LiveStage;
        const host = stage.connected[0] as string;
        const since = Date.now();
        // A host not read within 30 s is a measured outcome too (a poller that starves it).
        const read = await waitUntil(
          () => readOf(h.sim.calls, host, since) !== undefined,
          30_000,
          'a read',
          5,
        ).then(
          () => true,
          () => false,
        );
        trials.push({
          trial: read ? 'just after its read' : 'host not read for 30 s',
          code,
          latencyMs: await errorToAlert(h, stage, host, code),
        });
      }
      await bot.stop();

      const runMs = Date.now() - botStarted;
      const reads = h.sim.calls.filter((c) => c.operation === 'ListParticipantEvents' && c.at >= botStarted);
      const leftIds = new Set(stages.flatMap((s) => [...s.left]));
      const backlogRead = new Set(
        reads.map((c) => String(c.body?.participantId)).filter((id) => leftIds.has(id)),
      );
      const throttled = h.sim.calls.filter((c) => c.status === 429).length;
      for (const t of trials) {
        f.goal(
          `error → Slack, ${t.trial} (${t.code})`,
          t.latencyMs === null ? 'never alerted' : formatMs(t.latencyMs),
          t.latencyMs,
          `≤ ${formatMs(GOAL_MS)}`,
          t.latencyMs !== null && t.latencyMs <= GOAL_MS,
        );
      }
      f.info(
        'ListParticipantEvents rate',
        `${((reads.length / runMs) * 1000).toFixed(2)}/s over ${(runMs / 1000).toFixed(0)} s (bot limit ${MAX_TPS}/s)`,
        (reads.length / runMs) * 1000,
      );
      f.info(
        'backlog read meanwhile',
        `${backlogRead.size} of ${leftIds.size} participants who left before the watch`,
        backlogRead.size,
      );
      f.goal('throttling errors (429 from IVS)', String(throttled), throttled, '0', throttled === 0);
      Object.assign(details, {
        trials,
        runMs,
        reads: reads.length,
        backlogRead: backlogRead.size,
        throttled,
        warnings: Object.fromEntries(bot.logCounts),
      });
    });
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  return {
    id: 'backlog',
    title: 'Detection latency during a backlog',
    durationMs: Date.now() - started,
    figures: f.list,
    details,
    error,
  };
}

/** A live session: the hosts joined first and stay; the others joined later and left, before the watch. */
function seedLiveStage(h: Harness, now: number): LiveStage {
  const stageArn = h.sim.addStage();
  const sessionId = h.sim.startSession(stageArn, { startTime: now - 3_600_000 });
  const connected: string[] = [];
  for (let c = 0; c < CONNECTED; c++) {
    const joined = now - 3_000_000;
    const id = h.sim.addParticipant(stageArn, sessionId, { firstJoinTime: joined, published: true });
    h.sim.addEvent(stageArn, sessionId, id, { name: 'JOINED', eventTime: joined });
    h.sim.addEvent(stageArn, sessionId, id, { name: 'PUBLISH_STARTED', eventTime: joined + 1_000 });
    connected.push(id);
  }
  const left = new Set<string>();
  for (let v = 0; v < LEFT; v++) {
    const joined = now - 600_000 + v * 1_000;
    const id = h.sim.addParticipant(stageArn, sessionId, { state: 'DISCONNECTED', firstJoinTime: joined });
    h.sim.addEvent(stageArn, sessionId, id, { name: 'JOINED', eventTime: joined });
    h.sim.addEvent(stageArn, sessionId, id, { name: 'LEFT', eventTime: joined + 30_000 });
    left.add(id);
  }
  return { stageArn, sessionId, connected, left };
}

function readOf(
  calls: readonly SimulatorCall[],
  participantId: string,
  since: number,
): SimulatorCall | undefined {
  return calls.find(
    (c) =>
      c.operation === 'ListParticipantEvents' && c.at >= since && c.body?.participantId === participantId,
  );
}

/** Adds an error event now and waits for its alert; the latency, or null when it never came. */
async function errorToAlert(
  h: Harness,
  stage: LiveStage,
  participantId: string,
  code: EventErrorCode,
): Promise<number | null> {
  const at = Date.now();
  h.sim.addEvent(stage.stageArn, stage.sessionId, participantId, {
    name: errorEventName(code),
    errorCode: code,
    eventTime: at,
  });
  const alerted = () =>
    h.slack
      .accepted('chat.postMessage')
      .find((r) => r.at >= at && r.body.thread_ts === undefined && JSON.stringify(r.body).includes(code));
  try {
    await waitUntil(() => alerted() !== undefined, 3 * GOAL_MS, `the ${code} alert`, 10);
  } catch (caught) {
    // A missing alert is a measured outcome: it shows as a miss in the table.
    if (caught instanceof Error && caught.message.startsWith('timed out')) return null;
    throw caught;
  }
  // Let the next trial start in a quiet moment of Slack's per-channel limit.
  await sleep(1_100);
  return (alerted()?.at ?? at) - at;
}
