import type { PostFailure } from '../domain/delivery.ts';
import type { StageRef } from '../ivs/identifiers.ts';
import type { Logger } from '../platform/logger.ts';
import type { TimelinePicture, TimelineService } from '../timeline/TimelineService.ts';
import type { FileUploader, ImageFile } from './SlackFileUploader.ts';
import type { SlackMessage } from './views/blocks.ts';
import { renderBrowseProblem, renderNotice } from './views/noticeView.ts';
import { describePostFailure } from './views/postFailureText.ts';
import {
  renderTimelineSent,
  type TimelineFacts,
  timelineCommentForAsker,
  timelineCommentForChannel,
} from './views/timelineView.ts';

/** Who asked for a picture, and where (the channel the command or button was in). */
export interface TimelineAsker {
  readonly userId: string;
  readonly channelId: string | undefined;
}

/**
 * A session's picture, drawn and put in Slack. Slack files are seen by the members of the
 * conversations they are shared in, so the asker's copy goes to their own messages with the bot
 * (only them); Share puts a copy in the channel, for everyone there.
 */
export class TimelineDelivery {
  readonly #timelines: TimelineService;
  readonly #uploader: FileUploader;
  readonly #logger: Logger;
  /** People whose picture is being drawn: one at a time each, so nobody queues dozens of them. */
  readonly #drawing = new Set<string>();

  constructor(options: { timelines: TimelineService; uploader: FileUploader; logger: Logger }) {
    this.#timelines = options.timelines;
    this.#uploader = options.uploader;
    this.#logger = options.logger;
  }

  /** Draws the session into the asker's messages with the bot; the answer says where it is, with Share. */
  toAsker(stage: StageRef, sessionId: string, asker: TimelineAsker): Promise<SlackMessage> {
    return this.#oneAtATime(asker, () => this.#toAsker(stage, sessionId, asker));
  }

  /** Draws the session again and shares it in the asker's channel; answers only on trouble. */
  toChannel(stage: StageRef, sessionId: string, asker: TimelineAsker): Promise<SlackMessage | undefined> {
    return this.#oneAtATime(asker, () => this.#toChannel(stage, sessionId, asker));
  }

  /**
   * A picture costs up to a hundred IVS reads: a person's next one waits until their last is done
   * (in this process; each replica counts its own).
   */
  async #oneAtATime<T>(asker: TimelineAsker, draw: () => Promise<T>): Promise<T | SlackMessage> {
    if (this.#drawing.has(asker.userId)) {
      return renderNotice('Your previous timeline is still being drawn; ask again once it has arrived.');
    }
    this.#drawing.add(asker.userId);
    try {
      return await draw();
    } finally {
      this.#drawing.delete(asker.userId);
    }
  }

  async #toAsker(stage: StageRef, sessionId: string, asker: TimelineAsker): Promise<SlackMessage> {
    const drawn = await this.#timelines.draw(stage, sessionId);
    if (!drawn.ok) return renderBrowseProblem({ kind: 'ivs', failure: drawn.failure });
    const facts = factsOf(drawn.picture);
    const uploaded = await this.#uploader.uploadToUser(
      asker.userId,
      imageFile(drawn.picture, timelineCommentForAsker(facts, asker.channelId)),
    );
    if (!uploaded.ok) {
      this.#logger.warn(
        { error: uploaded.failure.error, needed: neededScope(uploaded.failure), user: asker.userId },
        'timeline upload failed',
      );
      return renderNotice(
        `The picture could not be put in your messages with the bot: ${
          uploaded.failure.error === 'messages_tab_disabled'
            ? 'the app’s Messages tab is turned off. Turn it on (read-only is enough) in the app’s settings, App Home, as manifest.yml does.'
            : describePostFailure(uploaded.failure)
        }`,
      );
    }
    this.#logger.info(
      { session: sessionId, user: asker.userId, bytes: drawn.picture.png.length },
      'timeline sent to the asker',
    );
    return renderTimelineSent(facts);
  }

  async #toChannel(
    stage: StageRef,
    sessionId: string,
    asker: TimelineAsker,
  ): Promise<SlackMessage | undefined> {
    if (!asker.channelId) return renderNotice('There is no channel to share into here.');
    const drawn = await this.#timelines.draw(stage, sessionId);
    if (!drawn.ok) return renderBrowseProblem({ kind: 'ivs', failure: drawn.failure });
    const uploaded = await this.#uploader.uploadToChannel(
      asker.channelId,
      imageFile(drawn.picture, timelineCommentForChannel(factsOf(drawn.picture), asker.userId)),
    );
    if (uploaded.ok) return undefined;
    this.#logger.warn(
      { error: uploaded.failure.error, needed: neededScope(uploaded.failure), channel: asker.channelId },
      'timeline share failed',
    );
    return renderNotice(describePostFailure(uploaded.failure));
  }
}

function factsOf(picture: TimelinePicture): TimelineFacts {
  return { stageArn: picture.stage.arn, sessionId: picture.sessionId, summary: picture.summary };
}

function imageFile(picture: TimelinePicture, comment: string): ImageFile {
  return {
    filename: picture.filename,
    title: picture.title,
    altText: picture.summary,
    bytes: picture.png,
    comment,
  };
}

/** The scope a missing_scope refusal named, for the log (undefined, so left out, otherwise). */
function neededScope(failure: PostFailure): string | undefined {
  return failure.kind === 'permanent' ? failure.needed : undefined;
}
