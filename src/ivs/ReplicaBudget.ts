import type { Logger } from '../platform/logger.ts';
import type { RequestBudget } from './RequestBudget.ts';

/** The part of the store that knows which replicas are alive (a heartbeat row each, in PostgreSQL). */
export interface ReplicaRegistry {
  heartbeatReplica(holder: string, ttlMs: number): Promise<number>;
  removeReplica(holder: string): Promise<void>;
}

/**
 * The rate one of `replicas` replicas may use so that together they keep IVS_MAX_TPS: at most
 * `maxTps` calls per second on average, and at most `maxTps + 1` in any one second however their
 * calls fall. Evenly spaced calls at a rate q make at most ⌊q⌋ + 1 in a second, so each replica gets
 * both maxTps / n and a rate just under its whole share of maxTps + 1 calls. One replica keeps
 * maxTps. With more replicas than maxTps + 1, each still makes at most one call a second.
 */
export function replicaRate(maxTps: number, replicas: number): number {
  const n = Math.max(1, Math.floor(replicas));
  const callsPerSecond = Math.max(1, Math.floor((maxTps + 1) / n));
  return Math.min(maxTps / n, (callsPerSecond * 1000) / 1001);
}

export interface ReplicaBudgetOptions {
  registry: ReplicaRegistry;
  budget: RequestBudget;
  /** IVS_MAX_TPS: what all replicas together may spend per (account, region, operation). */
  maxTps: number;
  holder: string;
  /** A replica that stops beating is counted until this has passed (IVS_LEADER_TIMEOUT). */
  ttlMs: number;
  /** How often to beat and recount; a new replica is counted by the others within this. */
  everyMs?: number;
  logger: Logger;
}

export const REPLICA_HEARTBEAT_MS = 2_000;

/**
 * Keeps this replica's IVS budget at its share of IVS_MAX_TPS: every `everyMs` it records that it is
 * alive and sets the rate from how many replicas are. When the store cannot be reached it keeps the
 * last count (the others, if any, do the same).
 */
export class ReplicaBudget {
  readonly #options: ReplicaBudgetOptions;
  #replicas = 1;
  #failing = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #beat: Promise<void> | undefined;
  #stopped = false;

  constructor(options: ReplicaBudgetOptions) {
    this.#options = options;
  }

  /** Replicas alive at the last heartbeat, this one included. */
  get replicas(): number {
    return this.#replicas;
  }

  /** Counts the replicas once before the first call (so a new replica starts at its share), then keeps counting. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.beat();
    this.#schedule();
  }

  /** One heartbeat and recount (exposed for tests). */
  beat(): Promise<void> {
    this.#beat = this.#attempt();
    return this.#beat;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#beat;
    try {
      await this.#options.registry.removeReplica(this.#options.holder);
    } catch (error) {
      this.#options.logger.warn(
        { err: error },
        'could not remove the replica heartbeat; it expires by itself',
      );
    }
  }

  async #attempt(): Promise<void> {
    const { registry, holder, ttlMs, budget, maxTps, logger } = this.#options;
    let replicas: number;
    try {
      replicas = await registry.heartbeatReplica(holder, ttlMs);
    } catch (error) {
      if (!this.#failing)
        logger.warn(
          { err: error, replicas: this.#replicas },
          'replica heartbeat failed; keeping the last count',
        );
      this.#failing = true;
      return;
    }
    if (this.#failing) logger.info({ replicas }, 'replica heartbeat recovered');
    this.#failing = false;
    if (replicas === this.#replicas && budget.ratePerSecond === replicaRate(maxTps, replicas)) return;
    this.#replicas = replicas;
    budget.setRate(replicaRate(maxTps, replicas));
    logger.info(
      { replicas, ratePerSecond: Number(budget.ratePerSecond.toFixed(3)), maxTps },
      'IVS budget divided among the live replicas',
    );
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.beat().finally(() => this.#schedule());
    }, this.#options.everyMs ?? REPLICA_HEARTBEAT_MS);
    this.#timer.unref();
  }
}
