import type { AlertMention } from '../domain/model.ts';
import type { Parsed } from '../ivs/identifiers.ts';
import { SLACK_USER_ID, SLACK_USERGROUP_ID } from './slackIds.ts';
import { code } from './views/text.ts';

// Who a watch pages (issue 16): one person, one user group, or whoever is active in the channel. The
// stored form is Slack's own mrkdwn, written here from IDs the patterns accept, and checked again by
// isAlertMention before any view puts it in a message.

/** The forms a watch's mention may take, for usage lines and refusals. */
const MENTION_FORMS = 'mention=@person, mention=@user-group or mention=here';
const MENTION_EXAMPLE = 'mention=@video-oncall';

const USER_REF = /^<@([^|>]+)(?:\|[^>]*)?>$/;
const GROUP_REF = /^<!subteam\^([^|>]+)(?:\|[^>]*)?>$/;
const HERE = /^(?:@?here|<!here(?:\|@?here)?>)$/i;
const EVERYONE = /^(?:@?(?:channel|everyone)|<!(?:channel|everyone)(?:\|[^>]*)?>)$/i;

/**
 * A mention as Slack sends it in command text (a picked @person is `<@U…|name>`, a picked @group
 * `<!subteam^S…|@handle>`), as a bare ID (`@U0123ABCD`, `@S0123ABCD`, for IVS_WATCHES) or `here`.
 */
export function parseMention(text: string): Parsed<AlertMention> {
  const word = text.trim();
  if (HERE.test(word)) return { ok: true, value: '<!here>' };
  const user = USER_REF.exec(word)?.[1] ?? (word.startsWith('@') ? word.slice(1) : undefined);
  if (user !== undefined && SLACK_USER_ID.test(user)) return { ok: true, value: `<@${user}>` };
  const group =
    GROUP_REF.exec(word)?.[1] ?? (/^@?subteam\^/i.test(word) ? word.replace(/^@?subteam\^/i, '') : user);
  if (group !== undefined && SLACK_USERGROUP_ID.test(group))
    return { ok: true, value: `<!subteam^${group}>` };
  if (EVERYONE.test(word)) {
    return {
      ok: false,
      problem: `The bot does not page the whole channel: use ${MENTION_FORMS} (${MENTION_EXAMPLE}).`,
    };
  }
  const shown = word.length > 60 ? `${word.slice(0, 60)}…` : word;
  return {
    ok: false,
    problem:
      `“${shown}” is not a person or user group Slack identified: pick it from the @ autocomplete ` +
      `(Slack then sends its ID), or give its ID (@U0123ABCD, @S0123ABCD); ${MENTION_FORMS}, e.g. ${MENTION_EXAMPLE}.`,
  };
}

/**
 * The name Slack put beside a picked person or group (`<@U…|alice>`, `<!subteam^S…|@video-oncall>`),
 * at most 80 characters; undefined without one. Plain text as typed: escape it to show it.
 */
export function mentionName(text: string): string | undefined {
  const word = text.trim();
  if (!USER_REF.test(word) && !GROUP_REF.test(word)) return undefined;
  const name = /\|([^>]*)>$/.exec(word)?.[1]?.trim();
  return name ? name.slice(0, 80) : undefined;
}

/** The person or user group a stored mention names, by slackIds.ts's rules; undefined for anything else. */
function storedTarget(value: string): { kind: 'person' | 'user group'; id: string } | undefined {
  const user = /^<@([^>]*)>$/.exec(value)?.[1];
  if (user !== undefined) return SLACK_USER_ID.test(user) ? { kind: 'person', id: user } : undefined;
  const group = /^<!subteam\^([^>]*)>$/.exec(value)?.[1];
  if (group !== undefined)
    return SLACK_USERGROUP_ID.test(group) ? { kind: 'user group', id: group } : undefined;
  return undefined;
}

/** The stored form parseMention writes; anything else is never put in a message. */
export function isAlertMention(value: string): boolean {
  return value === '<!here>' || storedTarget(value) !== undefined;
}

/**
 * Who a watch pages, said in words that page nobody (no `<@…>`, `<!…>` in it): for a message where a
 * mention would notify, such as the channel's announcement of a new watch. mrkdwn with the IDs (Slack's
 * own characters only) and `@here` in code spans, where Slack links nothing. Undefined for anything
 * but the stored form.
 */
export function describeMention(value: string | null | undefined, name?: string): string | undefined {
  if (!value) return undefined;
  if (value === '<!here>') return '`@here` (whoever is active in the channel)';
  const target = storedTarget(value);
  if (!target) return undefined;
  // The name Slack gave with the command, as code: read as a name, never a mention.
  if (name)
    return `the ${target.kind} ${code(name.startsWith('@') ? name : `@${name}`)} (Slack ID \`${target.id}\`)`;
  return `the ${target.kind} with Slack ID \`${target.id}\``;
}
