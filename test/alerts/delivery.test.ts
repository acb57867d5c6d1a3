import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { webApi } from '@slack/bolt';
import fc from 'fast-check';
import { OutboxSender, type SendOutcome } from '../../src/alerts/OutboxSender.ts';
import type { PostFailure } from '../../src/domain/delivery.ts';
import {
  DEFAULT_GROUPING,
  type DetectedEvent,
  type OutboxItem,
  type UndeliveredMessages,
} from '../../src/domain/model.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { SlackMessenger } from '../../src/slack/SlackMessenger.ts';
import { toPostFailure, WebClientSlackPoster } from '../../src/slack/SlackPoster.ts';
import { renderWatches } from '../../src/slack/views/alertViews.ts';
import { renderHome } from '../../src/slack/views/homeView.ts';
import { PostgresStore } from '../../src/store/postgres/PostgresStore.ts';
import type { Store } from '../../src/store/Store.ts';
import { SqliteStore } from '../../src/store/sqlite/SqliteStore.ts';
import { blockKitViolations } from '../../testkit/blockKit.ts';
import { FakeSlack, type RecordedCall } from '../../testkit/fakeSlack.ts';
import { assertDataEscaped, assertVerbatim } from '../support/inertText.ts';
import { freshDatabase, NO_POSTGRES } from '../support/postgres.ts';
import { TcpProxy } from '../support/tcpProxy.ts';
import { dataText } from '../support/viewArbitraries.ts';

// The outbox against Slack's documented answers: the real WebClient talks to the fake Slack, the
// store is a real SQLite file, and the clock is the test's.

const T0 = Date.parse('2026-11-25T10:00:00Z');
const CA = 'CALERTSAAAA';
const CB = 'CALERTSBBBB';
const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';

let slack: FakeSlack;
let dir: string;
let files = 0;

beforeEach(async () => {
  slack = await FakeSlack.start();
  dir = mkdtempSync(join(tmpdir(), 'ivs-delivery-'));
});

afterEach(async () => {
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  store: Store;
  sender: OutboxSender;
  clock: { now: number };
  /** Log lines the sender wrote, parsed. */
  logs: { level: number; msg: string; [key: string]: unknown }[];
  outcomes: { kind: string; outcome: SendOutcome }[];
  /** A poster for messages outside the outbox (watch confirmations, shares), wired as main wires it. */
  interactive: WebClientSlackPoster;
  close(): Promise<void>;
}

function client(options: { timeout?: number; apiUrl?: string } = {}): webApi.WebClient {
  return new webApi.WebClient('xoxb-test', {
    slackApiUrl: options.apiUrl ?? slack.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    ...(options.timeout ? { timeout: options.timeout } : {}),
  });
}

function harness(
  options: { file?: string; store?: Store; wrap?: (store: Store) => Store; holder?: string } = {},
): Harness {
  const clock = { now: T0 };
  const logs: Harness['logs'] = [];
  const logger = createLogger('debug', {
    write(line: string) {
      logs.push(JSON.parse(line) as Harness['logs'][number]);
    },
  });
  const opened = options.store ?? SqliteStore.open(join(dir, options.file ?? `d${++files}.db`));
  const store = options.wrap ? options.wrap(opened) : opened;
  const outcomes: Harness['outcomes'] = [];
  const sender = new OutboxSender({
    store,
    messenger: new SlackMessenger(new WebClientSlackPoster(client())),
    logger,
    now: () => new Date(clock.now),
    perChannelIntervalMs: 0,
    onSend: (kind, outcome) => outcomes.push({ kind, outcome }),
    ...(options.holder ? { holder: options.holder } : {}),
  });
  const interactive = new WebClientSlackPoster(client(), {
    onDelivered: (channel) => sender.noteDelivered(channel),
  });
  return {
    store,
    sender,
    clock,
    logs,
    outcomes,
    interactive,
    async close() {
      await sender.stop();
      await opened.close();
    },
  };
}

/** One "failing" notice per call, for a stage of its own, so each message is told apart by its text. */
let stages = 0;
async function notice(h: Harness, channelIds: readonly string[]): Promise<string> {
  const id = `Stage${String(++stages).padStart(7, '0')}`;
  await h.store.recordPoll({
    stageArn: `arn:aws:ivs:us-east-1:123456789012:stage/${id}`,
    at: new Date(h.clock.now),
    ok: false,
    error: 'IVS refused the request: access denied.',
    lagSeconds: 0,
    channelIds,
  });
  return id;
}

function errorEvent(participantId: string, at: number): DetectedEvent {
  return {
    stageArn: STAGE,
    sessionId: 'st-XyZ1234567890',
    participantId,
    userId: `user-${participantId}`,
    eventTime: new Date(at),
    name: 'PUBLISH_ERROR',
    code: 'QUOTA_EXCEEDED',
    remoteParticipantId: null,
  };
}

/** Error events of one group in `channelId`: the first call queues its post, later ones an update and a reply. */
async function detect(h: Harness, channelId: string, participants: readonly string[]): Promise<void> {
  await h.store.recordDetections({
    stageArn: STAGE,
    events: participants.map((p) => errorEvent(p, h.clock.now - 1_000)),
    watches: [{ stageArn: STAGE, channelId, codes: null, createdBy: 'UADMIN001', createdAt: new Date(T0) }],
    now: new Date(h.clock.now),
    policy: DEFAULT_GROUPING,
  });
}

/** Calls Slack accepted in `channel`, in order. */
const accepted = (channel: string): RecordedCall[] =>
  slack.calls.filter((c) => c.ok && c.method.startsWith('chat.') && c.body.channel === channel);
const attemptsIn = (channel: string): RecordedCall[] =>
  slack.calls.filter((c) => c.method.startsWith('chat.') && c.body.channel === channel);
const texts = (calls: readonly RecordedCall[]): string[] => calls.map((c) => String(c.body.text));
const noticeOf = (id: string) => `Polling stage ${id} is failing: IVS refused the request: access denied.`;
const isAlert = (c: RecordedCall) =>
  c.method === 'chat.postMessage' && String(c.body.text).includes('QUOTA_EXCEEDED');

async function everything(store: Store): Promise<OutboxItem[]> {
  return store.dueOutbox(new Date(8.64e15), 10_000);
}

describe('Slack answers, classified', () => {
  // Each case is what the real WebClient throws for Slack's answer, classified by toPostFailure.
  const post = async (web = client()) => {
    try {
      await web.chat.postMessage({ channel: CA, text: 'hello' });
      return undefined;
    } catch (error) {
      return toPostFailure(error);
    }
  };

  test('429 with Retry-After: rate limited for that long', async () => {
    slack.fail('chat.postMessage', { status: 429, error: 'ratelimited', retryAfterSec: 17 });
    assert.deepEqual(await post(), { kind: 'rate_limited', error: 'ratelimited', retryAfterSec: 17 });
  });

  test('5xx, time-outs and network errors are transient', async () => {
    slack.fail('chat.postMessage', { status: 503, error: 'service_unavailable' });
    assert.deepEqual(await post(), { kind: 'transient', error: 'http_503' });
    slack.delayNext('chat.postMessage', 500);
    assert.deepEqual(await post(client({ timeout: 100 })), { kind: 'transient', error: 'timeout' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    assert.deepEqual(await post(client({ apiUrl: `http://127.0.0.1:${port}/api/` })), {
      kind: 'transient',
      error: 'network',
    });
  });

  test('errors Slack documents as temporary are transient; any other ok:false error is permanent', async () => {
    const cases: [string, PostFailure][] = [
      ['internal_error', { kind: 'transient', error: 'internal_error' }],
      ['fatal_error', { kind: 'transient', error: 'fatal_error' }],
      ['service_unavailable', { kind: 'transient', error: 'service_unavailable' }],
      ['not_in_channel', { kind: 'permanent', error: 'not_in_channel', scope: 'channel' }],
      ['channel_not_found', { kind: 'permanent', error: 'channel_not_found', scope: 'channel' }],
      ['is_archived', { kind: 'permanent', error: 'is_archived', scope: 'channel' }],
      ['invalid_auth', { kind: 'permanent', error: 'invalid_auth', scope: 'workspace' }],
      ['token_revoked', { kind: 'permanent', error: 'token_revoked', scope: 'workspace' }],
      ['account_inactive', { kind: 'permanent', error: 'account_inactive', scope: 'workspace' }],
      ['missing_scope', { kind: 'permanent', error: 'missing_scope', scope: 'workspace' }],
      ['restricted_action', { kind: 'permanent', error: 'restricted_action', scope: 'workspace' }],
      ['ekm_access_denied', { kind: 'permanent', error: 'ekm_access_denied', scope: 'workspace' }],
      ['invalid_blocks', { kind: 'permanent', error: 'invalid_blocks', scope: 'message' }],
      ['msg_too_long', { kind: 'permanent', error: 'msg_too_long', scope: 'message' }],
      ['msg_blocks_too_long', { kind: 'permanent', error: 'msg_blocks_too_long', scope: 'message' }],
      [
        'an_error_from_the_future',
        { kind: 'permanent', error: 'an_error_from_the_future', scope: 'message' },
      ],
    ];
    for (const [error, expected] of cases) {
      slack.fail('chat.postMessage', { error });
      assert.deepEqual(await post(), expected, error);
    }
  });

  test('an HTTP status Slack never uses (a wrong SLACK_API_URL) is permanent for every channel', async () => {
    slack.fail('chat.postMessage', { status: 404, error: 'not_found' });
    assert.deepEqual(await post(), { kind: 'permanent', error: 'http_404', scope: 'workspace' });
  });
});

describe('rate limits and transient errors', () => {
  test('429 with Retry-After on one channel: every message to it waits that long while another channel flows', async () => {
    const h = harness();
    const a1 = await notice(h, [CA, CB]);
    const a2 = await notice(h, [CA, CB]);
    const a3 = await notice(h, [CA]);
    slack.fail('chat.postMessage', { status: 429, error: 'ratelimited', retryAfterSec: 30, channel: CA });
    await h.sender.drain();
    assert.deepEqual(texts(accepted(CB)), [noticeOf(a1), noticeOf(a2)], 'the other channel flows');
    assert.equal(attemptsIn(CA).length, 1, 'one attempt; the rest of the channel waits behind it');

    h.clock.now = T0 + 29_000;
    await h.sender.drain();
    assert.equal(attemptsIn(CA).length, 1, 'nothing to that channel before Retry-After');

    h.clock.now = T0 + 30_000;
    await h.sender.drain();
    assert.deepEqual(texts(accepted(CA)), [noticeOf(a1), noticeOf(a2), noticeOf(a3)], 'then all, in order');
    assert.equal(await h.store.outboxDepth(), 0);
    await h.close();
  });

  test('5xx: retried with growing back-off, in order, and sent once Slack answers', async () => {
    const h = harness();
    const first = await notice(h, [CA]);
    const second = await notice(h, [CA]);
    slack.fail('chat.postMessage', { status: 500, error: 'internal_error' }, 2);
    await h.sender.drain();
    h.clock.now = T0 + 5_000;
    await h.sender.drain();
    assert.equal(attemptsIn(CA).length, 2, 'second attempt after 5 s');
    h.clock.now = T0 + 14_000;
    await h.sender.drain();
    assert.equal(attemptsIn(CA).length, 2, 'the next one waits 10 s more');
    h.clock.now = T0 + 15_000;
    await h.sender.drain();
    assert.deepEqual(texts(accepted(CA)), [noticeOf(first), noticeOf(second)]);
    assert.deepEqual(await h.store.undeliveredSummary(), [], 'never given up');
    await h.close();
  });
});

describe('messages Slack refuses for good', () => {
  const cases: { error: string; scope: string; method?: 'chat.update' }[] = [
    { error: 'not_in_channel', scope: 'channel' },
    { error: 'channel_not_found', scope: 'channel' },
    { error: 'is_archived', scope: 'channel' },
    { error: 'invalid_auth', scope: 'workspace' },
    { error: 'token_revoked', scope: 'workspace' },
    { error: 'account_inactive', scope: 'workspace' },
    { error: 'missing_scope', scope: 'workspace' },
    { error: 'restricted_action', scope: 'workspace' },
    { error: 'not_authed', scope: 'workspace' },
    { error: 'team_access_not_granted', scope: 'workspace' },
    { error: 'ekm_access_denied', scope: 'workspace' },
    { error: 'invalid_blocks', scope: 'message' },
    { error: 'msg_too_long', scope: 'message' },
    { error: 'msg_blocks_too_long', scope: 'message' },
    { error: 'no_text', scope: 'message' },
    { error: 'too_many_attachments', scope: 'message' },
    { error: 'invalid_arguments', scope: 'message' },
    { error: 'an_error_slack_never_documented', scope: 'message' },
    { error: 'cant_update_message', scope: 'message', method: 'chat.update' },
    { error: 'message_not_found', scope: 'message', method: 'chat.update' },
    { error: 'edit_window_closed', scope: 'message', method: 'chat.update' },
  ];
  for (const { error, scope, method = 'chat.postMessage' } of cases) {
    test(`${method} ${error}: kept as failed with its error, not retried, counted, shown, logged once`, async () => {
      const h = harness();
      const metrics = createMetrics({ undelivered: () => h.store.undeliveredSummary() });
      if (method === 'chat.update') {
        await detect(h, CA, ['p1']);
        await h.sender.drain();
        await detect(h, CA, ['p2']); // update and reply
        await detect(h, CA, ['p3']); // the pending update covers it; one more reply
      } else {
        await detect(h, CA, ['p1']);
        await notice(h, [CA]);
      }
      const before = slack.calls.length;
      slack.fail(method, { error }, 100);
      await h.sender.drain();
      const refused = slack.calls.slice(before).filter((c) => c.method === method);
      const failed = await h.store.undeliveredSummary();
      const expectedFailures = method === 'chat.update' ? 1 : 2;
      assert.equal(refused.length, expectedFailures, 'each message tried once');
      assert.deepEqual(
        failed.map((f) => [f.channelId, f.error, f.scope, f.count]),
        [[CA, error, scope, expectedFailures]],
      );
      assert.equal(
        h.outcomes.filter((o) => o.outcome === 'failed').length,
        expectedFailures,
        'counted as failed',
      );

      // Never retried as it is, however long one waits.
      h.clock.now = T0 + 24 * 3_600_000;
      await h.sender.drain();
      await h.sender.drain();
      assert.equal(slack.calls.slice(before).filter((c) => c.method === method).length, expectedFailures);
      assert.equal(await h.store.outboxDepth(), 0, 'nothing left waiting: failed ones are set aside');

      const exposition = await metrics.registry.metrics();
      assert.match(
        exposition,
        new RegExp(`ivs_bot_alert_messages_failed\\{cause="${error}"\\} ${expectedFailures}`),
      );
      const errorLines = h.logs.filter((l) => l.level >= 50 && l.error === error);
      assert.equal(errorLines.length, 1, 'logged once, not per message');

      // Shown where people look, one sentence for the cause.
      const shown = JSON.stringify(renderWatches([], [], new Date(h.clock.now), failed).blocks);
      const home = JSON.stringify(
        renderHome({
          watches: [],
          health: [],
          mutes: [],
          groups: [],
          undelivered: failed,
          now: new Date(h.clock.now),
        }).blocks,
      );
      for (const text of [shown, home]) {
        assert.match(text, scope === 'workspace' ? /No alert can be delivered/ : new RegExp(`<#${CA}>`));
        assert.ok(
          text.includes(error) ||
            error === 'not_in_channel' ||
            error === 'channel_not_found' ||
            error === 'is_archived',
        );
      }
      await h.close();
    });
  }

  test('the sentence for a channel the bot is not in says to invite it', async () => {
    const h = harness();
    slack.setChannelError(CA, 'not_in_channel');
    await notice(h, [CA]);
    await h.sender.drain();
    const message = renderWatches([], [], new Date(T0), await h.store.undeliveredSummary());
    assert.match(
      JSON.stringify(message.blocks),
      new RegExp(
        `Alerts to <#${CA}> are not delivered:\\* the bot is not in the channel — invite it with /invite @IVS bot`,
      ),
    );
    await h.close();
  });
});

describe('recovery', () => {
  test('after the bot is invited, the held messages go out in order with the next message delivered there', async () => {
    const h = harness();
    slack.setChannelError(CA, 'not_in_channel');
    await detect(h, CA, ['p1']); // post
    const held = await notice(h, [CA, CB]);
    await detect(h, CA, ['p2']); // update and reply of the same alert
    await h.sender.drain();
    assert.deepEqual(texts(accepted(CB)), [noticeOf(held)], 'another channel is not held up');
    assert.equal(accepted(CA).length, 0);
    assert.equal((await h.store.undeliveredSummary())[0]?.count, 4);

    slack.setChannelError(CA, undefined); // /invite @IVS bot
    h.clock.now += 60_000;
    await h.sender.drain();
    assert.equal(accepted(CA).length, 0, 'nothing is retried by itself');

    // The next message the bot posts there (here a /ivs watch confirmation) proves the cause gone.
    const confirmation = await h.interactive.post(CA, {
      text: 'Watching stage AbCdEf123456 here.',
      blocks: [],
    });
    assert.ok(confirmation.ok);
    await h.sender.drain();
    const got = accepted(CA).slice(1);
    assert.equal(got[0] && isAlert(got[0]), true, 'the alert first');
    assert.equal(got[0]?.body.thread_ts, undefined);
    assert.equal(String(got[1]?.body.text), noticeOf(held), 'then the notice');
    assert.equal(got[2]?.method, 'chat.update', 'then the update of the alert');
    const ts = (await h.store.latestGroups(1))[0]?.messageTs;
    assert.ok(ts);
    assert.equal(got[2]?.body.ts, ts);
    assert.equal(got[3]?.body.thread_ts, ts, 'then the reply, in the thread of the alert');
    assert.equal(got.length, 4);
    assert.deepEqual(await h.store.undeliveredSummary(), []);
    await h.close();
  });

  test('a new alert delivered in the channel brings the held ones after it, oldest first', async () => {
    const h = harness();
    slack.setChannelError(CA, 'is_archived');
    const first = await notice(h, [CA]);
    const second = await notice(h, [CA]);
    await h.sender.drain();
    slack.setChannelError(CA, undefined); // unarchived
    const third = await notice(h, [CA]);
    await h.sender.drain();
    assert.deepEqual(texts(accepted(CA)), [noticeOf(third), noticeOf(first), noticeOf(second)]);
    const fourth = await notice(h, [CA]);
    await h.sender.drain();
    assert.equal(texts(accepted(CA)).at(-1), noticeOf(fourth));
    await h.close();
  });

  test('a workspace-wide refusal (token revoked) holds every channel; a restart with a new token sends all, in order', async () => {
    const file = 'token.db';
    const first = harness({ file });
    slack.fail('chat.postMessage', { error: 'token_revoked' }, 3);
    const a = await notice(first, [CA]);
    const b = await notice(first, [CB]);
    const c = await notice(first, [CA]);
    await first.sender.drain();
    const summary = await first.store.undeliveredSummary();
    assert.deepEqual(
      summary.map((s) => [s.channelId, s.scope, s.count]),
      [
        [CA, 'workspace', 2],
        [CB, 'workspace', 1],
      ],
    );
    assert.match(
      JSON.stringify(renderWatches([], [], new Date(T0), summary).blocks),
      /No alert can be delivered:\* Slack refused the bot token \(token_revoked\) — reinstall the app, set the new SLACK_BOT_TOKEN and restart the bot\. 3 messages to 2 channels held/,
    );
    await first.close();

    const second = harness({ file });
    await second.sender.drain();
    assert.deepEqual(texts(accepted(CA)), [noticeOf(a), noticeOf(c)]);
    assert.deepEqual(texts(accepted(CB)), [noticeOf(b)]);
    assert.deepEqual(await second.store.undeliveredSummary(), []);
    await second.close();
  });
});

describe('order and thread replies', () => {
  test('a reply waits for its parent: never sent before it, never marked done unsent', async () => {
    const h = harness();
    await detect(h, CA, ['p1']);
    slack.fail('chat.postMessage', { status: 429, error: 'ratelimited', retryAfterSec: 60, channel: CA });
    await h.sender.drain();
    h.clock.now = T0 + 10_000;
    await detect(h, CA, ['p2']); // update and reply, behind the post
    await h.sender.drain();
    assert.equal(accepted(CA).length, 0);
    const waiting = await everything(h.store);
    assert.deepEqual(
      waiting.map((item) => item.kind),
      ['post', 'update', 'reply'],
      'the post waits for Retry-After; update and reply wait behind it, not done',
    );

    h.clock.now = T0 + 60_000;
    await h.sender.drain();
    const [post, update, reply] = accepted(CA);
    assert.ok(post && isAlert(post) && update && reply);
    assert.equal(update.method, 'chat.update');
    const ts = (await h.store.latestGroups(1))[0]?.messageTs;
    assert.ok(ts);
    assert.equal(update.body.ts, ts);
    assert.equal(reply.body.thread_ts, ts, 'the reply is in the thread of the posted alert');
    await h.close();
  });

  test('a reply whose parent Slack refused for itself posts the alert first, then goes in its thread', async () => {
    const h = harness();
    await detect(h, CA, ['p1']);
    slack.fail('chat.postMessage', { error: 'invalid_blocks', channel: CA });
    await h.sender.drain();
    assert.equal((await h.store.undeliveredSummary())[0]?.error, 'invalid_blocks');
    await detect(h, CA, ['p2']); // update (posts the alert, as it has none) and reply
    await h.sender.drain();
    const [post, reply] = accepted(CA);
    assert.ok(post && isAlert(post) && reply);
    assert.ok(reply.body.thread_ts !== undefined);
    assert.equal(accepted(CA).length, 2, 'the alert once, then the reply');
    await h.close();
  });

  test('a muted alert gets no reply; once the mute is over, the next reply posts the alert, then itself in the thread', async () => {
    const h = harness();
    await h.store.saveMute({
      stageArn: STAGE,
      code: 'QUOTA_EXCEEDED',
      until: new Date(T0 + 3_600_000),
      mutedBy: 'UADMIN001',
      createdAt: new Date(T0),
    });
    await detect(h, CA, ['p1']);
    await detect(h, CA, ['p2']);
    await h.sender.drain();
    assert.equal(accepted(CA).length, 0, 'muted: nothing in the channel');
    assert.deepEqual(
      h.outcomes.map((o) => `${o.kind}:${o.outcome}`),
      ['post:skipped_muted', 'update:skipped_muted', 'reply:skipped_muted'],
    );
    h.clock.now = T0 + 3_600_000 + 1;
    await h.store.recordDetections({
      stageArn: STAGE,
      events: [errorEvent('p3', h.clock.now - 1_000)],
      watches: [
        { stageArn: STAGE, channelId: CA, codes: null, createdBy: 'UADMIN001', createdAt: new Date(T0) },
      ],
      now: new Date(h.clock.now),
      policy: { ...DEFAULT_GROUPING, burstWindowMs: 2 * 3_600_000 },
    });
    await h.sender.drain();
    const [post, reply] = accepted(CA);
    assert.ok(post && isAlert(post) && reply);
    assert.ok(reply.body.thread_ts);
    await h.close();
  });
});

describe('double sends (issue 15)', () => {
  /** The store, except that completeOutbox throws once, after Slack accepted the message. */
  function completeFailsOnce(store: Store, afterCalls: number): Store {
    let calls = 0;
    return new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (property === 'completeOutbox') {
          return async (...args: unknown[]) => {
            calls++;
            if (calls === afterCalls) throw new Error('database is locked');
            return (value as (...a: unknown[]) => Promise<void>).apply(target, args);
          };
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  }

  test('a store failure in the middle of a drain sends nothing twice, and the drain carries on', async () => {
    const h = harness({ wrap: (store) => completeFailsOnce(store, 2) });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await notice(h, [CA, CB]));
    slack.delayNext('chat.postMessage', 200);
    const draining = h.sender.drain();
    // Kicks while it runs must not start a second drainer over unclaimed rows.
    for (let i = 0; i < 5; i++) {
      h.sender.kick();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await draining;
    await h.sender.drain();
    assert.deepEqual(texts(accepted(CA)), ids.map(noticeOf), 'each message once, in order');
    assert.deepEqual(texts(accepted(CB)), ids.map(noticeOf));
    assert.equal(slack.callsTo('chat.postMessage').length, 10, 'no message sent twice');
    assert.equal(await h.store.outboxDepth(), 0);
    assert.ok(h.logs.some((l) => /store write failed/.test(l.msg)));
    await h.close();
  });

  test('a restart in the middle: a new sender over the same file resumes without duplicates', async () => {
    const file = 'restart.db';
    const first = harness({ file });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await notice(first, [CA]));
    slack.delayNext('chat.postMessage', 0);
    slack.delayNext('chat.postMessage', 0);
    slack.delayNext('chat.postMessage', 300);
    const draining = first.sender.drain();
    await slack.waitFor('chat.postMessage', 3);
    await first.sender.stop(); // the send in flight ends and is recorded; the rest is given back
    await draining;
    await first.close();
    assert.equal(accepted(CA).length, 3);

    const second = harness({ file });
    await second.sender.drain();
    assert.deepEqual(texts(accepted(CA)), ids.map(noticeOf), 'every message once, in order');
    await second.close();
  });

  test('a sender never sends what another holder has claimed, until its lease runs out', async () => {
    const h = harness({ holder: 'this-process' });
    await notice(h, [CA]);
    const claimed = await h.store.claimOutbox({
      holder: 'another-process',
      now: new Date(h.clock.now),
      leaseMs: 120_000,
      perChannel: 10,
      limit: 10,
    });
    assert.equal(claimed.length, 1);
    const later = await notice(h, [CA]);
    await h.sender.drain();
    assert.equal(attemptsIn(CA).length, 0, 'neither the claimed message nor the one after it');
    h.clock.now += 120_000;
    await h.sender.drain();
    assert.equal(texts(accepted(CA)).at(-1), noticeOf(later));
    assert.equal(accepted(CA).length, 2, 'the lease ran out: its holder died, the message is sent');
    await h.close();
  });
});

describe('double sends on PostgreSQL', { skip: NO_POSTGRES }, () => {
  test('the connection dropped in the middle of a drain: nothing is sent twice, the rest goes once it is back', async () => {
    const database = await freshDatabase();
    const target = new URL(database.url);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(database.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const store = await PostgresStore.open(viaProxy.toString(), { poolSize: 3 });
    const h = harness({ store });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await notice(h, [CA, CB]));
      slack.delayNext('chat.postMessage', 0);
      slack.delayNext('chat.postMessage', 300);
      const draining = h.sender.drain();
      await slack.waitFor('chat.postMessage', 2);
      proxy.cut(); // the sends in flight are accepted by Slack; recording them fails
      await draining;
      assert.ok(
        h.logs.some((l) => /store write failed|drain failed/.test(l.msg)),
        'the drain did run into the dropped connection',
      );
      proxy.restore();
      await h.sender.drain();
      await h.sender.drain();
      assert.deepEqual(texts(accepted(CA)), ids.map(noticeOf), 'each message once, in order');
      assert.deepEqual(texts(accepted(CB)), ids.map(noticeOf));
      assert.equal(slack.callsTo('chat.postMessage').length, 10, 'no message sent twice');
    } finally {
      await h.close();
      await proxy.close();
      await database.drop();
    }
  });

  test('two replicas draining the same outbox at once send each message once, in order per channel', async () => {
    const database = await freshDatabase();
    const first = harness({
      store: await PostgresStore.open(database.url, { poolSize: 3 }),
      holder: 'replica-1',
    });
    const second = harness({
      store: await PostgresStore.open(database.url, { poolSize: 3 }),
      holder: 'replica-2',
    });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push(await notice(first, i % 2 === 0 ? [CA, CB] : [CA]));
      for (let round = 0; round < 3; round++) {
        await Promise.all([first.sender.drain(), second.sender.drain()]);
      }
      assert.deepEqual(texts(accepted(CA)), ids.map(noticeOf), 'every message once, in order');
      assert.deepEqual(texts(accepted(CB)), ids.filter((_, i) => i % 2 === 0).map(noticeOf));
      assert.equal(await first.store.outboxDepth(), 0);
    } finally {
      await first.close();
      await second.close();
      await database.drop();
    }
  });
});

describe('delivery problems in the views', () => {
  const undeliveredArb: fc.Arbitrary<UndeliveredMessages> = fc.record({
    channelId: fc.oneof(fc.stringMatching(/^C[A-Z0-9]{8,10}$/), dataText(60)),
    error: fc.oneof(
      fc.constantFrom('not_in_channel', 'invalid_auth', 'invalid_blocks', 'is_archived', 'http_404'),
      dataText(200),
    ),
    scope: fc.constantFrom('channel' as const, 'workspace' as const, 'message' as const),
    count: fc.integer({ min: 1, max: 1_000_000 }),
    since: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }),
  });

  test('any number of causes, with any text from Slack or the store, keep Slack’s rules and stay inert', () => {
    fc.assert(
      fc.property(fc.array(undeliveredArb, { maxLength: 60 }), (undelivered) => {
        const now = new Date(T0);
        const watches = renderWatches([], [], now, undelivered);
        const home = renderHome({ watches: [], health: [], mutes: [], groups: [], undelivered, now });
        assert.deepEqual(blockKitViolations(watches, 'message'), []);
        assert.deepEqual(blockKitViolations(home, 'home'), []);
        for (const view of [watches, home]) {
          assertDataEscaped(view, { mentions: true });
          assertVerbatim(view);
        }
      }),
      { numRuns: 150 },
    );
  });
});
