// The SQS simulator's queue rules, through the real SDK: visibility timeout and redelivery with a new
// receipt handle, deleting with an old handle deleting nothing, redrive to the dead-letter queue, long
// polling woken by a send, and the limits SQS documents.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SqsSimulator } from '../../testkit/sqsSimulator.ts';

let now = Date.parse('2026-11-25T10:00:00Z');
let sim: SqsSimulator;
let client: SQSClient;

before(async () => {
  sim = await SqsSimulator.start({ clock: () => now });
  client = new SQSClient(sim.clientConfig());
});

after(async () => {
  client.destroy();
  await sim.close();
});

const receive = (QueueUrl: string, extra: Partial<{ WaitTimeSeconds: number }> = {}) =>
  client.send(
    new ReceiveMessageCommand({
      QueueUrl,
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      ...extra,
    }),
  );

test('a received message is hidden for the visibility timeout, then redelivered with a new handle', async () => {
  const queue = sim.createQueue('visibility', { visibilityTimeoutSeconds: 30 });
  sim.send(queue, 'one');
  const first = await receive(queue);
  assert.equal(first.Messages?.length, 1);
  assert.deepEqual((await receive(queue)).Messages, undefined, 'hidden while in flight');

  now += 29_000;
  assert.deepEqual((await receive(queue)).Messages, undefined, 'still hidden before the timeout');
  now += 1_000;
  const again = await receive(queue);
  assert.equal(again.Messages?.[0]?.Body, 'one');
  assert.equal(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount, '2');
  assert.notEqual(again.Messages?.[0]?.ReceiptHandle, first.Messages?.[0]?.ReceiptHandle);

  // The first handle is stale: the call succeeds, as SQS documents, and deletes nothing.
  await client.send(
    new DeleteMessageCommand({ QueueUrl: queue, ReceiptHandle: first.Messages?.[0]?.ReceiptHandle }),
  );
  assert.equal(sim.depth(queue), 1);
  await client.send(
    new DeleteMessageCommand({ QueueUrl: queue, ReceiptHandle: again.Messages?.[0]?.ReceiptHandle }),
  );
  assert.equal(sim.depth(queue), 0);
});

test('after maxReceiveCount receives the redrive policy moves the message to the dead-letter queue', async () => {
  const dlq = sim.createQueue('poison-dlq');
  const queue = sim.createQueue('poison', {
    visibilityTimeoutSeconds: 10,
    deadLetter: { queueName: 'poison-dlq', maxReceiveCount: 3 },
  });
  sim.send(queue, 'poison');
  for (let i = 1; i <= 3; i++) {
    const got = await receive(queue);
    assert.equal(got.Messages?.[0]?.Attributes?.ApproximateReceiveCount, String(i));
    now += 10_000;
  }
  assert.deepEqual((await receive(queue)).Messages, undefined, 'the fourth receive finds it gone');
  assert.equal(sim.depth(queue), 0);
  assert.deepEqual(sim.bodies(dlq), ['poison']);
});

test('a long poll returns as soon as a message arrives', async () => {
  const queue = sim.createQueue('long-poll');
  const waiting = receive(queue, { WaitTimeSeconds: 20 });
  await new Promise((resolve) => setImmediate(resolve));
  await client.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: 'late' }));
  const got = await waiting;
  assert.equal(got.Messages?.[0]?.Body, 'late');
});

test('a long poll is woken by tick() when a visibility timeout ran out on the test clock', async () => {
  const queue = sim.createQueue('tick', { visibilityTimeoutSeconds: 5 });
  sim.send(queue, 'x');
  await receive(queue);
  const waiting = receive(queue, { WaitTimeSeconds: 20 });
  await new Promise((resolve) => setImmediate(resolve));
  now += 5_000;
  sim.tick();
  assert.equal((await waiting).Messages?.[0]?.Body, 'x');
});

test('SQS limits: at most 10 messages, a wait of at most 20 s, bodies of allowed characters', async () => {
  const queue = sim.createQueue('limits');
  await assert.rejects(
    client.send(new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: 11 })),
    /MaxNumberOfMessages/,
  );
  await assert.rejects(
    client.send(new ReceiveMessageCommand({ QueueUrl: queue, WaitTimeSeconds: 21 })),
    /WaitTimeSeconds/,
  );
  await assert.rejects(
    client.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: 'bad \u0001 char' })),
    { name: 'InvalidMessageContents' },
  );
  await assert.rejects(
    client.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: 'x'.repeat(262_145) })),
    /shorter than/,
  );
});

test('injected failures answer as the service does', async () => {
  const queue = sim.createQueue('faults');
  sim.failNext('ReceiveMessage', 500);
  await assert.rejects(receive(queue), (error: Error & { $fault?: string }) => error.$fault === 'server');
  sim.failNext('ReceiveMessage', 403);
  await assert.rejects(receive(queue), (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
    return error.$metadata?.httpStatusCode === 403;
  });
  assert.deepEqual((await receive(queue)).Messages, undefined);
});
