import type { WatchService } from '../../alerts/WatchService.ts';
import { renderAlertGroup } from '../views/alertViews.ts';
import type { SlackMessage } from '../views/blocks.ts';
import { renderNotice } from '../views/noticeView.ts';
import { groupRefSchema, muteRefSchema } from './actionIds.ts';
import { BAD_BUTTON } from './pageActions.ts';

/** Mute 1h / Mute 24h: silences the alert's stage + code and re-renders the alert saying who and until when. */
export async function runMuteAction(
  value: string,
  userId: string,
  watches: WatchService,
  now: Date,
): Promise<{ replace: SlackMessage } | { notice: SlackMessage }> {
  const ref = muteRefSchema.safeParse(value);
  if (!ref.success) return { notice: renderNotice(BAD_BUTTON) };
  const outcome = await watches.mute(ref.data.groupId, ref.data.hours, userId);
  if (!outcome.ok) return { notice: renderNotice(outcome.problem) };
  return { replace: renderAlertGroup(outcome.group, outcome.mute, now) };
}

export async function runUnmuteAction(
  value: string,
  watches: WatchService,
  now: Date,
): Promise<{ replace: SlackMessage } | { notice: SlackMessage }> {
  const ref = groupRefSchema.safeParse(value);
  if (!ref.success) return { notice: renderNotice(BAD_BUTTON) };
  const outcome = await watches.unmute(ref.data.groupId);
  if (!outcome.ok) return { notice: renderNotice(outcome.problem) };
  return { replace: renderAlertGroup(outcome.group, undefined, now) };
}
