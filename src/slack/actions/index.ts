import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import type { WatchService } from '../../alerts/WatchService.ts';
import type { Turns } from '../../platform/LoopTurns.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { type AccessLevel, type AccessPolicy, authorize, isAdmin } from '../access.ts';
import { ACTION } from '../actionIds.ts';
import { BROWSE_VIEWS, type BrowseViews } from '../browseViews/registry.ts';
import { blockActionsBodySchema, buttonActionSchema } from '../payloads.ts';
import { replyVia } from '../respondSafely.ts';
import type { SlackPoster } from '../SlackPoster.ts';
import type { TimelineDelivery } from '../TimelineDelivery.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderNotice } from '../views/noticeView.ts';
import { runAcknowledgeAction } from './acknowledgeActions.ts';
import { runDisconnectAction } from './disconnectAction.ts';
import { type AlertRenderer, runMuteAction, runUnmuteAction } from './muteActions.ts';
import { runOpenAction } from './openActions.ts';
import { BAD_BUTTON, runPageAction } from './pageActions.ts';
import { runShareAction } from './shareAction.ts';
import { runTimelineAction, runTimelineShareAction } from './timelineActions.ts';

export interface ActionDeps {
  browse: BrowseViews;
  watches: WatchService;
  /** Draws sessions' pictures and puts them in Slack (Timeline, and its Share). */
  timelines: TimelineDelivery;
  now?: () => Date;
  slack: SlackPoster;
  logger: Logger;
  metrics?: Pick<Metrics, 'commands'>;
  access: AccessPolicy;
  /** Answers wait for a turn, so that the acks of requests already received go first. */
  turns?: Turns;
  /** An alert change was queued in the outbox (Acknowledge): the sender may send it now. */
  onAlertQueued?: () => void;
  /** Renders an alert message a Mute or Unmute click replaces, whole, as the outbox renders it. */
  alerts: AlertRenderer;
}

export type ActionId = (typeof ACTION)[keyof typeof ACTION];

/**
 * What each button requires. Every action ID must be listed (a type error otherwise), and a listener
 * is registered only through its ID here, so no button is ever without a level.
 */
export const ACTION_ACCESS = {
  [ACTION.previousPage]: 'read',
  [ACTION.nextPage]: 'read',
  [ACTION.restart]: 'read',
  [ACTION.previousPageCopy]: 'read',
  [ACTION.nextPageCopy]: 'read',
  [ACTION.openSessions]: 'read',
  [ACTION.openParticipants]: 'read',
  [ACTION.openParticipant]: 'read',
  [ACTION.timeline]: 'read',
  [ACTION.share]: 'change',
  // Posts in the channel for everyone, like Share.
  [ACTION.timelineShare]: 'change',
  [ACTION.muteAlert1h]: 'change',
  [ACTION.muteAlert24h]: 'change',
  [ACTION.muteAlert]: 'change',
  [ACTION.unmuteAlert]: 'change',
  // Saying "I am on it" changes nothing in IVS or in what is alerted: whoever may read may take an alert.
  [ACTION.acknowledgeAlert]: 'read',
  [ACTION.unacknowledgeAlert]: 'read',
  [ACTION.disconnect]: 'admin',
} as const satisfies Record<ActionId, AccessLevel>;

/** A valid click, put in Bolt's context by the listener that read the payload. */
interface ButtonContext {
  input?: ButtonInput;
}

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs<ButtonContext>;

/** Every button: ack at once, validate the payload, authorize the click, then answer through response_url. */
export function registerActions(app: App, deps: ActionDeps): void {
  const viewer = (input: ButtonInput) => ({ isAdmin: isAdmin(deps.access, input.userId) });
  // A click is a new request: who may click is checked again, whatever the message showed.
  const on = (actionId: ActionId, handle: (input: ButtonInput, args: ButtonArgs) => Promise<void>) => {
    app.action<BlockAction<ButtonAction>, ButtonContext>(
      actionId,
      (args) => readButton(args, actionId, deps),
      authorize<ButtonArgs>(
        deps.access,
        ({ context }) => context.input && { who: context.input, level: ACTION_ACCESS[actionId] },
        async (args, reason) => {
          const who = args.context.input;
          deps.logger.warn(
            { action: actionId, user: who?.userId, channel: who?.channelId, reason },
            'button refused',
          );
          deps.metrics?.commands.inc({ command: actionId, outcome: 'refused' });
          await replyVia(args.respond, deps.logger)(renderNotice(reason));
        },
      ),
      async (args) => {
        const { input } = args.context;
        // authorize() lets nothing through without an input; this only narrows the type.
        if (!input) return;
        deps.logger.info({ action: actionId, user: input.userId }, 'button');
        deps.metrics?.commands.inc({ command: actionId, outcome: 'ok' });
        await handle(input, args);
      },
    );
  };

  for (const actionId of [ACTION.previousPage, ACTION.nextPage, ACTION.restart]) {
    on(actionId, async (input, args) => {
      const message = await runPageAction(input.value, deps.browse, viewer(input));
      await replyVia(args.respond, deps.logger)(message, { replaceOriginal: true });
    });
  }
  // From a shared copy in a channel: the clicker gets the page for themselves; the channel's copy stays.
  for (const actionId of [ACTION.previousPageCopy, ACTION.nextPageCopy]) {
    on(actionId, async (input, args) => {
      const message = await runPageAction(input.value, deps.browse, viewer(input));
      await replyVia(args.respond, deps.logger)(message);
    });
  }
  for (const view of BROWSE_VIEWS) {
    if (!view.open) continue;
    on(view.open.actionId, async (input, args) => {
      const message = await runOpenAction(view, input.value, deps.browse, viewer(input));
      await replyVia(args.respond, deps.logger)(message);
    });
  }
  for (const [actionId, hours] of [
    [ACTION.muteAlert1h, 1],
    [ACTION.muteAlert24h, 24],
    [ACTION.muteAlert, undefined],
  ] as const) {
    on(actionId, async (input, args) => {
      const now = deps.now?.() ?? new Date();
      const result = await runMuteAction(input.value, input.userId, deps.watches, now, deps.alerts, hours);
      await replyResult(result, args);
    });
  }
  for (const [actionId, acknowledge] of [
    [ACTION.acknowledgeAlert, true],
    [ACTION.unacknowledgeAlert, false],
  ] as const) {
    on(actionId, async (input, args) => {
      const notice = await runAcknowledgeAction(input.value, input.userId, acknowledge, deps.watches);
      deps.onAlertQueued?.();
      await replyVia(args.respond, deps.logger)(notice);
    });
  }
  on(ACTION.unmuteAlert, async (input, args) => {
    const result = await runUnmuteAction(input.value, deps.watches, deps.now?.() ?? new Date(), deps.alerts);
    await replyResult(result, args);
  });
  const replyResult = async (
    result: { replace: SlackMessage } | { notice: SlackMessage },
    args: ButtonArgs,
  ) => {
    const reply = replyVia(args.respond, deps.logger);
    if ('replace' in result) await reply(result.replace, { replaceOriginal: true });
    else await reply(result.notice);
  };
  on(ACTION.disconnect, async (input, args) => {
    const result = await runDisconnectAction(input.value, input, deps.browse, deps.now?.() ?? new Date());
    if ('replace' in result)
      deps.logger.warn({ user: input.userId, target: input.value }, 'participant disconnected from Slack');
    await replyResult(result, args);
  });
  on(ACTION.share, async (input, args) => {
    const problem = await runShareAction(input.value, input, deps);
    if (problem) await replyVia(args.respond, deps.logger)(problem);
  });
  on(ACTION.timeline, async (input, args) => {
    const message = await runTimelineAction(input.value, input, deps.timelines);
    await replyVia(args.respond, deps.logger)(message);
  });
  on(ACTION.timelineShare, async (input, args) => {
    const problem = await runTimelineShareAction(input.value, input, deps.timelines);
    if (problem) await replyVia(args.respond, deps.logger)(problem);
  });
}

interface ButtonInput {
  value: string;
  userId: string;
  channelId: string | undefined;
}

/** Acks, waits for its turn and validates the click's payload; answers one it cannot read. */
async function readButton(args: ButtonArgs, actionId: ActionId, deps: ActionDeps): Promise<void> {
  await args.ack();
  // Requests already received get their acks before this click's answer is worked out.
  await deps.turns?.next();
  const action = buttonActionSchema.safeParse(args.action);
  const body = blockActionsBodySchema.safeParse(args.body);
  if (!action.success || !body.success) {
    deps.logger.warn({ actionId }, 'malformed button payload');
    await replyVia(args.respond, deps.logger)(renderNotice(BAD_BUTTON));
    return;
  }
  args.context.input = {
    value: action.data.value,
    userId: body.data.user.id,
    channelId: body.data.channel?.id,
  };
  await args.next();
}
