// What the AWS simulators (IVS, SQS) share at the HTTP edge: a server on 127.0.0.1 handing every
// request to one handler, the request's body, the SigV4 credential scope the SDK signs with, and the
// client settings that reach a simulator. Each simulator keeps its own protocol and error shapes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Fixed test keys: the SDK signs with them and never looks further along its credential chain. */
export const TEST_AWS_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } as const;

/** Client settings that reach a simulator; spread into an SDK client's constructor. */
export interface SimulatorClientConfig {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
}

export function simulatorClientConfig(endpoint: string, region: string): SimulatorClientConfig {
  return { region, endpoint, credentials: { ...TEST_AWS_CREDENTIALS }, maxAttempts: 1 };
}

// SigV4: `Authorization: AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/<service>/aws4_request, …`
const CREDENTIAL_SCOPE = /Credential=([^/\s]+)\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request/;

/** The access key, region and service a request was signed with; undefined when it was not signed. */
export function credentialScope(
  authorization: string | undefined,
): { accessKeyId: string; region: string; service: string } | undefined {
  const match = authorization === undefined ? null : CREDENTIAL_SCOPE.exec(authorization);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { accessKeyId: match[1], region: match[2], service: match[3] };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A keep-alive HTTP server on 127.0.0.1 (port 0: any free one) whose requests go to `handle`. */
export async function listenLocal(
  port: number,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<{ server: Server; url: string }> {
  const server = createServer({ keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      // The client went away mid-request (aborted upload, reset socket): nobody to answer.
      res.destroy(error instanceof Error ? error : undefined);
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${bound}` };
}

/** Closes the server and every connection still open on it (keep-alive ones included). */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
