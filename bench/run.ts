// `npm run bench`: runs the bot as a real process against the IVS simulator and a rate-limited fake
// Slack, one fresh bot per scenario, and prints what it measured beside the goals. Results also go to
// bench/results/<time>.json. Options: --only=commands,poller,quota,interactive,storm,detection,events,burst,
// --cpu-prof (a V8 CPU profile of every bot process, written to a temporary directory) and
// --bot-node-args="<flags>" (extra Node.js flags for the bot, for experiments).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBot } from '../testkit/botProcess.ts';
import { alertDuringBurst } from './scenarios/alertDuringBurst.ts';
import { alertStorm } from './scenarios/alertStorm.ts';
import { backlogLatency } from './scenarios/backlogLatency.ts';
import { commandLatency } from './scenarios/commandLatency.ts';
import { detectionLatency } from './scenarios/detectionLatency.ts';
import { eventLatency } from './scenarios/eventLatency.ts';
import { historyCost } from './scenarios/historyCost.ts';
import { interactiveUnderLoad } from './scenarios/interactiveUnderLoad.ts';
import { pollerCost } from './scenarios/pollerCost.ts';
import { quotaThroughput } from './scenarios/quotaThroughput.ts';
import type { ScenarioOptions } from './scenarios/scenarioOptions.ts';
import { type Figure, renderTable, type ScenarioResult } from './support/resultTable.ts';

const SCENARIOS: ReadonlyArray<{
  id: string;
  run: (options: ScenarioOptions) => Promise<ScenarioResult>;
  /** Runs only when named in --only. */
  optional?: boolean;
}> = [
  { id: 'commands', run: commandLatency },
  { id: 'poller', run: pollerCost },
  { id: 'quota', run: quotaThroughput },
  { id: 'interactive', run: interactiveUnderLoad },
  { id: 'storm', run: alertStorm },
  { id: 'detection', run: detectionLatency },
  { id: 'events', run: eventLatency },
  { id: 'burst', run: alertDuringBurst },
  { id: 'history', run: historyCost },
  { id: 'backlog', run: backlogLatency },
];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'bot-node-args': { type: 'string' },
  },
});
const only = values.only?.split(',').map((id) => id.trim());
const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(
    `unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}\n`,
  );
  process.exit(2);
}
const options: ScenarioOptions = {};
if (values['cpu-prof']) options.cpuProfileDir = mkdtempSync(join(tmpdir(), 'ivs-bench-profiles-'));
if (values['bot-node-args']) options.botNodeArgs = values['bot-node-args'].split(' ').filter(Boolean);

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(totalmem() / 1024 ** 3),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
};
process.stderr.write(
  `ivs-realtime-bot bench on ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}\n`,
);

// The bot runs as `npm start` runs it: compiled first.
buildBot();
const startedAt = new Date();
const results: ScenarioResult[] = [];
for (const scenario of SCENARIOS) {
  if (only ? !only.includes(scenario.id) : scenario.optional) continue;
  process.stderr.write(`running ${scenario.id} … `);
  const result = await scenario.run(options);
  results.push(result);
  process.stderr.write(
    `${(result.durationMs / 1000).toFixed(1)} s${result.error ? ` — ERROR: ${result.error}` : ''}\n`,
  );
}

const figures: Figure[] = results.flatMap((r) => [
  ...r.figures,
  ...(r.error
    ? [
        {
          scenario: r.id,
          metric: 'scenario failed',
          value: r.error.split('\n')[0] ?? '',
          raw: null,
          goal: 'runs',
          met: false,
        },
      ]
    : []),
]);
const table = renderTable(figures);
process.stdout.write(`\n${table}\n`);
const goals = figures.filter((f) => f.met !== null);
const missed = goals.filter((f) => f.met === false);
process.stdout.write(
  `\n${goals.length - missed.length}/${goals.length} goals met; total ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s\n`,
);

const resultsDir = new URL('./results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
const file = new URL(`${startedAt.toISOString().replaceAll(':', '-')}.json`, resultsDir);
writeFileSync(
  file,
  `${JSON.stringify({ startedAt: startedAt.toISOString(), machine, options, table, figures, scenarios: results }, null, 2)}\n`,
);
process.stdout.write(`results: ${file.pathname}\n`);
if (options.cpuProfileDir) process.stdout.write(`CPU profiles of the bot: ${options.cpuProfileDir}\n`);
