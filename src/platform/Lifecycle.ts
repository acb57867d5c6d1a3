import type { Logger } from './logger.ts';

/** Closes one part; `left()` is how many milliseconds of the close budget remain. */
export type CloseHook = (left: () => number) => unknown;

/** A close hook that threw or rejected, named after the part it closes. */
export class CloseFailure extends Error {
  readonly part: string;

  constructor(part: string, cause: unknown) {
    super(`closing ${part} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CloseFailure';
    this.part = part;
  }
}

/**
 * Close hooks, one per part, run in reverse order of registration (Fastify's onClose): a part is
 * registered as soon as it is started, so whatever was started is closed, also when start-up fails
 * halfway, and parts close before what they use.
 */
export class Lifecycle {
  readonly #hooks: { part: string; close: CloseHook }[] = [];
  readonly #logger: Pick<Logger, 'debug' | 'warn'>;
  readonly #now: () => number;
  #closing: Promise<void> | undefined;

  constructor(options: { logger: Pick<Logger, 'debug' | 'warn'>; now?: () => number }) {
    this.#logger = options.logger;
    this.#now = options.now ?? (() => Date.now());
  }

  /** Registers the hook that closes `part`; it runs before the hooks registered earlier. */
  onClose(part: string, close: CloseHook): void {
    if (this.#closing) throw new Error(`cannot register ${part}: already closing`);
    this.#hooks.push({ part, close });
  }

  /**
   * Runs every hook, last registered first, each after the previous one settled. A failing hook is
   * logged and the others still run; then the close rejects with an AggregateError of CloseFailures.
   * Calling it again returns the same close.
   */
  close(budgetMs: number): Promise<void> {
    this.#closing ??= this.#unwind(budgetMs);
    return this.#closing;
  }

  /** Runs `start`; if it fails, closes what it registered so far and rethrows its error. */
  async startOrUnwind<T>(start: () => Promise<T>, budgetMs: number): Promise<T> {
    try {
      return await start();
    } catch (error) {
      await this.close(budgetMs).catch((closeError: unknown) => {
        // Each failure was logged by #unwind; the start-up error is the one the caller must see.
        this.#logger.warn({ err: closeError }, 'start-up failed and some parts did not close');
      });
      throw error;
    }
  }

  async #unwind(budgetMs: number): Promise<void> {
    const deadline = this.#now() + budgetMs;
    const left = () => Math.max(0, deadline - this.#now());
    const failures: CloseFailure[] = [];
    for (const { part, close } of this.#hooks.toReversed()) {
      this.#logger.debug({ part }, 'closing');
      try {
        await close(left);
      } catch (error) {
        const failure = new CloseFailure(part, error);
        this.#logger.warn({ err: error, part }, failure.message);
        failures.push(failure);
      }
    }
    if (failures.length > 0) {
      throw new AggregateError(
        failures,
        `could not close ${failures.map((failure) => failure.part).join(', ')}`,
      );
    }
  }
}
