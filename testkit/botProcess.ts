import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

// The bot as a real child process, for the end-to-end tests (test/) and the bench (bench/): one
// starter, so both run the bot the same way and read its output, metrics and resources alike.

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * The bot's command line as `npm start` runs it (package.json's start script: Node's flags and the
 * entry file). `--env-file-if-exists` is dropped: callers give every setting in the environment.
 */
export function startCommand(): { nodeArgs: string[]; entry: string } {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: { start: string } };
  const [node, ...words] = pkg.scripts.start.trim().split(/\s+/);
  const entry = words.at(-1);
  if (node !== 'node' || !entry) throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  const nodeArgs = words.slice(0, -1).filter((arg) => !arg.startsWith('--env-file'));
  return { nodeArgs, entry: `${ROOT}${entry}` };
}

/** Builds what `npm start` runs (its prestart step); the bench does it once per run. */
export function buildBot(): void {
  execFileSync(
    process.execPath,
    [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}tsconfig.build.json`],
    { stdio: 'inherit' },
  );
}

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
// Kept in memory for reports; a storm can log a lot, and only a sample is needed.
const MAX_KEPT_LOGS = 5_000;
// Raw lines kept for assertions and start-up errors: the latest, however long the bot runs.
const MAX_KEPT_LINES = 5_000;
const STARTED = /"port":(\d+).*"msg":"ivs-realtime-bot started"/;

/** One JSON log line of the bot. */
export interface BotLog {
  readonly level: string;
  readonly msg: string;
  readonly time: number;
  readonly fields: Record<string, unknown>;
}

export interface BotStartOptions {
  /**
   * Settings as a user would give them (PATH and HOME come from here). Without PORT the bot gets a
   * free port and is ready when /healthz answers, whatever LOG_LEVEL; with PORT=0 it binds a port of
   * its own choosing, read from its "started" line (LOG_LEVEL info or lower).
   */
  env: Record<string, string>;
  /**
   * `source` (default): src/main.ts as Node runs TypeScript, no build step (tests). `build`: dist/ as
   * `npm start` runs it, after buildBot() (the bench measures what production runs).
   */
  run?: 'source' | 'build';
  /** Working directory and HOME (a temporary directory, so no stray .env or data/ is picked up). */
  cwd?: string;
  /** Write a V8 CPU profile of the bot into this directory when it exits. */
  cpuProfileDir?: string;
  /** Extra Node.js flags for the bot (experiments such as --max-semi-space-size=4). */
  nodeArgs?: readonly string[];
  startTimeoutMs?: number;
}

/** Children still running, killed if the test or bench process itself dies. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The bot as a real child process, started like `npm start` with its environment. */
export class BotProcess {
  readonly child: ChildProcess;
  /** The exit code (null: ended by a signal). */
  readonly exited: Promise<number | null>;
  /** The latest stdout and stderr lines, as written. */
  readonly lines: string[] = [];
  /** The first stdout lines, parsed (pino's JSON). */
  readonly logs: BotLog[] = [];
  readonly logCounts = new Map<string, number>();
  readonly rssSamplesKb: number[] = [];
  /** Highest value of each numeric field per message (`msg|field`), over every line, kept or not. */
  readonly #maxima = new Map<string, number>();
  readonly #stderr: string[] = [];
  #port: number;
  #exitCode: number | null | undefined;
  #rssTimer: ReturnType<typeof setInterval> | undefined;
  #peakKb = 0;
  #cpuSeconds = 0;
  #partial = '';
  #onLine: ((line: string) => void) | undefined;

  private constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.#port = port;
    live.add(child);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        live.delete(child);
        this.#exitCode = code;
        resolve(code);
      });
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.#onStdout(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr.push(chunk);
      if (this.#stderr.length > 200) this.#stderr.shift();
      for (const line of chunk.split('\n')) if (line) this.#keepLine(line);
    });
  }

  static async start(options: BotStartOptions): Promise<BotProcess> {
    const ownPort = options.env.PORT === '0';
    const port = ownPort ? 0 : Number(options.env.PORT ?? (await freePort()));
    const start = startCommand();
    const args = [...start.nodeArgs, ...(options.nodeArgs ?? [])];
    if (options.cpuProfileDir) args.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
    args.push(options.run === 'build' ? start.entry : `${ROOT}src/main.ts`);
    const child = spawn(process.execPath, args, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: options.cwd ?? process.env.HOME ?? '/tmp',
        AWS_EC2_METADATA_DISABLED: 'true',
        ...options.env,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const bot = new BotProcess(child, port);
    try {
      const timeoutMs = options.startTimeoutMs ?? 20_000;
      if (ownPort) bot.#port = await bot.#startedPort(timeoutMs);
      else await bot.#waitHealthy(timeoutMs);
    } catch (error) {
      await bot.stop();
      throw error;
    }
    return bot;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get stderr(): string {
    return this.#stderr.join('');
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** A sample of the bot's /metrics (`name{labels}`), or undefined when absent or the bot is gone. */
  async metric(name: string, labels = ''): Promise<number | undefined> {
    let text: string;
    try {
      text = await (await fetch(`${this.url}/metrics`)).text();
    } catch {
      // A killed replica has no metrics: that is an answer, not an error.
      return undefined;
    }
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  }

  /** Samples VmRSS every `everyMs` until stop(). */
  sampleRss(everyMs = 250): void {
    this.#rssTimer ??= setInterval(() => {
      const rss = this.#readStatus().VmRSS;
      if (rss !== undefined) this.rssSamplesKb.push(rss);
    }, everyMs);
  }

  /** The resident set size now (VmRSS), in kB; 0 once the process is gone. */
  currentRssKb(): number {
    return this.#readStatus().VmRSS ?? 0;
  }

  /** The highest resident set size of the process so far (VmHWM), in kB. */
  peakRssKb(): number {
    const hwm = this.#readStatus().VmHWM;
    if (hwm !== undefined) this.#peakKb = Math.max(this.#peakKb, hwm);
    return Math.max(this.#peakKb, ...this.rssSamplesKb);
  }

  /** The highest `field` of any line whose message starts with `msgPrefix`; undefined when none. */
  maxOf(msgPrefix: string, field: string): number | undefined {
    let max: number | undefined;
    for (const [key, value] of this.#maxima) {
      if (key.startsWith(msgPrefix) && key.endsWith(`|${field}`)) max = Math.max(max ?? value, value);
    }
    return max;
  }

  /** User + system CPU seconds the process used so far (from /proc/<pid>/stat; clock ticks of 10 ms). */
  cpuSeconds(): number {
    if (this.#exitCode !== undefined || this.child.pid === undefined) return this.#cpuSeconds;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return this.#cpuSeconds;
      throw error;
    }
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    this.#cpuSeconds = (Number(fields[11]) + Number(fields[12])) / 100;
    return this.#cpuSeconds;
  }

  logsWith(msg: string): BotLog[] {
    return this.logs.filter((log) => log.msg === msg);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; always returns with the child gone. */
  async stop(graceMs = 5_000): Promise<number | null> {
    if (this.#rssTimer) clearInterval(this.#rssTimer);
    this.#rssTimer = undefined;
    if (this.#exitCode !== undefined) return this.#exitCode;
    this.peakRssKb();
    this.cpuSeconds();
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  async #waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#exitCode !== undefined) {
        throw new Error(`bot exited with ${this.#exitCode} before it was healthy:\n${this.lines.join('\n')}`);
      }
      const healthy = await fetch(`${this.url}/healthz`).then(
        (res) => res.ok,
        () => false,
      );
      if (healthy) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`bot not healthy after ${timeoutMs} ms:\n${this.lines.join('\n')}`);
  }

  /** Waits for the "started" line and returns the port it names. */
  #startedPort(timeoutMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.#onLine = undefined;
        settle();
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`bot did not start:\n${this.lines.join('\n')}`))),
        timeoutMs,
      );
      this.#onLine = (line) => {
        const started = STARTED.exec(line);
        if (started?.[1]) done(() => resolve(Number(started[1])));
      };
      for (const line of this.lines) this.#onLine?.(line);
      this.exited.then((code) =>
        done(() => reject(new Error(`bot exited with ${code} before starting:\n${this.lines.join('\n')}`))),
      );
    });
  }

  #readStatus(): { VmRSS?: number; VmHWM?: number } {
    if (this.#exitCode !== undefined || this.child.pid === undefined) return {};
    let text: string;
    try {
      text = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    } catch (error) {
      // The process ended between the check and the read: there is nothing left to measure.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    const kb = (key: string) => {
      const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
      return match ? Number(match[1]) : undefined;
    };
    const status: { VmRSS?: number; VmHWM?: number } = {};
    const rss = kb('VmRSS');
    const hwm = kb('VmHWM');
    if (rss !== undefined) status.VmRSS = rss;
    if (hwm !== undefined) status.VmHWM = hwm;
    return status;
  }

  #keepLine(line: string): void {
    this.lines.push(line);
    if (this.lines.length > MAX_KEPT_LINES) this.lines.shift();
    this.#onLine?.(line);
  }

  #onStdout(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      this.#keepLine(line);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        // Not a pino line (a stray console.log): keep it as text so it still shows in the report.
        parsed = { level: 40, msg: line, time: Date.now() };
      }
      const { level, msg, time, ...fields } = parsed;
      const log: BotLog = {
        level: LEVELS[Number(level)] ?? String(level),
        msg: typeof msg === 'string' ? msg : '',
        time: typeof time === 'number' ? time : Date.now(),
        fields,
      };
      for (const [field, value] of Object.entries(fields)) {
        if (typeof value !== 'number') continue;
        const key = `${log.msg}|${field}`;
        this.#maxima.set(key, Math.max(this.#maxima.get(key) ?? value, value));
      }
      const key = `${log.level}: ${log.msg}`;
      this.logCounts.set(key, (this.logCounts.get(key) ?? 0) + 1);
      if (this.logs.length < MAX_KEPT_LOGS) this.logs.push(log);
    }
  }
}

/** The bot from src/ with these settings, ready (tests' short form of `BotProcess.start`). */
export function startBotProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<BotProcess> {
  return BotProcess.start({ env, startTimeoutMs: timeoutMs });
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

/** A free TCP port on 127.0.0.1, for the bot's PORT. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
