import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { UndeliveredMessages } from '../domain/model.ts';

/** The bot's Prometheus metrics, one registry per process (tests create their own). */
export interface Metrics {
  readonly registry: Registry;
  readonly commands: Counter<'command' | 'outcome'>;
  readonly ivsCalls: Counter<'operation' | 'outcome'>;
  readonly ivsCallSeconds: Histogram<'operation'>;
  readonly pollCycles: Counter<'outcome'>;
  readonly pollCycleSeconds: Histogram;
  readonly pollerLagSeconds: Gauge;
  readonly alertsDetected: Counter;
  readonly alertMessages: Counter<'kind' | 'outcome'>;
  readonly slackErrors: Counter<'error'>;
  readonly outboxDepth: Gauge;
  readonly alertMessagesFailed: Gauge<'cause'>;
  readonly leader: Gauge;
  // The EventBridge queue (IVS_EVENTS_QUEUE_URL, issue 13)
  readonly eventsReceived: Counter;
  readonly eventsAlerted: Counter;
  readonly eventsIgnored: Counter<'reason'>;
  readonly eventsFailed: Counter<'step'>;
  readonly eventsOldestAgeSeconds: Gauge;
}

export function createMetrics(
  options: {
    outboxDepth?: () => Promise<number>;
    undelivered?: () => Promise<readonly UndeliveredMessages[]>;
  } = {},
): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ivs_bot_' });
  const outboxDepth = options.outboxDepth;
  const undelivered = options.undelivered;
  return {
    registry,
    commands: new Counter({
      name: 'ivs_bot_commands_total',
      help: 'Slash commands and button clicks handled, by name and outcome (ok, usage_error, ivs_error, refused).',
      labelNames: ['command', 'outcome'],
      registers: [registry],
    }),
    ivsCalls: new Counter({
      name: 'ivs_bot_ivs_calls_total',
      help: 'IVS API calls by operation and outcome (ok, not_found, access_denied, throttled, invalid_input, unavailable).',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    ivsCallSeconds: new Histogram({
      name: 'ivs_bot_ivs_call_duration_seconds',
      help: 'IVS API call duration including SDK retries.',
      labelNames: ['operation'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    pollCycles: new Counter({
      name: 'ivs_bot_poll_cycles_total',
      help: 'Poll cycles by outcome (ok, skipped: previous still running, failed).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    pollCycleSeconds: new Histogram({
      name: 'ivs_bot_poll_cycle_duration_seconds',
      help: 'Duration of completed poll cycles.',
      buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    pollerLagSeconds: new Gauge({
      name: 'ivs_bot_poller_lag_seconds',
      help: 'How long the least recently read participant has waited (0 when the quota covers everyone).',
      registers: [registry],
    }),
    alertsDetected: new Counter({
      name: 'ivs_bot_alerts_detected_total',
      help: 'New error events detected (after deduplication).',
      registers: [registry],
    }),
    alertMessages: new Counter({
      name: 'ivs_bot_alert_messages_total',
      help: 'Alert message attempts by kind (post, update, reply, notice) and outcome (sent, skipped_muted, superseded, retry, failed: refused by Slack for good).',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    slackErrors: new Counter({
      name: 'ivs_bot_slack_errors_total',
      help: 'Slack Web API errors by error code (rate_limited, not_in_channel, invalid_auth, …).',
      labelNames: ['error'],
      registers: [registry],
    }),
    outboxDepth: new Gauge({
      name: 'ivs_bot_outbox_depth',
      help: 'Alert messages waiting to be sent.',
      registers: [registry],
      async collect() {
        if (outboxDepth) this.set(await outboxDepth());
      },
    }),
    alertMessagesFailed: new Gauge({
      name: 'ivs_bot_alert_messages_failed',
      help: 'Alert messages Slack refused for good, kept until the cause is fixed, by cause (Slack error: not_in_channel, invalid_auth, …).',
      labelNames: ['cause'],
      registers: [registry],
      async collect() {
        if (!undelivered) return;
        const byCause = new Map<string, number>();
        for (const held of await undelivered()) {
          byCause.set(held.error, (byCause.get(held.error) ?? 0) + held.count);
        }
        // A cause that is fixed disappears rather than staying at its last value.
        this.reset();
        for (const [cause, count] of byCause) this.set({ cause }, count);
      },
    }),
    leader: new Gauge({
      name: 'ivs_bot_leader',
      help: '1 while this replica holds the poller leadership.',
      registers: [registry],
    }),
    eventsReceived: new Counter({
      name: 'ivs_bot_events_received_total',
      help: 'Messages received from the EventBridge queue (IVS_EVENTS_QUEUE_URL), redeliveries included.',
      registers: [registry],
    }),
    eventsAlerted: new Counter({
      name: 'ivs_bot_events_alerted_total',
      help: 'Queue messages that became a new alert event (stored, then sent through the outbox).',
      registers: [registry],
    }),
    eventsIgnored: new Counter({
      name: 'ivs_bot_events_ignored_total',
      help: 'Queue messages deleted without an alert, by reason (not_json, not_ivs_event, not_an_alert, unwatched, duplicate, not_repeated, filtered).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    eventsFailed: new Counter({
      name: 'ivs_bot_events_failed_total',
      help: 'Queue failures by step: receive (SQS unreachable or refusing), process (not stored: left for SQS to deliver again), delete.',
      labelNames: ['step'],
      registers: [registry],
    }),
    eventsOldestAgeSeconds: new Gauge({
      name: 'ivs_bot_events_oldest_message_age_seconds',
      help: 'Age of the oldest message in the last batch received from the queue (0 when it was empty).',
      registers: [registry],
    }),
  };
}
