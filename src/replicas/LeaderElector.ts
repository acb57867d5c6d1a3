import type { Logger } from '../platform/logger.ts';

/** The part of the store that keeps the poller lease (a row with an expiry in PostgreSQL). */
export interface LeaseStore {
  acquireLeadership(holder: string, ttlMs: number): Promise<boolean>;
  releaseLeadership(holder: string): Promise<void>;
}

export interface LeaderElectorOptions {
  store: LeaseStore;
  /** This replica's name in the lease (host and pid), for logs and for the lease row. */
  holder: string;
  /** IVS_LEADER_TIMEOUT: a dead leader's lease expires after this, and another replica takes over. */
  ttlMs: number;
  logger: Logger;
  onChange?: (leader: boolean) => void;
  /**
   * Monotonic milliseconds (default performance.now()): how long ago the lease was renewed must not
   * follow the wall clock, which NTP or an operator can move back (a leader for ever) or forward.
   */
  clock?: () => number;
}

/**
 * Exactly one replica polls: the one holding the lease. Leases last 60% of IVS_LEADER_TIMEOUT and
 * every replica tries every sixth of it, so after a leader dies another takes over within 5/6 of
 * the timeout. A holder that cannot renew steps down before its lease could have expired, so two
 * replicas never both believe they lead (except for a process paused longer than that margin).
 */
export class LeaderElector {
  readonly #options: LeaderElectorOptions;
  readonly #clock: () => number;
  #leader = false;
  #renewedAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #tick: Promise<void> | undefined;

  constructor(options: LeaderElectorOptions) {
    this.#options = options;
    this.#clock = options.clock ?? (() => performance.now());
  }

  /** True only while the lease is held and was renewed recently enough to still be ours. */
  get isLeader(): boolean {
    return this.#leader && this.#clock() - this.#renewedAt < this.#leaseMs * 0.8;
  }

  get #leaseMs(): number {
    return Math.floor(this.#options.ttlMs * 0.6);
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.tick();
    this.#schedule();
  }

  /** One attempt to take or renew the lease (exposed for tests). */
  tick(): Promise<void> {
    this.#tick = this.#attempt();
    return this.#tick;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#tick;
    if (this.#leader) {
      this.#set(false);
      try {
        await this.#options.store.releaseLeadership(this.#options.holder);
      } catch (error) {
        this.#options.logger.warn({ err: error }, 'could not release leadership; it expires by itself');
      }
    }
  }

  async #attempt(): Promise<void> {
    const started = this.#clock();
    try {
      const held = await timeBoxed(
        this.#options.store.acquireLeadership(this.#options.holder, this.#leaseMs),
        this.#attemptBudgetMs(started),
      );
      if (held) this.#renewedAt = started;
      this.#set(held);
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'leader lease check failed');
      // Unreachable or silent store: step down once our lease might have run out.
      const unanswered = error instanceof LeaseAttemptTimeout;
      if (this.#leader && (unanswered || this.#clock() - this.#renewedAt >= this.#leaseMs * 0.8)) {
        this.#set(false);
      }
    }
  }

  /**
   * How long one attempt may wait for the store. A leader waits only as long as its lease is surely
   * still its own, then steps down, rather than when a silently dropped connection finally fails
   * (minutes later); the others wait what a renewal would be good for.
   */
  #attemptBudgetMs(started: number): number {
    const valid = this.#leaseMs * 0.8;
    return this.#leader ? Math.max(0, valid - (started - this.#renewedAt)) : valid;
  }

  #set(leader: boolean): void {
    if (leader === this.#leader) return;
    this.#leader = leader;
    this.#options.logger.info(
      { holder: this.#options.holder },
      leader ? 'became poller leader' : 'no longer poller leader',
    );
    this.#options.onChange?.(leader);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(
      () => {
        this.tick().finally(() => this.#schedule());
      },
      Math.max(250, Math.floor(this.#options.ttlMs / 6)),
    );
    this.#timer.unref();
  }
}

/** The store did not answer a lease attempt in time. */
class LeaseAttemptTimeout extends Error {
  constructor(ms: number) {
    super(`the store did not answer the lease attempt within ${Math.round(ms)} ms`);
    this.name = 'LeaseAttemptTimeout';
  }
}

/** `work`'s outcome, or a LeaseAttemptTimeout once `ms` have passed; a later answer is ignored. */
function timeBoxed<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new LeaseAttemptTimeout(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
