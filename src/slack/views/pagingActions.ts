import type { Paging } from '../../browse/types.ts';
import { ACTION, pageRef } from '../actionIds.ts';
import {
  type ActionsBlock,
  actions,
  type ButtonElement,
  button,
  type ContextBlock,
  context,
} from './blocks.ts';
import { mention } from './noticeView.ts';

/**
 * A view posted to a channel by Share is a snapshot: one person's click must never replace everyone's
 * copy, so its buttons only open copies for whoever clicks.
 */
export interface Snapshot {
  sharedBy: string;
}

/**
 * Previous / Next through IVS nextTokens kept server-side, and Share to post the page to the channel.
 * On a snapshot, Previous / Next answer the clicker with their own copy; no Share, and of the extras
 * only what answers the clicker alone (Timeline: the picture goes to their messages with the bot).
 */
export function pagingActions(
  paging: Paging,
  options: { share?: boolean; extra?: readonly ButtonElement[]; snapshot?: Snapshot } = {},
): ActionsBlock | undefined {
  const snapshot = options.snapshot !== undefined;
  const buttons: ButtonElement[] = [];
  if (paging.hasPrevious) {
    buttons.push(
      button({
        text: '◀ Previous',
        actionId: snapshot ? ACTION.previousPageCopy : ACTION.previousPage,
        value: pageRef(paging.stateId, paging.pageIndex - 1),
      }),
    );
  }
  if (paging.hasNext) {
    buttons.push(
      button({
        text: 'Next ▶',
        actionId: snapshot ? ACTION.nextPageCopy : ACTION.nextPage,
        value: pageRef(paging.stateId, paging.pageIndex + 1),
      }),
    );
  }
  // A snapshot's extras are the caller's to choose: only buttons that answer the clicker alone.
  if (snapshot) return actions([...buttons, ...(options.extra ?? [])]);
  if (options.share ?? true) {
    buttons.push(
      button({ text: 'Share', actionId: ACTION.share, value: pageRef(paging.stateId, paging.pageIndex) }),
    );
  }
  buttons.push(...(options.extra ?? []));
  return actions(buttons);
}

/** The line under a shared snapshot: who shared it, and that its buttons open a copy for you. */
export function snapshotNote(snapshot: Snapshot | undefined): ContextBlock | undefined {
  if (!snapshot) return undefined;
  return context(`Shared by ${mention(snapshot.sharedBy)} · a snapshot: its buttons open your own copy`);
}
