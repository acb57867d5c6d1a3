import {
  type IVSRealTimeClient,
  ListParticipantEventsCommand,
  ListParticipantsCommand,
  ListStageSessionsCommand,
} from '@aws-sdk/client-ivs-realtime';

export interface NaiveCycle {
  readonly calls: number;
  readonly byOperation: Record<string, number>;
  readonly participants: number;
  readonly events: number;
  readonly durationMs: number;
}

const PAGE = 100;

/**
 * The reference the bot is measured against: what a poller without memory does every cycle. Every
 * session of every stage, every participant of every session, every page of every participant's
 * events, straight through the SDK. `concurrency` participants are read at once (the simulator is not
 * rate limited while this runs; only the number of calls matters).
 */
export async function runNaiveCycle(
  client: IVSRealTimeClient,
  stageArns: readonly string[],
  concurrency = 16,
): Promise<NaiveCycle> {
  const started = performance.now();
  const byOperation: Record<string, number> = {};
  const count = (operation: string) => {
    byOperation[operation] = (byOperation[operation] ?? 0) + 1;
  };
  const work: Array<{ stageArn: string; sessionId: string; participantId: string }> = [];
  for (const stageArn of stageArns) {
    let sessionsToken: string | undefined;
    do {
      count('ListStageSessions');
      const sessions = await client.send(
        new ListStageSessionsCommand({ stageArn, maxResults: PAGE, nextToken: sessionsToken }),
      );
      for (const session of sessions.stageSessions ?? []) {
        const sessionId = session.sessionId as string;
        let participantsToken: string | undefined;
        do {
          count('ListParticipants');
          const page = await client.send(
            new ListParticipantsCommand({
              stageArn,
              sessionId,
              maxResults: PAGE,
              nextToken: participantsToken,
            }),
          );
          for (const p of page.participants ?? []) {
            work.push({ stageArn, sessionId, participantId: p.participantId as string });
          }
          participantsToken = page.nextToken;
        } while (participantsToken);
      }
      sessionsToken = sessions.nextToken;
    } while (sessionsToken);
  }

  let events = 0;
  let next = 0;
  const worker = async () => {
    for (let item = work[next++]; item; item = work[next++]) {
      let token: string | undefined;
      do {
        count('ListParticipantEvents');
        const page = await client.send(
          new ListParticipantEventsCommand({ ...item, maxResults: PAGE, nextToken: token }),
        );
        events += page.events?.length ?? 0;
        token = page.nextToken;
      } while (token);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const calls = Object.values(byOperation).reduce((sum, n) => sum + n, 0);
  return { calls, byOperation, participants: work.length, events, durationMs: performance.now() - started };
}
