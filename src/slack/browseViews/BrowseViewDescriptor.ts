import { z } from 'zod';
import type { BrowseSource, Shown } from '../../browse/types.ts';
import type { AccountRoles } from '../../ivs/accountRoles.ts';
import type { IvsResult } from '../../ivs/IvsFailure.ts';
import type { IvsGateway } from '../../ivs/IvsGateway.ts';
import {
  isParticipantId,
  isSessionId,
  type Parsed,
  parseStageArn,
  type StageArn,
  type StageRef,
} from '../../ivs/identifiers.ts';
import type { AccessLevel } from '../access.ts';
import type { ACTION } from '../actionIds.ts';
import type { SlackMessage } from '../views/blocks.ts';
import type { ParticipantViewOptions } from '../views/participantView.ts';

/** What a command parser knows besides the words: the default region, IVS_REGIONS and IVS_ACCOUNT_ROLES. */
export interface ParseContext {
  readonly defaultRegion: string;
  readonly regions: ReadonlySet<string>;
  /** The accounts a command may name (by ID or alias); none when left out. */
  readonly accounts?: AccountRoles;
}

/** How a page is sent: to the asker (with Disconnect for admins), after a Disconnect, or shared. */
export type BrowseViewOptions = ParticipantViewOptions;

/** What a row button of the level above carries (its value, `openTarget` in actionIds.ts). */
export interface OpenedFrom {
  readonly stage: StageArn;
  readonly sessionId: string | undefined;
  readonly participantId: string | undefined;
}

/**
 * Everything about one browse view, in one file under slack/browseViews/, listed once in
 * `BROWSE_VIEWS` (registry.ts): its `/ivs <name>` command, how the browse service reads it (the
 * `BrowseSource` part: target schema, page size, resolve, fetch), how it is rendered, and the row
 * button that opens it, if any. `name` is the subcommand, the stored target's `view` and the
 * rendered data's `kind`.
 */
export interface BrowseViewDescriptor<
  Name extends string,
  Request extends { readonly name: Name },
  Target extends { readonly view: Name },
  Data extends object,
> extends BrowseSource<Request, Target, Data> {
  readonly name: Name;
  readonly command: {
    /** Its help line and example (`/ivs help`, usage errors). */
    readonly usage: string;
    readonly example: string;
    /** Who may run it (see access.ts); every view must say. */
    readonly access: AccessLevel;
    /** The words after `/ivs <name>`; the problem is shown with the usage line. */
    parse(args: readonly string[], context: ParseContext): Parsed<Request>;
  };
  /** The button on the level above's rows that opens this view (an action ID of actionIds.ts). */
  readonly open?: {
    readonly actionId: (typeof ACTION)[keyof typeof ACTION];
    /** The request the button's value asks for; undefined when the value lacks what it needs. */
    request(from: OpenedFrom): Request | undefined;
  };
  render(view: Shown<Name, Data>, options: BrowseViewOptions): SlackMessage;
}

// Stored targets are read back on every click and validated like any input (the store is outside
// this process too); these are the fields the views share.
export const stageArnField = z
  .string()
  .refine((value) => parseStageArn(value) !== undefined, 'not a stage ARN');
export const sessionIdField = z.string().refine(isSessionId, 'not a session ID');
export const participantIdField = z.string().refine(isParticipantId, 'not a participant ID');

/** Resolves a typed stage (ARN, or bare ID in the default region) into a target naming its ARN. */
export async function resolveStageTarget<Target>(
  ref: StageRef,
  ivs: IvsGateway,
  target: (stageArn: string) => Target,
): Promise<IvsResult<Target>> {
  const stage = await ivs.resolveStage(ref, 'interactive');
  return stage.ok ? { ok: true, value: target(stage.value.arn) } : stage;
}

/** The stage of a stored target; `stageArnField` let only parseable ARNs through. */
export function stageOf(target: { readonly stageArn: string }): StageArn {
  const stage = parseStageArn(target.stageArn);
  if (!stage) throw new Error('a stored target passed stageArnField with an ARN that does not parse');
  return stage;
}

/** The first problem among parsed words, in order. */
export function firstProblem(...results: Parsed<unknown>[]): string | undefined {
  for (const result of results) if (!result.ok) return result.problem;
  return undefined;
}
