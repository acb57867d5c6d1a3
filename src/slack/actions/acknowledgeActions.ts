import type { WatchService } from '../../alerts/WatchService.ts';
import { groupRefSchema } from '../actionIds.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderNotice } from '../views/noticeView.ts';
import { BAD_BUTTON } from './pageActions.ts';

/**
 * Acknowledge / Unacknowledge: records who is on the alert (or that nobody is). The channel's message
 * is not replaced from here: the change goes through the outbox like every alert update, so it is
 * shown once, in order, by the replica that sends. The clicker gets a short note meanwhile.
 */
export async function runAcknowledgeAction(
  value: string,
  userId: string,
  acknowledge: boolean,
  watches: WatchService,
): Promise<SlackMessage> {
  const ref = groupRefSchema.safeParse(value);
  if (!ref.success) return renderNotice(BAD_BUTTON);
  const outcome = await watches.acknowledge(ref.data.groupId, acknowledge ? userId : null);
  if (!outcome.ok) return renderNotice(outcome.problem);
  return renderNotice(
    acknowledge
      ? // Honest about timing: the message changes when the sending replica's outbox updates it.
        '👀 Noted: you are on it. The alert shows it with its next update (at once, or within seconds when another replica sends), and its updates add no more thread replies.'
      : 'Noted: nobody is on this alert any more. The alert shows it with its next update.',
  );
}
