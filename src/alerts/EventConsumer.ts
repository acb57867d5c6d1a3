import {
  decideEvent,
  type IgnoredReason,
  RECONNECT_REPEATS,
  RECONNECT_WINDOW_MS,
} from '../domain/ivsEvents.ts';
import type { GroupingPolicy, Watch } from '../domain/model.ts';
import type { Logger } from '../platform/logger.ts';
import type { AlertRepository } from '../store/AlertRepository.ts';
import type { CursorRepository } from '../store/CursorRepository.ts';
import type { EventQueueRepository } from '../store/EventQueueRepository.ts';
import type { WatchRepository } from '../store/WatchRepository.ts';

/** One message of the events queue, as the queue adapter hands it over. */
export interface QueuedMessage {
  readonly id: string;
  /** What deletes this delivery of the message (SQS's receipt handle). */
  readonly receipt: string;
  readonly body: string;
  /** When it was sent to the queue (SQS's SentTimestamp), when known. */
  readonly sentAt: Date | null;
  readonly receiveCount: number;
}

/** What the queue's settings say, read once at start-up. */
export interface QueueDescription {
  /** A redrive policy sends a message that keeps failing to a dead-letter queue. */
  readonly deadLetterQueue: boolean;
  readonly visibilityTimeoutSeconds: number | null;
}

/**
 * The port the consumer reads EventBridge events through; the SQS adapter (sqs/SqsEventQueue.ts)
 * implements it. Failures reject with an Error whose message says what happened.
 */
export interface EventQueue {
  /** Long-polls for up to 10 messages; resolves with none when the wait ends empty or `signal` aborts. */
  receive(signal: AbortSignal): Promise<QueuedMessage[]>;
  /** Deletes these deliveries; a message whose delete fails comes back after its visibility timeout. */
  delete(messages: readonly QueuedMessage[]): Promise<void>;
  describe(): Promise<QueueDescription>;
}

/** The repositories the consumer reads and writes. */
export type EventConsumerStore = Pick<WatchRepository, 'listWatches'> &
  Pick<AlertRepository, 'recordDetections'> &
  Pick<CursorRepository, 'requestReadFirst'> &
  EventQueueRepository;

export type MessageOutcome =
  | { readonly kind: 'alerted' }
  | { readonly kind: 'ignored'; readonly reason: IgnoredReason | 'not_repeated' | 'filtered' }
  | { readonly kind: 'failed' };

export interface EventConsumerOptions {
  queue: EventQueue;
  store: EventConsumerStore;
  logger: Logger;
  policy: GroupingPolicy;
  now?: () => Date;
  /** New alerts were stored: the outbox sender can send them at once. */
  onDetections?: () => void;
  /** A batch came in: its size and the age of its oldest message (0 when empty). */
  onReceived?: (count: number, oldestAgeSeconds: number) => void;
  onMessage?: (outcome: MessageOutcome) => void;
  /** A receive or delete failed (SQS unreachable, access denied, …). */
  onQueueError?: (step: 'receive' | 'delete' | 'process') => void;
  /** Wait after the nth failed receive in a row (1-based); default 1 s doubling to 60 s. */
  retryDelayMs?: (failures: number) => number;
}

/** How long one warning covers a queue outage: later failures of it are logged at debug. */
const WARN_EVERY_MS = 60_000;
/** Shorter than this and a batch may reappear on the queue while this replica is still handling it. */
const MIN_VISIBILITY_TIMEOUT_SECONDS = 30;

/**
 * Reads IVS events from the queue (on every replica, alongside the poller) and turns the failures of
 * watched stages into alerts through the same store transaction as polling: grouping, mutes, App Home
 * and the outbox are the same. A message is deleted only after its alert, or the decision to ignore
 * it, is committed; a store failure leaves it to SQS, which delivers it again after its visibility
 * timeout (the dedup key absorbs a second delivery), and one that keeps failing goes to the queue's
 * dead-letter queue by its redrive policy.
 */
export class EventConsumer {
  readonly #options: EventConsumerOptions;
  readonly #now: () => Date;
  #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #failures = 0;
  #lastWarnAt = Number.NEGATIVE_INFINITY;

  constructor(options: EventConsumerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Checks the queue once (a missing dead-letter queue is warned about), then long-polls until stop(). */
  start(): void {
    if (this.#loop) return;
    this.#abort = new AbortController();
    this.#loop = this.#run(this.#abort.signal);
  }

  /** Ends the long poll; the batch being handled is finished (committed and deleted) first. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    this.#loop = undefined;
  }

  async #run(signal: AbortSignal): Promise<void> {
    await this.#describe();
    while (!signal.aborted) {
      let ok: boolean;
      try {
        ok = await this.pollOnce(signal);
      } catch (error) {
        // Nothing in a poll is meant to throw (queue and store failures are handled inside); if
        // something does, the loop must go on rather than end silently with an unhandled rejection.
        this.#failures++;
        this.#options.onQueueError?.('process');
        this.#options.logger.error({ err: error }, 'events queue poll failed unexpectedly; retrying');
        ok = false;
      }
      if (!ok && !signal.aborted) await sleep(this.#retryDelay(this.#failures), signal);
    }
  }

  async #describe(): Promise<void> {
    const { queue, logger } = this.#options;
    try {
      const description = await queue.describe();
      const visibility = description.visibilityTimeoutSeconds;
      if (visibility !== null && visibility < MIN_VISIBILITY_TIMEOUT_SECONDS) {
        // A batch still being handled when its messages reappear is handled again by another
        // receive: absorbed by the dedup keys, but wasted work and misleading receive counts.
        logger.warn(
          { visibilityTimeoutSeconds: visibility },
          `the events queue's visibility timeout is under ${MIN_VISIBILITY_TIMEOUT_SECONDS} s: messages may be delivered again while being handled; docs/EVENTS.md uses 60`,
        );
      }
      if (!description.deadLetterQueue) {
        logger.warn(
          'the events queue has no redrive policy: a message that keeps failing is retried until it expires; set a dead-letter queue (docs/EVENTS.md)',
        );
      }
    } catch (error) {
      logger.warn({ err: error }, 'could not read the events queue attributes; receiving anyway');
    }
  }

  /** One receive and the handling of what it brought; false when the receive failed. */
  async pollOnce(signal: AbortSignal = new AbortController().signal): Promise<boolean> {
    const { queue, store, logger } = this.#options;
    let messages: QueuedMessage[];
    try {
      messages = await queue.receive(signal);
    } catch (error) {
      if (signal.aborted) return true;
      this.#failures++;
      this.#options.onQueueError?.('receive');
      const now = this.#now();
      const message = error instanceof Error ? error.message : String(error);
      if (now.getTime() - this.#lastWarnAt >= WARN_EVERY_MS) {
        this.#lastWarnAt = now.getTime();
        logger.warn(
          { err: error, failures: this.#failures },
          'events queue not reachable; polling goes on, receiving is retried',
        );
      } else {
        logger.debug({ err: error, failures: this.#failures }, 'events queue still not reachable');
      }
      await this.#recordStatus({ at: now, ok: false, error: message });
      return false;
    }
    if (this.#failures > 0) logger.info({ failures: this.#failures }, 'events queue reachable again');
    this.#failures = 0;
    this.#lastWarnAt = Number.NEGATIVE_INFINITY;

    const now = this.#now();
    const sent = messages.flatMap((m) => (m.sentAt ? [m.sentAt.getTime()] : []));
    const oldest = sent.length > 0 ? Math.min(...sent) : null;
    this.#options.onReceived?.(
      messages.length,
      oldest === null ? 0 : Math.max(0, (now.getTime() - oldest) / 1000),
    );
    await this.#recordStatus({
      at: now,
      ok: true,
      newestMessageAt: sent.length > 0 ? new Date(Math.max(...sent)) : null,
    });
    if (messages.length === 0) return true;

    const watches = new WatchesOfBatch(store);
    const done: QueuedMessage[] = [];
    for (const message of messages) {
      const outcome = await this.#handle(message, watches, now);
      this.#options.onMessage?.(outcome);
      if (outcome.kind !== 'failed') done.push(message);
    }
    if (done.length > 0) {
      try {
        await queue.delete(done);
      } catch (error) {
        // Committed already: a second delivery finds its dedup key and changes nothing.
        this.#options.onQueueError?.('delete');
        logger.warn(
          { err: error, messages: done.length },
          'events not deleted from the queue; SQS delivers them again',
        );
      }
    }
    return true;
  }

  async #handle(message: QueuedMessage, watches: WatchesOfBatch, now: Date): Promise<MessageOutcome> {
    const { store, logger, policy } = this.#options;
    const decision = decideEvent(message.body);
    if (decision.kind === 'ignore') {
      logger.debug({ messageId: message.id, reason: decision.reason, why: decision.why }, 'event ignored');
      return { kind: 'ignored', reason: decision.reason };
    }
    const { event } = decision;
    try {
      const watching = await watches.of(event.stageArn);
      if (watching.length === 0) {
        logger.debug(
          { messageId: message.id, stage: event.stageArn, code: event.code },
          'event of an unwatched stage',
        );
        return { kind: 'ignored', reason: 'unwatched' };
      }
      if (decision.readFirst) {
        // Whichever replica polls reads this participant first at its next cycle, so the full event
        // list (with the error code EventBridge does not carry) follows within one interval.
        // The poller takes these requests from the store at the start of each cycle, this replica's too.
        await store.requestReadFirst(
          { stageArn: event.stageArn, sessionId: event.sessionId, participantId: event.participantId },
          now,
        );
      }
      // Counted by the store inside its transaction, so repeats two replicas store at once count each other.
      const result = await store.recordDetections({
        stageArn: event.stageArn,
        events: [event],
        watches: watching,
        now,
        policy,
        ...(decision.repeatedOnly
          ? {
              onlyRepeated: {
                sessionId: event.sessionId,
                code: event.code,
                since: new Date(event.eventTime.getTime() - RECONNECT_WINDOW_MS),
                atLeast: RECONNECT_REPEATS,
              },
            }
          : {}),
      });
      if (result.notRepeated) return { kind: 'ignored', reason: 'not_repeated' };
      if (result.newEvents === 0) return { kind: 'ignored', reason: 'duplicate' };
      // Stored (so polling will not alert it again), but no watch's codes= names it: nothing posted.
      if (result.groupsCreated + result.groupsUpdated === 0) return { kind: 'ignored', reason: 'filtered' };
      logger.info(
        { messageId: message.id, stage: event.stageArn, session: event.sessionId, code: event.code },
        'event alerted',
      );
      this.#options.onDetections?.();
      return { kind: 'alerted' };
    } catch (error) {
      logger.warn(
        { err: error, messageId: message.id, receiveCount: message.receiveCount },
        'event not stored; left on the queue for SQS to deliver again',
      );
      return { kind: 'failed' };
    }
  }

  async #recordStatus(report: Parameters<EventQueueRepository['recordQueueReceive']>[0]): Promise<void> {
    try {
      await this.#options.store.recordQueueReceive(report);
    } catch (error) {
      this.#options.logger.debug({ err: error }, 'events queue status not recorded');
    }
  }

  #retryDelay(failures: number): number {
    return this.#options.retryDelayMs?.(failures) ?? Math.min(60_000, 1000 * 2 ** Math.max(0, failures - 1));
  }
}

/** The watches of each stage, read once per batch. */
class WatchesOfBatch {
  readonly #store: Pick<WatchRepository, 'listWatches'>;
  #all: Promise<Watch[]> | undefined;

  constructor(store: Pick<WatchRepository, 'listWatches'>) {
    this.#store = store;
  }

  async of(stageArn: string): Promise<Watch[]> {
    this.#all ??= this.#store.listWatches();
    return (await this.#all).filter((watch) => watch.stageArn === stageArn);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
