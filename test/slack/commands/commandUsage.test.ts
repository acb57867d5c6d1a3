import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { USAGE } from '../../../src/slack/commandUsage.ts';

// README's "Commands in Slack" table is what people read; /ivs help is what they see. Same lines.
test("README's commands table shows each subcommand with the usage line /ivs help shows", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Commands in Slack\n'), readme.indexOf('\n## A picture'));
  const documented = [...section.matchAll(/^\| `(\/ivs [a-z]+[^`]*)`/gm)].map((m) =>
    (m[1] ?? '').replaceAll('\\|', '|'),
  );
  assert.deepEqual(documented, [...Object.values(USAGE), '/ivs help']);
});
