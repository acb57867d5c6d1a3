import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createIvsClientFactory, UnknownRegionError } from '../../src/ivs/ivsClients.ts';

test('the client factory makes clients for IVS_REGIONS only, so no input grows its map', async () => {
  const factory = createIvsClientFactory({
    maxAttempts: 1,
    requestTimeoutMs: 1_000,
    regions: new Set(['us-east-1', 'eu-west-1']),
  });
  try {
    const client = factory.clientFor('eu-west-1');
    assert.equal(factory.clientFor('eu-west-1'), client, 'one client per region');
    assert.equal(await client.config.region(), 'eu-west-1');
    for (const region of ['xx-fake-9', 'ap-southeast-2', 'us-east-1; rm -rf']) {
      assert.throws(() => factory.clientFor(region), UnknownRegionError);
    }
  } finally {
    factory.destroy();
  }
});
