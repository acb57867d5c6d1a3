import type { AddressInfo } from 'node:net';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

const drop = (): void => {};

/**
 * A loopback TCP proxy the test can cut and restore, to make a database unreachable for a while:
 * `cut()` closes every connection (the client sees a reset or an end at once), `blackhole()` keeps
 * them open and drops every byte both ways, like a host or a network path that went away without a
 * word, which only timeouts notice.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  #cut = false;
  #blackhole = false;
  port = 0;

  private constructor(targetHost: string, targetPort: number) {
    this.#server = createServer({ allowHalfOpen: true }, (client) => {
      if (this.#cut) {
        client.destroy();
        return;
      }
      this.#track(client);
      if (this.#blackhole) {
        // Accepted, then silence: not even the server's greeting comes back.
        client.on('data', drop);
        return;
      }
      const upstream = createConnection({ host: targetHost, port: targetPort, allowHalfOpen: true });
      this.#track(upstream);
      const pair = { client, upstream };
      this.#pairs.add(pair);
      client.pipe(upstream).pipe(client);
      client.on('close', () => {
        this.#pairs.delete(pair);
        upstream.destroy();
      });
      upstream.on('close', () => client.destroy());
    });
  }

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.#server.address() as AddressInfo).port;
    return proxy;
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  /** Drops every connection and refuses new ones, like a database that went away. */
  cut(): void {
    this.#cut = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  /**
   * From now on nothing gets through, and nothing is closed: open connections stay open with every
   * byte dropped (a FIN from either side included), new ones are accepted and never answered.
   */
  blackhole(): void {
    this.#blackhole = true;
    for (const { client, upstream } of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      for (const socket of [client, upstream]) {
        socket.on('data', drop);
        socket.resume();
      }
    }
  }

  /** Lets new connections through again; connections from the outage were broken by it and are closed. */
  restore(): void {
    if (this.#blackhole) {
      this.#blackhole = false;
      for (const socket of this.#sockets) socket.destroy();
    }
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
