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

interface Bucket {
  tokens: number;
  refilledAt: number;
  interactive: Array<() => void>;
  background: Array<() => void>;
  timer: unknown;
}

/**
 * A token bucket per (region, operation). Capacity is one token so calls are spaced evenly: with a rate
 * of r per second no one-second window ever sees more than r + 1 calls, which keeps us under IVS's
 * per-operation limit even though the customer's backend shares it.
 */
export class RequestBudget {
  readonly ratePerSecond: number;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, Bucket>();

  constructor(ratePerSecond: number, clock: Clock = systemClock) {
    if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
    this.ratePerSecond = ratePerSecond;
    this.#clock = clock;
  }

  /** Resolves when the call may go out. */
  acquire(key: string, priority: CallPriority): Promise<void> {
    const bucket = this.#bucket(key);
    return new Promise<void>((resolve) => {
      bucket[priority].push(resolve);
      this.#drain(bucket);
    });
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
        timer: undefined,
      };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  #drain(bucket: Bucket): void {
    const now = this.#clock.now();
    bucket.tokens = Math.min(1, bucket.tokens + ((now - bucket.refilledAt) * this.ratePerSecond) / 1000);
    bucket.refilledAt = now;
    while (bucket.tokens >= 1) {
      const next = bucket.interactive.shift() ?? bucket.background.shift();
      if (!next) return;
      bucket.tokens -= 1;
      next();
    }
    if (bucket.timer === undefined && bucket.interactive.length + bucket.background.length > 0) {
      const wait = Math.ceil(((1 - bucket.tokens) * 1000) / this.ratePerSecond);
      bucket.timer = this.#clock.setTimeout(() => {
        bucket.timer = undefined;
        this.#drain(bucket);
      }, wait);
    }
  }
}
