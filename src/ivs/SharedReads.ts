import type { Turns } from '../platform/LoopTurns.ts';
import type { IvsResult } from './IvsFailure.ts';
import type { CallPriority } from './RequestBudget.ts';

/** What a read is, for sharing: the same key is the same question to IVS (operation, input, region). */
export interface ReadSpec {
  readonly key: string;
  /** Names a state change can invalidate (a participant, a stage's participant lists). */
  readonly tags: readonly string[];
  readonly priority: CallPriority;
  /** The oldest cached answer this asker accepts; 0 takes only a call in flight or a new one. */
  readonly maxAgeMs: number;
}

/** The one call behind a shared read, as its loader sees it. */
export interface SharedCall {
  readonly priority: CallPriority;
  /** `raise` runs once if a person joins a read queued for the poller: the call then goes ahead. */
  onRaise(raise: () => void): void;
}

export interface SharedReadsOptions {
  /** How long a successful answer is reused (IVS_READ_CACHE_SECONDS); 0 keeps only calls in flight. */
  ttlMs: number;
  /** Bounds of the cache; the oldest answers go first. */
  maxEntries?: number;
  maxBytes?: number;
  now?: () => number;
  /** Observes each read that made no call of its own (metrics). */
  onShared?: (key: string, how: 'joined' | 'cached') => void;
  /** Those who joined a call resume one per turn (src/LoopTurns.ts), not all at once. */
  turns?: Turns;
}

interface InFlightRead {
  readonly result: Promise<IvsResult<unknown>>;
  readonly tags: readonly string[];
  priority: CallPriority;
  raise: (() => void) | undefined;
  /** A state change happened while it ran: its answer goes to those who asked, not into the cache. */
  invalidated: boolean;
}

interface CachedRead {
  readonly result: IvsResult<unknown>;
  readonly tags: readonly string[];
  readonly at: number;
  readonly bytes: number;
}

export const DEFAULT_MAX_CACHED_READS = 1_000;
export const DEFAULT_MAX_CACHED_BYTES = 8 * 1024 * 1024;

/**
 * One IVS call for many askers. Identical reads in flight at the same moment share one call, and a
 * successful answer is reused for `ttlMs` by askers that accept it. Failures are shared with those
 * who asked while the call ran (each gets the same failure) but never cached, so the next asker
 * tries again. A state change (`invalidate`) drops the cached answers it touches and keeps reads
 * already running from being joined or cached, so whatever is asked after it is read fresh.
 */
export class SharedReads {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  readonly #onShared: SharedReadsOptions['onShared'];
  readonly #turns: Turns | undefined;
  readonly #inFlight = new Map<string, InFlightRead>();
  // Insertion order is expiry order (one TTL for all), so the oldest answer is always first.
  readonly #cache = new Map<string, CachedRead>();
  #bytes = 0;

  constructor(options: SharedReadsOptions) {
    if (!(options.ttlMs >= 0)) throw new RangeError('ttlMs must be 0 or more');
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_CACHED_READS;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_CACHED_BYTES;
    this.#now = options.now ?? (() => performance.now());
    this.#onShared = options.onShared;
    this.#turns = options.turns;
  }

  /** Answers from the cache, from the same call in flight, or by calling `load` once for everyone. */
  read<T>(spec: ReadSpec, load: (call: SharedCall) => Promise<IvsResult<T>>): Promise<IvsResult<T>> {
    const now = this.#now();
    this.#expire(now);
    const cached = this.#cache.get(spec.key);
    if (cached && now - cached.at <= Math.min(spec.maxAgeMs, this.#ttlMs)) {
      this.#onShared?.(spec.key, 'cached');
      return Promise.resolve(cached.result as IvsResult<T>);
    }
    const running = this.#inFlight.get(spec.key);
    if (running) {
      if (spec.priority === 'interactive' && running.priority === 'background') {
        running.priority = 'interactive';
        running.raise?.();
      }
      this.#onShared?.(spec.key, 'joined');
      // Everyone who joined would otherwise resume in the same instant when the answer comes; one
      // per turn of the event loop, so requests arriving meanwhile are still acked at once.
      const turns = this.#turns;
      if (!turns) return running.result as Promise<IvsResult<T>>;
      return (running.result as Promise<IvsResult<T>>).then(async (answer) => {
        await turns.next();
        return answer;
      });
    }
    return this.#start(spec, load);
  }

  /** A state change: answers tagged with any of `tags` are read fresh from now on. */
  invalidate(tags: readonly string[]): void {
    const touched = (entryTags: readonly string[]) => entryTags.some((tag) => tags.includes(tag));
    for (const [key, entry] of this.#cache) {
      if (touched(entry.tags)) this.#drop(key, entry);
    }
    for (const [key, entry] of this.#inFlight) {
      if (!touched(entry.tags)) continue;
      entry.invalidated = true;
      this.#inFlight.delete(key);
    }
  }

  /** Cached answers and their approximate size, for tests and metrics. */
  get size(): { entries: number; bytes: number; inFlight: number } {
    return { entries: this.#cache.size, bytes: this.#bytes, inFlight: this.#inFlight.size };
  }

  #start<T>(spec: ReadSpec, load: (call: SharedCall) => Promise<IvsResult<T>>): Promise<IvsResult<T>> {
    let entry: InFlightRead | undefined;
    const call: SharedCall = {
      priority: spec.priority,
      onRaise: (raise) => {
        if (!entry) throw new Error('onRaise must be called after the load has started');
        if (entry.priority === 'interactive') raise();
        else entry.raise = raise;
      },
    };
    // The entry exists before `load` runs so that a synchronous onRaise finds it.
    const result = Promise.resolve().then(() => load(call));
    entry = { result, tags: spec.tags, priority: spec.priority, raise: undefined, invalidated: false };
    const own = entry;
    this.#inFlight.set(spec.key, own);
    const settle = () => {
      if (this.#inFlight.get(spec.key) === own) this.#inFlight.delete(spec.key);
    };
    result.then(
      (answer) => {
        settle();
        if (answer.ok && !own.invalidated && this.#ttlMs > 0) this.#store(spec, answer);
      },
      // The same rejection reaches every asker through `result`; nothing is cached.
      settle,
    );
    return result;
  }

  #store(spec: ReadSpec, result: IvsResult<unknown>): void {
    const bytes = approximateBytes(result);
    if (bytes > this.#maxBytes) return;
    const previous = this.#cache.get(spec.key);
    if (previous) this.#drop(spec.key, previous);
    this.#cache.set(spec.key, { result: deepFreeze(result), tags: spec.tags, at: this.#now(), bytes });
    this.#bytes += bytes;
    for (const [key, entry] of this.#cache) {
      if (this.#cache.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#drop(key, entry);
    }
  }

  #expire(now: number): void {
    for (const [key, entry] of this.#cache) {
      if (now - entry.at <= this.#ttlMs) break;
      this.#drop(key, entry);
    }
  }

  #drop(key: string, entry: CachedRead): void {
    this.#cache.delete(key);
    this.#bytes -= entry.bytes;
  }
}

/** UTF-16 size of the answer as JSON: close enough to bound the cache's memory. */
function approximateBytes(value: unknown): number {
  return 2 * (JSON.stringify(value)?.length ?? 0) + 200;
}

/** Cached answers are handed to every later asker: nobody may change them. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof Date) && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
