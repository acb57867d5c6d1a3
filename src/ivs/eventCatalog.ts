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

/**
 * What only EventBridge tells (IVS_EVENTS_QUEUE_URL; see domain/ivsEvents.ts), and a publish error
 * without its code (EventBridge's Participant Publish Error carries none; polling then reads the code).
 */
const EVENT_ALERT_CODES: Readonly<Record<string, ErrorCodeInfo>> = {
  PUBLISH_ERROR: {
    meaning: "the participant's attempt to publish to the stage failed",
    fix: "Open Details: the participant's events name the error code (bitrate, resolution, codec, token capabilities…).",
  },
  RECORDING_START_FAILURE: {
    meaning:
      'the publisher is in the stage but its recording to S3 could not start (e.g. the bucket does not exist or is not in the stage region); it is not being recorded',
    fix: "Check the storage configuration's S3 bucket: in the stage's region, Object Ownership bucket owner enforced or preferred, SSE-S3 default encryption; then have the publisher reconnect.",
  },
  RECORDING_END_FAILURE: {
    meaning:
      'the recording ended with an error (e.g. writing the media playlist kept failing); some objects may still be in the bucket',
    fix: 'Check the S3 bucket and its permissions; events/recording-failed.json under the key prefix says what was written.',
  },
  COMPOSITION_SESSION_FAILURE: {
    meaning:
      'the composition pipeline failed (the stage was unavailable, an output failed, or an internal error)',
    fix: 'Check that the stage exists and has publishers, then start the composition again (StartComposition).',
  },
  COMPOSITION_DESTINATION_FAILURE: {
    meaning:
      'output to a composition destination failed (e.g. S3 bucket not found or access denied, no stream key, or another broadcast on the channel)',
    fix: "Check the destination: the channel's stream key and that nothing else broadcasts to it, or the storage configuration's bucket and permissions.",
  },
  COMPOSITION_DESTINATION_RECONNECT: {
    meaning: 'output to a composition destination keeps being interrupted and reconnecting',
    fix: "Check the destination channel's health and the network path; if it goes on, stop and start the composition.",
  },
};

/** What a watch can filter on: every error code, the *_ERROR names of events that carry none, and EventBridge's kinds. */
export const VALID_ALERT_CODES: readonly string[] = [
  ...KNOWN_ERROR_CODES,
  ...EVENT_NAMES.filter((name) => name.endsWith('_ERROR')),
  ...Object.keys(EVENT_ALERT_CODES).filter((code) => !EVENT_NAMES.includes(code as never)),
];

function infoOf(code: string): ErrorCodeInfo | undefined {
  if (Object.hasOwn(ERROR_CODES, code)) return ERROR_CODES[code];
  if (Object.hasOwn(EVENT_ALERT_CODES, code)) return EVENT_ALERT_CODES[code];
  return undefined;
}

/** One short phrase for an error code, including codes newer than this bot. */
export function explainErrorCode(code: string): string {
  return infoOf(code)?.meaning ?? 'an error code this bot does not know yet (newer than its SDK model)';
}

export function errorCodeFix(code: string): string {
  return infoOf(code)?.fix ?? 'See the Amazon IVS Real-Time documentation for this code.';
}

/** Error events are those with an error code or an *_ERROR name. */
export function isErrorEvent(event: { name?: string | undefined; errorCode?: string | undefined }): boolean {
  return Boolean(event.errorCode) || (event.name?.endsWith('_ERROR') ?? false);
}
