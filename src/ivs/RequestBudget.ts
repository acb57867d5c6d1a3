/** Who is asking: a person waiting in Slack goes ahead of the poller. */
export type CallPriority = 'interactive' | 'background';

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** IVS_POLLER_SHARE's default: while people and the poller both wait, every fourth call is the poller's. */
export const DEFAULT_POLLER_SHARE = 0.25;

export interface RequestBudgetOptions {
  /**
   * The share of each operation's calls kept for background callers (the poller) while people wait
   * too, from 0 (people always first) to below 1. With nobody else waiting, either side gets every call.
   */
  backgroundShare?: number;
}

/** A place in a bucket's queue; `raise` moves a background call among the interactive ones. */
export interface BudgetTicket {
  readonly granted: Promise<void>;
  raise(): void;
}

interface Waiter {
  grant: () => void;
  priority: CallPriority;
}

interface Bucket {
  tokens: number;
  refilledAt: number;
  interactive: Waiter[];
  background: Waiter[];
  /** Earned by the background queue while both queues wait; at 1 the next call is the poller's. */
  backgroundCredit: number;
  timer: unknown;
}

// Credits add up in steps of the share (0.2 five times is 1 - 2e-16 in floating point).
const CREDIT_EPSILON = 1e-9;

/**
 * A token bucket per (account, region, operation): the key is the caller's choice. Capacity is one token so calls are spaced evenly: with a rate
 * of r per second no one-second window ever sees more than r + 1 calls, which keeps us under IVS's
 * per-operation limit even though the customer's backend shares it.
 *
 * People go first, but not always: while both queues wait, the background queue earns
 * `backgroundShare` of a call per call granted and takes the next one when it has earned a whole
 * call, so the poller keeps that share of the rate during a burst of commands and alerting goes on.
 */
export class RequestBudget {
  readonly #clock: Clock;
  readonly #share: number;
  readonly #buckets = new Map<string, Bucket>();
  #rate: number;

  constructor(ratePerSecond: number, clock: Clock = systemClock, options: RequestBudgetOptions = {}) {
    assertRate(ratePerSecond);
    const share = options.backgroundShare ?? DEFAULT_POLLER_SHARE;
    if (!(share >= 0 && share < 1)) throw new RangeError('backgroundShare must be in [0, 1)');
    this.#rate = ratePerSecond;
    this.#clock = clock;
    this.#share = share;
  }

  /** Calls per second per key, as now set (it changes with the number of live replicas). */
  get ratePerSecond(): number {
    return this.#rate;
  }

  get backgroundShare(): number {
    return this.#share;
  }

  /**
   * Changes the rate of every bucket from now on; the time already elapsed refills at the old rate,
   * so a change never hands out a burst.
   */
  setRate(ratePerSecond: number): void {
    assertRate(ratePerSecond);
    if (ratePerSecond === this.#rate) return;
    for (const bucket of this.#buckets.values()) this.#refill(bucket);
    this.#rate = ratePerSecond;
    for (const bucket of this.#buckets.values()) {
      if (bucket.timer !== undefined) this.#clock.clearTimeout(bucket.timer);
      bucket.timer = undefined;
      this.#drain(bucket);
    }
  }

  /** Resolves when the call may go out. */
  acquire(key: string, priority: CallPriority): Promise<void> {
    return this.enqueue(key, priority).granted;
  }

  /** Like acquire, for a call whose priority may rise while it waits (a person joins a poller read). */
  enqueue(key: string, priority: CallPriority): BudgetTicket {
    const bucket = this.#bucket(key);
    let waiter: Waiter | undefined;
    const granted = new Promise<void>((resolve) => {
      waiter = { grant: resolve, priority };
    });
    if (!waiter) throw new Error('unreachable: a Promise executor runs synchronously');
    const own = waiter;
    bucket[priority].push(own);
    this.#drain(bucket);
    return {
      granted,
      raise: () => {
        if (own.priority === 'interactive') return;
        const index = bucket.background.indexOf(own);
        own.priority = 'interactive';
        if (index < 0) return; // already granted
        bucket.background.splice(index, 1);
        bucket.interactive.push(own);
        this.#drain(bucket);
      },
    };
  }

  /** Calls waiting for a token, for metrics and lag reports. */
  waiting(key?: string): number {
    const buckets =
      key === undefined ? [...this.#buckets.values()] : [this.#buckets.get(key)].filter((b) => b);
    return buckets.reduce((sum, b) => sum + (b ? b.interactive.length + b.background.length : 0), 0);
  }

  #bucket(key: string): Bucket {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = {
        tokens: 1,
        refilledAt: this.#clock.now(),
        interactive: [],
        background: [],
        backgroundCredit: 0,
        timer: undefined,
      };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  #refill(bucket: Bucket): void {
    const now = this.#clock.now();
    bucket.tokens = Math.min(1, bucket.tokens + ((now - bucket.refilledAt) * this.#rate) / 1000);
    bucket.refilledAt = now;
  }

  #next(bucket: Bucket): Waiter | undefined {
    if (bucket.interactive.length === 0) {
      // Nobody else wants the call: the poller has it, and earns nothing for later.
      bucket.backgroundCredit = 0;
      return bucket.background.shift();
    }
    if (bucket.background.length === 0) return bucket.interactive.shift();
    bucket.backgroundCredit += this.#share;
    if (bucket.backgroundCredit >= 1 - CREDIT_EPSILON) {
      bucket.backgroundCredit = Math.max(0, bucket.backgroundCredit - 1);
      return bucket.background.shift();
    }
    return bucket.interactive.shift();
  }

  #drain(bucket: Bucket): void {
    this.#refill(bucket);
    while (bucket.tokens >= 1) {
      const next = this.#next(bucket);
      if (!next) return;
      bucket.tokens -= 1;
      next.grant();
    }
    if (bucket.timer === undefined && bucket.interactive.length + bucket.background.length > 0) {
      const wait = Math.ceil(((1 - bucket.tokens) * 1000) / this.#rate);
      bucket.timer = this.#clock.setTimeout(() => {
        bucket.timer = undefined;
        this.#drain(bucket);
      }, wait);
    }
  }
}

function assertRate(ratePerSecond: number): void {
  if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
}
