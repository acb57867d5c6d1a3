import assert from 'node:assert/strict';
import { test } from 'node:test';
import { regionOfQueueUrl } from '../../src/sqs/SqsEventQueue.ts';

// The SQS client signs for the region it is given: it must be the queue's, whatever form of queue
// URL the console, the CLI or an older template handed out (SQS's endpoints page lists them).
test('the region of each form of SQS queue URL', () => {
  const cases: [string, string | undefined][] = [
    ['https://sqs.eu-west-1.amazonaws.com/123456789012/ivs-events', 'eu-west-1'],
    ['https://sqs.cn-north-1.amazonaws.com.cn/123456789012/ivs-events', 'cn-north-1'],
    // Legacy endpoints, still accepted by SQS and still in older stacks' outputs.
    ['https://eu-central-1.queue.amazonaws.com/123456789012/ivs-events', 'eu-central-1'],
    ['https://queue.amazonaws.com/123456789012/ivs-events', 'us-east-1'],
    // No region in the host (a local endpoint): the caller falls back to AWS_REGION.
    ['http://127.0.0.1:9324/123456789012/ivs-events', undefined],
    ['not a url', undefined],
  ];
  for (const [url, region] of cases) assert.equal(regionOfQueueUrl(url), region, url);
});
