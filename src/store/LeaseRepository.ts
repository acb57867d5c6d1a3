/**
 * Poller leadership and the replicas alive (several replicas share one PostgreSQL; SQLite has one
 * process by construction). LeaderElector and ReplicaBudget each use their half.
 */
export interface LeaseRepository {
  /**
   * Takes the poller lease for `holder` if it is free or expired, or renews it if `holder` has it,
   * for `ttlMs` measured on the database's clock. Returns whether `holder` now holds it.
   */
  acquireLeadership(holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up at once (graceful shutdown) if `holder` has it. */
  releaseLeadership(holder: string): Promise<void>;
  /**
   * Records that replica `holder` is alive for `ttlMs` (database clock) and returns how many replicas
   * are alive, itself included: the IVS quota is divided among them. SQLite has one process: 1.
   */
  heartbeatReplica(holder: string, ttlMs: number): Promise<number>;
  /** Forgets `holder` at once (graceful shutdown), so the others take its share back. */
  removeReplica(holder: string): Promise<void>;
}
