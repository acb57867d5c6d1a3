import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./ackClientProcess.ts', import.meta.url));

export interface Ack {
  readonly status: number;
  /** When the request was sent (epoch ms). */
  readonly sentAt: number;
  /** From sending the request to the end of the bot's HTTP answer, timed in the client process. */
  readonly ackMs: number;
}

type Reply = { id: number; status: number; sentAt: number; ackMs: number } | { id: number; error: string };

/**
 * Posts requests from a process of its own (`ackClientProcess.ts`), one for the whole bench run, so
 * that ack timings measure the bot and the network, not the bench's busy event loop.
 */
export class AckClient {
  static #shared: AckClient | undefined;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (ack: Ack) => void; reject: (error: Error) => void }>();
  #nextId = 1;

  private constructor() {
    this.#child = fork(SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (reply: Reply) => {
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      this.#idleUnlessBusy();
      if (!waiter) return;
      if ('error' in reply) waiter.reject(new Error(reply.error));
      else waiter.resolve({ status: reply.status, sentAt: reply.sentAt, ackMs: reply.ackMs });
    });
    process.on('exit', () => this.#child.kill());
    this.#idleUnlessBusy();
  }

  static shared(): AckClient {
    AckClient.#shared ??= new AckClient();
    return AckClient.#shared;
  }

  post(url: string, headers: Record<string, string>, body: string): Promise<Ack> {
    const id = this.#nextId++;
    return new Promise<Ack>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.ref();
      this.#child.channel?.ref();
      this.#child.send({ id, url, headers, body });
    });
  }

  // The child must not keep the bench alive once nothing is waiting for it.
  #idleUnlessBusy(): void {
    if (this.#pending.size > 0) return;
    this.#child.unref();
    this.#child.channel?.unref();
  }
}
