import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { HttpFront, type HttpRoute, routeRequest } from '../../src/platform/HttpFront.ts';
import { createLogger } from '../../src/platform/logger.ts';

const health: HttpRoute = {
  path: '/healthz',
  handle: (_req, res) => {
    res.writeHead(200).end('ok');
  },
};
const post = { path: '/slack/events', handle: () => {} };

describe('routeRequest', () => {
  test('serves the routes on GET and HEAD, the endpoint on POST, and refuses the rest', () => {
    const route = (method: string, target: string) => {
      const routing = routeRequest(method, target, [health], post);
      return routing.kind === 'refuse' ? `${routing.status} ${routing.allow ?? ''}`.trim() : routing.kind;
    };
    assert.equal(route('GET', '/healthz'), 'route');
    assert.equal(route('HEAD', '/healthz?x=1'), 'route');
    assert.equal(route('POST', '/slack/events'), 'post');
    assert.equal(route('POST', 'http://bot.example/slack/events'), 'post');
    assert.equal(route('POST', '/healthz'), '405 GET, HEAD');
    assert.equal(route('GET', '/slack/events'), '405 POST');
    assert.equal(route('OPTIONS', '/slack/events'), '405 POST');
    for (const target of [
      '/',
      '//',
      '//slack/events',
      '/slack/events/',
      '/slack/../slack/events',
      '/%2fhealthz',
    ]) {
      assert.equal(route('POST', target), '404', target);
      assert.equal(route('GET', target), '404', target);
    }
    assert.equal(route('OPTIONS', '*'), '400');
    assert.equal(route('GET', ''), '400');
    assert.equal(route('GET', 'http://['), '400');
  });
});

describe('the stray request log', () => {
  let front: HttpFront;
  let port: number;
  let clock = 0;
  const lines: Array<Record<string, unknown>> = [];

  before(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    });
    front = new HttpFront({ routes: [health], post, logger: createLogger('debug', sink), now: () => clock });
    port = await front.listen(0, '127.0.0.1');
  });

  after(() => front.close());

  test('one debug line per kind per minute, then one saying how many were left out', async () => {
    const get = (path: string, init: RequestInit = {}) =>
      fetch(`http://127.0.0.1:${port}${path}`, init).then((res) => res.status);
    for (let i = 0; i < 10; i++) {
      assert.equal(await get(`/nope/${i}`), 404);
      assert.equal(await get('/healthz', { method: 'DELETE' }), 405);
    }
    const strays = () => lines.filter((line) => line.msg === 'stray HTTP request');
    assert.deepEqual(
      strays().map((line) => [line.level, line.status, line.method, line.path, line.suppressed]),
      [
        [20, 404, 'GET', '/nope/0', undefined],
        [20, 405, 'DELETE', '/healthz', undefined],
      ],
    );
    clock += 59_999;
    assert.equal(await get('/nope/later'), 404);
    assert.equal(strays().length, 2);
    clock += 1;
    assert.equal(await get(`/${'p'.repeat(1_000)}`, { headers: { 'x-secret': 'never-logged' } }), 404);
    const last = strays().at(-1);
    assert.equal(last?.suppressed, 10);
    assert.equal(String(last?.path).length, 121, 'path cut to 120 characters and an ellipsis');
    assert.doesNotMatch(JSON.stringify(lines), /never-logged|x-secret|"headers"/);
  });
});
