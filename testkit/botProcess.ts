import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface BotProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Every stdout/stderr line so far. */
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
  metric(name: string, labels?: string): Promise<number | undefined>;
}

/** Starts the bot as a real process, the way `npm start` does, and waits for its "started" line. */
export async function startBotProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<BotProcess> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start:\n${lines.join('\n')}`)), timeoutMs);
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(line);
        const started = /"port":(\d+).*"msg":"ivs-realtime-bot started"/.exec(line);
        if (started?.[1]) {
          clearTimeout(timer);
          resolve(Number(started[1]));
        }
      }
    };
    child.stdout?.on('data', onLine);
    child.stderr?.on('data', onLine);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bot exited with ${code} before starting:\n${lines.join('\n')}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    child,
    port,
    url,
    lines,
    exited,
    kill: (signal) => child.kill(signal),
    async metric(name, labels = '') {
      try {
        const text = await (await fetch(`${url}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
        return line === undefined ? undefined : Number(line.split(' ').at(-1));
      } catch {
        // A killed replica has no metrics: that is an answer, not an error.
        return undefined;
      }
    },
  };
}

/** Polls `check` until it is true or `timeoutMs` passes; returns whether it became true. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return check();
}
