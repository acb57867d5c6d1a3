import fc from 'fast-check';
import type { Paging } from '../../src/browse/BrowseService.ts';
import { ERROR_CODES, EVENT_NAMES } from '../../src/ivs/eventCatalog.ts';
import type { ExchangedToken, ParticipantDetails, ParticipantEvent } from '../../src/ivs/IvsGateway.ts';
import { parseStageArn, type StageArn } from '../../src/ivs/identifiers.ts';

// Generators of model-valid IVS data for the view property tests. Strings draw on an alphabet rich in
// Slack control characters (< > &, mentions, backticks) and unicode (astral, combining, RTL), at the
// lengths the IVS model allows.

const unit = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('<', '>', '&', '`', '*', '_', '~', '|', '"', '\n', ' ', ';', '!', '@'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('<!channel>', '<@U123|x>', '<!here>', '&amp;', '&lt;', '<!date^1^x|y>'),
  },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('😀', '👩‍👩‍👧', '🇫🇷', 'é', '\u0301', '\u202e', '\u200b', '\uFFFD'),
  },
);

/** Text of at most `max` UTF-16 units, never cutting a unit in half; sometimes exactly at the limit. */
export function dataText(max: number, minLength = 0): fc.Arbitrary<string> {
  const units = fc.oneof(
    fc.array(unit, { minLength, maxLength: max }),
    fc.array(unit, { minLength, maxLength: max, size: 'max' }),
  );
  const joined = units.map((pieces) => {
    let out = '';
    for (const piece of pieces) {
      if (out.length + piece.length > max) break;
      out += piece;
    }
    return out;
  });
  const full = fc
    .constantFrom('&', '<', '>', 'x', '😀', '<!channel>')
    .map((piece) => piece.repeat(Math.floor(max / piece.length)));
  return fc
    .oneof({ weight: 4, arbitrary: joined }, { weight: 1, arbitrary: full })
    .filter((s) => s.length >= minLength);
}

const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.option(arbitrary, { nil: undefined, freq: 3 });

/** One of the SDK's values, or something a newer IVS might send. */
const enumLike = (values: readonly string[]) => fc.oneof(fc.constantFrom(...values), dataText(40));

export const idText = (max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{1,${max}}$`));

export const stageArn: fc.Arbitrary<StageArn> = fc
  .tuple(
    fc.constantFrom('aws', 'aws-us-gov', 'aws-cn'),
    fc.constantFrom('us-east-1', 'eu-west-1', 'ap-northeast-1', 'us-gov-west-1'),
    fc.stringMatching(/^\d{12}$/),
    fc.stringMatching(/^[A-Za-z0-9]{12}$/),
  )
  .map(([partition, region, account, id]) => {
    const parsed = parseStageArn(`arn:${partition}:ivs:${region}:${account}:stage/${id}`);
    if (!parsed) throw new Error('generator made an invalid ARN');
    return parsed;
  });

export const sessionId = fc.stringMatching(/^st-[A-Za-z0-9]{13}$/);
export const participantId = idText(64);

/** Paging as BrowseService makes it: a previous page exactly when this is not the first. */
export const paging: fc.Arbitrary<Paging> = fc
  .record({
    stateId: fc.stringMatching(/^[A-Za-z0-9_-]{12}$/),
    pageIndex: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 9998 })),
    hasNext: fc.boolean(),
  })
  .map((p) => ({ ...p, hasPrevious: p.pageIndex > 0 }));

const date = optional(
  fc.date({
    min: new Date('2020-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  }),
);

/** Participant attributes: at most 1 KB of keys and values in all (IVS's limit). */
export const attributes: fc.Arbitrary<Record<string, string>> = fc
  .array(fc.tuple(dataText(64, 1), dataText(1024)), { maxLength: 12, size: 'medium' })
  .map((entries) => {
    const out: Record<string, string> = {};
    let total = 0;
    for (const [key, value] of entries) {
      const room = 1024 - total - key.length;
      if (room < 0 || Object.hasOwn(out, key)) continue;
      const kept =
        value.length <= room
          ? value
          : [...value].reduce((acc, ch) => (acc.length + ch.length <= room ? acc + ch : acc), '');
      out[key] = kept;
      total += key.length + kept.length;
    }
    return out;
  });

export const participantDetails: fc.Arbitrary<ParticipantDetails> = fc.record({
  participantId,
  userId: optional(dataText(128)),
  state: optional(enumLike(['CONNECTED', 'DISCONNECTED'])),
  firstJoinTime: date,
  published: optional(fc.boolean()),
  recordingState: optional(enumLike(['STARTING', 'ACTIVE', 'STOPPING', 'STOPPED', 'FAILED', 'DISABLED'])),
  replicationType: optional(enumLike(['SOURCE', 'REPLICA', 'NONE'])),
  replicationState: optional(enumLike(['ACTIVE', 'STOPPED'])),
  sourceStageArn: optional(stageArn.map((s) => s.arn)),
  sourceSessionId: optional(sessionId),
  redundantIngest: optional(fc.boolean()),
  attributes,
  ispName: optional(dataText(128)),
  osName: optional(dataText(128)),
  osVersion: optional(dataText(128)),
  browserName: optional(dataText(128)),
  browserVersion: optional(dataText(128)),
  sdkVersion: optional(dataText(128)),
  recordingS3BucketName: optional(fc.oneof(fc.stringMatching(/^[a-z0-9.-]{3,63}$/), dataText(63))),
  recordingS3Prefix: optional(dataText(256)),
  protocol: optional(enumLike(['UNKNOWN', 'WHIP', 'RTMP', 'RTMPS'])),
  ingestConfigurationArn: optional(dataText(128)),
});

// The view shows only a token's capabilities, so the rest stays small to keep generation fast.
const exchangedToken: fc.Arbitrary<ExchangedToken> = fc.record({
  userId: optional(fc.constantFrom('alice', '<@U123|x> & co')),
  capabilities: fc.array(enumLike(['PUBLISH', 'SUBSCRIBE']), { maxLength: 3 }),
  attributes: fc.constantFrom({}, { role: '<!channel>' }),
  expirationTime: date,
});

export const participantEvent: fc.Arbitrary<ParticipantEvent> = fc.record({
  name: enumLike(EVENT_NAMES),
  participantId: optional(participantId),
  eventTime: date,
  remoteParticipantId: optional(participantId),
  errorCode: optional(enumLike(Object.keys(ERROR_CODES))),
  destinationStageArn: optional(stageArn.map((s) => s.arn)),
  destinationSessionId: optional(sessionId),
  replica: optional(fc.boolean()),
  previousToken: optional(exchangedToken),
  newToken: optional(exchangedToken),
});
