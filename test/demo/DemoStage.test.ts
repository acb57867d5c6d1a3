import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  IVSRealTimeClient,
  ListParticipantEventsCommand,
  ListParticipantsCommand,
  ListStageSessionsCommand,
  ListStagesCommand,
} from '@aws-sdk/client-ivs-realtime';
import { DemoStage } from '../../demo/DemoStage.ts';
import { IvsSimulator } from '../../testkit/ivsSimulator.ts';

// The demo's script, read back through the real SDK from the simulator: what a person sees.
test('the demo stage loops through joins, publishing, three kinds of errors and leaving, and starts new sessions', async () => {
  const sim = await IvsSimulator.start();
  const client = new IVSRealTimeClient(sim.clientConfig());
  try {
    const demo = new DemoStage(sim);
    const { stages } = await client.send(new ListStagesCommand({}));
    assert.deepEqual(stages?.map((s) => s.name).sort(), ['demo-live-show', 'demo-rehearsal']);
    // The rehearsal pages: more participants than a page of 20, and a host with more events than that.
    const rehearsal = { stageArn: demo.rehearsalArn, sessionId: demo.rehearsalSessionId };
    const crowd = await client.send(new ListParticipantsCommand({ ...rehearsal, maxResults: 20 }));
    assert.ok(crowd.nextToken, 'a second page of participants');
    const hostEvents = await client.send(
      new ListParticipantEventsCommand({ ...rehearsal, participantId: demo.rehearsalHostId, maxResults: 20 }),
    );
    assert.ok(hostEvents.nextToken, 'a second page of the host’s events');
    const firstSession = demo.sessionId;
    for (let i = 0; i < 8; i++) demo.step();
    const { participants = [] } = await client.send(
      new ListParticipantsCommand({ stageArn: demo.stageArn, sessionId: firstSession }),
    );
    // The host, a guest, a viewer and a late joiner; only the host is still there after a loop.
    assert.equal(participants.length, 4);
    assert.deepEqual(
      participants.filter((p) => p.state === 'CONNECTED').map((p) => p.participantId),
      [demo.hostId],
    );
    const codes = new Set<string>();
    for (const p of participants) {
      const { events = [] } = await client.send(
        new ListParticipantEventsCommand({
          stageArn: demo.stageArn,
          sessionId: firstSession,
          participantId: p.participantId,
        }),
      );
      for (const e of events) if (e.errorCode) codes.add(`${e.name}:${e.errorCode}`);
    }
    assert.deepEqual([...codes].sort(), [
      'JOIN_ERROR:QUOTA_EXCEEDED',
      'PUBLISH_ERROR:BITRATE_EXCEEDED',
      'SUBSCRIBE_ERROR:PUBLISHER_NOT_FOUND',
    ]);
    for (let i = 0; i < 8 * 5; i++) demo.step();
    assert.notEqual(demo.sessionId, firstSession, 'a new session after six loops');
    const { stageSessions = [] } = await client.send(
      new ListStageSessionsCommand({ stageArn: demo.stageArn }),
    );
    assert.equal(stageSessions.length, 2);
    assert.ok(stageSessions.find((s) => s.sessionId === firstSession)?.endTime, 'the first one ended');
  } finally {
    client.destroy();
    await sim.close();
  }
});

test("a loop sends the show's EventBridge events: a recording that failed to start and the publish error, as alerts", async () => {
  const { decideEvent } = await import('../../src/domain/ivsEvents.ts');
  const sim = await IvsSimulator.start();
  try {
    const bodies: string[] = [];
    const demo = new DemoStage(sim, (body) => bodies.push(body));
    for (let i = 0; i < 8; i++) demo.step();
    const decided = bodies.map((body) => decideEvent(body));
    assert.deepEqual(
      decided.map((d) => (d.kind === 'alert' ? `${d.event.code} ${d.event.stageArn}` : d.reason)),
      [`RECORDING_START_FAILURE ${demo.stageArn}`, `PUBLISH_ERROR ${demo.stageArn}`],
    );
  } finally {
    await sim.close();
  }
});
