import {
  EventErrorCode,
  EventName,
  ParticipantProtocol,
  ParticipantRecordingFilterByRecordingState,
  ParticipantRecordingState,
  ParticipantState,
  ParticipantTokenCapability,
  ReplicationState,
  ReplicationType,
} from '@aws-sdk/client-ivs-realtime';
import fc from 'fast-check';
import type { Paging } from '../../src/browse/types.ts';
import type {
  ExchangedToken,
  ParticipantDetails,
  ParticipantEvent,
  ParticipantFilter,
  ParticipantSummary,
  SessionSummary,
  StageSummary,
} from '../../src/ivs/IvsGateway.ts';
import { parseStageArn, type StageArn } from '../../src/ivs/identifiers.ts';
import type { BrowseView } from '../../src/slack/browseViews/registry.ts';

// Generators of model-valid IVS data for the view property tests. Enumerations come from the SDK's
// own model (every event name and error code it knows), plus values a newer IVS might send. Strings
// draw on an alphabet rich in Slack control and mrkdwn characters (< > & * _ ~ `, mentions, URLs)
// and unicode (emoji, surrogate pairs, combining, RTL), at the lengths the IVS model allows.

const unit = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '<',
      '>',
      '&',
      '`',
      '*',
      '_',
      '~',
      '|',
      '"',
      '\n',
      ' ',
      ';',
      '!',
      '@',
      '#',
      ':',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '<!channel>',
      '<@U123|x>',
      '<!here>',
      '&amp;',
      '&lt;',
      '<!date^1^x|y>',
      'https://evil.example/login',
      '<https://evil.example|click>',
      '@channel',
      '#general',
      '```',
    ),
  },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('😀', '👩‍👩‍👧', '🇫🇷', '𝒳', 'é', '\u0301', '\u202e', '\u200b', '\uFFFD'),
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
/** IVS's participantId pattern: [a-zA-Z0-9-]*, at most 64. */
export const participantId = fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/);

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
  state: optional(enumLike(Object.values(ParticipantState))),
  firstJoinTime: date,
  published: optional(fc.boolean()),
  recordingState: optional(enumLike(Object.values(ParticipantRecordingState))),
  replicationType: optional(enumLike(Object.values(ReplicationType))),
  replicationState: optional(enumLike(Object.values(ReplicationState))),
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
  protocol: optional(enumLike(Object.values(ParticipantProtocol))),
  ingestConfigurationArn: optional(dataText(128)),
});

// The view shows only a token's capabilities, so the rest stays small to keep generation fast.
const exchangedToken: fc.Arbitrary<ExchangedToken> = fc.record({
  userId: optional(fc.constantFrom('alice', '<@U123|x> & co')),
  capabilities: fc.array(enumLike(Object.values(ParticipantTokenCapability)), { maxLength: 3 }),
  attributes: fc.constantFrom({}, { role: '<!channel>' }),
  expirationTime: date,
});

export const participantEvent: fc.Arbitrary<ParticipantEvent> = fc.record({
  name: enumLike(Object.values(EventName)),
  participantId: optional(participantId),
  eventTime: date,
  remoteParticipantId: optional(participantId),
  errorCode: optional(enumLike(Object.values(EventErrorCode))),
  destinationStageArn: optional(stageArn.map((s) => s.arn)),
  destinationSessionId: optional(sessionId),
  replica: optional(fc.boolean()),
  previousToken: optional(exchangedToken),
  newToken: optional(exchangedToken),
});

/** A list page as BrowseService asks for it: at most 20 items, often full. */
export const listPage = <T>(item: fc.Arbitrary<T>): fc.Arbitrary<T[]> =>
  fc.oneof(fc.array(item, { maxLength: 20 }), fc.array(item, { minLength: 15, maxLength: 20, size: 'max' }));

export const stageSummary: fc.Arbitrary<StageSummary> = fc.record({
  arn: stageArn.map((s) => s.arn),
  name: optional(dataText(128)),
  activeSessionId: optional(sessionId),
  tags: fc.dictionary(dataText(128, 1), dataText(256), { maxKeys: 50, size: 'small' }),
});

export const sessionSummary: fc.Arbitrary<SessionSummary> = fc.record({
  sessionId,
  startTime: date,
  endTime: date,
});

export const participantSummary: fc.Arbitrary<ParticipantSummary> = fc.record({
  participantId,
  userId: optional(dataText(128)),
  state: optional(enumLike(Object.values(ParticipantState))),
  firstJoinTime: date,
  published: optional(fc.boolean()),
  // An ARN from IVS, up to the model's 128 characters, that could hold anything.
  ingestConfigurationArn: optional(dataText(128)),
});

export const participantFilter: fc.Arbitrary<ParticipantFilter> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.constant({ kind: 'published' as const }),
  fc
    .constantFrom('CONNECTED' as const, 'DISCONNECTED' as const)
    .map((state) => ({ kind: 'state' as const, state })),
  dataText(128, 1).map((userId) => ({ kind: 'user' as const, userId })),
  fc
    .constantFrom(...Object.values(ParticipantRecordingFilterByRecordingState))
    .map((state) => ({ kind: 'recording' as const, state })),
);

/** Any view the browse service can produce, with up to 100 events on a participant page. */
export const browseView: fc.Arbitrary<BrowseView> = fc.oneof(
  fc.record({
    kind: fc.constant('stages' as const),
    region: fc.constantFrom('us-east-1', 'eu-west-1'),
    stages: listPage(stageSummary),
    paging,
  }),
  fc.record({
    kind: fc.constant('sessions' as const),
    stage: stageArn,
    sessions: listPage(sessionSummary),
    paging,
  }),
  fc.record({
    kind: fc.constant('participants' as const),
    stage: stageArn,
    sessionId,
    filter: participantFilter,
    participants: listPage(participantSummary),
    paging,
  }),
  fc.record({
    kind: fc.constant('participant' as const),
    stage: stageArn,
    sessionId,
    participant: participantDetails,
    events: fc.oneof(
      fc.array(participantEvent, { maxLength: 100 }),
      fc.array(participantEvent, { minLength: 80, maxLength: 100, size: 'max' }),
    ),
    paging,
  }),
);
