import { IVSRealTimeClient, type IVSRealTimeClientConfig } from '@aws-sdk/client-ivs-realtime';

export interface IvsClientOptions {
  /** Attempts per call including the first; the SDK's adaptive retry strategy spaces them. */
  maxAttempts: number;
  requestTimeoutMs: number;
  /** Extra client settings (credentials or an endpoint in tests); production leaves this to the AWS chain. */
  overrides?: Partial<IVSRealTimeClientConfig>;
}

/** One IVS client per region, created on first use. The SDK still reads AWS_ENDPOINT_URL_IVS_REALTIME. */
export function createIvsClientFactory(options: IvsClientOptions): {
  clientFor(region: string): IVSRealTimeClient;
  destroy(): void;
} {
  const clients = new Map<string, IVSRealTimeClient>();
  return {
    clientFor(region) {
      let client = clients.get(region);
      if (!client) {
        client = new IVSRealTimeClient({
          region,
          maxAttempts: options.maxAttempts,
          retryMode: 'adaptive',
          // Without throwOnRequestTimeout the handler only logs a warning and keeps waiting.
          requestHandler: {
            requestTimeout: options.requestTimeoutMs,
            connectionTimeout: 3_000,
            throwOnRequestTimeout: true,
          },
          ...options.overrides,
        });
        clients.set(region, client);
      }
      return client;
    },
    destroy() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}
