// The one place where outside strings become Slack text. Everything that came from IVS, a user or
// the store goes through `escapeMrkdwn` before it is put into mrkdwn, so `<!channel>` in a
// participant attribute shows as text and never pings.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function escapeMrkdwn(value: string): string {
  return value.replace(/[&<>]/g, (char) => ESCAPES[char] ?? char);
}

/** Shortens to at most `max` UTF-16 units, ending with … and never splitting a surrogate pair. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  if (max <= 0) return '';
  let cut = max - 1;
  const code = value.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${value.slice(0, cut)}…`;
}

/**
 * Shortens already-escaped mrkdwn without cutting an entity (&amp;) in half, so truncation can
 * never turn escaped text back into a control sequence.
 */
export function truncateMrkdwn(value: string, max: number): string {
  if (value.length <= max) return value;
  let cut = truncate(value, max).slice(0, -1);
  const amp = cut.lastIndexOf('&');
  if (amp !== -1 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  // Escaped data holds no raw '<', so an unclosed one is a token we made (<!date…>, <@U…>): keep it whole or not at all.
  const open = cut.lastIndexOf('<');
  if (open !== -1 && !cut.slice(open).includes('>')) cut = cut.slice(0, open);
  return `${cut}…`;
}

/**
 * Escaped text shown as inline code, where Slack applies no formatting: the way to show outside
 * text (IDs, user IDs, attribute values) exactly as it came. Backticks inside would end the span, so
 * they become ˋ; a span cannot cross lines, so line breaks become ↵.
 */
export function code(value: string): string {
  return `\`${escapeMrkdwn(value.replace(/`/g, 'ˋ').replace(/\r\n|\r|\n/g, '↵'))}\``;
}

export function formatTime(date: Date | undefined): string {
  if (!date || Number.isNaN(date.getTime())) return '—';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Slack renders this in the reader's own time zone, with the UTC text as fallback. */
export function slackDate(date: Date | undefined): string {
  if (!date || Number.isNaN(date.getTime())) return '—';
  const seconds = Math.floor(date.getTime() / 1000);
  // The token takes a Unix timestamp; a date before 1970 (only ever from bad data) is shown as text.
  if (seconds < 0) return formatTime(date);
  return `<!date^${seconds}^{date_short_pretty} {time_secs}|${formatTime(date)}>`;
}
