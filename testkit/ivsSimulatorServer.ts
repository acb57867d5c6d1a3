// Starts a seeded IVS Real-Time simulator for demos and prints how to point the bot at it:
//   node testkit/ivsSimulatorServer.ts --port 4566 --stages 3 --participants 8 --tps 5
// --tps is IVS's per-account quota; --access-key ASIA…=111111111111 (repeatable) charges that key's
// requests to that account, others to the default one.
// Stop it with Ctrl-C.
import { parseArgs } from 'node:util';
import { IvsSimulator, type SimulatorOptions } from './ivsSimulator.ts';

interface ServerSettings {
  port: number;
  stages: number;
  participants: number;
  events: number;
  tps: number | undefined;
  region: string;
  accessKeyAccounts: Record<string, string>;
}

const USAGE =
  'usage: ivsSimulatorServer.ts [--port N] [--stages N] [--participants N] [--events N] [--tps N] [--region R] [--access-key KEY=ACCOUNT ...]';

/** Parses the command line into settings, or into one line per problem. */
export function parseSettings(argv: readonly string[]): ServerSettings | { problems: string[] } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: '0' },
      stages: { type: 'string', default: '3' },
      participants: { type: 'string', default: '5' },
      events: { type: 'string', default: '12' },
      tps: { type: 'string' },
      region: { type: 'string', default: 'us-east-1' },
      'access-key': { type: 'string', multiple: true, default: [] },
    },
    strict: true,
  });
  const problems: string[] = [];
  const count = (name: string, raw: string, min: number, max: number): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`--${name}: expected an integer from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  const settings: ServerSettings = {
    port: count('port', values.port, 0, 65_535),
    stages: count('stages', values.stages, 0, 1_000),
    participants: count('participants', values.participants, 0, 10_000),
    events: count('events', values.events, 0, 100_000),
    tps: values.tps === undefined ? undefined : count('tps', values.tps, 1, 1_000_000),
    region: values.region,
    accessKeyAccounts: {},
  };
  for (const pair of values['access-key']) {
    const match = /^([A-Z0-9]{16,128})=(\d{12})$/.exec(pair);
    if (match?.[1] && match[2]) settings.accessKeyAccounts[match[1]] = match[2];
    else
      problems.push(
        `--access-key: expected KEY=ACCOUNT such as ASIAEXAMPLE12345=111111111111, got "${pair}"`,
      );
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(settings.region)) {
    problems.push(`--region: expected an AWS region such as us-east-1, got "${settings.region}"`);
  }
  return problems.length > 0 ? { problems } : settings;
}

async function main(argv: readonly string[]): Promise<void> {
  let parsed: ReturnType<typeof parseSettings>;
  try {
    parsed = parseSettings(argv);
  } catch (error) {
    // parseArgs rejects unknown flags and missing values with a readable message.
    parsed = { problems: [error instanceof Error ? error.message : String(error)] };
  }
  if ('problems' in parsed) {
    for (const problem of parsed.problems) console.error(problem);
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const options: SimulatorOptions = { port: parsed.port, accessKeyAccounts: parsed.accessKeyAccounts };
  if (parsed.tps !== undefined) options.maxRequestsPerSecondPerOperation = parsed.tps;
  const sim = await IvsSimulator.start(options);
  for (let i = 0; i < parsed.stages; i++) {
    const seeded = sim.seedStage({
      participants: parsed.participants,
      eventsPerParticipant: parsed.events,
      errorEvery: 7,
      region: parsed.region,
      name: `demo-stage-${i + 1}`,
    });
    console.log(
      `stage ${seeded.stageArn} session ${seeded.sessionId} (${seeded.errorEventCount} error events)`,
    );
  }
  console.log(`IVS Real-Time simulator listening on ${sim.url}`);
  console.log(`export AWS_ENDPOINT_URL_IVS_REALTIME=${sim.url}`);
  const stop = (): void => {
    void sim.close().then(() => console.log('simulator stopped'));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.main) await main(process.argv.slice(2));
