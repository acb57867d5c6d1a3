import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { USAGE } from '../src/slack/commandUsage.ts';
import { SLACK_EVENTS_PATH } from '../src/slack/createSlackApp.ts';

// Slack's published schema lives beside the repo (<repo>/../shared), not inside it.
const SCHEMA_URL = new URL('../../shared/slack/manifest.schema.json', import.meta.url);
const HTTP_MANIFEST_URL = new URL('../manifest.yml', import.meta.url);
const SOCKET_MANIFEST_URL = new URL('../manifest.socket-mode.yml', import.meta.url);

/** The parts of a Slack app manifest these tests read; the schema test checks the full shape. */
interface Manifest {
  display_information: { name: string; description?: string };
  features?: {
    app_home?: { home_tab_enabled?: boolean; messages_tab_enabled?: boolean };
    bot_user?: { display_name: string; always_online?: boolean };
    slash_commands?: { command: string; url?: string; description: string; usage_hint?: string }[];
  };
  oauth_config?: { scopes?: { bot?: string[] } };
  settings?: {
    event_subscriptions?: { request_url?: string; bot_events?: string[] };
    interactivity?: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled?: boolean;
  };
}

function readManifest(url: URL): Manifest {
  return parse(readFileSync(url, 'utf8')) as Manifest;
}

const httpManifest = readManifest(HTTP_MANIFEST_URL);
const socketManifest = readManifest(SOCKET_MANIFEST_URL);
const manifests = [
  ['manifest.yml', httpManifest],
  ['manifest.socket-mode.yml', socketManifest],
] as const;

function ivsCommand(manifest: Manifest) {
  const command = manifest.features?.slash_commands?.find((c) => c.command === '/ivs');
  assert.ok(command, 'the manifest declares the /ivs slash command');
  return command;
}

/** Everything but how Slack reaches the bot: the two manifests must describe the same app. */
function withoutDelivery(manifest: Manifest): Manifest {
  const copy = structuredClone(manifest);
  for (const command of copy.features?.slash_commands ?? []) delete command.url;
  if (copy.settings) {
    delete copy.settings.socket_mode_enabled;
    delete copy.settings.event_subscriptions?.request_url;
    delete copy.settings.interactivity?.request_url;
  }
  return copy;
}

const schemaMissing = existsSync(SCHEMA_URL)
  ? false
  : `Slack's manifest schema is not at ${SCHEMA_URL.pathname} (clone the shared/ folder beside the repo)`;

test("both manifests are valid against Slack's app manifest JSON Schema", { skip: schemaMissing }, () => {
  const schema: unknown = JSON.parse(readFileSync(SCHEMA_URL, 'utf8'));
  // The schema is draft-07, Ajv's default dialect, so plain Ajv (not ajv/dist/2019 or 2020) fits.
  // strictTypes is off because Slack's schema puts `minItems` on string items (oauth2 scope); other strict checks stay.
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  // Slack annotates with two non-standard keywords; declaring them keeps strict mode on for any other unknown one.
  ajv.addVocabulary(['_note', 'regex']);
  // ajv-formats is not installed and the schema's only format is "uri" (on `$schema`); check it rather than skip formats.
  ajv.addFormat('uri', (value: string) => URL.canParse(value));
  const validate = ajv.compile(schema as object);
  for (const [name, manifest] of manifests) {
    const valid = validate(manifest);
    assert.ok(
      valid,
      `${name} breaks Slack's schema:\n${ajv.errorsText(validate.errors, { separator: '\n', dataVar: name })}`,
    );
  }
});

test('the slash command is /ivs in both manifests', () => {
  for (const [, manifest] of manifests) {
    assert.deepEqual(
      manifest.features?.slash_commands?.map((c) => c.command),
      ['/ivs'],
    );
  }
});

test("the HTTP manifest points commands, interactivity and events at Bolt's endpoint", () => {
  const urls = {
    slashCommand: ivsCommand(httpManifest).url,
    interactivity: httpManifest.settings?.interactivity?.request_url,
    eventSubscriptions: httpManifest.settings?.event_subscriptions?.request_url,
  };
  for (const [where, url] of Object.entries(urls)) {
    assert.ok(url, `${where} has a request URL`);
    const parsed = new URL(url);
    assert.equal(parsed.protocol, 'https:', `${where} uses HTTPS`);
    assert.equal(parsed.pathname, SLACK_EVENTS_PATH, `${where} path`);
  }
  assert.equal(httpManifest.settings?.interactivity?.is_enabled, true);
  assert.equal(httpManifest.settings?.socket_mode_enabled, false);
});

test('bot scopes are exactly commands, chat:write, chat:write.public, files:write and im:write', () => {
  for (const [name, manifest] of manifests) {
    assert.deepEqual(
      [...(manifest.oauth_config?.scopes?.bot ?? [])].sort(),
      ['chat:write', 'chat:write.public', 'commands', 'files:write', 'im:write'],
      name,
    );
  }
});

test('the Messages tab is on and read-only: timelines go there, people cannot write to the bot', () => {
  for (const [name, manifest] of manifests) {
    const home = (manifest.features as { app_home?: Record<string, unknown> } | undefined)?.app_home;
    assert.equal(home?.messages_tab_enabled, true, name);
    assert.equal(home?.messages_tab_read_only_enabled, true, name);
  }
});

test('the Socket Mode manifest enables Socket Mode and names no request URL', () => {
  assert.equal(socketManifest.settings?.socket_mode_enabled, true);
  assert.equal(ivsCommand(socketManifest).url, undefined);
  assert.equal(socketManifest.settings?.interactivity?.request_url, undefined);
  assert.equal(socketManifest.settings?.event_subscriptions?.request_url, undefined);
  assert.equal(socketManifest.settings?.interactivity?.is_enabled, true);
});

test('both manifests describe the same app apart from how Slack reaches it', () => {
  assert.deepEqual(withoutDelivery(socketManifest), withoutDelivery(httpManifest));
});

test('the usage hint names every /ivs subcommand, each as its usage line starts (/ivs stages [region] [account])', () => {
  const usage: Record<string, string> = { ...USAGE, help: '/ivs help' };
  for (const [name, manifest] of manifests) {
    const hint = ivsCommand(manifest).usage_hint ?? '';
    const segments = hint.split(' | ');
    assert.deepEqual(
      segments.map((segment) => segment.split(' ')[0]),
      Object.keys(usage),
      `${name}: one hint per subcommand, in /ivs help's order`,
    );
    for (const segment of segments) {
      const line = usage[segment.split(' ')[0] ?? ''] ?? '';
      assert.ok(line.startsWith(`/ivs ${segment}`), `${name}: "${segment}" is how "${line}" starts`);
    }
    assert.match(hint, /\| stages \[region\] \[account\] \|/);
  }
});
