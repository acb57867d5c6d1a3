import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../platform/logger.ts';

/** Bolt logs through our JSON logger, so one stream carries everything (and secrets stay redacted). */
export function toBoltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  return {
    debug: (...messages) => child.debug(messages.map(String).join(' ')),
    info: (...messages) => child.info(messages.map(String).join(' ')),
    warn: (...messages) => child.warn(messages.map(String).join(' ')),
    error: (...messages) => child.error(messages.map(String).join(' ')),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
