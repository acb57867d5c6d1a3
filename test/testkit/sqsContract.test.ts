// Contract between the SQS simulator and the real service's wire format, as the installed
// @aws-sdk/client-sqs speaks it: AWS JSON 1.0 (POST /, X-Amz-Target: AmazonSQS.<Operation>), query-
// compatible errors. The same SDK calls are answered once by the simulator and once by nock with bodies
// typed against the SDK model (checked by tsc), and the SDK must parse both into the same structure; the
// simulator's raw JSON must carry the same fields as the model-typed body.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, afterEach, before, test } from 'node:test';
import {
  DeleteMessageBatchCommand,
  type DeleteMessageBatchResult,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type GetQueueAttributesResult,
  type Message,
  ReceiveMessageCommand,
  type ReceiveMessageResult,
  SendMessageCommand,
  type SendMessageResult,
  SQSClient,
} from '@aws-sdk/client-sqs';
import nock from 'nock';
import { type SqsOperation, SqsSimulator } from '../../testkit/sqsSimulator.ts';

const REGION = 'us-east-1';
const SERVICE = `https://sqs.${REGION}.amazonaws.com`;
const SERVICE_QUEUE = `${SERVICE}/123456789012/ivs-events`;
const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const BODY = '{"version":"0","detail-type":"IVS Stage Update","source":"aws.ivs"}';

/** A model shape with every member present: a model that gains a field fails the type check. */
type Complete<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

let sim: SqsSimulator;
let simQueue: string;
let simClient: SQSClient;
let wireClient: SQSClient;

before(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  sim = await SqsSimulator.start();
  simQueue = sim.createQueue('ivs-events', { visibilityTimeoutSeconds: 30 });
  sim.createQueue('ivs-events-dlq');
  simClient = new SQSClient(sim.clientConfig());
  wireClient = new SQSClient({ region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
});

afterEach(() => {
  assert.deepEqual(nock.pendingMocks(), [], 'every nock interceptor was used');
  nock.cleanAll();
});

after(async () => {
  nock.enableNetConnect();
  simClient.destroy();
  wireClient.destroy();
  await sim.close();
});

/** One nock answer for `operation`: checks the AWS JSON 1.0 request the SDK sends and its body. */
function serviceAnswers(
  operation: SqsOperation,
  expectedRequest: Record<string, unknown>,
  status: number,
  body: object | '',
  queryError?: string,
): void {
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': 'req-1',
  };
  if (queryError !== undefined) headers['x-amzn-query-error'] = queryError;
  nock(SERVICE)
    .post('/', (sent: Record<string, unknown>) => {
      assert.deepEqual(sent, expectedRequest, `${operation} request body`);
      return true;
    })
    .matchHeader('x-amz-target', `AmazonSQS.${operation}`)
    .matchHeader('content-type', 'application/x-amz-json-1.0')
    .matchHeader('authorization', new RegExp(`Credential=AKIDTEST/\\d{8}/${REGION}/sqs/aws4_request`))
    .reply(status, body === '' ? '' : JSON.stringify(body), headers);
}

/** The simulator's raw answer, bypassing the SDK. */
async function simulatorWire(operation: SqsOperation, request: object): Promise<unknown> {
  const response = await fetch(`${sim.url}/`, {
    method: 'POST',
    body: JSON.stringify(request),
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${operation}`,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDTEST/20261125/${REGION}/sqs/aws4_request, Signature=00`,
    },
  });
  assert.equal(response.status, 200, `${operation} answered 200`);
  const text = await response.text();
  return text === '' ? {} : JSON.parse(text);
}

/** Opaque, per-call values become markers; what remains must be equal. */
function comparable(value: unknown, key = ''): unknown {
  if (
    ['MessageId', 'ReceiptHandle', 'SentTimestamp', 'ApproximateFirstReceiveTimestamp', 'QueueArn'].includes(
      key,
    )
  ) {
    return typeof value === 'string' ? `<${key}>` : value;
  }
  if (Array.isArray(value)) return value.map((item) => comparable(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== '$metadata')
        .map(([k, v]) => [k, comparable(v, k)]),
    );
  }
  return value;
}

function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap(keysOf))].sort();
  if (typeof value !== 'object' || value === null) return [];
  return [
    ...new Set(Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v).map((inner) => `${k}.${inner}`)])),
  ].sort();
}

test('SendMessage: the MD5 of the body and a MessageId', async () => {
  const request = { QueueUrl: SERVICE_QUEUE, MessageBody: BODY };
  const body = {
    MD5OfMessageBody: md5(BODY),
    MessageId: 'b6f5d4c3-0000-4000-8000-000000000001',
  } satisfies SendMessageResult;
  serviceAnswers('SendMessage', request, 200, body);
  const fromService = await wireClient.send(new SendMessageCommand(request));
  const fromSimulator = await simClient.send(
    new SendMessageCommand({ QueueUrl: simQueue, MessageBody: BODY }),
  );
  assert.deepEqual(comparable(fromSimulator), comparable(fromService));
  // Drained again so the next test starts from an empty queue.
  const drained = await simClient.send(
    new ReceiveMessageCommand({ QueueUrl: simQueue, MaxNumberOfMessages: 10 }),
  );
  for (const m of drained.Messages ?? []) {
    await simClient.send(new DeleteMessageCommand({ QueueUrl: simQueue, ReceiptHandle: m.ReceiptHandle }));
  }
});

test('ReceiveMessage: long poll of up to 10, system attributes, MD5 the SDK verifies', async () => {
  const request = {
    QueueUrl: SERVICE_QUEUE,
    MaxNumberOfMessages: 10,
    WaitTimeSeconds: 20,
    MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
  };
  const messageWire = {
    MessageId: 'b6f5d4c3-0000-4000-8000-000000000002',
    ReceiptHandle: 'AQEBzWwaftRI0KuVm4tP+/7q1rGgNqicHq...',
    MD5OfBody: md5(BODY),
    Body: BODY,
    Attributes: { SentTimestamp: '1764600000000', ApproximateReceiveCount: '1' },
  } satisfies Omit<Complete<Message>, 'MD5OfMessageAttributes' | 'MessageAttributes'>;
  serviceAnswers('ReceiveMessage', request, 200, { Messages: [messageWire] } satisfies ReceiveMessageResult);
  const fromService = await wireClient.send(
    new ReceiveMessageCommand({
      ...request,
      MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
    }),
  );

  sim.send(simQueue, BODY);
  const fromSimulator = await simClient.send(
    new ReceiveMessageCommand({
      ...request,
      QueueUrl: simQueue,
      MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
    }),
  );
  assert.deepEqual(comparable(fromSimulator), comparable(fromService));
  assert.equal(fromSimulator.Messages?.[0]?.Body, BODY);

  // Raw wire of a fresh receive (after the visibility timeout is cut short) carries the model's fields.
  const handle = fromSimulator.Messages?.[0]?.ReceiptHandle;
  const raw = await simulatorWire('ReceiveMessage', { ...request, QueueUrl: simQueue, WaitTimeSeconds: 0 });
  assert.deepEqual(raw, {}, 'a message in flight is not received again');
  await simClient.send(new DeleteMessageCommand({ QueueUrl: simQueue, ReceiptHandle: handle }));
});

test('ReceiveMessage with nothing to receive answers an empty object', async () => {
  const request = { QueueUrl: SERVICE_QUEUE, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 };
  serviceAnswers('ReceiveMessage', request, 200, {} satisfies ReceiveMessageResult);
  const fromService = await wireClient.send(new ReceiveMessageCommand(request));
  const fromSimulator = await simClient.send(new ReceiveMessageCommand({ ...request, QueueUrl: simQueue }));
  assert.deepEqual(comparable(fromSimulator), comparable(fromService));
  assert.equal(fromSimulator.Messages, undefined);
});

test("the simulator's raw ReceiveMessage fields are the model's", async () => {
  sim.send(simQueue, BODY);
  const raw = await simulatorWire('ReceiveMessage', {
    QueueUrl: simQueue,
    MaxNumberOfMessages: 1,
    MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
  });
  const modelTyped = {
    Messages: [
      {
        MessageId: 'id',
        ReceiptHandle: 'handle',
        MD5OfBody: md5(BODY),
        Body: BODY,
        Attributes: { SentTimestamp: '0', ApproximateReceiveCount: '1' },
      },
    ],
  } satisfies ReceiveMessageResult;
  assert.deepEqual(keysOf(raw), keysOf(modelTyped));
  const handle = (raw as { Messages: Array<{ ReceiptHandle: string }> }).Messages[0]?.ReceiptHandle;
  await simClient.send(new DeleteMessageCommand({ QueueUrl: simQueue, ReceiptHandle: handle }));
  assert.equal(sim.depth(simQueue), 0);
});

test('DeleteMessage answers an empty body', async () => {
  const request = { QueueUrl: SERVICE_QUEUE, ReceiptHandle: 'AQEB.handle' };
  serviceAnswers('DeleteMessage', request, 200, '');
  const fromService = await wireClient.send(new DeleteMessageCommand(request));
  sim.send(simQueue, BODY);
  const received = await simClient.send(new ReceiveMessageCommand({ QueueUrl: simQueue }));
  const fromSimulator = await simClient.send(
    new DeleteMessageCommand({ QueueUrl: simQueue, ReceiptHandle: received.Messages?.[0]?.ReceiptHandle }),
  );
  assert.deepEqual(comparable(fromSimulator), comparable(fromService));
  assert.equal(sim.depth(simQueue), 0);
});

test('DeleteMessageBatch: successful and failed entries', async () => {
  sim.send(simQueue, BODY);
  const received = await simClient.send(new ReceiveMessageCommand({ QueueUrl: simQueue }));
  const handle = received.Messages?.[0]?.ReceiptHandle ?? '';
  const entries = [
    { Id: 'm1', ReceiptHandle: handle },
    { Id: 'm2', ReceiptHandle: 'not-a-handle' },
  ];
  const body = {
    Successful: [{ Id: 'm1' }],
    Failed: [
      {
        Id: 'm2',
        SenderFault: true,
        Code: 'ReceiptHandleIsInvalid',
        Message: 'The input receipt handle "not-a-handle" is not a valid receipt handle.',
      },
    ],
  } satisfies DeleteMessageBatchResult;
  serviceAnswers('DeleteMessageBatch', { QueueUrl: SERVICE_QUEUE, Entries: entries }, 200, body);
  const fromService = await wireClient.send(
    new DeleteMessageBatchCommand({ QueueUrl: SERVICE_QUEUE, Entries: entries }),
  );
  const fromSimulator = await simClient.send(
    new DeleteMessageBatchCommand({ QueueUrl: simQueue, Entries: entries }),
  );
  assert.deepEqual(comparable(fromSimulator), comparable(fromService));
  assert.equal(sim.depth(simQueue), 0);
});

test('GetQueueAttributes: the redrive policy and visibility timeout', async () => {
  const dlqUrl = sim.createQueue('with-dlq-dlq');
  const queueUrl = sim.createQueue('with-dlq', {
    visibilityTimeoutSeconds: 60,
    deadLetter: { queueName: 'with-dlq-dlq', maxReceiveCount: 5 },
  });
  assert.ok(dlqUrl);
  const request = {
    QueueUrl: `${SERVICE}/123456789012/with-dlq`,
    AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'],
  };
  const body = {
    Attributes: {
      RedrivePolicy:
        '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:with-dlq-dlq","maxReceiveCount":5}',
      VisibilityTimeout: '60',
    },
  } satisfies GetQueueAttributesResult;
  serviceAnswers('GetQueueAttributes', request, 200, body);
  const names = ['RedrivePolicy', 'VisibilityTimeout'] as const;
  const fromService = await wireClient.send(
    new GetQueueAttributesCommand({ ...request, AttributeNames: [...names] }),
  );
  const fromSimulator = await simClient.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...names] }),
  );
  assert.deepEqual(comparable(fromSimulator), comparable(fromService));
});

/** The parts of an SDK error a caller may rely on. */
async function failureOf(run: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await run();
  } catch (error) {
    const e = error as Error & { $fault?: string; $metadata?: { httpStatusCode?: number }; Code?: string };
    return {
      class: e.constructor.name,
      name: e.name,
      message: e.message,
      fault: e.$fault,
      status: e.$metadata?.httpStatusCode,
      code: e.Code,
    };
  }
  assert.fail('expected a rejection');
}

test('errors: class, name, message, fault, status and query code match', async () => {
  // A queue that does not exist.
  serviceAnswers(
    'ReceiveMessage',
    { QueueUrl: `${SERVICE}/123456789012/missing` },
    400,
    { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' },
    'AWS.SimpleQueueService.NonExistentQueue;Sender',
  );
  const missingFromService = await failureOf(() =>
    wireClient.send(new ReceiveMessageCommand({ QueueUrl: `${SERVICE}/123456789012/missing` })),
  );
  const missingFromSimulator = await failureOf(() =>
    simClient.send(new ReceiveMessageCommand({ QueueUrl: `${sim.url}/123456789012/missing` })),
  );
  assert.deepEqual(missingFromSimulator, missingFromService);
  assert.equal(missingFromSimulator.name, 'QueueDoesNotExist');

  // A receipt handle that is not one.
  serviceAnswers(
    'DeleteMessage',
    { QueueUrl: SERVICE_QUEUE, ReceiptHandle: 'garbage' },
    404,
    {
      __type: 'com.amazonaws.sqs#ReceiptHandleIsInvalid',
      message: 'The input receipt handle "garbage" is not a valid receipt handle.',
    },
    'ReceiptHandleIsInvalid;Sender',
  );
  const handleFromService = await failureOf(() =>
    wireClient.send(new DeleteMessageCommand({ QueueUrl: SERVICE_QUEUE, ReceiptHandle: 'garbage' })),
  );
  const handleFromSimulator = await failureOf(() =>
    simClient.send(new DeleteMessageCommand({ QueueUrl: simQueue, ReceiptHandle: 'garbage' })),
  );
  assert.deepEqual(handleFromSimulator, handleFromService);
  assert.equal(handleFromSimulator.name, 'ReceiptHandleIsInvalid');
});
