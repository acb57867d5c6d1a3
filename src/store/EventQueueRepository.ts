import type { EventQueueStatus } from '../domain/model.ts';

/** What one ReceiveMessage of the events queue came to. */
export type QueueReceiveReport =
  | { readonly at: Date; readonly ok: true; readonly newestMessageAt: Date | null }
  | { readonly at: Date; readonly ok: false; readonly error: string };

/** Whether EventBridge events arrive from the queue, and when the last one came (for /ivs watches). */
export interface EventQueueRepository {
  /** Keeps the latest times (replicas report in any order); a failure is kept until a receive answers. */
  recordQueueReceive(report: QueueReceiveReport): Promise<void>;
  /** Nothing recorded yet: every field null. */
  eventQueueStatus(): Promise<EventQueueStatus>;
}
