// An in-process Amazon SQS for tests, benchmarks and demos: a node:http server speaking the AWS JSON 1.0
// protocol the current @aws-sdk/client-sqs uses (POST /, `X-Amz-Target: AmazonSQS.<Operation>`,
// `Content-Type: application/x-amz-json-1.0`, errors as `__type` plus the `x-amzn-query-error` header the
// SDK's awsQueryCompatible mode reads). The SDK's types are imported for their shapes only, so a model
// change that renames a field breaks the type check here. The rules it enforces are the SQS Developer
// Guide's and API reference's: visibility timeout and redelivery with a new receipt handle each time,
// delete only with the latest receipt handle (an older one "succeeds" and deletes nothing), long polling
// up to 20 s, at most 10 messages per receive, the redrive policy's maxReceiveCount moving a message to
// its dead-letter queue, MD5 of each body (the SDK checks it), and the body's size and character rules.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type {
  DeleteMessageBatchResult,
  GetQueueAttributesResult,
  Message,
  ReceiveMessageResult,
  SendMessageResult,
} from '@aws-sdk/client-sqs';
import {
  closeServer,
  credentialScope,
  listenLocal,
  readBody,
  type SimulatorClientConfig,
  simulatorClientConfig,
} from './awsHttpServer.ts';

export const SQS_OPERATIONS = [
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'GetQueueAttributes',
  'SendMessage',
] as const;
export type SqsOperation = (typeof SQS_OPERATIONS)[number];

export interface SqsSimulatorOptions {
  /** Port to listen on (127.0.0.1); 0, the default, picks a free one. */
  port?: number;
  /** Epoch milliseconds: drives visibility timeouts and timestamps. Tests move it and call `tick()`. */
  clock?: () => number;
  region?: string;
  accountId?: string;
  /**
   * Real milliseconds a long poll waits at most, whatever its WaitTimeSeconds: tests whose queue stays
   * empty need not wait 20 s. Clients must take an empty answer anyway; the default waits as SQS does.
   */
  longPollCapMs?: number;
}

export interface QueueOptions {
  /** Seconds a received message stays hidden; the SQS default is 30. */
  visibilityTimeoutSeconds?: number;
  /** A redrive policy: after `maxReceiveCount` receives, the next receive moves the message there. */
  deadLetter?: { queueName: string; maxReceiveCount: number };
}

export interface SqsCall {
  operation: string;
  region: string | undefined;
  body: Record<string, unknown> | undefined;
  status: number;
}

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  invisibleUntil: number;
  /** The receipt handle of the latest receive; only it deletes the message. */
  receiptHandle: string | undefined;
}

interface QueueRecord {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly visibilityTimeoutSeconds: number;
  readonly deadLetter: { queueName: string; maxReceiveCount: number } | undefined;
  messages: StoredMessage[];
}

const DEFAULT_REGION = 'us-east-1';
const DEFAULT_ACCOUNT = '123456789012';
const MAX_BODY_BYTES = 262_144;
const MAX_WAIT_SECONDS = 20;
const MAX_MESSAGES = 10;
const MAX_VISIBILITY_SECONDS = 43_200;
// The characters SQS accepts in a message body (SendMessage, MessageBody).
function allowedBody(text: string): boolean {
  for (const char of text) {
    const c = char.codePointAt(0) ?? 0;
    const ok =
      c === 0x9 ||
      c === 0xa ||
      c === 0xd ||
      (c >= 0x20 && c <= 0xd7ff) ||
      (c >= 0xe000 && c <= 0xfffd) ||
      (c >= 0x10000 && c <= 0x10ffff);
    if (!ok) return false;
  }
  return true;
}

/** An SQS error: its model shape name, the query-compatible code and fault, and the HTTP status. */
class SqsError extends Error {
  readonly shape: string;
  readonly queryCode: string;
  readonly fault: 'Sender' | 'Receiver';
  readonly status: number;
  /** The `__type` namespace: SQS's own errors are com.amazonaws.sqs; access denial comes from the service frame. */
  readonly namespace: string;
  constructor(
    shape: string,
    queryCode: string,
    status: number,
    message: string,
    fault: 'Sender' | 'Receiver',
    namespace = 'com.amazonaws.sqs',
  ) {
    super(message);
    this.shape = shape;
    this.namespace = namespace;
    this.queryCode = queryCode;
    this.status = status;
    this.fault = fault;
  }
}

const nonExistentQueue = () =>
  new SqsError(
    'QueueDoesNotExist',
    'AWS.SimpleQueueService.NonExistentQueue',
    400,
    'The specified queue does not exist.',
    'Sender',
  );
const invalidParameter = (message: string) =>
  new SqsError('InvalidParameterValue', 'InvalidParameterValue', 400, message, 'Sender');

export class SqsSimulator {
  readonly url: string;
  readonly region: string;
  readonly accountId: string;
  readonly calls: SqsCall[] = [];
  private readonly server: Server;
  private readonly clock: () => number;
  private readonly longPollCapMs: number;
  private readonly queues = new Map<string, QueueRecord>();
  private readonly waiters = new Set<() => void>();
  private readonly failures: Array<{ operation: SqsOperation; status: number; remaining: number }> = [];
  private closed = false;

  private constructor(server: Server, url: string, opts: SqsSimulatorOptions) {
    this.server = server;
    this.url = url;
    this.clock = opts.clock ?? Date.now;
    this.longPollCapMs = opts.longPollCapMs ?? Number.POSITIVE_INFINITY;
    this.region = opts.region ?? DEFAULT_REGION;
    this.accountId = opts.accountId ?? DEFAULT_ACCOUNT;
  }

  static async start(opts: SqsSimulatorOptions = {}): Promise<SqsSimulator> {
    let simulator: SqsSimulator | undefined;
    const { server, url } = await listenLocal(opts.port ?? 0, async (req, res) => {
      await simulator?.handle(req, res);
    });
    simulator = new SqsSimulator(server, url, opts);
    return simulator;
  }

  /** Ends long polls (they answer with no message) and closes every connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    await closeServer(this.server);
  }

  /** Client settings that reach this simulator; spread into `new SQSClient({...})`. */
  clientConfig(): SimulatorClientConfig {
    return simulatorClientConfig(this.url, this.region);
  }

  /** Creates a queue and returns its URL (`<simulator>/<account>/<name>`, the form SQS gives). */
  createQueue(name: string, options: QueueOptions = {}): string {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new Error(`invalid queue name ${name}`);
    const url = `${this.url}/${this.accountId}/${name}`;
    this.queues.set(url, {
      name,
      url,
      arn: `arn:aws:sqs:${this.region}:${this.accountId}:${name}`,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
      deadLetter: options.deadLetter,
      messages: [],
    });
    return url;
  }

  /** Puts a message on a queue as EventBridge (or anyone) would; returns its MessageId. */
  send(queueUrl: string, body: string): string {
    return this.enqueue(this.queue(queueUrl), body).messageId;
  }

  /** Messages on the queue, visible or not (deleted ones are gone). */
  depth(queueUrl: string): number {
    return this.queue(queueUrl).messages.length;
  }

  /** Messages nobody holds right now (visible to the next receive). */
  visible(queueUrl: string): number {
    const now = this.clock();
    return this.queue(queueUrl).messages.filter((m) => m.invisibleUntil <= now).length;
  }

  /** Bodies on the queue, oldest first. */
  bodies(queueUrl: string): string[] {
    return this.queue(queueUrl).messages.map((m) => m.body);
  }

  /** ReceiveMessage calls waiting in a long poll right now (they are in `calls` only once answered). */
  get waitingReceives(): number {
    return this.waiters.size;
  }

  /** After the test clock moved on: messages whose visibility timeout ran out go to waiting receives. */
  tick(): void {
    this.wake();
  }

  /** The next `times` calls of `operation` answer HTTP `status` (5xx: InternalError; 403: access denied). */
  failNext(operation: SqsOperation, status: number, times = 1): void {
    this.failures.push({ operation, status, remaining: times });
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  private queue(url: string): QueueRecord {
    const queue = this.queues.get(url);
    if (!queue) throw new Error(`no queue ${url}`);
    return queue;
  }

  private enqueue(queue: QueueRecord, body: string, keep?: StoredMessage): StoredMessage {
    const message: StoredMessage = keep ?? {
      messageId: randomUUID(),
      body,
      sentAt: this.clock(),
      receiveCount: 0,
      firstReceivedAt: undefined,
      invisibleUntil: 0,
      receiptHandle: undefined,
    };
    queue.messages.push(message);
    this.wake();
    return message;
  }

  private wake(): void {
    for (const resolve of [...this.waiters]) resolve();
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : target;
    const scope = credentialScope(req.headers.authorization);
    const region = scope?.region;
    const call: SqsCall = { operation, region, body: undefined, status: 0 };
    try {
      if (req.method !== 'POST' || !isOperation(operation)) {
        throw new SqsError(
          'UnsupportedOperation',
          'AWS.SimpleQueueService.UnsupportedOperation',
          400,
          `Unsupported operation: ${target}`,
          'Sender',
        );
      }
      if (String(req.headers['content-type'] ?? '') !== 'application/x-amz-json-1.0') {
        throw invalidParameter('Content-Type must be application/x-amz-json-1.0');
      }
      if (scope?.service !== 'sqs') {
        throw new SqsError(
          'InvalidSecurity',
          'AWS.SimpleQueueService.InvalidSecurity',
          403,
          'Missing or wrong credentials',
          'Sender',
        );
      }
      const body = parseBody(raw);
      call.body = body;
      const failure = this.failures.find((f) => f.operation === operation && f.remaining > 0);
      if (failure) {
        failure.remaining--;
        throw failure.status === 403
          ? new SqsError(
              'AccessDeniedException',
              'AccessDenied',
              403,
              'User is not authorized to perform this action on the queue',
              'Sender',
              'com.amazon.coral.service',
            )
          : new SqsError(
              'InternalError',
              'InternalError',
              failure.status,
              'We encountered an internal error. Please try again.',
              'Receiver',
            );
      }
      const output = await this.dispatch(operation, body);
      this.reply(res, call, 200, output === undefined ? '' : JSON.stringify(output));
    } catch (error) {
      const sqsError =
        error instanceof SqsError
          ? error
          : new SqsError(
              'InternalError',
              'InternalError',
              500,
              `Simulator fault: ${String(error)}`,
              'Receiver',
            );
      this.reply(
        res,
        call,
        sqsError.status,
        JSON.stringify({ __type: `${sqsError.namespace}#${sqsError.shape}`, message: sqsError.message }),
        `${sqsError.queryCode};${sqsError.fault}`,
      );
    }
  }

  private reply(res: ServerResponse, call: SqsCall, status: number, body: string, queryError?: string): void {
    call.status = status;
    this.calls.push(call);
    const headers: Record<string, string> = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': randomUUID(),
      'content-length': String(Buffer.byteLength(body)),
    };
    if (queryError !== undefined) headers['x-amzn-query-error'] = queryError;
    res.writeHead(status, headers);
    res.end(body);
  }

  private async dispatch(
    operation: SqsOperation,
    body: Record<string, unknown>,
  ): Promise<object | undefined> {
    const queue = this.queues.get(stringField(body, 'QueueUrl', true) ?? '');
    if (!queue) throw nonExistentQueue();
    switch (operation) {
      case 'ReceiveMessage':
        return this.receive(queue, body);
      case 'DeleteMessage':
        this.delete(queue, stringField(body, 'ReceiptHandle', true) ?? '');
        return undefined;
      case 'DeleteMessageBatch':
        return this.deleteBatch(queue, body);
      case 'ChangeMessageVisibility':
        this.changeVisibility(queue, body);
        return undefined;
      case 'GetQueueAttributes':
        return this.attributes(queue, body);
      case 'SendMessage':
        return this.sendMessage(queue, body);
    }
  }

  private async receive(queue: QueueRecord, body: Record<string, unknown>): Promise<ReceiveMessageResult> {
    const max = intField(body, 'MaxNumberOfMessages') ?? 1;
    if (max < 1 || max > MAX_MESSAGES) {
      throw invalidParameter(
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
      );
    }
    const wait = intField(body, 'WaitTimeSeconds') ?? 0;
    if (wait < 0 || wait > MAX_WAIT_SECONDS) {
      throw invalidParameter(
        `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
      );
    }
    const visibility = intField(body, 'VisibilityTimeout') ?? queue.visibilityTimeoutSeconds;
    if (visibility < 0 || visibility > MAX_VISIBILITY_SECONDS) {
      throw invalidParameter(`Value ${visibility} for parameter VisibilityTimeout is invalid.`);
    }
    const wanted = new Set([
      ...stringList(body, 'AttributeNames'),
      ...stringList(body, 'MessageSystemAttributeNames'),
    ]);
    const deadline = Date.now() + Math.min(wait * 1000, this.longPollCapMs);
    for (;;) {
      const taken = this.take(queue, max, visibility);
      if (taken.length > 0 || this.closed || Date.now() >= deadline) {
        return taken.length === 0 ? {} : { Messages: taken.map((m) => this.wire(m, wanted)) };
      }
      await this.waitForChange(queue, deadline);
    }
  }

  /** Waits until something may have become visible: a send, a tick, the earliest visibility expiry, or the deadline. */
  private async waitForChange(queue: QueueRecord, deadline: number): Promise<void> {
    const now = this.clock();
    const nextVisible = Math.min(
      ...queue.messages.map((m) => m.invisibleUntil).filter((at) => at > now),
      Number.POSITIVE_INFINITY,
    );
    const delay = Math.max(0, Math.min(deadline - Date.now(), nextVisible - now));
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, delay);
      this.waiters.add(done);
    });
  }

  private take(queue: QueueRecord, max: number, visibilitySeconds: number): StoredMessage[] {
    const now = this.clock();
    const taken: StoredMessage[] = [];
    for (const message of [...queue.messages]) {
      if (taken.length >= max) break;
      if (message.invisibleUntil > now) continue;
      // Redrive: a message received maxReceiveCount times already goes to the dead-letter queue.
      const dlq = queue.deadLetter && this.findByName(queue.deadLetter.queueName);
      if (queue.deadLetter && dlq && message.receiveCount >= queue.deadLetter.maxReceiveCount) {
        queue.messages = queue.messages.filter((m) => m !== message);
        message.invisibleUntil = 0;
        message.receiptHandle = undefined;
        this.enqueue(dlq, message.body, message);
        continue;
      }
      message.receiveCount++;
      message.firstReceivedAt ??= now;
      message.invisibleUntil = now + visibilitySeconds * 1000;
      message.receiptHandle = `${randomBytes(24).toString('base64url')}.${message.messageId}`;
      taken.push(message);
    }
    return taken;
  }

  private findByName(name: string): QueueRecord | undefined {
    return [...this.queues.values()].find((q) => q.name === name);
  }

  private wire(message: StoredMessage, wanted: ReadonlySet<string>): Message {
    const all = wanted.has('All');
    const attributes: Record<string, string> = {};
    if (all || wanted.has('SentTimestamp')) attributes.SentTimestamp = String(message.sentAt);
    if (all || wanted.has('ApproximateReceiveCount')) {
      attributes.ApproximateReceiveCount = String(message.receiveCount);
    }
    if ((all || wanted.has('ApproximateFirstReceiveTimestamp')) && message.firstReceivedAt !== undefined) {
      attributes.ApproximateFirstReceiveTimestamp = String(message.firstReceivedAt);
    }
    return {
      MessageId: message.messageId,
      ReceiptHandle: message.receiptHandle,
      MD5OfBody: md5(message.body),
      Body: message.body,
      ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    };
  }

  /** Deletes with the latest receipt handle; an older one of a message still queued deletes nothing. */
  private delete(queue: QueueRecord, handle: string): void {
    const messageId = handle.split('.')[1];
    if (!handle.includes('.') || messageId === undefined) {
      throw new SqsError(
        'ReceiptHandleIsInvalid',
        'ReceiptHandleIsInvalid',
        404,
        `The input receipt handle "${handle}" is not a valid receipt handle.`,
        'Sender',
      );
    }
    queue.messages = queue.messages.filter((m) => m.receiptHandle !== handle);
  }

  private deleteBatch(queue: QueueRecord, body: Record<string, unknown>): DeleteMessageBatchResult {
    const entries = Array.isArray(body.Entries) ? (body.Entries as Array<Record<string, unknown>>) : [];
    if (entries.length === 0) {
      throw new SqsError(
        'EmptyBatchRequest',
        'AWS.SimpleQueueService.EmptyBatchRequest',
        400,
        'There should be at least one DeleteMessageBatchRequestEntry in the request.',
        'Sender',
      );
    }
    if (entries.length > MAX_MESSAGES) {
      throw new SqsError(
        'TooManyEntriesInBatchRequest',
        'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
        400,
        `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
        'Sender',
      );
    }
    const ids = entries.map((entry) => String(entry.Id ?? ''));
    if (new Set(ids).size !== ids.length) {
      throw new SqsError(
        'BatchEntryIdsNotDistinct',
        'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
        400,
        'Id must be distinct among the entries of a batch request.',
        'Sender',
      );
    }
    const successful: NonNullable<DeleteMessageBatchResult['Successful']> = [];
    const failed: NonNullable<DeleteMessageBatchResult['Failed']> = [];
    for (const entry of entries) {
      const id = String(entry.Id ?? '');
      try {
        this.delete(queue, String(entry.ReceiptHandle ?? ''));
        successful.push({ Id: id });
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        failed.push({ Id: id, SenderFault: true, Code: error.shape, Message: error.message });
      }
    }
    return { Successful: successful, Failed: failed };
  }

  private changeVisibility(queue: QueueRecord, body: Record<string, unknown>): void {
    const handle = stringField(body, 'ReceiptHandle', true) ?? '';
    const seconds = intField(body, 'VisibilityTimeout') ?? 0;
    const message = queue.messages.find((m) => m.receiptHandle === handle);
    if (!message || message.invisibleUntil <= this.clock()) {
      throw new SqsError(
        'MessageNotInflight',
        'AWS.SimpleQueueService.MessageNotInflight',
        400,
        'The message referred to is not in flight.',
        'Sender',
      );
    }
    message.invisibleUntil = this.clock() + seconds * 1000;
    this.wake();
  }

  private attributes(queue: QueueRecord, body: Record<string, unknown>): GetQueueAttributesResult {
    const wanted = new Set(stringList(body, 'AttributeNames'));
    const now = this.clock();
    const dlq = queue.deadLetter && this.findByName(queue.deadLetter.queueName);
    const all: Record<string, string> = {
      QueueArn: queue.arn,
      VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
      ApproximateNumberOfMessages: String(queue.messages.filter((m) => m.invisibleUntil <= now).length),
      ApproximateNumberOfMessagesNotVisible: String(
        queue.messages.filter((m) => m.invisibleUntil > now).length,
      ),
      ReceiveMessageWaitTimeSeconds: '0',
      ...(queue.deadLetter && dlq
        ? {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: dlq.arn,
              maxReceiveCount: queue.deadLetter.maxReceiveCount,
            }),
          }
        : {}),
    };
    const picked = Object.fromEntries(
      Object.entries(all).filter(([name]) => wanted.has('All') || wanted.has(name)),
    );
    return Object.keys(picked).length === 0 ? {} : { Attributes: picked };
  }

  private sendMessage(queue: QueueRecord, body: Record<string, unknown>): SendMessageResult {
    const text = stringField(body, 'MessageBody', true) ?? '';
    if (text.length === 0) throw invalidParameter('The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_BODY_BYTES} bytes.`,
      );
    }
    if (!allowedBody(text)) {
      throw new SqsError(
        'InvalidMessageContents',
        'InvalidMessageContents',
        400,
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
        'Sender',
      );
    }
    const message = this.enqueue(queue, text);
    return { MD5OfMessageBody: md5(text), MessageId: message.messageId };
  }
}

function isOperation(name: string): name is SqsOperation {
  return (SQS_OPERATIONS as readonly string[]).includes(name);
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function parseBody(raw: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = raw === '' ? {} : JSON.parse(raw);
  } catch {
    throw invalidParameter('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidParameter('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = body[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`The request must contain the parameter ${name}.`);
  return value;
}

function intField(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalidParameter(`Value ${String(value)} for parameter ${name} is invalid.`);
  }
  return value;
}

function stringList(body: Record<string, unknown>, name: string): string[] {
  const value = body[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
