import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseStageArn } from '../../src/ivs/identifiers.ts';
import { createIvsClientFactory } from '../../src/ivs/ivsClients.ts';
import { RequestBudget } from '../../src/ivs/RequestBudget.ts';
import { SdkIvsGateway } from '../../src/ivs/SdkIvsGateway.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { IvsSimulator } from '../../testkit/ivsSimulator.ts';

// ListParticipants' fourth filter and the summary's ingestConfigurationArn, through the real SDK
// against the simulator (which refuses two filters at once, as IVS does).
let sim: IvsSimulator;
before(async () => {
  sim = await IvsSimulator.start();
});
after(() => sim.close());

test('filterByRecordingState reaches IVS, and summaries keep ingestConfigurationArn', async () => {
  const clients = createIvsClientFactory({
    maxAttempts: 1,
    requestTimeoutMs: 2_000,
    overrides: { endpoint: sim.url, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } },
  });
  after(() => clients.destroy());
  const ivs = new SdkIvsGateway({
    clientFor: clients.clientFor,
    budget: new RequestBudget(100),
    logger: createLogger('fatal'),
  });
  const stageArn = sim.addStage();
  const sessionId = sim.startSession(stageArn);
  const ingest = 'arn:aws:ivs:us-east-1:123456789012:ingest-configuration/AbCdEf123456';
  const recording = sim.addParticipant(stageArn, sessionId, {
    recordingState: 'ACTIVE',
    ingestConfigurationArn: ingest,
  });
  sim.addParticipant(stageArn, sessionId, { recordingState: 'DISABLED' });
  const stage = parseStageArn(stageArn);
  assert.ok(stage);

  const page = await ivs.listParticipants(
    stage,
    sessionId,
    { kind: 'recording', state: 'ACTIVE' },
    { maxResults: 100 },
    'interactive',
  );
  assert.ok(page.ok);
  assert.deepEqual(
    page.value.items.map((p) => [p.participantId, p.ingestConfigurationArn]),
    [[recording, ingest]],
  );
  assert.deepEqual(sim.calls.at(-1)?.body, {
    stageArn,
    sessionId,
    filterByRecordingState: 'ACTIVE',
    maxResults: 100,
  });
});
