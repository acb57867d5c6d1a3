import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { ACTION } from '../../src/slack/actionIds.ts';
import { postSigned, sign, slashCommandBody } from '../../testkit/slackRequests.ts';
import { interceptAws } from '../support/awsNock.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../support/startTestBot.ts';

// Hostile and malformed input against the running bot: every request gets an answer or a refusal,
// nothing throws, nothing changes, and memory does not grow with the size of what is sent.
let t: TestBot;
let aws: ReturnType<typeof interceptAws>;
let n = 0;

before(async () => {
  aws = interceptAws();
  t = await startTestBot({ LOG_LEVEL: 'warn' });
});

after(async () => {
  await t.stop();
  aws.restore();
});

/** A block_actions payload as Slack sends it, with whatever action this test wants. */
function clickBody(action: Record<string, unknown>, responseUrl: string): string {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0001', domain: 'example' },
    user: { id: 'UHOSTILE01', team_id: 'T0001' },
    api_app_id: 'A0001',
    container: { type: 'message', message_ts: '1.2', channel_id: 'CHOSTILE01', is_ephemeral: true },
    trigger_id: '1.2.3',
    channel: { id: 'CHOSTILE01', name: 'x' },
    response_url: responseUrl,
    actions: [
      { type: 'button', block_id: 'b', action_ts: '1.2', text: { type: 'plain_text', text: 'x' }, ...action },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

describe('button payloads', () => {
  test('garbage, truncated or foreign values on every button get a clear message and change nothing', async () => {
    const actionIds = Object.values(ACTION);
    const value = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
      fc.constantFrom(
        '',
        ':',
        '1:',
        'abc:-1',
        '99999999999999999999:1',
        '{"a":1}',
        '{"a":"arn:aws:ivs',
        '0',
        '<!channel>',
      ),
      fc.json({ maxDepth: 2 }).map((json) => json.slice(0, 1_900)),
    );
    const before = await listings();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...actionIds), value, async (actionId, garbage) => {
        const name = `h${++n}`;
        const res = await postSigned(
          t.eventsUrl,
          clickBody({ action_id: actionId, value: garbage }, t.slack.responseUrl(name)),
          SIGNING_SECRET,
        );
        assert.equal(res.status, 200);
        const [answer] = await t.slack.waitFor(`response:${name}`, 1, 5_000);
        const text = JSON.stringify(answer?.body);
        // Disconnect is refused outright here: no admins are configured.
        assert.match(
          text,
          /does not recognise|expired or are unknown|no longer known|Only the bot’s admins/,
          text,
        );
      }),
      { numRuns: 60 },
    );
    assert.deepEqual(aws.unmatched, [], 'no IVS call for any of them');
    assert.deepEqual(await listings(), before, 'watches and mutes unchanged');
  });

  test('an action the bot never rendered is acknowledged and ignored', async () => {
    const res = await postSigned(
      t.eventsUrl,
      clickBody({ action_id: 'some_other_app_action', value: 'x' }, t.slack.responseUrl('foreign')),
      SIGNING_SECRET,
    );
    assert.ok(res.status < 500);
    assert.equal(t.slack.callsTo('response:foreign').length, 0);
  });

  test('a payload that is not JSON is refused without a crash', async () => {
    const body = 'payload=%7Bnot-json';
    const res = await fetch(t.eventsUrl, {
      method: 'POST',
      headers: sign(body, SIGNING_SECRET, Math.floor(Date.now() / 1000)),
      body,
    });
    assert.ok(res.status >= 400 && res.status < 500, String(res.status));
    assert.equal((await fetch(`${t.baseUrl}/healthz`)).status, 200);
  });
});

describe('command text', () => {
  test('any text gets an answer: a view, a usage error or a refusal, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 300 }),
          fc.constantFrom(
            '<!channel>',
            '<@U123|x>',
            '"unterminated',
            '“smart”',
            'participant "a b" \'c\'',
            'watch <#C1|x>',
          ),
          fc.string({ minLength: 3_000, maxLength: 3_500 }),
        ),
        async (text) => {
          const name = `t${++n}`;
          const res = await postSigned(
            t.eventsUrl,
            slashCommandBody({ text, responseUrl: t.slack.responseUrl(name) }),
            SIGNING_SECRET,
          );
          assert.equal(res.status, 200);
          const [answer] = await t.slack.waitFor(`response:${name}`, 1, 5_000);
          const blocks = JSON.stringify(answer?.body.blocks ?? []);
          assert.ok(
            !blocks.includes('<!channel>') && !blocks.includes('<@U123|x>'),
            'echoed input is escaped',
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('HTTP bodies', () => {
  test('an oversized body is refused before it is parsed, and the bot carries on', async () => {
    const big = `text=${'a'.repeat(2 * 1024 * 1024)}`;
    const res = await fetch(t.eventsUrl, {
      method: 'POST',
      headers: sign(big, SIGNING_SECRET, Math.floor(Date.now() / 1000)),
      body: big,
    }).catch((error: unknown) => error);
    // The bot answers 413 and closes the connection; a client still uploading may see the reset instead.
    if (res instanceof Response) assert.equal(res.status, 413);
    assert.equal((await fetch(`${t.baseUrl}/healthz`)).status, 200);
  });

  test('an unsigned body never reaches a listener', async () => {
    const res = await fetch(t.eventsUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
      },
      body: slashCommandBody({ text: 'stages', responseUrl: t.slack.responseUrl('unsigned') }),
    });
    assert.equal(res.status, 401);
    assert.equal(t.slack.callsTo('response:unsigned').length, 0);
  });
});

describe('Slack faults on the answer path', () => {
  test('an expired response_url is logged, not fatal', async () => {
    t.slack.fail('response:expired', { status: 404, error: 'expired_url' });
    const res = await postSigned(
      t.eventsUrl,
      slashCommandBody({ text: 'help', responseUrl: t.slack.responseUrl('expired') }),
      SIGNING_SECRET,
    );
    assert.equal(res.status, 200);
    await t.slack.waitFor('response:expired');
    assert.ok(
      await new Promise<boolean>((resolve) =>
        setTimeout(
          () => resolve(t.logs.some((line) => line.includes('response_url refused the answer'))),
          300,
        ),
      ),
    );
    assert.equal((await fetch(`${t.baseUrl}/healthz`)).status, 200);
  });
});

describe('load', () => {
  test('a burst of 1,000 signed slash commands: every one acked within Slack’s deadline and answered; memory flat', async () => {
    const burst = async (size: number, tag: string) => {
      const slowest: number[] = [];
      for (let start = 0; start < size; start += 100) {
        await Promise.all(
          Array.from({ length: Math.min(100, size - start) }, async (_, i) => {
            const began = performance.now();
            const res = await postSigned(
              t.eventsUrl,
              slashCommandBody({ text: 'help', responseUrl: t.slack.responseUrl(`${tag}${start + i}`) }),
              SIGNING_SECRET,
            );
            assert.equal(res.status, 200);
            slowest.push(performance.now() - began);
          }),
        );
      }
      return Math.max(...slowest);
    };
    const answered = (tag: string) =>
      t.slack.calls.filter((c) => c.method.startsWith(`response:${tag}`)).length;

    const firstMax = await burst(500, 'L1-');
    assert.ok(await waitUntil(() => answered('L1-') === 500), `first burst answered: ${answered('L1-')}`);
    const heapAfterFirst = heapAfterGc();
    const secondMax = await burst(500, 'L2-');
    assert.ok(await waitUntil(() => answered('L2-') === 500), `second burst answered: ${answered('L2-')}`);
    const heapAfterSecond = heapAfterGc();

    assert.ok(
      Math.max(firstMax, secondMax) < 3_000,
      `slowest ack ${Math.round(Math.max(firstMax, secondMax))} ms`,
    );
    // Flat: a second burst of the same size must not leave much more behind than the first did.
    assert.ok(heapAfterSecond < heapAfterFirst + 16 * 1024 * 1024, `${heapAfterFirst} → ${heapAfterSecond}`);
  });
});

/** Heap in use after a full collection (the test's own fake Slack keeps every call, a few MB). */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function waitUntil(check: () => boolean, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return check();
}

async function listings(): Promise<string> {
  const name = `l${++n}`;
  await postSigned(
    t.eventsUrl,
    slashCommandBody({ text: 'watches', responseUrl: t.slack.responseUrl(name) }),
    SIGNING_SECRET,
  );
  const name2 = `l${++n}`;
  await postSigned(
    t.eventsUrl,
    slashCommandBody({ text: 'mutes', responseUrl: t.slack.responseUrl(name2) }),
    SIGNING_SECRET,
  );
  const [watches] = await t.slack.waitFor(`response:${name}`);
  const [mutes] = await t.slack.waitFor(`response:${name2}`);
  return JSON.stringify([watches?.body.text, mutes?.body.text]);
}
