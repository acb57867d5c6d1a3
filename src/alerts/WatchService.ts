import type {
  AlertGroup,
  AlertMention,
  EventQueueStatus,
  Mute,
  StageHealth,
  UndeliveredMessages,
  Watch,
  WatchSpec,
} from '../domain/model.ts';
import { describeIvsFailure } from '../ivs/IvsFailure.ts';
import type { IvsGateway } from '../ivs/IvsGateway.ts';
import type { StageRef } from '../ivs/identifiers.ts';
import type { AlertRepository } from '../store/AlertRepository.ts';
import type { EventQueueRepository } from '../store/EventQueueRepository.ts';
import type { MuteRepository } from '../store/MuteRepository.ts';
import type { OutboxRepository } from '../store/OutboxRepository.ts';
import type { WatchRepository } from '../store/WatchRepository.ts';
import type { Messenger } from './Messenger.ts';

/** The creator recorded for watches IVS_WATCHES declares. */
const SEEDED_BY = 'IVS_WATCHES';

export type WatchOutcome =
  | { ok: true; created: boolean; stageArn: string; channelId: string; codes: readonly string[] | null }
  | { ok: false; problem: string };

export interface AlertsOverview {
  watches: Watch[];
  health: StageHealth[];
  mutes: Mute[];
  groups: AlertGroup[];
  /** Messages Slack refused for good, by channel and cause: what people must fix. */
  undelivered: UndeliveredMessages[];
  /** Whether EventBridge events arrive from IVS_EVENTS_QUEUE_URL; null when no queue is set. */
  events: EventQueueStatus | null;
}

/** The repositories WatchService reads and writes. */
export type WatchServiceStore = WatchRepository &
  MuteRepository &
  AlertRepository &
  Pick<OutboxRepository, 'undeliveredSummary'> &
  Pick<EventQueueRepository, 'eventQueueStatus'>;

export type MuteOutcome =
  | { ok: true; group: AlertGroup; mute: Mute | undefined }
  | { ok: false; problem: string };

/** Starting and stopping watches, muting alerts, and what /ivs watches, /ivs mutes and App Home show. */
export class WatchService {
  readonly #ivs: IvsGateway;
  readonly #store: WatchServiceStore;
  readonly #messenger: Messenger;
  readonly #now: () => Date;
  readonly #eventsQueue: boolean;

  constructor(options: {
    ivs: IvsGateway;
    store: WatchServiceStore;
    messenger: Messenger;
    now?: () => Date;
    /** IVS_EVENTS_QUEUE_URL is set: /ivs watches says whether events arrive. */
    eventsQueue?: boolean;
  }) {
    this.#ivs = options.ivs;
    this.#store = options.store;
    this.#messenger = options.messenger;
    this.#now = options.now ?? (() => new Date());
    this.#eventsQueue = options.eventsQueue ?? false;
  }

  /**
   * Checks the stage exists and the bot may read it, then announces the watch in the channel: a
   * channel the bot cannot post to fails here, and nothing is stored.
   */
  async watch(request: {
    stage: StageRef;
    channelId: string;
    codes: readonly string[] | null;
    /** Who the first message of each new alert group pages; null = nobody. */
    mention?: AlertMention | null;
    /** The name Slack gave beside it (`@video-oncall`), for the announcement. */
    mentionName?: string;
    userId: string;
  }): Promise<WatchOutcome> {
    const resolved = await this.#ivs.resolveStage(request.stage, 'interactive');
    if (!resolved.ok) return { ok: false, problem: describeIvsFailure(resolved.failure) };
    const stage = await this.#ivs.getStage(resolved.value, 'interactive');
    if (!stage.ok) return { ok: false, problem: describeIvsFailure(stage.failure) };
    const posted = await this.#messenger.postWatchStarted(request.channelId, {
      stageArn: resolved.value.arn,
      stageName: stage.value.name,
      codes: request.codes,
      userId: request.userId,
      mention: request.mention ?? null,
      ...(request.mentionName ? { mentionName: request.mentionName } : {}),
    });
    if (!posted.ok) return { ok: false, problem: this.#messenger.describeFailure(posted.failure) };
    const result = await this.#store.saveWatch({
      stageArn: resolved.value.arn,
      channelId: request.channelId,
      codes: request.codes,
      mention: request.mention ?? null,
      createdBy: request.userId,
      createdAt: this.#now(),
    });
    return {
      ok: true,
      created: result === 'created',
      stageArn: resolved.value.arn,
      channelId: request.channelId,
      codes: request.codes,
    };
  }

  async unwatch(
    stage: StageRef,
    channelId: string,
  ): Promise<{ ok: true; removed: number } | { ok: false; problem: string }> {
    // A bare ID is matched against stored watches first: unwatching must work even if IVS is down
    // or the stage was deleted.
    let stageArn: string | undefined;
    if (stage.kind === 'arn') {
      stageArn = stage.stage.arn;
    } else {
      const watches = await this.#store.listWatches();
      stageArn = watches.find((w) => w.stageArn.endsWith(`/${stage.id}`))?.stageArn;
    }
    if (!stageArn) return { ok: true, removed: 0 };
    return { ok: true, removed: await this.#store.removeWatches(stageArn, channelId) };
  }

  /**
   * Saves the watches declared in IVS_WATCHES; existing ones keep their history. A watch the setting
   * made takes the setting's mention when it changed, so paging follows the configuration.
   */
  async seed(specs: readonly WatchSpec[]): Promise<void> {
    const existing = new Map(
      (await this.#store.listWatches()).map((w) => [`${w.stageArn} ${w.channelId}`, w]),
    );
    for (const spec of specs) {
      const known = existing.get(`${spec.stageArn} ${spec.channelId}`);
      const mention = spec.mention ?? null;
      if (known && (known.createdBy !== SEEDED_BY || (known.mention ?? null) === mention)) continue;
      await this.#store.saveWatch({
        stageArn: spec.stageArn,
        channelId: spec.channelId,
        codes: known ? known.codes : spec.codes,
        mention,
        createdBy: SEEDED_BY,
        createdAt: known ? known.createdAt : this.#now(),
      });
    }
  }

  async overview(groupLimit = 10): Promise<AlertsOverview> {
    const now = this.#now();
    const [watches, health, mutes, groups, undelivered, events] = await Promise.all([
      this.#store.listWatches(),
      this.#store.listStageHealth(),
      this.#store.listMutes(now),
      this.#store.latestGroups(groupLimit),
      this.#store.undeliveredSummary(),
      this.#eventsQueue ? this.#store.eventQueueStatus() : null,
    ]);
    return { watches, health, mutes, groups, undelivered, events };
  }

  /** Mutes the alert's stage and code for `hours`; the caller re-renders the alert message. */
  async mute(groupId: number, hours: number, userId: string): Promise<MuteOutcome> {
    const group = await this.#store.getGroup(groupId);
    if (!group) return { ok: false, problem: 'This alert is no longer known to the bot.' };
    const now = this.#now();
    const mute: Mute = {
      stageArn: group.stageArn,
      code: group.code,
      until: new Date(now.getTime() + hours * 3_600_000),
      mutedBy: userId,
      createdAt: now,
    };
    await this.#store.saveMute(mute);
    return { ok: true, group, mute };
  }

  /**
   * Says `userId` is on the alert (null: nobody is any more). The alert's message is updated through
   * the outbox, by whichever replica sends, like any other change of the group.
   */
  async acknowledge(
    groupId: number,
    userId: string | null,
  ): Promise<{ ok: true; group: AlertGroup } | { ok: false; problem: string }> {
    const now = this.#now();
    const group = await this.#store.acknowledgeGroup(
      groupId,
      userId === null ? null : { by: userId, at: now },
      now,
    );
    if (!group) return { ok: false, problem: 'This alert is no longer known to the bot.' };
    return { ok: true, group };
  }

  async unmute(groupId: number): Promise<MuteOutcome> {
    const group = await this.#store.getGroup(groupId);
    if (!group) return { ok: false, problem: 'This alert is no longer known to the bot.' };
    await this.#store.removeMute(group.stageArn, group.code);
    return { ok: true, group, mute: undefined };
  }
}
