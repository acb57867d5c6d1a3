import { readFileSync } from 'node:fs';

/** The body of test/fixtures/eventbridge/<name>.json: an IVS event as EventBridge delivers it to SQS. */
export function eventFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/eventbridge/${name}.json`, import.meta.url), 'utf8');
}
