// The demo's live stage: a host who stays, and guests and viewers who join, publish, subscribe,
// leave and hit a few errors, one scripted step at a time, on a loop, in the IVS simulator.
import { randomUUID } from 'node:crypto';
import type { IvsSimulator } from '../testkit/ivsSimulator.ts';

export const DEMO_REGION = 'us-east-1';
export const DEMO_STAGE_ID = 'DemoStage001';
export const REHEARSAL_STAGE_ID = 'DemoStage002';
/** A session ends and a new one starts after this many loops of the script, so sessions pile up a little. */
const LOOPS_PER_SESSION = 6;
/** The rehearsal is bigger than one page (20) both ways, so Next ▶ and ◀ Previous can be tried. */
const REHEARSAL_VIEWERS = 30;
const REHEARSAL_RESTARTS = 15;

interface Cast {
  guest: string | undefined;
  viewer: string | undefined;
}

/**
 * Each step() is one moment of a show: eight steps make one loop (a guest joins and publishes, a
 * viewer subscribes, both hit an error, a late joiner is refused, everyone but the host leaves).
 */
export class DemoStage {
  readonly stageArn: string;
  readonly rehearsalArn: string;
  /** The rehearsal's one session, ended: its participants and its host's events fill more than a page. */
  readonly rehearsalSessionId: string;
  readonly rehearsalHostId: string;
  readonly #sim: IvsSimulator;
  #sessionId = '';
  #host = '';
  #step = 0;
  #loop = 0;
  #cast: Cast = { guest: undefined, viewer: undefined };
  /** Where the show's EventBridge events go (the demo's SQS queue), when the demo has one. */
  readonly #events: ((body: string) => void) | undefined;

  constructor(sim: IvsSimulator, events?: (body: string) => void) {
    this.#sim = sim;
    this.#events = events;
    this.stageArn = sim.addStage({
      id: DEMO_STAGE_ID,
      region: DEMO_REGION,
      name: 'demo-live-show',
      tags: { env: 'demo', team: 'ivs-bot' },
    });
    this.rehearsalArn = sim.addStage({ id: REHEARSAL_STAGE_ID, region: DEMO_REGION, name: 'demo-rehearsal' });
    const rehearsal = this.#rehearsal();
    this.rehearsalSessionId = rehearsal.sessionId;
    this.rehearsalHostId = rehearsal.hostId;
    this.#startSession();
  }

  get sessionId(): string {
    return this.#sessionId;
  }

  /** The host of the current session: publishing all along, a participant to look at. */
  get hostId(): string {
    return this.#host;
  }

  /** An IVS event as EventBridge puts it on a queue (the IVS guide's shape). */
  #emit(at: number, detailType: string, detail: Record<string, string>): void {
    this.#events?.(
      JSON.stringify({
        version: '0',
        id: randomUUID(),
        'detail-type': detailType,
        source: 'aws.ivs',
        account: '123456789012',
        time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: DEMO_REGION,
        resources: [this.stageArn],
        detail,
      }),
    );
  }

  /** One moment of the show. */
  step(): void {
    const sim = this.#sim;
    const at = (participantId: string | undefined, name: Parameters<IvsSimulator['addEvent']>[3]) => {
      if (participantId) sim.addEvent(this.stageArn, this.#sessionId, participantId, name);
    };
    const n = this.#loop * 8 + this.#step;
    switch (this.#step) {
      case 0: {
        const guest = this.#join(`guest-${n}@example.com`, { role: 'guest' });
        this.#cast.guest = guest;
        break;
      }
      case 1:
        at(this.#cast.guest, { name: 'PUBLISH_STARTED' });
        if (this.#cast.guest) {
          this.#update(this.#cast.guest, { published: true });
          // Only EventBridge tells this one: the recording bucket is in another region.
          this.#emit(Date.now(), 'IVS Participant Recording State Change', {
            session_id: this.#sessionId,
            event_name: 'Recording Start Failure',
            participant_id: this.#cast.guest,
            recording_s3_bucket_name: 'demo-recordings-eu-west-1',
            recording_s3_key_prefix: `${DEMO_STAGE_ID}/${this.#sessionId}/${this.#cast.guest}/${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}Z`,
          });
        }
        break;
      case 2: {
        const viewer = this.#join(`viewer-${n}@example.com`, { role: 'viewer' });
        this.#cast.viewer = viewer;
        at(viewer, { name: 'SUBSCRIBE_STARTED', remoteParticipantId: this.#host });
        break;
      }
      case 3: {
        // Seen twice, by EventBridge at once and by polling later: one alert.
        const now = Date.now();
        at(this.#cast.guest, { name: 'PUBLISH_ERROR', errorCode: 'BITRATE_EXCEEDED', eventTime: now });
        if (this.#cast.guest) {
          this.#emit(now, 'IVS Stage Update', {
            session_id: this.#sessionId,
            event_name: 'Participant Publish Error',
            participant_id: this.#cast.guest,
            user_id: '',
          });
        }
        break;
      }
      case 4:
        // The viewer tries a publisher that already left: a stale participant list on the client.
        at(this.#cast.viewer, {
          name: 'SUBSCRIBE_ERROR',
          errorCode: 'PUBLISHER_NOT_FOUND',
          remoteParticipantId: 'pLeftEarly01',
        });
        break;
      case 5:
        at(this.#cast.guest, { name: 'PUBLISH_STOPPED' });
        this.#leave(this.#cast.guest);
        break;
      case 6: {
        // A late joiner over the stage's participant quota never gets in.
        const late = sim.addParticipant(this.stageArn, this.#sessionId, {
          userId: `late-${n}@example.com`,
          state: 'DISCONNECTED',
          attributes: { role: 'viewer' },
        });
        at(late, { name: 'JOIN_ERROR', errorCode: 'QUOTA_EXCEEDED' });
        break;
      }
      case 7:
        at(this.#cast.viewer, { name: 'SUBSCRIBE_STOPPED', remoteParticipantId: this.#host });
        this.#leave(this.#cast.viewer);
        this.#cast = { guest: undefined, viewer: undefined };
        break;
    }
    this.#step = (this.#step + 1) % 8;
    if (this.#step === 0) {
      this.#loop += 1;
      if (this.#loop % LOOPS_PER_SESSION === 0) this.#startSession();
    }
  }

  #startSession(): void {
    if (this.#sessionId) this.#sim.endSession(this.stageArn, this.#sessionId);
    this.#sessionId = this.#sim.startSession(this.stageArn);
    // Attributes come from whoever made the token: the bot must show them as text, never ping.
    this.#host = this.#join('host@example.com', { role: 'host', note: '<!channel> & <@U999> *not bold*' });
    this.#sim.addEvent(this.stageArn, this.#sessionId, this.#host, { name: 'PUBLISH_STARTED' });
    this.#update(this.#host, { published: true });
  }

  /**
   * An ended session on the second stage, so `/ivs sessions` shows history too; big enough to page
   * (more participants than a page, a host with more events than a page), and it never changes, so
   * the commands the demo prints for it keep working.
   */
  #rehearsal(): { sessionId: string; hostId: string } {
    const sim = this.#sim;
    const started = Date.now() - 2 * 60 * 60 * 1000;
    const session = sim.startSession(this.rehearsalArn, { startTime: started });
    const host = sim.addParticipant(this.rehearsalArn, session, {
      userId: 'host@example.com',
      firstJoinTime: started,
      published: true,
    });
    sim.addEvent(this.rehearsalArn, session, host, { name: 'JOINED', eventTime: started });
    // The host's connection drops now and then during the rehearsal: the stream stops and starts again.
    for (let i = 0; i < REHEARSAL_RESTARTS; i++) {
      const at = started + 5_000 + i * 60_000;
      sim.addEvent(this.rehearsalArn, session, host, { name: 'PUBLISH_STARTED', eventTime: at });
      sim.addEvent(this.rehearsalArn, session, host, { name: 'PUBLISH_STOPPED', eventTime: at + 55_000 });
    }
    for (let i = 0; i < REHEARSAL_VIEWERS; i++) {
      const joined = started + 60_000 + i * 30_000;
      const viewer = sim.addParticipant(this.rehearsalArn, session, {
        userId: `crew-${i}@example.com`,
        firstJoinTime: joined,
        attributes: { role: 'viewer' },
      });
      sim.addEvent(this.rehearsalArn, session, viewer, { name: 'JOINED', eventTime: joined });
      sim.addEvent(this.rehearsalArn, session, viewer, {
        name: 'SUBSCRIBE_STARTED',
        eventTime: joined + 2_000,
        remoteParticipantId: host,
      });
    }
    sim.endSession(this.rehearsalArn, session, started + (REHEARSAL_RESTARTS + 1) * 60_000);
    return { sessionId: session, hostId: host };
  }

  #join(userId: string, attributes: Record<string, string>): string {
    const id = this.#sim.addParticipant(this.stageArn, this.#sessionId, { userId, attributes });
    this.#sim.addEvent(this.stageArn, this.#sessionId, id, { name: 'JOINED' });
    return id;
  }

  #update(participantId: string, fields: { published: boolean }): void {
    this.#sim.updateParticipant(this.stageArn, this.#sessionId, participantId, fields);
  }

  #leave(participantId: string | undefined): void {
    if (!participantId) return;
    this.#sim.addEvent(this.stageArn, this.#sessionId, participantId, { name: 'LEFT' });
    this.#sim.setParticipantState(this.stageArn, this.#sessionId, participantId, 'DISCONNECTED');
  }
}
