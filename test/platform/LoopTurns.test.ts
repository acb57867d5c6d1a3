import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { LoopTurns } from '../../src/platform/LoopTurns.ts';

describe('LoopTurns', () => {
  test('callers go in the order they asked, one per turn of the event loop', async () => {
    const turns = new LoopTurns();
    let turn = 0;
    let counting = true;
    const count = () => {
      turn += 1;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const seen: Array<[string, number]> = [];
    await Promise.all(['a', 'b', 'c'].map((name) => turns.next().then(() => seen.push([name, turn]))));
    counting = false;
    assert.deepEqual(
      seen.map(([name]) => name),
      ['a', 'b', 'c'],
    );
    const [a, b, c] = seen.map(([, at]) => at);
    assert.ok(a !== undefined && b !== undefined && c !== undefined && a < b && b < c, JSON.stringify(seen));
  });

  /** Notes a request on every turn of the event loop until `stop()`: a burst that never pauses. */
  function burst(turns: LoopTurns): { stop(): void; turns(): number } {
    let arriving = true;
    let count = 0;
    const arrive = () => {
      if (!arriving) return;
      count += 1;
      turns.noteRequest();
      setImmediate(arrive);
    };
    arrive();
    return {
      stop: () => {
        arriving = false;
      },
      turns: () => count,
    };
  }

  test('work waits while requests keep arriving, and goes once they stop', async () => {
    // The clock does not move, so the hold never runs out: only the end of the burst releases.
    const turns = new LoopTurns({ maxHoldMs: 300, now: () => 0 });
    let released = false;
    void turns.next().then(() => {
      released = true;
    });
    const requests = burst(turns);
    while (requests.turns() < 500) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(released, false, 'released while requests were arriving');
    requests.stop();
    while (!released) await new Promise((resolve) => setTimeout(resolve, 1));
  });

  test('the hold ends after maxHoldMs even if requests never stop', async () => {
    let now = 0;
    const turns = new LoopTurns({ maxHoldMs: 300, now: () => now });
    let released = false;
    void turns.next().then(() => {
      released = true;
    });
    const requests = burst(turns);
    try {
      while (requests.turns() < 200) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(released, false);
      now = 300;
      while (!released) await new Promise((resolve) => setTimeout(resolve, 1));
    } finally {
      requests.stop();
    }
  });

  test('a request already received is answered before work that waits for a turn', async () => {
    const turns = new LoopTurns();
    const order: string[] = [];
    const server = createServer((_req, res) => {
      order.push('request handled');
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const accepted = new Promise<void>((resolve) => server.once('connection', () => resolve()));
      let sent!: () => void;
      const written = new Promise<void>((resolve) => {
        sent = resolve;
      });
      const answered = new Promise<void>((resolve) => {
        const req = request({ port, host: '127.0.0.1' }, (res) => res.resume().on('end', resolve));
        req.end(sent);
      });
      // The connection is accepted and the request's bytes sit in the server's socket (loopback):
      // the next poll reads them, and that comes before the turn of work asked for now.
      await Promise.all([accepted, written]);
      const work = turns.next().then(() => order.push('work'));
      await Promise.all([answered, work]);
      assert.deepEqual(order, ['request handled', 'work']);
    } finally {
      server.close();
    }
  });
});
