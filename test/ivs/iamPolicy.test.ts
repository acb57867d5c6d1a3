import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

// The README's IAM policy is pasted as it is by people installing the bot: it must allow every IVS
// call the bot makes to read, and nothing more; DisconnectParticipant is the one call left to add.
test("README's IvsRealTimeRead statement allows exactly the IVS reads the gateway makes", () => {
  const gateway = readFileSync(new URL('../../src/ivs/SdkIvsGateway.ts', import.meta.url), 'utf8');
  const calls = new Set([...gateway.matchAll(/\bnew ([A-Z][A-Za-z]+)Command\(/g)].map((m) => `ivs:${m[1]}`));
  assert.ok(calls.has('ivs:GetParticipant'), 'the gateway’s calls were found');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('\n## IAM policy\n'));
  const policy = /```json\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const statement = (
    JSON.parse(policy) as { Statement: { Sid?: string; Action: string[] }[] }
  ).Statement.find((s) => s.Sid === 'IvsRealTimeRead');
  assert.ok(statement);
  assert.deepEqual(
    [...statement.Action].sort(),
    [...calls].filter((call) => call !== 'ivs:DisconnectParticipant').sort(),
  );
  assert.ok(calls.has('ivs:DisconnectParticipant'));
  assert.match(section, /Add `ivs:DisconnectParticipant` only if you set\s+`IVS_ADMIN_USERS`/);
});
