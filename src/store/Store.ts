import type { AlertRepository } from './AlertRepository.ts';
import type { CursorRepository } from './CursorRepository.ts';
import type { EventQueueRepository } from './EventQueueRepository.ts';
import type { LeaseRepository } from './LeaseRepository.ts';
import type { MuteRepository } from './MuteRepository.ts';
import type { OutboxRepository } from './OutboxRepository.ts';
import type { PagingRepository } from './PagingRepository.ts';
import type { RetentionRepository } from './RetentionRepository.ts';
import type { WatchRepository } from './WatchRepository.ts';

export type { AlertRepository, DetectionInput, DetectionResult } from './AlertRepository.ts';
export type { CursorRepository, ParticipantRef } from './CursorRepository.ts';
export type { EventQueueRepository, QueueReceiveReport } from './EventQueueRepository.ts';
export type { LeaseRepository } from './LeaseRepository.ts';
export type { MuteRepository } from './MuteRepository.ts';
export type { OutboxClaim, OutboxRepository } from './OutboxRepository.ts';
export type { PagingRepository, PagingState } from './PagingRepository.ts';
export type { PurgeCounts, PurgeInput, RetentionRepository } from './RetentionRepository.ts';
export type { WatchRepository } from './WatchRepository.ts';

/** Raised for store trouble a user or operator must act on; `code` is for callers to switch on. */
export class StoreError extends Error {
  readonly code: 'locked' | 'unavailable' | 'migration';
  constructor(code: StoreError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** Whether the database answers, for the readiness probe. */
export interface StoreHealth {
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  /** Readiness: the database answers and every migration this version knows is applied. */
  ready(): Promise<boolean>;
}

/**
 * Everything the bot keeps between requests and restarts: the narrow repositories together, one
 * implementation per database (sqlite/, postgres/). Only main.ts and the stores' tests hold a whole
 * Store; every other part asks for the repositories it uses.
 */
export interface Store
  extends WatchRepository,
    MuteRepository,
    CursorRepository,
    AlertRepository,
    OutboxRepository,
    RetentionRepository,
    PagingRepository,
    LeaseRepository,
    EventQueueRepository,
    StoreHealth {
  close(): Promise<void>;
}
