import type { Paging } from '../../browse/BrowseService.ts';
import { ACTION, pageRef } from '../actions/actionIds.ts';
import { type ActionsBlock, actions, type ButtonElement, button } from './blocks.ts';

/** Previous / Next through IVS nextTokens kept server-side, and Share to post the page to the channel. */
export function pagingActions(
  paging: Paging,
  options: { share?: boolean; extra?: readonly ButtonElement[] } = {},
): ActionsBlock | undefined {
  const buttons: ButtonElement[] = [];
  if (paging.hasPrevious) {
    buttons.push(
      button({
        text: '◀ Previous',
        actionId: ACTION.previousPage,
        value: pageRef(paging.stateId, paging.pageIndex - 1),
      }),
    );
  }
  if (paging.hasNext) {
    buttons.push(
      button({
        text: 'Next ▶',
        actionId: ACTION.nextPage,
        value: pageRef(paging.stateId, paging.pageIndex + 1),
      }),
    );
  }
  if (options.share ?? true) {
    buttons.push(
      button({ text: 'Share', actionId: ACTION.share, value: pageRef(paging.stateId, paging.pageIndex) }),
    );
  }
  buttons.push(...(options.extra ?? []));
  return actions(buttons, `paging:${paging.stateId}`);
}
