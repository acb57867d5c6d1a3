import assert from 'node:assert/strict';
import nock from 'nock';

/**
 * IVS answered only by nock interceptors: real network is off except loopback (the bot, the fake
 * Slack), and every request to AWS that no interceptor matched is recorded, so a test can prove
 * that bad input reached no AWS API.
 */
export function interceptAws(): { unmatched: string[]; assertAllUsed(): void; restore(): void } {
  const unmatched: string[] = [];
  const onNoMatch = (req: Request) => {
    const url = new URL(req.url);
    if (url.hostname.endsWith('amazonaws.com')) unmatched.push(url.pathname);
  };
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  nock.emitter.on('no match', onNoMatch);
  return {
    unmatched,
    /** After each test: every interceptor it set up was used, and none is left for the next. */
    assertAllUsed() {
      const pending = nock.pendingMocks();
      nock.cleanAll();
      assert.deepEqual(pending, [], 'every expected IVS call was made');
    },
    restore() {
      nock.emitter.removeListener('no match', onNoMatch);
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
}
