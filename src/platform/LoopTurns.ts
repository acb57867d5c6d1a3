// Slack waits 3 s for an ack, not for an answer. When 200 requests arrive at once, the answer of
// one (a store write, a render, a response_url post: about 1.5 ms of CPU) would otherwise run right
// after its ack and before the next request is even read, so the last ack would wait for 199
// answers. Work that waits for a turn goes behind the requests still arriving.

/** What answer work waits on; main.ts makes one per process (it orders work on one event loop). */
export interface Turns {
  next(): Promise<void>;
}

export interface LoopTurnsOptions {
  /** How long work may be held back while requests keep arriving. */
  maxHoldMs?: number;
  now?: () => number;
}

export const DEFAULT_MAX_HOLD_MS = 300;

interface Waiter {
  readonly resolve: () => void;
  readonly since: number;
}

/**
 * Hands out turns of the event loop: `next()` resolves on a later turn, after the loop has polled
 * for I/O again, one caller per turn in the order they asked, and not while requests are still
 * arriving (`noteRequest`) unless the oldest caller has waited `maxHoldMs`. Requests already
 * received are therefore read and acked before the work that follows `next()`.
 */
export class LoopTurns implements Turns {
  readonly #maxHoldMs: number;
  readonly #now: () => number;
  readonly #waiting: Waiter[] = [];
  #pumping = false;
  #arrivals = 0;

  constructor(options: LoopTurnsOptions = {}) {
    this.#maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Called for every request received, before its ack. */
  noteRequest(): void {
    this.#arrivals += 1;
  }

  next(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push({ resolve, since: this.#now() });
      if (!this.#pumping) {
        this.#pumping = true;
        // Two hops: asked during the I/O poll, a single immediate would run before the next poll.
        setImmediate(() => setImmediate(() => this.#releaseOne()));
      }
    });
  }

  #releaseOne(): void {
    const oldest = this.#waiting[0];
    if (!oldest) {
      this.#pumping = false;
      return;
    }
    if (this.#arrivals > 0 && this.#now() - oldest.since < this.#maxHoldMs) {
      // Requests came in since the last look: give the loop a moment to read (and ack) any more.
      this.#arrivals = 0;
      setTimeout(() => this.#releaseOne(), 1);
      return;
    }
    this.#arrivals = 0;
    this.#waiting.shift();
    oldest.resolve();
    // Scheduled from inside an immediate, the next one runs on the next turn, after the I/O poll.
    setImmediate(() => this.#releaseOne());
  }
}
