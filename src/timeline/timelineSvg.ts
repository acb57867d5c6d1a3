import type { Interval, SessionTimeline, TimelineRow } from './sessionTimeline.ts';

// The picture of a session as SVG: a pure function of the timeline, so tests read its structure
// (rows, bars, markers, notes) instead of comparing pixels. Elements carry a class and data-*
// attributes for that. The background is opaque and neutral, so the picture reads the same in
// Slack's light and dark themes; every colour is chosen against that background, not Slack's.

export const FONT_FAMILY = 'DejaVu Sans';
const WIDTH = 1200;
const PAD = 16;
const LABEL_WIDTH = 250;
const TRACK_LEFT = PAD + LABEL_WIDTH + 12;
const TRACK_RIGHT = WIDTH - PAD - 8;
const HEADER_HEIGHT = 96;
const ROW_HEIGHT = 34;
const AXIS_HEIGHT = 44;
const NOTE_HEIGHT = 18;
/** Error markers drawn per row at most; more of them land on the same pixels anyway. */
const MAX_MARKERS_PER_ROW = 300;

const COLOURS = {
  background: '#f6f7f9',
  text: '#1d2430',
  muted: '#5b6573',
  grid: '#dde1e6',
  stripe: '#eceef2',
  connected: '#b3bdc8',
  publishing: '#1f9d55',
  subscribing: '#2f6feb',
  error: '#d1242f',
} as const;

/** Width and height of the picture for a timeline (what the rasteriser will produce at zoom 1). */
export function timelineSize(timeline: SessionTimeline): { width: number; height: number } {
  const rows = Math.max(1, timeline.rows.length);
  return {
    width: WIDTH,
    height: HEADER_HEIGHT + rows * ROW_HEIGHT + AXIS_HEIGHT + notesOf(timeline).length * NOTE_HEIGHT + PAD,
  };
}

export function renderTimelineSvg(timeline: SessionTimeline): string {
  const { width, height } = timelineSize(timeline);
  const x = (t: number) =>
    TRACK_LEFT + ((t - timeline.start) / (timeline.end - timeline.start)) * (TRACK_RIGHT - TRACK_LEFT);
  const rowsTop = HEADER_HEIGHT;
  const rowsBottom = rowsTop + Math.max(1, timeline.rows.length) * ROW_HEIGHT;
  const ticks = timeTicks(timeline.start, timeline.end);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    `<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="${COLOURS.background}"/>`,
    header(timeline),
    legend(),
  ];
  for (let index = 1; index < timeline.rows.length; index += 2) {
    parts.push(
      `<rect class="stripe" x="${PAD}" y="${rowsTop + index * ROW_HEIGHT}" width="${WIDTH - 2 * PAD}" height="${ROW_HEIGHT}" fill="${COLOURS.stripe}"/>`,
    );
  }
  for (const tick of ticks) {
    parts.push(
      `<line class="grid" x1="${fmt(x(tick.at))}" y1="${rowsTop}" x2="${fmt(x(tick.at))}" y2="${rowsBottom}" stroke="${COLOURS.grid}" stroke-width="1"/>`,
    );
  }
  if (timeline.rows.length === 0) {
    parts.push(
      text('No participant was read in this session.', TRACK_LEFT, rowsTop + 21, {
        size: 13,
        fill: COLOURS.muted,
        cls: 'empty',
      }),
    );
  }
  timeline.rows.forEach((row, index) => {
    parts.push(renderRow(row, rowsTop + index * ROW_HEIGHT, x));
  });
  if (timeline.live) {
    const nowX = fmt(x(timeline.readAt));
    parts.push(
      `<line class="now" x1="${nowX}" y1="${rowsTop}" x2="${nowX}" y2="${rowsBottom}" stroke="${COLOURS.muted}" stroke-width="1" stroke-dasharray="4 3"/>`,
    );
  }
  parts.push(axis(ticks, rowsBottom, x, timeline.start));
  notesOf(timeline).forEach((note, index) => {
    parts.push(
      text(note, PAD, rowsBottom + AXIS_HEIGHT + 12 + index * NOTE_HEIGHT, {
        size: 12,
        fill: COLOURS.muted,
        cls: 'note',
      }),
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function header(timeline: SessionTimeline): string {
  const stage = stageLabel(timeline.stageArn);
  const span = `${clock(timeline.start, true)} – ${clock(timeline.end, true)} UTC (${duration(timeline.end - timeline.start)})`;
  return [
    text(`Session ${timeline.sessionId}${timeline.live ? ' · live' : ''}`, PAD, 30, {
      size: 18,
      weight: 'bold',
      fill: COLOURS.text,
      cls: 'title',
    }),
    text(`Stage ${stage} · ${span}`, PAD, 54, { size: 13, fill: COLOURS.muted, cls: 'subtitle' }),
  ].join('\n');
}

function legend(): string {
  const items: [string, string, string][] = [
    ['connected', COLOURS.connected, 'connected'],
    ['publishing', COLOURS.publishing, 'publishing'],
    ['subscribing', COLOURS.subscribing, 'subscribing'],
  ];
  const parts = [`<g class="legend">`];
  let left = PAD;
  for (const [cls, colour, label] of items) {
    parts.push(
      `<rect class="legend-${cls}" x="${left}" y="70" width="22" height="10" rx="2" fill="${colour}"/>`,
    );
    parts.push(text(label, left + 28, 80, { size: 12, fill: COLOURS.text }));
    left += 28 + label.length * 7.5 + 20;
  }
  parts.push(diamond(left + 5, 75, 5));
  parts.push(text('error (code)', left + 16, 80, { size: 12, fill: COLOURS.text }));
  parts.push('</g>');
  return parts.join('\n');
}

function renderRow(row: TimelineRow, top: number, x: (t: number) => number): string {
  const name = row.userId ?? row.participantId;
  const details = [
    row.userId === undefined ? undefined : row.participantId,
    row.errors.length > 0 ? `${row.errors.length} error${row.errors.length === 1 ? '' : 's'}` : undefined,
    row.eventsCut ? 'events cut' : undefined,
  ].filter((part) => part !== undefined);
  const parts = [
    `<g class="row" data-participant="${escapeXml(row.participantId)}" data-errors="${row.errors.length}">`,
    text(shorten(name, 34), PAD + 4, top + 15, {
      size: 12,
      weight: 'bold',
      fill: COLOURS.text,
      cls: 'label',
    }),
  ];
  if (details.length > 0) {
    parts.push(
      text(shorten(details.join(' · '), 42), PAD + 4, top + 29, {
        size: 10,
        fill: row.errors.length > 0 ? COLOURS.error : COLOURS.muted,
        cls: 'details',
      }),
    );
  }
  const bars: [string, readonly Interval[], number, number][] = [
    ['connected', row.connected, top + 6, 22],
    ['publishing', row.publishing, top + 9, 7],
    ['subscribing', row.subscribing, top + 18, 7],
  ];
  for (const [cls, intervals, y, h] of bars) {
    for (const interval of intervals) {
      const left = x(interval.start);
      const width = Math.max(2, x(interval.end) - left);
      parts.push(
        `<rect class="${cls}" data-start="${interval.start}" data-end="${interval.end}" data-open="${interval.open}" x="${fmt(left)}" y="${y}" width="${fmt(width)}" height="${h}" rx="2" fill="${COLOURS[cls as 'connected']}"/>`,
      );
    }
  }
  parts.push(errorMarkers(row, top, x));
  parts.push('</g>');
  return parts.join('\n');
}

/**
 * A red diamond per error (one per pixel and code), and the codes beside them. Markers whose label
 * would cover the next marker are labelled together (at most two codes, then "+k"), after the last
 * of them; near the right edge the label turns left; a label that would cover another is left out.
 */
function errorMarkers(row: TimelineRow, top: number, x: (t: number) => number): string {
  const cy = top + 17;
  const markers: { x: number; code: string; at: number }[] = [];
  const seen = new Set<string>();
  for (const error of [...row.errors].sort((a, b) => a.at - b.at)) {
    if (markers.length >= MAX_MARKERS_PER_ROW) break;
    const mx = x(error.at);
    const key = `${Math.round(mx)}:${error.code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    markers.push({ x: mx, code: error.code, at: error.at });
  }
  const parts = markers.map(
    (m) => `<g class="error" data-code="${escapeXml(m.code)}" data-at="${m.at}">${diamond(m.x, cy, 5)}</g>`,
  );
  let labelEnd = Number.NEGATIVE_INFINITY;
  let i = 0;
  while (i < markers.length) {
    const first = markers[i] as (typeof markers)[number];
    const codes = [first.code];
    let last = first;
    let label = codesLabel(codes);
    // Take in the markers this label would cover.
    for (
      let next = markers[i + 1];
      next && next.x < last.x + 8 + labelWidth(label) + 6;
      next = markers[i + 1]
    ) {
      i += 1;
      last = next;
      if (!codes.includes(next.code)) codes.push(next.code);
      label = codesLabel(codes);
    }
    i += 1;
    const width = labelWidth(label);
    // After the last marker; before the first near the right edge; over the markers (its halo keeps
    // it readable) when a run of them fills the row, never over the names.
    const left =
      last.x + 8 + width <= TRACK_RIGHT
        ? last.x + 8
        : Math.max(TRACK_LEFT + 2, Math.min(first.x - 8, TRACK_RIGHT) - width);
    if (left <= labelEnd + 4) continue;
    labelEnd = left + width;
    parts.push(
      // A plate under the label, so markers and bars beneath it do not show between its letters.
      `<rect class="error-label-plate" x="${fmt(left - 2)}" y="${cy - 6}" width="${fmt(width + 4)}" height="12" rx="2" fill="${COLOURS.background}" fill-opacity="0.9"/>`,
      text(label, left, cy + 4, {
        size: 10,
        weight: 'bold',
        fill: COLOURS.error,
        cls: 'error-code',
        halo: true,
      }),
    );
  }
  return parts.join('\n');
}

function codesLabel(codes: readonly string[]): string {
  const shown = codes.slice(0, 2).map((code) => shorten(code, 28));
  return codes.length > 2 ? `${shown.join(', ')} +${codes.length - 2}` : shown.join(', ');
}

/** About the width of bold 10 px DejaVu Sans text (mostly capitals and underscores). */
function labelWidth(label: string): number {
  return Array.from(label).length * 7;
}

function diamond(cx: number, cy: number, r: number): string {
  return `<path d="M${fmt(cx)} ${fmt(cy - r)} L${fmt(cx + r)} ${fmt(cy)} L${fmt(cx)} ${fmt(cy + r)} L${fmt(cx - r)} ${fmt(cy)} Z" fill="${COLOURS.error}" stroke="${COLOURS.background}" stroke-width="1"/>`;
}

function axis(ticks: readonly Tick[], top: number, x: (t: number) => number, start: number): string {
  const parts = [
    `<g class="axis">`,
    `<line x1="${TRACK_LEFT}" y1="${top}" x2="${TRACK_RIGHT}" y2="${top}" stroke="${COLOURS.muted}" stroke-width="1"/>`,
    text(`UTC · ${new Date(start).toISOString().slice(0, 10)}`, PAD + 4, top + 18, {
      size: 12,
      fill: COLOURS.muted,
      cls: 'axis-title',
    }),
  ];
  for (const tick of ticks) {
    const tx = fmt(x(tick.at));
    parts.push(
      `<line x1="${tx}" y1="${top}" x2="${tx}" y2="${top + 5}" stroke="${COLOURS.muted}" stroke-width="1"/>`,
    );
    parts.push(
      text(tick.label, x(tick.at), top + 18, {
        size: 11,
        fill: COLOURS.text,
        cls: 'tick',
        anchor: 'middle',
      }),
    );
  }
  parts.push('</g>');
  return parts.join('\n');
}

/** What the picture leaves out, said on the picture itself. */
export function notesOf(timeline: SessionTimeline): string[] {
  const notes: string[] = [];
  if (timeline.moreRows > 0) {
    const withErrors = timeline.moreRowsWithErrors > 0 ? ` (${timeline.moreRowsWithErrors} with errors)` : '';
    notes.push(
      `+${count(timeline.moreRows)} more participant${timeline.moreRows === 1 ? '' : 's'} not drawn${withErrors}.`,
    );
  }
  if (timeline.listingCut) {
    notes.push(
      `The session has more than ${count(timeline.listed)} participants: only the first ${count(timeline.listed)} listed were considered.`,
    );
  }
  if (timeline.notRead > 0) {
    notes.push(
      `Events read for ${count(timeline.listed - timeline.notRead)} of ${count(timeline.listed)} participants listed (publishers first); the other ${count(timeline.notRead)} are not drawn.`,
    );
  }
  if (timeline.rows.some((row) => row.eventsCut)) {
    notes.push('Rows marked "events cut" have more events than were read: their bars may end early.');
  }
  notes.push(
    `Read from IVS at ${clock(timeline.readAt, true)} UTC${timeline.live ? '; dashed line: now' : ''}.`,
  );
  return notes;
}

interface Tick {
  at: number;
  label: string;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TICK_STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
];
const MAX_TICKS = 8;

/** Round UTC times across the span, at most MAX_TICKS, labelled to the second when the step needs it. */
export function timeTicks(start: number, end: number): Tick[] {
  const span = Math.max(1, end - start);
  const step = TICK_STEPS.find((s) => span / s <= MAX_TICKS) ?? Math.ceil(span / MAX_TICKS / DAY) * DAY;
  const ticks: Tick[] = [];
  const startDay = new Date(start).toISOString().slice(0, 10);
  for (let at = Math.ceil(start / step) * step; at <= end; at += step) {
    const day = new Date(at).toISOString().slice(0, 10);
    const time = clock(at, step < MINUTE);
    ticks.push({ at, label: day === startDay ? time : `${day.slice(5)} ${time}` });
  }
  return ticks;
}

function clock(ms: number, seconds: boolean): string {
  return new Date(ms).toISOString().slice(11, seconds ? 19 : 16);
}

function duration(ms: number): string {
  const totalSeconds = Math.round(ms / SECOND);
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const minutes = Math.round(ms / MINUTE);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** The stage's ID and region from its ARN (arn:aws:ivs:<region>:<account>:stage/<id>). */
function stageLabel(arn: string): string {
  const [, , , region = '', , resource = ''] = arn.split(':');
  const id = resource.startsWith('stage/') ? resource.slice(6) : arn;
  return region ? `${id} (${region})` : id;
}

interface TextStyle {
  size: number;
  fill: string;
  weight?: 'bold';
  cls?: string;
  anchor?: 'start' | 'middle' | 'end';
  /** Outlined in the background colour, to stay readable over bars. */
  halo?: boolean;
}

function text(value: string, x: number, y: number, style: TextStyle): string {
  const attributes = [
    style.cls ? `class="${style.cls}"` : '',
    `x="${fmt(x)}"`,
    `y="${fmt(y)}"`,
    `font-size="${style.size}"`,
    style.weight ? `font-weight="${style.weight}"` : '',
    style.anchor && style.anchor !== 'start' ? `text-anchor="${style.anchor}"` : '',
    `fill="${style.fill}"`,
    style.halo
      ? `stroke="${COLOURS.background}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"`
      : '',
  ].filter(Boolean);
  return `<text ${attributes.join(' ')}>${escapeXml(value)}</text>`;
}

/** At most `max` characters (code points), ending with … when cut. */
function shorten(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join('')}…`;
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/**
 * Outside text (user IDs, error codes IVS may add) as XML character data: markup escaped, and the
 * characters XML 1.0 forbids (controls, lone surrogates) replaced, so no input breaks the document.
 */
export function escapeXml(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/[&<>"']/g, (char) => XML_ESCAPES[char] ?? char);
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
