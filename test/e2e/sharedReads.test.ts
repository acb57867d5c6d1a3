import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nock from 'nock';
import { buttonClickBody, postSigned, slashCommandBody } from '../../testkit/slackRequests.ts';
import {
  eventsPage1,
  IVS_ENDPOINT,
  PARTICIPANT_ID,
  participantAnswer,
  SESSION_ID,
  STAGE_ARN,
} from '../fixtures/ivsAnswers.ts';
import { interceptAws } from '../support/awsNock.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../support/startTestBot.ts';

// The whole app with the cache on: many people asking the same thing cost IVS one read, and an
// admin's Disconnect is followed by a fresh read. IVS is nock; every request that reached it is counted.
const ADMIN = 'UADMIN0001';
const COMMAND = `participant ${STAGE_ARN} ${SESSION_ID} ${PARTICIPANT_ID}`;

let t: TestBot;
let aws: ReturnType<typeof interceptAws>;
let responses = 0;
const reached: string[] = [];

/** IVS answering every call of `operation`, slowly enough that concurrent askers overlap. */
function ivsAnswers(operation: string, answer: object): void {
  nock(IVS_ENDPOINT)
    .post(`/${operation}`)
    .times(1_000)
    .delay(50)
    .reply(() => {
      reached.push(operation);
      return [200, answer];
    });
}

before(async () => {
  aws = interceptAws();
  ivsAnswers('GetParticipant', participantAnswer);
  ivsAnswers('ListParticipantEvents', eventsPage1);
  ivsAnswers('DisconnectParticipant', {});
  t = await startTestBot({ IVS_READ_CACHE_SECONDS: '30', IVS_ADMIN_USERS: ADMIN });
});

after(async () => {
  await t.stop();
  aws.restore();
});

async function answer(body: (responseUrl: string) => string): Promise<string> {
  const name = `shared${++responses}`;
  const res = await postSigned(t.eventsUrl, body(t.slack.responseUrl(name)), SIGNING_SECRET);
  assert.equal(res.status, 200);
  const [call] = await t.slack.waitFor(`response:${name}`);
  return JSON.stringify(call?.body ?? {});
}

describe('shared IVS reads, end to end', () => {
  test('20 people sending the same /ivs participant at once cost one GetParticipant and one ListParticipantEvents', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        answer((responseUrl) => slashCommandBody({ text: COMMAND, responseUrl, userId: `UPERSON${i}` })),
      ),
    );
    for (const text of answers) {
      assert.match(text, /alice@example\.com/);
      assert.match(text, /PUBLISHER_NOT_FOUND|SUBSCRIBE_ERROR/);
    }
    assert.deepEqual(reached.sort(), ['GetParticipant', 'ListParticipantEvents']);
  });

  test('within IVS_READ_CACHE_SECONDS the next person is answered without calling IVS', async () => {
    reached.length = 0;
    const text = await answer((responseUrl) => slashCommandBody({ text: COMMAND, responseUrl }));
    assert.match(text, /alice@example\.com/);
    assert.deepEqual(reached, []);
  });

  test('Disconnect calls IVS and the participant it shows next is read fresh', async () => {
    reached.length = 0;
    const target = JSON.stringify({ a: STAGE_ARN, s: SESSION_ID, p: PARTICIPANT_ID });
    const text = await answer((responseUrl) =>
      buttonClickBody({ actionId: 'ivs_disconnect_participant', value: target, responseUrl, userId: ADMIN }),
    );
    assert.match(text, /disconnected/);
    assert.deepEqual(reached.sort(), ['DisconnectParticipant', 'GetParticipant', 'ListParticipantEvents']);
    reached.length = 0;
    await answer((responseUrl) => slashCommandBody({ text: COMMAND, responseUrl }));
    assert.deepEqual(reached, [], 'the fresh answer is what the next person gets');
  });
});
