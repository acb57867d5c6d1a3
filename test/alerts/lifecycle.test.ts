import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { EventErrorCode } from '@aws-sdk/client-ivs-realtime';
import type { OutboxSender } from '../../src/alerts/OutboxSender.ts';
import type { Poller } from '../../src/alerts/Poller.ts';
import { WatchService } from '../../src/alerts/WatchService.ts';
import { DEFAULT_GROUPING } from '../../src/domain/model.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { groupRef, muteRef } from '../../src/slack/actionIds.ts';
import { runMuteAction, runUnmuteAction } from '../../src/slack/actions/muteActions.ts';
import type { SlackMessenger } from '../../src/slack/SlackMessenger.ts';
import { SqliteStore } from '../../src/store/sqlite/SqliteStore.ts';
import type { RecordedCall } from '../../testkit/fakeSlack.ts';
import { alertPipeline, useAlertingWorld } from '../support/alertPipeline.ts';

// The life of an alert message (issue 16), through the real poller, store, outbox sender and Slack
// client against the IVS simulator and the fake Slack, with a clock the test moves: acknowledged,
// quiet after the grouping window, a new burst linking to the last one, paging on first messages
// only, session ended.

const CHANNEL = 'CALERTS0001';
const T0 = Date.parse('2026-11-25T10:00:00Z');
const MINUTE = 60_000;
const WINDOW = DEFAULT_GROUPING.burstWindowMs;

const world = useAlertingWorld({ tmpPrefix: 'ivs-lifecycle-' });

interface Pipeline {
  store: SqliteStore;
  poller: Poller;
  sender: OutboxSender;
  watches: WatchService;
  messenger: SlackMessenger;
  clock: { now: number };
  close(): Promise<void>;
}

function pipeline(): Pipeline {
  const clock = { now: T0 };
  const now = () => new Date(clock.now);
  const store = SqliteStore.open(join(world.dir, 'lifecycle.db'));
  const parts = alertPipeline({
    store,
    ivsUrl: world.ivs.url,
    slackApiUrl: world.slack.apiUrl,
    now,
    logger: createLogger('fatal'),
  });
  const watches = new WatchService({ ivs: parts.ivs, store, messenger: parts.messenger, now });
  return {
    store,
    poller: parts.poller,
    sender: parts.sender,
    watches,
    messenger: parts.messenger,
    clock,
    async close() {
      await parts.close();
      await store.close();
    },
  };
}

async function cycle(p: Pipeline): Promise<void> {
  assert.equal((await p.poller.runCycle()).skipped, false);
  await p.sender.drain();
}

const blocksOf = (call: RecordedCall | undefined) => JSON.stringify(call?.body.blocks ?? []);
const alertPosts = () =>
  world.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.ok && c.body.channel === CHANNEL && c.body.thread_ts === undefined);
const replies = () =>
  world.slack.callsTo('chat.postMessage').filter((c) => c.ok && c.body.thread_ts !== undefined);
const updates = () => world.slack.callsTo('chat.update').filter((c) => c.ok);
const buttonsOf = (call: RecordedCall | undefined): string[] =>
  ((call?.body.blocks ?? []) as { type: string; elements?: { text: { text: string } }[] }[])
    .filter((block) => block.type === 'actions')
    .flatMap((block) => (block.elements ?? []).map((element) => element.text.text));

function errorAt(stageArn: string, sessionId: string, participantId: string, at: number): void {
  world.ivs.addEvent(stageArn, sessionId, participantId, {
    name: 'PUBLISH_ERROR',
    errorCode: 'QUOTA_EXCEEDED' as EventErrorCode,
    eventTime: new Date(at),
  });
}

async function watchedStage(p: Pipeline, mention: string | null = null) {
  const stageArn = world.ivs.addStage({ name: 'main' });
  const sessionId = world.ivs.startSession(stageArn, { startTime: new Date(T0 - 30_000) });
  await p.store.saveWatch({
    stageArn,
    channelId: CHANNEL,
    codes: null,
    createdBy: 'UTEST',
    createdAt: new Date(T0 - MINUTE),
    mention,
  });
  const viewer = (userId: string) =>
    world.ivs.addParticipant(stageArn, sessionId, { userId, state: 'CONNECTED' });
  return { stageArn, sessionId, viewer };
}

describe('alert lifecycle (issue 16)', () => {
  test('quiet after the window (fake clock): the same message says so, Mute buttons go, Details stays; no extra IVS call', async () => {
    const p = pipeline();
    const { stageArn, sessionId, viewer } = await watchedStage(p);
    const alice = viewer('alice');
    errorAt(stageArn, sessionId, alice, T0 - 10_000);
    await cycle(p);
    assert.equal(alertPosts().length, 1);
    assert.deepEqual(buttonsOf(alertPosts()[0]), [
      'Details',
      'Timeline',
      'Acknowledge',
      'Mute 1h',
      'Mute 24h',
    ]);
    const [group] = await p.store.latestGroups(1);

    // One cycle just inside the window: nothing changes; what a quiet cycle costs IVS is counted.
    p.clock.now = T0 - 10_000 + WINDOW;
    world.ivs.resetCalls();
    await cycle(p);
    assert.equal(updates().length, 0, 'not quiet yet');
    const idleCalls = world.ivs.callCount();

    p.clock.now = T0 - 10_000 + WINDOW + MINUTE;
    world.ivs.resetCalls();
    await cycle(p);
    assert.equal(world.ivs.callCount(), idleCalls, 'the quiet check reads the store, not IVS');
    assert.equal(updates().length, 1);
    const quiet = updates()[0];
    assert.equal(quiet?.body.ts, group?.messageTs, 'the same message');
    assert.match(blocksOf(quiet), /✅ QUOTA_EXCEEDED on stage [A-Za-z0-9]+ \(quiet\)/);
    assert.match(blocksOf(quiet), /Quiet since <!date\^\d+\^[^>]*>\* — 1 event, 1 participant\./);
    assert.deepEqual(
      buttonsOf(quiet),
      ['Details', 'Timeline'],
      'what to look at stays; Acknowledge and Mute go',
    );
    assert.equal(alertPosts().length, 1, 'no new message');

    p.clock.now += MINUTE;
    await cycle(p);
    assert.equal(updates().length, 1, 'quiet once');
    await p.close();
  });

  test('a new burst after quiet is a new message that links to the last one and pages again', async () => {
    const p = pipeline();
    const { stageArn, sessionId, viewer } = await watchedStage(p, '<!subteam^S0VIDEO12>');
    const alice = viewer('alice');
    errorAt(stageArn, sessionId, alice, T0 - 10_000);
    await cycle(p);
    const [first] = await p.store.latestGroups(1);
    assert.ok(first?.messageTs);

    p.clock.now = T0 + WINDOW + MINUTE;
    await cycle(p); // quiet
    p.clock.now = T0 + 2 * 60 * MINUTE;
    errorAt(stageArn, sessionId, viewer('bob'), p.clock.now - 5_000);
    await cycle(p);

    const posts = alertPosts();
    assert.equal(posts.length, 2, 'a new group, a new message');
    const again = posts[1];
    const link = `https://example.slack.com/archives/${CHANNEL}/p${first.messageTs.replace('.', '')}`;
    assert.ok(
      blocksOf(again).includes(`🔁 Again, 2 h after the last burst (<${link}|the last burst>).`),
      blocksOf(again),
    );
    assert.deepEqual(
      world.slack.callsTo('chat.getPermalink').map((c) => [c.body.channel, c.body.message_ts])[0],
      [CHANNEL, first.messageTs],
    );
    assert.ok(
      String(again?.body.text).startsWith('<!subteam^S0VIDEO12> QUOTA_EXCEEDED'),
      'a new group pages',
    );
    const groups = await p.store.latestGroups(5);
    assert.equal(groups.length, 2);
    const second = groups.find((g) => g.id !== first.id);
    assert.equal(second?.previous?.groupId, first.id);
    assert.ok(second?.messageTs);

    // Reopened: the quiet message points forward, updated after the new message was posted.
    const forward = updates().filter((c) => c.body.ts === first.messageTs);
    assert.equal(forward.length, 2, 'the quiet update, then the one pointing forward');
    const newLink = `https://example.slack.com/archives/${CHANNEL}/p${second.messageTs.replace('.', '')}`;
    assert.match(
      blocksOf(forward[1]),
      new RegExp(
        `🔁 Fired again <!date\\^\\d+\\^[^>]*>, 2 h after this burst \\(<${newLink}\\|the new alert>\\)\\.`,
      ),
    );
    assert.match(blocksOf(forward[1]), /\(quiet\)/, 'still the quiet message');
    assert.ok(!`${String(forward[1]?.body.text)}${blocksOf(forward[1])}`.includes('S0VIDEO12'), 'no page');
    const posted = world.slack.calls.indexOf(again as RecordedCall);
    assert.ok(world.slack.calls.indexOf(forward[1] as RecordedCall) > posted, 'after the new message');

    // A Mute click replaces the new message whole: its link to the last burst stays.
    const muted = await runMuteAction(
      muteRef(second.id, 1),
      'U0MUTER01',
      p.watches,
      new Date(p.clock.now),
      p.messenger,
      1,
    );
    assert.ok('replace' in muted);
    const replaced = JSON.stringify(muted.replace.blocks);
    assert.ok(replaced.includes(`(<${link}|the last burst>)`), replaced);
    assert.match(replaced, /🔕 Muted by <@U0MUTER01>/);
    const unmuted = await runUnmuteAction(groupRef(second.id), p.watches, new Date(p.clock.now), p.messenger);
    assert.ok('replace' in unmuted);
    assert.ok(JSON.stringify(unmuted.replace.blocks).includes(`(<${link}|the last burst>)`));
    assert.deepEqual(
      world.slack.callsTo('chat.getPermalink').map((c) => c.body.message_ts),
      [first.messageTs, second.messageTs],
      'each message’s link asked once',
    );
    await p.close();
  });

  test('mention on the first message only: updates, replies and the quiet update never page', async () => {
    const p = pipeline();
    const { stageArn, sessionId, viewer } = await watchedStage(p, '<@U0ONCALL1>');
    const users = ['a', 'b', 'c'].map(viewer);
    errorAt(stageArn, sessionId, users[0] ?? '', T0 - 10_000);
    await cycle(p);
    assert.equal(alertPosts().length, 1);
    const post = alertPosts()[0];
    assert.ok(
      String(post?.body.text).startsWith('<@U0ONCALL1> QUOTA_EXCEEDED on stage'),
      String(post?.body.text),
    );
    assert.ok(blocksOf(post).includes('<@U0ONCALL1> new alert'));

    for (const [i, user] of users.slice(1).entries()) {
      p.clock.now += MINUTE;
      errorAt(stageArn, sessionId, user, p.clock.now - 1_000 - i);
      await cycle(p);
    }
    p.clock.now += WINDOW + MINUTE;
    await cycle(p); // quiet
    assert.ok(updates().length >= 2 && replies().length >= 1);
    for (const call of [...updates(), ...replies()]) {
      assert.ok(!`${String(call.body.text)}${blocksOf(call)}`.includes('U0ONCALL1'), blocksOf(call));
    }
    await p.close();
  });

  test('acknowledged: the message says who is on it since when; updates keep counting, no more replies; undo', async () => {
    const p = pipeline();
    const { stageArn, sessionId, viewer } = await watchedStage(p);
    errorAt(stageArn, sessionId, viewer('a'), T0 - 10_000);
    await cycle(p);
    const [group] = await p.store.latestGroups(1);
    assert.ok(group);

    p.clock.now += 20_000;
    const outcome = await p.watches.acknowledge(group.id, 'U0ALICE99');
    assert.ok(outcome.ok);
    await p.sender.drain();
    assert.equal(updates().length, 1);
    assert.match(blocksOf(updates()[0]), /👀 <@U0ALICE99> is on it since <!date\^\d+\^/);
    assert.deepEqual(buttonsOf(updates()[0]), [
      'Details',
      'Timeline',
      'Unacknowledge',
      'Mute 1h',
      'Mute 24h',
    ]);

    p.clock.now += MINUTE;
    errorAt(stageArn, sessionId, viewer('b'), p.clock.now - 1_000);
    await cycle(p);
    assert.equal(replies().length, 0, 'no thread reply once someone is on it');
    assert.equal(updates().length, 2);
    assert.match(blocksOf(updates()[1]), /\*Events\*\\n2/);
    assert.match(blocksOf(updates()[1]), /👀 <@U0ALICE99>/);

    assert.ok((await p.watches.acknowledge(group.id, null)).ok);
    await p.sender.drain();
    assert.equal(updates().length, 3);
    assert.doesNotMatch(blocksOf(updates()[2]), /is on it/);
    assert.ok(buttonsOf(updates()[2]).includes('Acknowledge'));
    await p.close();
  });

  test('acknowledged while a thread reply waits: the reply is dropped, the counts still go out', async () => {
    const p = pipeline();
    const { stageArn, sessionId, viewer } = await watchedStage(p);
    errorAt(stageArn, sessionId, viewer('a'), T0 - 10_000);
    await cycle(p);
    const [group] = await p.store.latestGroups(1);
    assert.ok(group);

    p.clock.now += MINUTE;
    errorAt(stageArn, sessionId, viewer('b'), p.clock.now - 1_000);
    assert.equal((await p.poller.runCycle()).skipped, false); // an update and a reply queued, not sent
    assert.ok((await p.watches.acknowledge(group.id, 'U0ALICE99')).ok);
    await p.sender.drain();
    assert.equal(replies().length, 0, 'queued before the click, dropped after it');
    assert.equal(updates().length, 1);
    assert.match(blocksOf(updates()[0]), /\*Events\*\\n2/);
    assert.match(blocksOf(updates()[0]), /👀 <@U0ALICE99>/);
    await p.close();
  });

  test('session ended: the message says when, once', async () => {
    const p = pipeline();
    const { stageArn, sessionId, viewer } = await watchedStage(p);
    errorAt(stageArn, sessionId, viewer('a'), T0 - 10_000);
    await cycle(p);
    p.clock.now += MINUTE;
    world.ivs.endSession(stageArn, sessionId, new Date(p.clock.now - 5_000));
    await cycle(p);
    assert.equal(updates().length, 1);
    assert.match(blocksOf(updates()[0]), /⏹️ Session ended <!date\^\d+\^/);
    p.clock.now += MINUTE;
    await cycle(p);
    assert.equal(updates().length, 1, 'once');
    await p.close();
  });
});

describe('IVS_WATCHES mention at start-up (issue 16)', () => {
  test('a declared watch takes its mention; a changed mention is applied at the next start; a watch made by a command is left alone', async () => {
    const p = pipeline();
    const stageArn = world.ivs.addStage({ name: 'seeded' });
    await p.store.saveWatch({
      stageArn,
      channelId: 'CBYHAND001',
      codes: ['QUOTA_EXCEEDED'],
      createdBy: 'U0SOMEONE1',
      createdAt: new Date(T0),
    });
    await p.watches.seed([
      { stageArn, channelId: CHANNEL, codes: null, mention: '<!here>' },
      { stageArn, channelId: 'CBYHAND001', codes: null, mention: '<!here>' },
    ]);
    const mentions = async () =>
      new Map((await p.store.listWatches()).map((w) => [w.channelId, [w.mention ?? null, w.codes]]));
    assert.deepEqual(
      await mentions(),
      new Map([
        [CHANNEL, ['<!here>', null]],
        ['CBYHAND001', [null, ['QUOTA_EXCEEDED']]],
      ]),
    );

    await p.watches.seed([{ stageArn, channelId: CHANNEL, codes: null, mention: '<@U0ONCALL1>' }]);
    assert.deepEqual((await mentions()).get(CHANNEL), ['<@U0ONCALL1>', null]);
    await p.watches.seed([{ stageArn, channelId: CHANNEL, codes: null }]);
    assert.deepEqual((await mentions()).get(CHANNEL), [null, null], 'mention taken out of the setting');
    await p.close();
  });
});
