// What the current SDK model knows about participant events, in words an on-call engineer can act on.
// Values IVS adds later still flow through as plain strings and are shown as they came.

export const EVENT_NAMES = [
  'JOINED',
  'LEFT',
  'PUBLISH_STARTED',
  'PUBLISH_STOPPED',
  'SUBSCRIBE_STARTED',
  'SUBSCRIBE_STOPPED',
  'PUBLISH_ERROR',
  'SUBSCRIBE_ERROR',
  'JOIN_ERROR',
  'REPLICATION_STARTED',
  'REPLICATION_STOPPED',
  'TOKEN_EXCHANGED',
] as const;

interface ErrorCodeInfo {
  /** One short phrase: what happened. */
  readonly meaning: string;
  /** The usual fix, for alerts. */
  readonly fix: string;
}

export const ERROR_CODES: Readonly<Record<string, ErrorCodeInfo>> = {
  B_FRAME_PRESENT: {
    meaning: 'the stream contains B-frames, which IVS real-time does not accept',
    fix: 'Disable B-frames in the encoder (e.g. x264 bframes=0, OBS profile baseline).',
  },
  BITRATE_EXCEEDED: {
    meaning: 'the publisher exceeded the maximum supported bitrate',
    fix: 'Lower the encoder bitrate below the stage limit (see IVS service quotas).',
  },
  INSUFFICIENT_CAPABILITIES: {
    meaning: "the participant tried an action its token's capabilities do not allow",
    fix: 'Issue the participant token with the PUBLISH and/or SUBSCRIBE capability it needs.',
  },
  INTERNAL_SERVER_EXCEPTION: {
    meaning: 'IVS failed internally while the participant published',
    fix: 'Usually transient: retry; if it persists, open an AWS support case with the session ID.',
  },
  INVALID_AUDIO_CODEC: {
    meaning: 'the publisher used an audio codec IVS does not accept',
    fix: 'Publish Opus (WebRTC) or AAC-LC (RTMP) audio.',
  },
  INVALID_INPUT: {
    meaning: 'the publisher sent an invalid input stream',
    fix: 'Check the encoder settings against the IVS stream ingest requirements.',
  },
  INVALID_PROTOCOL: {
    meaning: 'the ingest configuration expects RTMPS but the publisher used RTMP',
    fix: 'Point the encoder at the rtmps:// ingest URL.',
  },
  INVALID_STREAM_KEY: {
    meaning: 'the publisher used an invalid stream key',
    fix: 'Copy the stream key again from the ingest configuration.',
  },
  INVALID_VIDEO_CODEC: {
    meaning: 'the publisher used a video codec IVS does not accept',
    fix: 'Publish H.264 (constrained baseline) video.',
  },
  PUBLISHER_NOT_FOUND: {
    meaning: 'the participant tried to subscribe to a publisher that does not exist (any more)',
    fix: 'Subscribe only to publishers currently in the stage; refresh the participant list on the client.',
  },
  QUOTA_EXCEEDED: {
    meaning: 'more participants want to publish or subscribe than the stage quota allows',
    fix: 'Reduce publishers/subscribers per stage or request a quota increase.',
  },
  RESOLUTION_EXCEEDED: {
    meaning: 'the publisher exceeded the maximum supported resolution',
    fix: 'Lower the encoder resolution to at most 1080p (720p for most stages).',
  },
  REUSE_OF_STREAM_KEY: {
    meaning: 'the stream key is already in use by another publisher',
    fix: 'Stop the other encoder, or give each publisher its own ingest configuration.',
  },
  STREAM_DURATION_EXCEEDED: {
    meaning: 'the publisher exceeded the maximum stream duration',
    fix: 'Restart publishing; split long broadcasts into sessions under the duration limit.',
  },
};

export const KNOWN_ERROR_CODES: readonly string[] = Object.keys(ERROR_CODES).sort();

/** What a watch can filter on: every error code, plus the *_ERROR names of events that carry none. */
export const VALID_ALERT_CODES: readonly string[] = [
  ...KNOWN_ERROR_CODES,
  ...EVENT_NAMES.filter((name) => name.endsWith('_ERROR')),
];

/** One short phrase for an error code, including codes newer than this bot. */
export function explainErrorCode(code: string): string {
  return ERROR_CODES[code]?.meaning ?? 'an error code this bot does not know yet (newer than its SDK model)';
}

export function errorCodeFix(code: string): string {
  return ERROR_CODES[code]?.fix ?? 'See the Amazon IVS Real-Time documentation for this code.';
}

/** Error events are those with an error code or an *_ERROR name. */
export function isErrorEvent(event: { name?: string | undefined; errorCode?: string | undefined }): boolean {
  return Boolean(event.errorCode) || (event.name?.endsWith('_ERROR') ?? false);
}
