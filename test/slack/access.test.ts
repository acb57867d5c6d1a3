import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AccessLevel,
  type AccessPolicy,
  type AccessRequest,
  authorize,
  decideAccess,
  decideTargetChannel,
} from '../../src/slack/access.ts';
import { ACTION } from '../../src/slack/actionIds.ts';
import { ACTION_ACCESS } from '../../src/slack/actions/index.ts';
import { COMMAND_ACCESS } from '../../src/slack/commands/index.ts';
import { USAGE } from '../../src/slack/commandUsage.ts';

const READER = 'U0READER1';
const ADMIN = 'U0ADMIN01';
const STRANGER = 'U0STRANGE';
const LISTED = 'C0LISTED1';
const UNLISTED = 'C0OTHER01';

const LEVELS: AccessLevel[] = ['open', 'read', 'change', 'admin'];
const USER_LISTS = [null, new Set([READER])];
const ADMIN_LISTS = [null, new Set([ADMIN])];
const CHANNEL_LISTS = [null, new Set([LISTED])];
const USERS = [READER, ADMIN, STRANGER];
const CHANNELS = [LISTED, UNLISTED, undefined];

/**
 * The rules as README's "Who may do what" and the settings table state them, written out here
 * rather than taken from the code: help is for anyone; reading needs the user list (admins always
 * pass it); changing needs an admin when admins are set, else it reads like reading; Disconnect
 * needs a listed admin; and whatever the level, the channel list holds, for admins too.
 */
function documented(policy: AccessPolicy, userId: string, channelId: string | undefined, level: AccessLevel) {
  if (level === 'open') return 'allowed';
  const admin = policy.adminUsers?.has(userId) === true;
  const userOnList = policy.allowedUsers === null || policy.allowedUsers.has(userId);
  const needsAdmin = level === 'admin' || (level === 'change' && policy.adminUsers !== null);
  if (needsAdmin && !admin) return 'admins only';
  if (!needsAdmin && !admin && !userOnList) return 'user not allowed';
  const channelOnList =
    policy.allowedChannels === null || (channelId !== undefined && policy.allowedChannels.has(channelId));
  return channelOnList ? 'allowed' : 'channel not allowed';
}

const REASONS: Record<string, RegExp> = {
  'admins only': /IVS_ADMIN_USERS/,
  'user not allowed': /IVS_ALLOWED_USERS/,
  'channel not allowed': /IVS_ALLOWED_CHANNELS/,
};

describe('decideAccess', () => {
  test('every level × user list × admin list × channel list × user × channel follows the documented rules', () => {
    let cases = 0;
    for (const level of LEVELS)
      for (const allowedUsers of USER_LISTS)
        for (const adminUsers of ADMIN_LISTS)
          for (const allowedChannels of CHANNEL_LISTS)
            for (const userId of USERS)
              for (const channelId of CHANNELS) {
                const policy: AccessPolicy = { allowedUsers, adminUsers, allowedChannels };
                const expected = documented(policy, userId, channelId, level);
                const decision = decideAccess(policy, { userId, channelId }, level);
                const where = JSON.stringify({
                  level,
                  allowedUsers: allowedUsers && [...allowedUsers],
                  adminUsers: adminUsers && [...adminUsers],
                  allowedChannels: allowedChannels && [...allowedChannels],
                  userId,
                  channelId,
                });
                if (expected === 'allowed') assert.deepEqual(decision, { ok: true }, where);
                else {
                  assert.equal(decision.ok, false, where);
                  if (!decision.ok) assert.match(decision.reason, REASONS[expected] ?? /^$/, where);
                }
                cases += 1;
              }
    assert.equal(cases, 4 * 2 * 2 * 2 * 3 * 3);
  });

  test('named cases: what the lists mean for the people they name', () => {
    const locked: AccessPolicy = {
      allowedUsers: new Set([READER]),
      adminUsers: new Set([ADMIN]),
      allowedChannels: new Set([LISTED]),
    };
    const at = (userId: string, channelId: string | undefined) => ({ userId, channelId });
    // A reader reads in a listed channel, but changes nothing when admins are set.
    assert.equal(decideAccess(locked, at(READER, LISTED), 'read').ok, true);
    assert.equal(decideAccess(locked, at(READER, LISTED), 'change').ok, false);
    // An admin not on the user list still reads: admins always pass the user list.
    assert.equal(decideAccess(locked, at(ADMIN, LISTED), 'read').ok, true);
    // Admins may do more, not in more places.
    assert.equal(decideAccess(locked, at(ADMIN, UNLISTED), 'admin').ok, false);
    // Nobody disconnects when no admins are set, whatever else is open.
    const open: AccessPolicy = { allowedUsers: null, adminUsers: null, allowedChannels: null };
    assert.equal(decideAccess(open, at(STRANGER, LISTED), 'admin').ok, false);
    assert.equal(decideAccess(open, at(STRANGER, LISTED), 'change').ok, true);
    // Help answers anyone anywhere, even outside the channel list.
    assert.equal(decideAccess(locked, at(STRANGER, undefined), 'open').ok, true);
  });
});

test('decideTargetChannel: the channel a watch posts to passes the channel list', () => {
  const listed: AccessPolicy = { allowedUsers: null, adminUsers: null, allowedChannels: new Set([LISTED]) };
  assert.deepEqual(decideTargetChannel(listed, LISTED), { ok: true });
  const refused = decideTargetChannel(listed, UNLISTED);
  assert.equal(refused.ok, false);
  if (!refused.ok) assert.match(refused.reason, /IVS_ALLOWED_CHANNELS/);
  const anywhere: AccessPolicy = { allowedUsers: null, adminUsers: null, allowedChannels: null };
  assert.deepEqual(decideTargetChannel(anywhere, UNLISTED), { ok: true });
});

describe('authorize (Bolt listener middleware)', () => {
  const policy: AccessPolicy = {
    allowedUsers: new Set([READER]),
    adminUsers: new Set([ADMIN]),
    allowedChannels: new Set([LISTED]),
  };

  async function run(request: AccessRequest | undefined) {
    const calls: string[] = [];
    const middleware = authorize<{ next: () => Promise<void>; request: AccessRequest | undefined }>(
      policy,
      (args) => args.request,
      async (_args, reason) => {
        calls.push(`refused: ${reason}`);
      },
    );
    await middleware({
      request,
      next: async () => {
        calls.push('next');
      },
    });
    return calls;
  }

  test('an allowed request goes on to the next listener, and nothing is refused', async () => {
    assert.deepEqual(await run({ who: { userId: READER, channelId: LISTED }, level: 'read' }), ['next']);
  });

  test('a refused request stops the chain and is answered with the reason', async () => {
    const calls = await run({ who: { userId: READER, channelId: LISTED }, level: 'change' });
    assert.equal(calls.length, 1);
    assert.match(calls[0] ?? '', /^refused: .*IVS_ADMIN_USERS/);
  });

  test('a request it cannot tell is refused (fails closed)', async () => {
    const calls = await run(undefined);
    assert.equal(calls.length, 1);
    assert.match(calls[0] ?? '', /^refused: /);
  });
});

describe('levels per subcommand and per button', () => {
  test('every subcommand has a level; only help is open; watch and unwatch change', () => {
    const names = ['help', ...Object.keys(USAGE)].sort();
    assert.deepEqual(Object.keys(COMMAND_ACCESS).sort(), names);
    const open = Object.entries(COMMAND_ACCESS).filter(([, level]) => level === 'open');
    assert.deepEqual(open, [['help', 'open']]);
    assert.equal(COMMAND_ACCESS.watch, 'change');
    assert.equal(COMMAND_ACCESS.unwatch, 'change');
  });

  test('every button has a level; only viewing (Timeline too) and acknowledging buttons read; Disconnect is for admins', () => {
    assert.deepEqual(Object.keys(ACTION_ACCESS).sort(), Object.values(ACTION).sort());
    const viewing = new Set<string>([
      ACTION.previousPage,
      ACTION.nextPage,
      ACTION.restart,
      ACTION.previousPageCopy,
      ACTION.nextPageCopy,
      ACTION.openSessions,
      ACTION.openParticipants,
      ACTION.openParticipant,
      // Timeline draws a session into the clicker's own messages with the bot; its Share posts, so changes.
      ACTION.timeline,
      // Acknowledge says who is on an alert; it changes nothing (README: Who may do what).
      ACTION.acknowledgeAlert,
      ACTION.unacknowledgeAlert,
    ]);
    for (const [actionId, level] of Object.entries(ACTION_ACCESS)) {
      if (actionId === ACTION.disconnect) assert.equal(level, 'admin');
      else assert.equal(level, viewing.has(actionId) ? 'read' : 'change', actionId);
    }
  });
});
