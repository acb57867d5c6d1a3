import type { App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WatchService } from '../../alerts/WatchService.ts';
import type { BrowseService } from '../../browse/BrowseService.ts';
import type { Turns } from '../../platform/LoopTurns.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { type AccessLevel, type AccessPolicy, decideAccess, isAdmin, OPEN_POLICY } from '../access.ts';
import { ACTION } from '../actionIds.ts';
import { blockActionsBodySchema, buttonActionSchema } from '../payloads.ts';
import { replyVia } from '../respondSafely.ts';
import type { SlackPoster } from '../SlackPoster.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderNotice } from '../views/noticeView.ts';
import { runDisconnectAction } from './disconnectAction.ts';
import { runMuteAction, runUnmuteAction } from './muteActions.ts';
import { runOpenAction } from './openActions.ts';
import { BAD_BUTTON, runPageAction } from './pageActions.ts';
import { runShareAction } from './shareAction.ts';

export interface ActionDeps {
  browse: BrowseService;
  watches: WatchService;
  now?: () => Date;
  slack: SlackPoster;
  logger: Logger;
  metrics?: Pick<Metrics, 'commands'>;
  access?: AccessPolicy;
  /** Answers wait for a turn, so that the acks of requests already received go first. */
  turns?: Turns;
}

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

/** Every button: ack at once, validate the payload, then answer through response_url. */
export function registerActions(app: App, deps: ActionDeps): void {
  const viewer = (input: ButtonInput) => ({ isAdmin: isAdmin(deps.access ?? OPEN_POLICY, input.userId) });
  // A click is a new request: who may click is checked again, whatever the message showed.
  const on = (
    actionId: string,
    level: AccessLevel,
    handle: (input: ButtonInput, args: ButtonArgs) => Promise<void>,
  ) => {
    app.action<BlockAction<ButtonAction>>(actionId, async (args) => {
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
      const who = { userId: body.data.user.id, channelId: body.data.channel?.id };
      const decision = decideAccess(deps.access ?? OPEN_POLICY, who, level);
      if (!decision.ok) {
        deps.logger.warn(
          { action: actionId, user: who.userId, channel: who.channelId, reason: decision.reason },
          'button refused',
        );
        deps.metrics?.commands.inc({ command: actionId, outcome: 'refused' });
        await replyVia(args.respond, deps.logger)(renderNotice(decision.reason));
        return;
      }
      deps.logger.info({ action: actionId, user: body.data.user.id }, 'button');
      deps.metrics?.commands.inc({ command: actionId, outcome: 'ok' });
      await handle(
        { value: action.data.value, userId: body.data.user.id, channelId: body.data.channel?.id },
        args,
      );
    });
  };

  for (const actionId of [ACTION.previousPage, ACTION.nextPage, ACTION.restart]) {
    on(actionId, 'read', async (input, args) => {
      const message = await runPageAction(input.value, deps.browse, viewer(input));
      await replyVia(args.respond, deps.logger)(message, { replaceOriginal: true });
    });
  }
  // From a shared copy in a channel: the clicker gets the page for themselves; the channel's copy stays.
  for (const actionId of [ACTION.previousPageCopy, ACTION.nextPageCopy]) {
    on(actionId, 'read', async (input, args) => {
      const message = await runPageAction(input.value, deps.browse, viewer(input));
      await replyVia(args.respond, deps.logger)(message);
    });
  }
  for (const actionId of [ACTION.openSessions, ACTION.openParticipants, ACTION.openParticipant]) {
    on(actionId, 'read', async (input, args) => {
      const message = await runOpenAction(actionId, input.value, deps.browse, viewer(input));
      await replyVia(args.respond, deps.logger)(message);
    });
  }
  for (const [actionId, hours] of [
    [ACTION.muteAlert1h, 1],
    [ACTION.muteAlert24h, 24],
    [ACTION.muteAlert, undefined],
  ] as const) {
    on(actionId, 'change', async (input, args) => {
      const now = deps.now?.() ?? new Date();
      const result = await runMuteAction(input.value, input.userId, deps.watches, now, hours);
      await replyResult(result, args);
    });
  }
  on(ACTION.unmuteAlert, 'change', async (input, args) => {
    const result = await runUnmuteAction(input.value, deps.watches, deps.now?.() ?? new Date());
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
  on(ACTION.disconnect, 'admin', async (input, args) => {
    const result = await runDisconnectAction(input.value, input, deps.browse, deps.now?.() ?? new Date());
    if ('replace' in result)
      deps.logger.warn({ user: input.userId, target: input.value }, 'participant disconnected from Slack');
    await replyResult(result, args);
  });
  on(ACTION.share, 'change', async (input, args) => {
    const problem = await runShareAction(input.value, input, deps);
    if (problem) await replyVia(args.respond, deps.logger)(problem);
  });
}

interface ButtonInput {
  value: string;
  userId: string;
  channelId: string | undefined;
}
