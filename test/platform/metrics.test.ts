import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createMetrics } from '../../src/platform/metrics.ts';

// Metric names are a public contract (dashboards and alert rules use them): each of the bot's own
// is explained in docs/DEPLOYMENT.md's table, with its labels, and the table names no other.
test("docs/DEPLOYMENT.md's metrics table explains every metric of the bot, with its labels", () => {
  const metrics = createMetrics();
  const doc = readFileSync(new URL('../../docs/DEPLOYMENT.md', import.meta.url), 'utf8');
  const table = doc.slice(doc.indexOf('## Metrics and what to alert on'), doc.indexOf('\nPlus Node.js'));
  const documented = new Map<string, string[]>();
  for (const [, cell = ''] of table.matchAll(/^\| (`ivs_bot_[^|]*) \|/gm)) {
    for (const [, name = '', labels] of cell.matchAll(/`(ivs_bot_[a-z_]+)(?:\{([a-z_,]+)\})?`/g)) {
      documented.set(name, labels ? labels.split(',') : []);
    }
  }
  const defaults = /^ivs_bot_(process|nodejs)_/;
  const own = metrics.registry.getMetricsAsArray().filter((m) => !defaults.test(m.name));
  assert.ok(own.length > 10, 'the bot’s metrics were found');
  assert.deepEqual([...documented.keys()].sort(), own.map((m) => m.name).sort());
  for (const metric of own) {
    const labels = (metric as unknown as { labelNames: string[] }).labelNames;
    assert.deepEqual(documented.get(metric.name), labels, `${metric.name}'s labels`);
  }
});
