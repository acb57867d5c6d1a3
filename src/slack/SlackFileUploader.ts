import type { webApi } from '@slack/bolt';
import type { PostFailure } from '../domain/delivery.ts';
import { toPostFailure } from './SlackPoster.ts';

/** A picture to put in Slack. */
export interface ImageFile {
  readonly filename: string;
  readonly title: string;
  /** What the picture shows, for screen readers (Slack allows 1,000 characters). */
  readonly altText: string;
  readonly bytes: Buffer;
  /** The message that comes with the file (plain text as Slack shows it). */
  readonly comment: string;
}

export type UploadResult =
  | { ok: true; fileId: string; channel: string }
  | { ok: false; failure: PostFailure };

/** The Slack adapter for files the bot uploads (session timelines). */
export interface FileUploader {
  /** Into the bot's direct messages with `userId`: a Slack file only its channel's members see, so only them. */
  uploadToUser(userId: string, file: ImageFile): Promise<UploadResult>;
  /** Into a channel, for everyone in it. */
  uploadToChannel(channelId: string, file: ImageFile): Promise<UploadResult>;
}

const MAX_ALT_TEXT = 1_000;

/**
 * Through `files.uploadV2` of @slack/web-api, which runs Slack's upload flow: files.getUploadURLExternal,
 * the bytes to the URL it gives, files.completeUploadExternal with the channel. The user's DM is
 * opened with conversations.open (scope im:write); uploads need files:write.
 */
export class WebClientFileUploader implements FileUploader {
  readonly #client: webApi.WebClient;
  readonly #onDelivered: ((channel: string) => void) | undefined;

  /**
   * `onDelivered`: Slack accepted a file in that conversation, as for a message (SlackPoster), so the
   * alerts it refused there can be put back in line.
   */
  constructor(client: webApi.WebClient, hooks: { onDelivered?: (channel: string) => void } = {}) {
    this.#client = client;
    this.#onDelivered = hooks.onDelivered;
  }

  async uploadToUser(userId: string, file: ImageFile): Promise<UploadResult> {
    let channel: string;
    try {
      const opened = await this.#client.conversations.open({ users: userId });
      const id = opened.channel?.id;
      if (!id) return { ok: false, failure: { kind: 'transient', error: 'no_channel_in_answer' } };
      channel = id;
    } catch (error) {
      return { ok: false, failure: toPostFailure(error) };
    }
    return this.uploadToChannel(channel, file);
  }

  async uploadToChannel(channelId: string, file: ImageFile): Promise<UploadResult> {
    try {
      const answer = await this.#client.files.uploadV2({
        channel_id: channelId,
        file: file.bytes,
        filename: file.filename,
        title: file.title,
        alt_text: file.altText.slice(0, MAX_ALT_TEXT),
        initial_comment: file.comment,
      });
      const fileId = firstFileId(answer);
      this.#onDelivered?.(channelId);
      return { ok: true, fileId: fileId ?? '', channel: channelId };
    } catch (error) {
      return { ok: false, failure: toPostFailure(error) };
    }
  }
}

/** uploadV2 answers `{ files: [completeUploadExternal answers] }`, each with its `files`. */
function firstFileId(answer: unknown): string | undefined {
  const completions = (answer as { files?: { files?: { id?: unknown }[] }[] }).files;
  const id = completions?.[0]?.files?.[0]?.id;
  return typeof id === 'string' ? id : undefined;
}
