import type { RespondFn } from '@slack/bolt';
import { ErrorCode } from '@slack/bolt';
import type { Logger } from '../platform/logger.ts';
import type { SlackMessage } from './views/blocks.ts';

export type Reply = (message: SlackMessage, options?: { replaceOriginal?: boolean }) => Promise<void>;

/**
 * Answers through response_url. An expired or refused response_url (Bolt 5 throws RespondError) is
 * logged, not thrown: the user can only be told through the URL that just failed.
 */
export function replyVia(respond: RespondFn, logger: Logger): Reply {
  return async (message, options = {}) => {
    try {
      // A replacement keeps the original's visibility (an alert in a channel stays in the channel).
      await respond(
        options.replaceOriginal
          ? { text: message.text, blocks: message.blocks, replace_original: true }
          : {
              text: message.text,
              blocks: message.blocks,
              response_type: 'ephemeral',
              replace_original: false,
            },
      );
    } catch (error) {
      if (isRespondError(error)) {
        logger.warn({ status: error.statusCode }, 'response_url refused the answer (expired or invalid)');
        return;
      }
      throw error;
    }
  };
}

function isRespondError(error: unknown): error is Error & { statusCode?: number } {
  return error instanceof Error && (error as { code?: unknown }).code === ErrorCode.RespondError;
}
