import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The bot's command line exactly as `npm start` runs it (package.json's start script: Node's flags
 * and the entry file), so the bench measures what production runs. `--env-file-if-exists` is dropped:
 * the bench gives every setting in the environment.
 */
export function startCommand(): { nodeArgs: string[]; entry: string } {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: { start: string } };
  const [node, ...words] = pkg.scripts.start.trim().split(/\s+/);
  const entry = words.at(-1);
  if (node !== 'node' || !entry) throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  const nodeArgs = words.slice(0, -1).filter((arg) => !arg.startsWith('--env-file'));
  return { nodeArgs, entry: `${ROOT}${entry}` };
}

/** Builds what `npm start` runs (its prestart step), once per bench run. */
export function buildBot(): void {
  execFileSync(
    process.execPath,
    [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}tsconfig.build.json`],
    {
      stdio: 'inherit',
    },
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
// Kept in memory for the report; a storm can log a lot, and only a sample is needed.
const MAX_KEPT_LOGS = 5_000;

/** One JSON log line of the bot. */
export interface BotLog {
  readonly level: string;
  readonly msg: string;
  readonly time: number;
  readonly fields: Record<string, unknown>;
}

export interface BotStartOptions {
  /** Settings as a user would give them; PATH and HOME come from the bench. */
  env: Record<string, string>;
  /** Working directory (the scenario's temporary directory, so no stray .env or data/ is picked up). */
  cwd: string;
  /** Write a V8 CPU profile of the bot into this directory when it exits. */
  cpuProfileDir?: string;
  /** Extra Node.js flags for the bot (experiments such as --max-semi-space-size=4). */
  nodeArgs?: readonly string[];
  startTimeoutMs?: number;
}

/** Children still running, killed if the bench itself dies. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The bot as a real child process, started like `npm start` with its environment. */
export class BotProcess {
  readonly port: number;
  readonly url: string;
  readonly logs: BotLog[] = [];
  readonly logCounts = new Map<string, number>();
  /** Highest value of each numeric field per message (`msg|field`), over every line, kept or not. */
  readonly #maxima = new Map<string, number>();
  readonly rssSamplesKb: number[] = [];
  readonly #child: ChildProcess;
  readonly #stderr: string[] = [];
  readonly #exited: Promise<number | null>;
  #exitCode: number | null | undefined;
  #rssTimer: ReturnType<typeof setInterval> | undefined;
  #peakKb = 0;
  #cpuSeconds = 0;
  #partial = '';

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    live.add(child);
    this.#exited = new Promise((resolve) => {
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
    });
  }

  static async start(options: BotStartOptions): Promise<BotProcess> {
    const port = await freePort();
    const start = startCommand();
    const args = [...start.nodeArgs, ...(options.nodeArgs ?? [])];
    if (options.cpuProfileDir) args.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
    args.push(start.entry);
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: options.cwd,
        AWS_EC2_METADATA_DISABLED: 'true',
        ...options.env,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const bot = new BotProcess(child, port);
    try {
      await bot.#waitHealthy(options.startTimeoutMs ?? 20_000);
    } catch (error) {
      await bot.stop();
      throw error;
    }
    return bot;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get stderr(): string {
    return this.#stderr.join('');
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
    if (this.#exitCode !== undefined || this.#child.pid === undefined) return this.#cpuSeconds;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${this.#child.pid}/stat`, 'utf8');
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
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    const code = await this.#exited;
    clearTimeout(timer);
    return code;
  }

  async #waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#exitCode !== undefined) {
        throw new Error(`bot exited with ${this.#exitCode} before it was healthy:\n${this.stderr}`);
      }
      const healthy = await fetch(`${this.url}/healthz`).then(
        (res) => res.ok,
        () => false,
      );
      if (healthy) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`bot not healthy after ${timeoutMs} ms:\n${this.stderr}`);
  }

  #readStatus(): { VmRSS?: number; VmHWM?: number } {
    if (this.#exitCode !== undefined || this.#child.pid === undefined) return {};
    let text: string;
    try {
      text = readFileSync(`/proc/${this.#child.pid}/status`, 'utf8');
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

  #onStdout(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
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
