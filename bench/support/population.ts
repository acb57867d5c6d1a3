import type { EventErrorCode, EventName } from '@aws-sdk/client-ivs-realtime';
import type { IvsSimulator } from '../../testkit/ivsSimulator.ts';

/** What one watched stage looks like: history in ended sessions, maybe one live session. */
export interface StageShape {
  /** Participants across all sessions of the stage. */
  participants: number;
  /** Sessions that ended before the bot started, holding the DISCONNECTED participants. */
  endedSessions: number;
  /** Events of each participant of an ended session (JOINED … LEFT). */
  eventsPerEndedParticipant: number;
  live: LiveShape | null;
  /** Epoch ms the seeding treats as "now". */
  now: number;
}

export interface LiveShape {
  connected: number;
  /** Participants who joined the live session and already left. */
  left: number;
  eventsPerParticipant: number;
  /** When the connected participants joined (epoch ms). */
  joinedAt: number;
}

export interface SeededStage {
  readonly stageArn: string;
  readonly liveSessionId: string | null;
  readonly connected: readonly string[];
  readonly participants: number;
  readonly events: number;
}

const HOUR = 3_600_000;

/** Seeds one stage of the given shape into the simulator. */
export function seedStage(sim: IvsSimulator, shape: StageShape): SeededStage {
  const stageArn = sim.addStage();
  const liveCount = shape.live ? shape.live.connected + shape.live.left : 0;
  const historical = shape.participants - liveCount;
  let events = 0;
  for (let s = 0; s < shape.endedSessions; s++) {
    const start = shape.now - (shape.endedSessions - s + 1) * 2 * HOUR;
    const sessionId = sim.startSession(stageArn, { startTime: start });
    const count =
      Math.floor(historical / shape.endedSessions) + (s < historical % shape.endedSessions ? 1 : 0);
    for (let p = 0; p < count; p++) {
      const joined = start + 60_000 + p * 1_000;
      const participantId = sim.addParticipant(stageArn, sessionId, {
        state: 'DISCONNECTED',
        published: true,
        firstJoinTime: joined,
      });
      events += addScript(
        sim,
        stageArn,
        sessionId,
        participantId,
        joined,
        shape.eventsPerEndedParticipant,
        true,
      );
    }
    sim.endSession(stageArn, sessionId, start + HOUR);
  }
  if (!shape.live) return { stageArn, liveSessionId: null, connected: [], participants: historical, events };

  const live = shape.live;
  const sessionId = sim.startSession(stageArn, { startTime: live.joinedAt - 60_000 });
  const connected: string[] = [];
  for (let p = 0; p < live.connected + live.left; p++) {
    const leaves = p >= live.connected;
    const participantId = sim.addParticipant(stageArn, sessionId, {
      state: leaves ? 'DISCONNECTED' : 'CONNECTED',
      published: true,
      firstJoinTime: live.joinedAt,
    });
    events += addScript(
      sim,
      stageArn,
      sessionId,
      participantId,
      live.joinedAt,
      live.eventsPerParticipant,
      leaves,
    );
    if (!leaves) connected.push(participantId);
  }
  return { stageArn, liveSessionId: sessionId, connected, participants: shape.participants, events };
}

/** JOINED, PUBLISH_STARTED, then subscriptions coming and going; LEFT last for those who left. */
function addScript(
  sim: IvsSimulator,
  stageArn: string,
  sessionId: string,
  participantId: string,
  from: number,
  count: number,
  leaves: boolean,
): number {
  for (let e = 0; e < count; e++) {
    let name: EventName;
    if (leaves && e === count - 1) name = 'LEFT';
    else if (e === 0) name = 'JOINED';
    else if (e === 1) name = 'PUBLISH_STARTED';
    else name = e % 2 === 0 ? 'SUBSCRIBE_STARTED' : 'SUBSCRIBE_STOPPED';
    sim.addEvent(stageArn, sessionId, participantId, { name, eventTime: from + e * 1_000 });
  }
  return count;
}

/** An ordinary event (no error) for a connected participant: activity that alerts nothing. */
export function addActivity(sim: IvsSimulator, stage: SeededStage, participantId: string, at: number): void {
  if (!stage.liveSessionId) return;
  sim.addEvent(stage.stageArn, stage.liveSessionId, participantId, {
    name: 'SUBSCRIBE_STARTED',
    eventTime: at,
  });
}

/** The event name IVS uses with each error code. */
export function errorEventName(code: EventErrorCode): EventName {
  switch (code) {
    case 'PUBLISHER_NOT_FOUND':
    case 'INSUFFICIENT_CAPABILITIES':
      return 'SUBSCRIBE_ERROR';
    case 'QUOTA_EXCEEDED':
      return 'JOIN_ERROR';
    default:
      return 'PUBLISH_ERROR';
  }
}

/** Adds an error event with `code` for a participant of the stage's live session. */
export function addErrorEvent(
  sim: IvsSimulator,
  stage: SeededStage,
  participantId: string,
  code: EventErrorCode,
  at: number,
): void {
  if (!stage.liveSessionId) throw new Error(`stage ${stage.stageArn} has no live session`);
  sim.addEvent(stage.stageArn, stage.liveSessionId, participantId, {
    name: errorEventName(code),
    errorCode: code,
    eventTime: at,
    ...(code === 'PUBLISHER_NOT_FOUND' ? { remoteParticipantId: 'pRemote000001' } : {}),
  });
}
