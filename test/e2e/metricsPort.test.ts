import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestBot, type TestBot } from '../support/startTestBot.ts';

// METRICS_PORT moves /metrics off the Slack port (which faces the internet); /healthz and /readyz
// stay on the Slack port, where load balancers probe, and are answered on the metrics port too.
describe('with METRICS_PORT', () => {
  let t: TestBot;
  let metricsBase: string;

  before(async () => {
    t = await startTestBot({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
    assert.ok(t.bot.metricsPort !== undefined && t.bot.metricsPort !== t.bot.port);
    metricsBase = `http://127.0.0.1:${t.bot.metricsPort}`;
  });

  after(() => t.stop());

  test('/metrics answers on the metrics port only', async () => {
    const scrape = await fetch(`${metricsBase}/metrics`);
    assert.equal(scrape.status, 200);
    assert.match(await scrape.text(), /^ivs_bot_outbox_depth \d+$/m);
    assert.equal((await fetch(`${t.baseUrl}/metrics`)).status, 404);
  });

  test('/healthz and /readyz answer on both ports, GET and HEAD', async () => {
    for (const base of [t.baseUrl, metricsBase]) {
      for (const path of ['/healthz', '/readyz']) {
        for (const method of ['GET', 'HEAD']) {
          assert.equal((await fetch(`${base}${path}`, { method })).status, 200, `${method} ${base}${path}`);
        }
      }
    }
  });

  test('the metrics port serves nothing else: no Slack endpoint there', async () => {
    assert.equal((await fetch(`${metricsBase}/slack/events`, { method: 'POST', body: 'x' })).status, 404);
    assert.equal((await fetch(`${metricsBase}/`)).status, 404);
  });
});

describe('without METRICS_PORT', () => {
  let t: TestBot;

  before(async () => {
    t = await startTestBot();
  });

  after(() => t.stop());

  test('/metrics, /healthz and /readyz are all on PORT, as before', async () => {
    assert.equal(t.bot.metricsPort, undefined);
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      assert.equal((await fetch(`${t.baseUrl}${path}`)).status, 200, path);
    }
  });
});
