/** Work started by requests that outlives their HTTP response (answers sent after the ack). */
export class InFlight {
  readonly #pending = new Set<Promise<unknown>>();

  track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    const forget = () => this.#pending.delete(work);
    work.then(forget, forget);
    return work;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Resolves when everything tracked has settled, or after `timeoutMs`; true if all settled. */
  async settle(timeoutMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const all = Promise.allSettled([...this.#pending]).then(() => true as const);
    const settled = await Promise.race([all, timeout]);
    clearTimeout(timer);
    return settled;
  }
}
