import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

// Requests built from Slack's documented payloads, signed like Slack does. The payloads are copies of
// ../shared/slack/payloads kept in test/fixtures/slack so the suite runs anywhere; a test checks the
// copies still match the shared originals when those are present.
export const PAYLOADS = new URL('../test/fixtures/slack/', import.meta.url);
export const SHARED_PAYLOADS = new URL('../../shared/slack/payloads/', import.meta.url);

export function readPayload(name: string): string {
  return readFileSync(new URL(name, PAYLOADS), 'utf8');
}

export function sign(body: string, secret: string, timestampSec: number): Record<string, string> {
  const signature = createHmac('sha256', secret).update(`v0:${timestampSec}:${body}`).digest('hex');
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestampSec),
    'x-slack-signature': `v0=${signature}`,
  };
}

/** Slack's documented slash command body with our command, text and response_url. */
export function slashCommandBody(fields: {
  text: string;
  responseUrl: string;
  userId?: string;
  channelId?: string;
  teamId?: string;
}): string {
  const params = new URLSearchParams(readPayload('slash-command.official-doc-example.txt').trim());
  params.set('command', '/ivs');
  params.set('text', fields.text);
  params.set('response_url', fields.responseUrl);
  if (fields.userId) params.set('user_id', fields.userId);
  if (fields.channelId) params.set('channel_id', fields.channelId);
  if (fields.teamId) params.set('team_id', fields.teamId);
  return params.toString();
}

/** Slack's documented block_actions payload with one button click, form-encoded as Slack sends it. */
export function buttonClickBody(fields: {
  actionId: string;
  value: string;
  responseUrl: string;
  userId?: string;
  teamId?: string;
  channelId?: string;
}): string {
  const payload = JSON.parse(readPayload('block_actions.button.official-doc-example.json')) as Record<
    string,
    unknown
  >;
  delete payload._source;
  const actions = payload.actions as Array<Record<string, unknown>>;
  const [first] = actions;
  payload.actions = [{ ...first, action_id: fields.actionId, value: fields.value }];
  payload.response_url = fields.responseUrl;
  payload.container = {
    type: 'message',
    message_ts: '1548261231.000200',
    channel_id: fields.channelId ?? 'CBR2V3XEX',
    is_ephemeral: true,
  };
  payload.channel = { id: fields.channelId ?? 'CBR2V3XEX', name: 'review-updates' };
  // The fake Slack API installs the bot in T0001 (the slash command example's team).
  payload.team = { id: fields.teamId ?? 'T0001', domain: 'example' };
  payload.user = {
    ...(payload.user as object),
    team_id: fields.teamId ?? 'T0001',
    ...(fields.userId ? { id: fields.userId } : {}),
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export async function postSigned(
  url: string,
  body: string,
  secret: string,
  options: { timestampSec?: number; signature?: string } = {},
): Promise<Response> {
  const headers = sign(body, secret, options.timestampSec ?? Math.floor(Date.now() / 1000));
  if (options.signature) headers['x-slack-signature'] = options.signature;
  return fetch(url, { method: 'POST', headers, body });
}
