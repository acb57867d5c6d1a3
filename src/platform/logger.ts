import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** JSON logger handed down from the composition root; secrets are redacted by key wherever they appear. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'ivs-realtime-bot' },
    redact: {
      paths: [
        'token',
        '*.token',
        'botToken',
        'appToken',
        'signingSecret',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'secretAccessKey',
        '*.secretAccessKey',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
