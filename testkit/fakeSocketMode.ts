import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** What Slack sends over the socket: one envelope per command, click or event. */
export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/**
 * Slack's side of Socket Mode, written from Slack's documentation ("Using Socket Mode"): the app
 * calls `apps.connections.open` with its app-level token (answered by the fake Web API, see
 * `FakeSlack.start({ socketMode: true })`), opens the WebSocket URL it got, receives a `hello`, then
 * envelopes `{ envelope_id, type, payload, accepts_response_payload }`, and acknowledges each one by
 * sending back `{ envelope_id }` (with a `payload` only where `accepts_response_payload` allows).
 * Not enforced: Slack's 3-second ack deadline and its retries of unacked envelopes (tests do not
 * depend on timings), `disconnect` messages and URL expiry.
 */
export class FakeSocketMode {
  readonly url: string;
  /** Every message the app sent over the socket (acks), in order. */
  readonly received: Record<string, unknown>[] = [];
  /** Acks that broke the protocol: unknown envelope_id, a payload where none is accepted, not JSON. */
  readonly protocolErrors: string[] = [];
  readonly #wss: WebSocketServer;
  readonly #sockets: WebSocket[] = [];
  readonly #pending = new Map<
    string,
    { accepts: boolean; resolve: (ack: Record<string, unknown>) => void }
  >();
  readonly #connectWaiters: Array<() => void> = [];

  private constructor(wss: WebSocketServer) {
    this.#wss = wss;
    this.url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link`;
    wss.on('connection', (socket) => {
      this.#sockets.push(socket);
      socket.on('message', (data) => this.#onMessage(String(data)));
      socket.on('close', () => {
        const index = this.#sockets.indexOf(socket);
        if (index >= 0) this.#sockets.splice(index, 1);
      });
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: this.#sockets.length,
          debug_info: { host: 'applink-fake', approximate_connection_time: 18060 },
          connection_info: { app_id: 'A0001' },
        }),
      );
      for (const wake of this.#connectWaiters.splice(0)) wake();
    });
  }

  static async start(): Promise<FakeSocketMode> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new FakeSocketMode(wss);
  }

  get connections(): number {
    return this.#sockets.length;
  }

  /** Resolves once the app holds an open socket; rejects after `timeoutMs`. */
  async waitForConnection(timeoutMs = 10_000): Promise<void> {
    if (this.#sockets.length > 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the app did not open a Socket Mode connection')),
        timeoutMs,
      );
      this.#connectWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Sends an envelope to the app as Slack does; resolves with the app's ack. */
  send(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    options: { acceptsResponsePayload?: boolean; timeoutMs?: number } = {},
  ): Promise<Record<string, unknown>> {
    const socket = this.#sockets.at(-1);
    if (!socket) return Promise.reject(new Error('no Socket Mode connection is open'));
    const envelopeId = randomUUID();
    const accepts = options.acceptsResponsePayload ?? type !== 'events_api';
    const acked = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`envelope ${type} was not acknowledged`)),
        options.timeoutMs ?? 10_000,
      );
      this.#pending.set(envelopeId, {
        accepts,
        resolve: (ack) => {
          clearTimeout(timer);
          resolve(ack);
        },
      });
    });
    socket.send(
      JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: accepts }),
    );
    return acked;
  }

  async close(): Promise<void> {
    for (const socket of this.#wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #onMessage(data: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(data) as Record<string, unknown>;
    } catch {
      this.protocolErrors.push(`not JSON: ${data.slice(0, 80)}`);
      return;
    }
    this.received.push(message);
    const id = typeof message.envelope_id === 'string' ? message.envelope_id : undefined;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (id === undefined || !pending) {
      this.protocolErrors.push(`ack for an unknown envelope: ${data.slice(0, 80)}`);
      return;
    }
    if (message.payload !== undefined && !pending.accepts) {
      this.protocolErrors.push(`ack with a payload the envelope does not accept: ${id}`);
    }
    this.#pending.delete(id);
    pending.resolve(message);
  }
}
