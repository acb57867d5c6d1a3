import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Resvg } from '@resvg/resvg-js';
import fc from 'fast-check';
import type { ParticipantEvent } from '../../src/ivs/IvsGateway.ts';
import { rasterizeSvg, TIMELINE_FONT_FILES } from '../../src/timeline/rasterize.ts';
import { buildSessionTimeline, type ParticipantReading } from '../../src/timeline/sessionTimeline.ts';
import { escapeXml, renderTimelineSvg, timelineSize, timeTicks } from '../../src/timeline/timelineSvg.ts';
import { decodePng, pixelAt } from '../support/decodePng.ts';
import { participantEvent, participantSummary, sessionSummary } from '../support/viewArbitraries.ts';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';
const SESSION = 'st-XyZ1234567890';

const reading = (
  participantId: string,
  events: ParticipantEvent[],
  extra: Partial<ParticipantReading['participant']> = {},
): ParticipantReading => ({
  participant: { participantId, state: 'DISCONNECTED', ...extra },
  events,
  eventsCut: false,
});

const KNOWN = buildSessionTimeline({
  stageArn: STAGE,
  sessionId: SESSION,
  session: { sessionId: SESSION, startTime: at(0), endTime: at(1800) },
  readings: [
    reading('pViewer00001', [
      { name: 'JOINED', eventTime: at(60) },
      { name: 'SUBSCRIBE_STARTED', eventTime: at(70), remoteParticipantId: 'pHost0000001' },
      { name: 'LEFT', eventTime: at(900) },
    ]),
    reading(
      'pHost0000001',
      [
        { name: 'JOINED', eventTime: at(0) },
        { name: 'PUBLISH_STARTED', eventTime: at(5) },
        { name: 'PUBLISH_STOPPED', eventTime: at(1700) },
        { name: 'LEFT', eventTime: at(1750) },
      ],
      { userId: 'host@example.com', published: true },
    ),
    reading('pBroken00001', [
      { name: 'JOINED', eventTime: at(300) },
      { name: 'SUBSCRIBE_ERROR', eventTime: at(310), errorCode: 'PUBLISHER_NOT_FOUND' },
      { name: 'LEFT', eventTime: at(320) },
    ]),
  ],
  listed: 5000,
  listingCut: true,
  now: at(4000),
  maxRows: 2,
});

/** Every element of a class, with its attributes. */
function elements(svg: string, tag: string, cls: string): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  for (const match of svg.matchAll(new RegExp(`<${tag} ([^>]*class="${cls}"[^>]*)>`, 'g'))) {
    found.push(
      Object.fromEntries([...(match[1] ?? '').matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]])),
    );
  }
  return found;
}

function texts(svg: string, cls: string): string[] {
  return [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map(
    (m) => m[1] ?? '',
  );
}

describe('renderTimelineSvg: the picture of known events', () => {
  const svg = renderTimelineSvg(KNOWN);

  test('one row per participant drawn, most relevant first, the rest counted', () => {
    assert.deepEqual(
      elements(svg, 'g', 'row').map((row) => [row['data-participant'], row['data-errors']]),
      [
        ['pBroken00001', '1'],
        ['pHost0000001', '0'],
      ],
    );
    assert.deepEqual(texts(svg, 'label'), ['pBroken00001', 'host@example.com']);
    assert.deepEqual(texts(svg, 'details'), ['1 error', 'pHost0000001']);
  });

  test('bars for each interval, placed by time on the track', () => {
    const publishing = elements(svg, 'rect', 'publishing');
    assert.equal(publishing.length, 1);
    assert.equal(publishing[0]?.['data-start'], String(at(5).getTime()));
    assert.equal(publishing[0]?.['data-end'], String(at(1700).getTime()));
    assert.equal(elements(svg, 'rect', 'connected').length, 2);
    assert.equal(
      elements(svg, 'rect', 'subscribing').length,
      0,
      'the subscriber is not drawn (over the limit)',
    );
    // The session runs 0..1800 s: the host's bar starts near the track's left and ends near its right.
    const [hostBar] = elements(svg, 'rect', 'publishing');
    const left = Number(hostBar?.x);
    const right = left + Number(hostBar?.width);
    assert.ok(left > 250 && left < 300, `left ${left}`);
    assert.ok(right > 1050 && right < 1180, `right ${right}`);
  });

  test('error markers carry their codes, and the code is written beside them', () => {
    assert.deepEqual(
      elements(svg, 'g', 'error').map((e) => [e['data-code'], e['data-at']]),
      [['PUBLISHER_NOT_FOUND', String(at(310).getTime())]],
    );
    assert.deepEqual(texts(svg, 'error-code'), ['PUBLISHER_NOT_FOUND']);
  });

  test('a UTC time axis with round ticks across the session', () => {
    assert.deepEqual(texts(svg, 'tick'), ['10:00', '10:05', '10:10', '10:15', '10:20', '10:25', '10:30']);
    assert.deepEqual(texts(svg, 'axis-title'), ['UTC · 2026-11-25']);
    assert.match(
      texts(svg, 'subtitle')[0] ?? '',
      /AbCdEf123456 \(us-east-1\) · 10:00:00 – 10:30:00 UTC \(30 min\)/,
    );
  });

  test('says on the picture what it leaves out', () => {
    assert.deepEqual(texts(svg, 'note'), [
      '+1 more participant not drawn.',
      'The session has more than 5,000 participants: only the first 5,000 listed were considered.',
      'Events read for 3 of 5,000 participants listed (publishers first); the other 4,997 are not drawn.',
      'Read from IVS at 11:06:40 UTC.',
    ]);
  });

  test('an opaque neutral background covers the whole picture (readable in dark and light themes)', () => {
    const [background] = elements(svg, 'rect', 'background');
    const { width, height } = timelineSize(KNOWN);
    assert.deepEqual(
      [background?.x, background?.y, background?.width, background?.height],
      ['0', '0', String(width), String(height)],
    );
    assert.match(background?.fill ?? '', /^#[0-9a-f]{6}$/);
  });
});

describe('renderTimelineSvg: error labels', () => {
  const withErrors = (seconds: number[]) =>
    buildSessionTimeline({
      stageArn: STAGE,
      sessionId: SESSION,
      session: { sessionId: SESSION, startTime: at(0), endTime: at(1000) },
      readings: [
        reading('pErrors00001', [
          { name: 'JOINED', eventTime: at(0) },
          ...seconds.map((s, i) => ({
            name: 'SUBSCRIBE_ERROR',
            eventTime: at(s),
            errorCode: ['PUBLISHER_NOT_FOUND', 'QUOTA_EXCEEDED', 'BITRATE_EXCEEDED'][i % 3],
          })),
        ]),
      ],
      listed: 1,
      listingCut: false,
      now: at(2000),
      maxRows: 5,
    });

  test('errors far apart each get their code; close ones share one label', () => {
    const svg = renderTimelineSvg(withErrors([100, 500, 505, 800]));
    assert.equal(elements(svg, 'g', 'error').length, 4);
    assert.deepEqual(texts(svg, 'error-code'), [
      'PUBLISHER_NOT_FOUND',
      'QUOTA_EXCEEDED, BITRATE_EXCEEDED',
      'PUBLISHER_NOT_FOUND',
    ]);
  });

  test('a row full of errors: one label, inside the track, never over the names', () => {
    const seconds = Array.from({ length: 200 }, (_, i) => 5 + i * 5);
    const svg = renderTimelineSvg(withErrors(seconds));
    const labels = elements(svg, 'text', 'error-code');
    assert.equal(labels.length, 1);
    assert.match(texts(svg, 'error-code')[0] ?? '', /^PUBLISHER_NOT_FOUND, QUOTA_EXCEEDED \+1$/);
    assert.ok(Number(labels[0]?.x) >= 278, `label at x ${labels[0]?.x}`);
  });
});

describe('renderTimelineSvg: any data stays a valid picture', () => {
  test('outside text is escaped, and characters XML forbids are replaced', () => {
    assert.equal(escapeXml('<!channel> & "x" \'y\''), '&lt;!channel&gt; &amp; &quot;x&quot; &apos;y&apos;');
    assert.equal(escapeXml('a\u0000b\u001bc\uD800d😀'), 'a\uFFFDb\uFFFDc\uFFFDd😀');
  });

  test('whatever IVS answers, resvg reads the SVG and its size is the one announced', () => {
    const readingArbitrary = fc.record({
      participant: participantSummary,
      events: fc.array(participantEvent, { maxLength: 20 }),
      eventsCut: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(readingArbitrary, { maxLength: 8 }),
        fc.option(sessionSummary, { nil: undefined }),
        fc.integer({ min: 0, max: 10_000 }),
        (readings, session, listed) => {
          const timeline = buildSessionTimeline({
            stageArn: STAGE,
            sessionId: SESSION,
            session,
            readings,
            listed: Math.max(listed, readings.length),
            listingCut: listed > 5000,
            now: at(0),
            maxRows: 6,
          });
          const svg = renderTimelineSvg(timeline);
          // Parsing fails on malformed XML; no fonts are needed for that.
          const parsed = new Resvg(svg, { font: { loadSystemFonts: false }, logLevel: 'off' });
          assert.deepEqual({ width: parsed.width, height: parsed.height }, timelineSize(timeline));
          assert.equal(elements(svg, 'g', 'row').length, timeline.rows.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('ticks stay few and inside the span, from seconds to years', () => {
    for (const span of [1, 999, 60_000, 3_600_000, 86_400_000 * 3, 86_400_000 * 400]) {
      const ticks = timeTicks(T0, T0 + span);
      assert.ok(ticks.length <= 8, `${span}: ${ticks.length}`);
      assert.ok(ticks.every((t) => t.at >= T0 && t.at <= T0 + span));
    }
  });
});

describe('rasterizeSvg: the PNG', () => {
  test('is a PNG of the announced size that decodes, with text drawn in the bundled font', async () => {
    const png = await rasterizeSvg(renderTimelineSvg(KNOWN));
    const decoded = decodePng(png);
    assert.deepEqual({ width: decoded.width, height: decoded.height }, timelineSize(KNOWN));
    assert.ok(png.length < 300_000, `${png.length} bytes`);
    // Opaque background in the corner; the title's first letters are drawn (a font was found).
    assert.equal(pixelAt(decoded, 2, 2), '#f6f7f9');
    let inked = 0;
    for (let y = 12; y < 36; y++)
      for (let x = 16; x < 120; x++) if (pixelAt(decoded, x, y) !== '#f6f7f9') inked++;
    assert.ok(inked > 100, `only ${inked} pixels of title text`);
  });

  test('the font comes from the project, not the system', () => {
    assert.ok(TIMELINE_FONT_FILES.length > 0);
    for (const file of TIMELINE_FONT_FILES) {
      assert.match(file, /node_modules[/\\]dejavu-fonts-ttf[/\\]ttf[/\\]DejaVuSans/);
      assert.ok(existsSync(file), file);
    }
  });
});
