// AWS identifier forms (the IVS Real-Time API reference; account, IAM role and sts:ExternalId for
// IVS_ACCOUNT_ROLES), checked before any AWS call so a typo costs the user no quota and gets a
// precise answer. Slack's identifier rules are slack/slackIds.ts.

/** A stage named by its full ARN; the region of every call about it comes from here. */
export interface StageArn {
  readonly arn: string;
  readonly region: string;
  readonly accountId: string;
  readonly id: string;
}

/** What the user typed for <stage>: a full ARN, or a bare ID to resolve in the default region. */
export type StageRef = { kind: 'arn'; stage: StageArn } | { kind: 'id'; id: string; region: string };

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * The regions with an IVS Real-Time endpoint (ivsrealtime.<region>.amazonaws.com), from the AWS
 * General Reference, "Amazon Interactive Video Service endpoints and quotas". The SDK cannot tell:
 * its endpoint rules build a host name for any region name its partitions' patterns accept.
 * IVS_REGIONS replaces this list when AWS adds a region.
 */
export const IVS_REALTIME_REGIONS: ReadonlySet<string> = new Set([
  'us-east-1',
  'us-west-2',
  'eu-central-1',
  'eu-west-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-south-1',
]);

/** The form of an AWS region name (us-east-1, ap-northeast-2, us-gov-west-1). */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;

const STAGE_ARN = /^arn:(aws[a-z-]*):ivs:([a-z0-9-]+):(\d{12}):stage\/([a-zA-Z0-9-]+)$/;
/** An AWS account ID: 12 digits. */
export const ACCOUNT_ID = /^\d{12}$/;
/** An IAM role ARN; group 1 is its account. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
/** sts:AssumeRole's ExternalId: 2 to 1224 characters of [\w+=,.@:/-]. */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const STAGE_ID = /^[a-zA-Z0-9]{12}$/;
const SESSION_ID = /^st-[a-zA-Z0-9]{13}$/;
// The API's pattern for participantId: [a-zA-Z0-9-]*, at most 64.
const PARTICIPANT_ID = /^[a-zA-Z0-9-]{1,64}$/;
const USER_ID_MAX = 128;

export const STAGE_FORM =
  'a stage ARN like `arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456` or its 12-character ID';
export const SESSION_FORM = 'a session ID like `st-AbCdEf1234567` (st- followed by 13 letters or digits)';
export const PARTICIPANT_FORM = 'a participant ID of letters, digits and - (at most 64)';

/** Parses a stage ARN only (values coming back from buttons or the store). */
export function parseStageArn(input: string): StageArn | undefined {
  if (input.length > 128) return undefined;
  const match = STAGE_ARN.exec(input);
  if (!match) return undefined;
  const [, , region, accountId, id] = match;
  if (region === undefined || accountId === undefined || id === undefined) return undefined;
  return { arn: input, region, accountId, id };
}

/**
 * A region the bot calls: typed by a person, so it must be one of `regions` (IVS_REGIONS); each
 * region costs a client and quota buckets, and an unknown one would cost an AWS call to say so.
 */
export function parseRegion(input: string, regions: ReadonlySet<string>): Parsed<string> {
  const region = input.trim().toLowerCase();
  if (!REGION_NAME.test(region)) {
    return { ok: false, problem: `“${input}” is not an AWS region name such as us-east-1.` };
  }
  return regions.has(region)
    ? { ok: true, value: region }
    : { ok: false, problem: `IVS Real-Time is not offered in ${region}; ${theBotCalls(regions)}` };
}

export function parseStageRef(
  input: string,
  defaultRegion: string,
  regions: ReadonlySet<string> = IVS_REALTIME_REGIONS,
): Parsed<StageRef> {
  const trimmed = input.trim();
  const stage = parseStageArn(trimmed);
  if (stage) {
    return regions.has(stage.region)
      ? { ok: true, value: { kind: 'arn', stage } }
      : {
          ok: false,
          problem: `The stage is in ${stage.region}, where IVS Real-Time is not offered; ${theBotCalls(regions)}`,
        };
  }
  if (STAGE_ID.test(trimmed)) return { ok: true, value: { kind: 'id', id: trimmed, region: defaultRegion } };
  return { ok: false, problem: `<stage> must be ${STAGE_FORM}.` };
}

function theBotCalls(regions: ReadonlySet<string>): string {
  return `the bot calls ${[...regions].join(', ')} (IVS_REGIONS).`;
}

export function parseSessionId(input: string): Parsed<string> {
  const trimmed = input.trim();
  return SESSION_ID.test(trimmed)
    ? { ok: true, value: trimmed }
    : { ok: false, problem: `<session-id> must be ${SESSION_FORM}.` };
}

export function parseParticipantId(input: string): Parsed<string> {
  const trimmed = input.trim();
  return PARTICIPANT_ID.test(trimmed)
    ? { ok: true, value: trimmed }
    : { ok: false, problem: `<participant-id> must be ${PARTICIPANT_FORM}.` };
}

export function parseUserId(input: string): Parsed<string> {
  return input.length > 0 && input.length <= USER_ID_MAX
    ? { ok: true, value: input }
    : { ok: false, problem: `--user takes a userId of 1 to ${USER_ID_MAX} characters.` };
}

export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}

export function isParticipantId(value: string): boolean {
  return PARTICIPANT_ID.test(value);
}
