import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FakeSlack } from '../../testkit/fakeSlack.ts';
import { readPayload } from '../../testkit/slackRequests.ts';

// `npm run demo` as a person runs it: a real process with only the two Slack tokens (and, here,
// SLACK_API_URL pointing at the fake Slack, which speaks Socket Mode). It must connect, answer
// commands over the socket from the simulated IVS, and post alerts for the demo stage's errors.
const DEMO = fileURLToPath(new URL('../../demo/run.ts', import.meta.url));
const CHANNEL = 'C2147483705';

interface Demo {
  child: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
}

function startDemo(env: Record<string, string>): Demo {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', DEMO], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => out.push(chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out, exited };
}

async function waitForOutput(demo: Demo, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(demo.out.join(''));
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in the demo's output:\n${demo.out.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('without the Slack tokens the demo names both and how to get them, and exits non-zero', async () => {
  const demo = startDemo({});
  assert.equal(await demo.exited, 1);
  const output = demo.out.join('');
  assert.match(output, /SLACK_BOT_TOKEN: missing; it is the Bot User OAuth Token \(xoxb-…\)/);
  assert.match(output, /SLACK_APP_TOKEN: missing; it is an app-level token \(xapp-…\)/);
  assert.match(output, /manifest\.socket-mode\.yml/);
});

test('tokens Slack refuses: the demo says which tokens to check, and exits non-zero', async () => {
  // Slack's answer to a wrong token, whatever the method (apps.connections.open is the first call).
  const refusing = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ ok: false, error: 'invalid_auth' }));
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = refusing.address() as AddressInfo;
    const refused = startDemo({
      SLACK_BOT_TOKEN: 'xoxb-wrong-not-a-secret',
      SLACK_APP_TOKEN: 'xapp-1-wrong-not-a-secret',
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
    });
    assert.equal(await refused.exited, 1);
    const output = refused.out.join('');
    assert.match(output, /could not start: .*invalid_auth/);
    assert.match(
      output,
      /Slack refused a token: check that SLACK_BOT_TOKEN is .* and that SLACK_APP_TOKEN is /,
    );
  } finally {
    await new Promise((resolve) => refusing.close(resolve));
  }
});

let slack: FakeSlack;
let demo: Demo;
let stageArn: string;

before(async () => {
  slack = await FakeSlack.start({ socketMode: true });
  demo = startDemo({
    SLACK_BOT_TOKEN: 'xoxb-demo-test-not-a-secret',
    SLACK_APP_TOKEN: 'xapp-1-demo-test-not-a-secret',
    SLACK_API_URL: slack.apiUrl,
  });
  stageArn = (await waitForOutput(demo, /Demo stage (arn:aws:ivs:\S+)/, 30_000))[1] ?? '';
  await slack.socketMode?.waitForConnection(30_000);
});

after(async () => {
  demo.child.kill('SIGTERM');
  const code = await demo.exited;
  await slack.close();
  assert.equal(code, 0, `the demo stops cleanly:\n${demo.out.join('')}`);
  // What a person sees in their terminal: no SDK warnings, no bot warnings about the demo's own setup.
  assert.doesNotMatch(demo.out.join(''), /differs from SQSClient|redrive policy|"level":[4-6]0/);
});

function command(text: string, name: string, userId?: string): Record<string, unknown> {
  const form = Object.fromEntries(
    new URLSearchParams(readPayload('slash-command.official-doc-example.txt').trim()),
  );
  return {
    ...form,
    ...(userId === undefined ? {} : { user_id: userId }),
    command: '/ivs',
    text,
    channel_id: CHANNEL,
    response_url: slack.responseUrl(name),
  };
}

test('without IVS_ADMIN_USERS the first person the demo hears from is its admin: Disconnect is offered to them only', async () => {
  const socketMode = slack.socketMode;
  assert.ok(socketMode);
  const output = demo.out.join('');
  assert.match(output, /the first person the bot hears from becomes its admin/);
  // The printed commands are the ones to type: the live session's host, and the rehearsal to page.
  const [, host] = /\/ivs participant (arn:\S+ st-\S+ \S+)\n/.exec(output) ?? [];
  assert.ok(host, output);
  assert.match(output, /\/ivs participants arn:aws:ivs:us-east-1:\d+:stage\/DemoStage002 st-\S+ +Next ▶/);
  const firstUser = String(command('', 'unused').user_id);
  await socketMode.send('slash_commands', command(`participant ${host}`, 'first'));
  const [first] = await slack.waitFor('response:first', 1, 20_000);
  assert.match(JSON.stringify(first?.body), /ivs_disconnect_participant/);
  assert.match(demo.out.join(''), new RegExp(`${firstUser} is the demo's admin`));
  await socketMode.send('slash_commands', command(`participant ${host}`, 'second', 'U0SECOND01'));
  const [second] = await slack.waitFor('response:second', 1, 20_000);
  assert.match(JSON.stringify(second?.body), /host@example\.com/);
  assert.doesNotMatch(JSON.stringify(second?.body), /ivs_disconnect_participant/);
});

test('the demo answers commands over Socket Mode from the simulated IVS, and alerts on the demo stage', async () => {
  const socketMode = slack.socketMode;
  assert.ok(socketMode);
  await socketMode.send('slash_commands', command('stages', 'stages'));
  const [stages] = await slack.waitFor('response:stages', 1, 20_000);
  assert.match(JSON.stringify(stages?.body), /demo-live-show/);
  assert.match(JSON.stringify(stages?.body), /DemoStage001/);

  await socketMode.send('slash_commands', command(`watch ${stageArn}`, 'watch'));
  const [watch] = await slack.waitFor('response:watch', 1, 20_000);
  assert.match(JSON.stringify(watch?.body), /DemoStage001/);

  // The script hits an error every few seconds and the demo polls every 10 s.
  const deadline = Date.now() + 90_000;
  let alert: string | undefined;
  while (alert === undefined && Date.now() < deadline) {
    await slack.waitFor(
      'chat.postMessage',
      slack.callsTo('chat.postMessage').length + 1,
      deadline - Date.now(),
    );
    alert = slack
      .callsTo('chat.postMessage')
      .map((call) => JSON.stringify(call.body))
      .find((body) => /BITRATE_EXCEEDED|PUBLISHER_NOT_FOUND|QUOTA_EXCEEDED/.test(body));
  }
  assert.ok(alert, 'an alert for one of the demo stage’s errors was posted');
  assert.match(alert, new RegExp(CHANNEL));
  assert.deepEqual(socketMode.protocolErrors, []);
});
