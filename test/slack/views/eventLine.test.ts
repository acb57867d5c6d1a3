import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExchangedToken, ParticipantEvent } from '../../../src/ivs/IvsGateway.ts';
import { describeTokenExchange, renderEventLine } from '../../../src/slack/views/participantView.ts';

const AT = new Date('2026-11-25T10:00:00Z');
const token: ExchangedToken = {
  userId: 'alice',
  capabilities: ['PUBLISH', 'SUBSCRIBE'],
  attributes: { role: 'host', room: 'blue' },
  expirationTime: new Date('2026-11-25T12:00:00Z'),
};

test('TOKEN_EXCHANGED says what changed: capabilities, userId, attributes, expiry', () => {
  const line = describeTokenExchange(token, {
    userId: 'alice-2',
    capabilities: ['SUBSCRIBE'],
    attributes: { role: 'guest', room: 'blue', badge: 'vip' },
    expirationTime: new Date('2026-11-25T14:00:00Z'),
  });
  assert.equal(
    line,
    'token changed: capabilities PUBLISH+SUBSCRIBE → SUBSCRIBE, user `alice` → `alice-2`, ' +
      'attribute `badge` _none_ → `vip`, attribute `role` `host` → `guest`, ' +
      'expires 2026-11-25 12:00:00 UTC → 2026-11-25 14:00:00 UTC',
  );
});

test('an attribute change alone no longer reads "PUBLISH+SUBSCRIBE → PUBLISH+SUBSCRIBE"', () => {
  const line = describeTokenExchange(token, {
    ...token,
    capabilities: ['SUBSCRIBE', 'PUBLISH'],
    attributes: { ...token.attributes, role: 'moderator' },
  });
  assert.equal(line, 'token changed: attribute `role` `host` → `moderator`');
  assert.equal(describeTokenExchange(token, { ...token }), 'token renewed, nothing changed');
});

test('many changed attributes are counted, values are shortened and kept inert', () => {
  const many = Object.fromEntries(
    Array.from({ length: 6 }, (_, i) => [`k${i}`, `<!channel> ${'x'.repeat(80)}`]),
  );
  const line = describeTokenExchange(token, { ...token, attributes: { ...token.attributes, ...many } });
  assert.match(line, /attribute `k0` _none_ → `&lt;!channel&gt; x+…`/);
  assert.match(line, /, 3 more attributes$/);
  assert.ok(!line.includes('<!channel>'));
});

test('a token given on one side only is described as it is', () => {
  assert.equal(
    describeTokenExchange(undefined, token),
    'new token: capabilities PUBLISH+SUBSCRIBE, user `alice`, expires 2026-11-25 12:00:00 UTC',
  );
});

test('on subscribe events `replica` is about the remote participant; elsewhere about this one', () => {
  const subscribe: ParticipantEvent = {
    name: 'SUBSCRIBE_STARTED',
    eventTime: AT,
    remoteParticipantId: 'pRemote00001',
    replica: true,
  };
  assert.match(
    renderEventLine(subscribe),
    /remote `pRemote00001` · _\(the remote participant is a replica\)_$/,
  );
  const publish: ParticipantEvent = { name: 'PUBLISH_STARTED', eventTime: AT, replica: true };
  assert.match(renderEventLine(publish), / · _\(replica\)_$/);
  assert.ok(!renderEventLine({ ...subscribe, replica: false }).includes('replica'));
});
