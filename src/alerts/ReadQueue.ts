import type { ParticipantCursor } from '../domain/model.ts';
import { orderReads, type ReadCandidate, type ReadTiming, readUrgency } from './readOrder.ts';

/** A participant read waiting in one cycle's queue; `group` is what re-queues it (its stage). */
export interface QueuedRead<G> extends ReadCandidate {
  readonly group: G;
}

/**
 * One poll cycle's queue of participant reads, served in `orderReads` order to any number of readers.
 * Each participant is handed out at most once a cycle. While discovery (the stages' listings) is
 * still running, the backlog waits, since discovery may yet find arrivals that must go first; a
 * reader that finds nothing to do then waits for the next listing instead of returning.
 */
export class ReadQueue<G> {
  readonly #timing: ReadTiming;
  #queue: QueuedRead<G>[] = [];
  readonly #started = new Set<string>();
  #discovering = true;
  readonly #waiting: Array<() => void> = [];
  /** Participants to read before anyone else (stage|session|participant): EventBridge saw them fail. */
  readonly #first: ReadonlySet<string>;

  constructor(timing: ReadTiming, first: ReadonlySet<string> = new Set()) {
    this.#timing = timing;
    this.#first = first;
  }

  /**
   * Replaces the queued reads of `group` with `participants` (what its latest listing says), leaving
   * out those already handed out this cycle, and re-sorts; wakes readers waiting for work.
   */
  replaceGroup(group: G, participants: readonly ParticipantCursor[], watchedSince: number): void {
    const ordered = orderReads(
      [
        ...this.#queue.filter((read) => read.group !== group),
        ...participants
          .filter((participant) => !this.#started.has(keyOf(participant)))
          .map((participant) => ({ group, participant, watchedSince })),
      ],
      this.#timing,
    );
    // Stable: the ones to read first keep their order among themselves, and so do the others.
    this.#queue = [
      ...ordered.filter((read) => this.#first.has(keyOf(read.participant))),
      ...ordered.filter((read) => !this.#first.has(keyOf(read.participant))),
    ];
    this.#wake();
  }

  /** Discovery is over: the backlog may be read, and readers return once the queue is empty. */
  discoveryDone(): void {
    this.#discovering = false;
    this.#wake();
  }

  /** The next read to make, or undefined when there is none and discovery is over. */
  async next(): Promise<QueuedRead<G> | undefined> {
    for (;;) {
      const index = this.#queue.findIndex(
        (read) =>
          !this.#discovering ||
          readUrgency(read.participant, read.watchedSince, this.#timing)?.reason !== 'backlog',
      );
      const read = index < 0 ? undefined : this.#queue.splice(index, 1)[0];
      if (read) {
        this.#started.add(keyOf(read.participant));
        return read;
      }
      if (!this.#discovering) return undefined;
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  /** How many reads are queued (not yet handed out). */
  get size(): number {
    return this.#queue.length;
  }

  #wake(): void {
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}

function keyOf(p: Pick<ParticipantCursor, 'stageArn' | 'sessionId' | 'participantId'>): string {
  return readKey(p);
}

/** How a participant is named in the read-first set. */
export function readKey(p: Pick<ParticipantCursor, 'stageArn' | 'sessionId' | 'participantId'>): string {
  return `${p.stageArn}|${p.sessionId}|${p.participantId}`;
}
