import { readFileSync } from 'node:fs';
import { SqsSimulator } from '../../testkit/sqsSimulator.ts';
import { ALERT_CHANNEL, withHarness } from '../support/harness.ts';
import { formatMs, summarize } from '../support/latencyStats.ts';
import { figuresOf, type ScenarioResult } from '../support/resultTable.ts';
import { sleep, waitUntil } from '../support/timing.ts';
import type { ScenarioOptions } from './scenarioOptions.ts';

const TRIALS = 10;
const GOAL_MS = 2_000;
/** The fake Slack allows one message a second per channel, and so does the outbox: trials are spaced wider. */
const SPACING_MS = 1_500;
const FIXTURE = new URL(
  '../../test/fixtures/eventbridge/participant-recording.recording-start-failure.json',
  import.meta.url,
);

/**
 * 10. EventBridge event → Slack: from an IVS event entering the SQS queue (the SQS simulator, which the
 * bot long-polls with WaitTimeSeconds=20 through @aws-sdk/client-sqs) to its alert reaching the fake
 * Slack. Polling is set to once a day so that every alert can only come through the queue. Each trial
 * is a Recording Start Failure of its own session, so each is a new group and a new message.
 */
export async function eventLatency(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const f = figuresOf('10 events');
  const details: Record<string, unknown> = { trials: TRIALS, spacingMs: SPACING_MS };
  let error: string | null = null;
  const sqs = await SqsSimulator.start();
  try {
    await withHarness('events', options, async (h) => {
      const stageArn = h.sim.addStage({ name: 'events' });
      const queueUrl = sqs.createQueue('ivs-events', {
        deadLetter: { queueName: 'ivs-events-dlq', maxReceiveCount: 5 },
      });
      sqs.createQueue('ivs-events-dlq');
      const bot = await h.startBot({
        maxTps: 3,
        schedule: '0 0 * * *',
        watches: [{ stage: stageArn, channel: ALERT_CHANNEL }],
        env: { IVS_EVENTS_QUEUE_URL: queueUrl },
      });
      // The first long poll is waiting: from here on an event is taken as soon as it is sent.
      await waitUntil(() => sqs.waitingReceives > 0, 15_000, 'the first long poll');

      const template = JSON.parse(readFileSync(FIXTURE, 'utf8'));
      const trials: Array<{ sessionId: string; latencyMs: number | null }> = [];
      for (let i = 0; i < TRIALS; i++) {
        const sessionId = `st-BenchEvent${String(i).padStart(4, '0')}`;
        const event = {
          ...template,
          time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          resources: [stageArn],
          detail: { ...template.detail, session_id: sessionId, participant_id: `benchP${i}` },
        };
        const at = Date.now();
        sqs.send(queueUrl, JSON.stringify(event));
        const alerted = () =>
          h.slack
            .accepted('chat.postMessage')
            .find(
              (r) =>
                r.at >= at && r.body.thread_ts === undefined && JSON.stringify(r.body).includes(sessionId),
            );
        let latencyMs: number | null = null;
        try {
          await waitUntil(() => alerted() !== undefined, 10_000, `the alert of ${sessionId}`, 5);
          latencyMs = (alerted()?.at ?? at) - at;
        } catch (caught) {
          // A missing alert is a measured outcome: it shows as a miss in the table.
          if (!(caught instanceof Error && caught.message.startsWith('timed out'))) throw caught;
        }
        trials.push({ sessionId, latencyMs });
        await sleep(SPACING_MS);
      }
      const left = sqs.depth(queueUrl);
      await bot.stop();

      const seen = trials.filter((t) => t.latencyMs !== null).map((t) => t.latencyMs as number);
      const summary = summarize(seen);
      f.goal(
        `event in the queue → Slack p50/max (${trials.length} trials)`,
        `${formatMs(summary.p50)} / ${formatMs(summary.max)}${seen.length < trials.length ? `; ${trials.length - seen.length} never alerted` : ''}`,
        summary.max,
        `max < ${formatMs(GOAL_MS)}`,
        seen.length === trials.length && summary.max < GOAL_MS,
      );
      // Each message is deleted once its alert is stored: one left means a delete that never came.
      f.goal('messages left on the queue after the run', String(left), left, '0', left === 0);
      Object.assign(details, { trials, summary, warnings: Object.fromEntries(bot.logCounts) });
    });
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  } finally {
    await sqs.close();
  }
  return {
    id: 'events',
    title: 'EventBridge event → Slack latency',
    durationMs: Date.now() - started,
    figures: f.list,
    details,
    error,
  };
}
