import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FirstComerAdmins } from '../../demo/FirstComerAdmins.ts';
import { decideAccess, isAdmin } from '../../src/slack/access.ts';

const where = 'C0123ABCD';

test('the first user checked becomes the one admin; nobody after them', () => {
  const claimed: string[] = [];
  const policy = {
    allowedUsers: null,
    allowedChannels: null,
    adminUsers: new FirstComerAdmins(null, (id) => claimed.push(id)),
  };
  // Any command checks who is an admin, so reading first is enough to claim.
  assert.deepEqual(decideAccess(policy, { userId: 'U0FIRST01', channelId: where }, 'read'), { ok: true });
  assert.equal(isAdmin(policy, 'U0FIRST01'), true);
  assert.deepEqual(decideAccess(policy, { userId: 'U0FIRST01', channelId: where }, 'admin'), { ok: true });
  assert.equal(isAdmin(policy, 'U0LATER01'), false);
  const later = decideAccess(policy, { userId: 'U0LATER01', channelId: where }, 'change');
  assert.equal(later.ok, false, 'with an admin, changes are the admin’s, as with IVS_ADMIN_USERS');
  assert.deepEqual(decideAccess(policy, { userId: 'U0LATER01', channelId: where }, 'read'), { ok: true });
  assert.deepEqual(claimed, ['U0FIRST01'], 'announced once');
  assert.deepEqual([...policy.adminUsers], ['U0FIRST01']);
});

test('with IVS_ALLOWED_USERS, only an allowed user can become the admin', () => {
  const policy = {
    allowedUsers: new Set(['U0ALLOWED1']),
    allowedChannels: null,
    adminUsers: new FirstComerAdmins(new Set(['U0ALLOWED1']), () => undefined),
  };
  const stranger = decideAccess(policy, { userId: 'U0STRANGE1', channelId: where }, 'read');
  assert.equal(stranger.ok, false, 'not allowed, and not made an admin by asking');
  assert.equal(policy.adminUsers.size, 0);
  assert.deepEqual(decideAccess(policy, { userId: 'U0ALLOWED1', channelId: where }, 'admin'), { ok: true });
  assert.equal(isAdmin(policy, 'U0STRANGE1'), false);
});
