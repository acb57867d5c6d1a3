import type { Mute } from '../domain/model.ts';

/** Alerts of a (stage, code) silenced until a time. */
export interface MuteRepository {
  saveMute(mute: Mute): Promise<void>;
  removeMute(stageArn: string, code: string): Promise<boolean>;
  /** Mutes still in force at `now`. */
  listMutes(now: Date): Promise<Mute[]>;
  findMute(stageArn: string, code: string, now: Date): Promise<Mute | undefined>;
}
