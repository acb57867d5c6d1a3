import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import type { EventQueue, QueueDescription, QueuedMessage } from '../alerts/EventConsumer.ts';

/** SQS's long poll at its longest: an idle queue costs one ReceiveMessage per 20 s per replica. */
const WAIT_TIME_SECONDS = 20;
/** SQS's largest batch. */
export const MAX_MESSAGES = 10;

export interface SqsEventQueueOptions {
  queueUrl: string;
  /** The queue's region (from its URL, else AWS_REGION). */
  region: string;
  /** Extra client settings (credentials or an endpoint in tests); production leaves this to the AWS chain. */
  overrides?: Partial<SQSClientConfig>;
}

/** The events queue (IVS_EVENTS_QUEUE_URL) through @aws-sdk/client-sqs: the EventQueue port's adapter. */
export class SqsEventQueue implements EventQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: SqsEventQueueOptions) {
    this.#queueUrl = options.queueUrl;
    this.#client = new SQSClient({
      region: options.region,
      maxAttempts: 3,
      // The request outlives the 20 s long poll; a dead connection is found within 10 s more.
      requestHandler: {
        requestTimeout: (WAIT_TIME_SECONDS + 10) * 1000,
        connectionTimeout: 3_000,
        throwOnRequestTimeout: true,
      },
      ...options.overrides,
    });
  }

  async receive(signal: AbortSignal): Promise<QueuedMessage[]> {
    try {
      const output = await this.#client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#queueUrl,
          WaitTimeSeconds: WAIT_TIME_SECONDS,
          MaxNumberOfMessages: MAX_MESSAGES,
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
        }),
        { abortSignal: signal },
      );
      return (output.Messages ?? []).flatMap(toQueued);
    } catch (error) {
      if (signal.aborted) return [];
      throw new Error(`SQS ReceiveMessage failed: ${describeSqsError(error)}`, { cause: error });
    }
  }

  async delete(messages: readonly QueuedMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += MAX_MESSAGES) {
      const batch = messages.slice(i, i + MAX_MESSAGES);
      const output = await this.#client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: batch.map((m, index) => ({ Id: `m${index}`, ReceiptHandle: m.receipt })),
        }),
      );
      const failed = output.Failed ?? [];
      if (failed.length > 0) {
        throw new Error(
          `SQS DeleteMessageBatch left ${failed.length} message(s): ${failed[0]?.Code ?? 'unknown'}`,
        );
      }
    }
  }

  async describe(): Promise<QueueDescription> {
    const output = await this.#client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.#queueUrl,
        AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'],
      }),
    );
    const visibility = Number(output.Attributes?.VisibilityTimeout);
    return {
      deadLetterQueue: Boolean(output.Attributes?.RedrivePolicy),
      visibilityTimeoutSeconds: Number.isFinite(visibility) ? visibility : null,
    };
  }

  destroy(): void {
    this.#client.destroy();
  }
}

function toQueued(message: Message): QueuedMessage[] {
  if (!message.ReceiptHandle || message.Body === undefined) return [];
  const sent = Number(message.Attributes?.SentTimestamp);
  return [
    {
      id: message.MessageId ?? '',
      receipt: message.ReceiptHandle,
      body: message.Body,
      sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent) : null,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1) || 1,
    },
  ];
}

/** The SDK error's name and message, or what a network failure says. */
function describeSqsError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return String(error).slice(0, 300);
}

/**
 * The region of an SQS queue URL, if it names one: https://sqs.<region>.amazonaws.com/<account>/<name>,
 * or a legacy https://<region>.queue.amazonaws.com/… (queue.amazonaws.com alone is us-east-1).
 */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  if (!URL.canParse(queueUrl)) return undefined;
  const host = new URL(queueUrl).hostname;
  if (host === 'queue.amazonaws.com') return 'us-east-1';
  return (
    /^sqs[.-]([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host)?.[1] ??
    /^([a-z]{2}(?:-[a-z]+)+-\d+)\.queue\.amazonaws\.com(\.cn)?$/.exec(host)?.[1]
  );
}
