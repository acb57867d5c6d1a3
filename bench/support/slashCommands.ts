import { sign, slashCommandBody } from '../../testkit/slackRequests.ts';
import { AckClient } from './ackClient.ts';
import { SIGNING_SECRET } from './harness.ts';
import type { RateLimitedSlack } from './rateLimitedSlack.ts';

export interface ParticipantRef {
  readonly stageArn: string;
  readonly sessionId: string;
  readonly participantId: string;
}

/** What one `/ivs participant …` cost the person typing it. */
export interface CommandTiming {
  readonly name: string;
  /** When the request was sent (epoch ms). */
  readonly sentAt: number;
  /** HTTP status of Slack's request: 200 when acknowledged. */
  readonly status: number;
  /** From sending the signed request to the end of the bot's HTTP answer (the ack), timed by the client process. */
  readonly ackMs: number;
  /** From sending the request to the response_url post arriving at the fake Slack; null when none came. */
  readonly answerMs: number | null;
  /** The answer was the participant view (not an error notice). */
  readonly answerOk: boolean;
}

/**
 * Sends `/ivs participant <stage> <session> <participant>` as Slack does (Slack's documented payload,
 * signed with the signing secret) and waits for the answer at its own response_url.
 */
export async function participantCommand(
  botUrl: string,
  slack: RateLimitedSlack,
  target: ParticipantRef,
  name: string,
  answerTimeoutMs: number,
): Promise<CommandTiming> {
  const body = slashCommandBody({
    text: `participant ${target.stageArn} ${target.sessionId} ${target.participantId}`,
    responseUrl: slack.responseUrl(name),
    channelId: 'CBENCHCMDS01',
  });
  const headers = sign(body, SIGNING_SECRET, Math.floor(Date.now() / 1000));
  const { status, sentAt, ackMs } = await AckClient.shared().post(`${botUrl}/slack/events`, headers, body);
  let answerMs: number | null = null;
  try {
    answerMs = (await slack.responseArrival(name, answerTimeoutMs)) - sentAt;
  } catch (error) {
    // No answer in time is a measured outcome (answerMs null), not a failure of the bench.
    if (!(error instanceof Error && error.message.startsWith('no answer'))) throw error;
  }
  const answer = JSON.stringify(slack.response(name)?.body ?? {});
  const answerOk = answer.includes(target.participantId) && answer.includes('*Events*');
  return { name, sentAt, status, ackMs, answerMs, answerOk };
}
