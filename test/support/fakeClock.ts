import { setImmediate as turn } from 'node:timers/promises';
import type { Clock } from '../../src/ivs/RequestBudget.ts';

/** A clock that only moves when the test says so; timers fire in due order as it advances. */
export class FakeClock implements Clock {
  #now = 0;
  #nextHandle = 1;
  #timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.#nextHandle++;
    this.#timers.set(handle, { at: this.#now + Math.max(0, ms), callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward to `this.now() + ms`, firing due timers and letting their promises settle. */
  async advance(ms: number): Promise<void> {
    // Callers granted before the clock moves must record the time they were let through.
    await turn();
    const end = this.#now + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      }
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].callback();
      await turn();
    }
    this.#now = end;
    await turn();
  }
}
