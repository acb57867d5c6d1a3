import { IVSRealTimeClient, type IVSRealTimeClientConfig } from '@aws-sdk/client-ivs-realtime';

export interface IvsClientOptions {
  /** Attempts per call including the first; the SDK's adaptive retry strategy spaces them. */
  maxAttempts: number;
  requestTimeoutMs: number;
  /**
   * IVS_REGIONS: the only regions a client is made for. Commands are refused earlier, with a clear
   * answer; this keeps anything that slipped past (a forged button) from growing the client map.
   */
  regions?: ReadonlySet<string>;
  /** Extra client settings (credentials or an endpoint in tests); production leaves this to the AWS chain. */
  overrides?: Partial<IVSRealTimeClientConfig>;
}

/** A region outside IVS_REGIONS reached the client factory. */
export class UnknownRegionError extends Error {
  constructor(region: string) {
    super(`the bot does not call IVS in region ${region.slice(0, 40)} (not in IVS_REGIONS)`);
    this.name = 'UnknownRegionError';
  }
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
        if (options.regions && !options.regions.has(region)) throw new UnknownRegionError(region);
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
