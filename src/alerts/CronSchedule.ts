// IVS_POLL_SCHEDULE in the cron syntax node-cron reads, computed with Date's local-time getters.
// node-cron formats every tick with Intl.DateTimeFormat, which maps about 7 MB of ICU data and
// keeps allocating once a second; this keeps the idle bot under 100 MB (docs/PERFORMANCE.md).

const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  // 7 is Sunday again: ranges wrap around 0-6, as node-cron reads them.
  { name: 'day of week', min: 0, max: 7, cycle: 7 },
] as const;

const NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FULL_MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const FULL_WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

// Long enough to meet 29 February; a schedule with no run in that time never runs.
const SEARCH_YEARS = 8;

export type CronParse = { ok: true; schedule: CronSchedule } | { ok: false; problem: string };

/**
 * A cron schedule: five fields (minute hour day-of-month month day-of-week) or six with seconds
 * first; `*`, numbers, ranges (wrapping, like 22-2), steps (`*\/5`, `10-40/10`), lists, month and
 * weekday names, 7 for Sunday, `?` for a day field, and the @hourly-style nicknames. A run needs
 * every field to match, day of month and day of week included (node-cron's rule). Times are local.
 * node-cron's L, W and # are not supported: nothing about polling needs "the last Friday".
 */
export class CronSchedule {
  readonly expression: string;
  readonly #allowed: readonly (readonly boolean[])[];

  private constructor(expression: string, allowed: readonly (readonly boolean[])[]) {
    this.expression = expression;
    this.#allowed = allowed;
  }

  static parse(expression: string): CronParse {
    const trimmed = expression.trim();
    const resolved = NICKNAMES[trimmed.toLowerCase()] ?? trimmed;
    const words = resolved.split(/\s+/).filter(Boolean);
    if (words.length !== 5 && words.length !== 6) {
      return { ok: false, problem: `has ${words.length} fields; a cron expression has 5, or 6 with seconds` };
    }
    const fields = words.length === 5 ? ['0', ...words] : words;
    const allowed: boolean[][] = [];
    for (const [i, field] of FIELDS.entries()) {
      const text = fields[i] as string;
      const parsed = parseField(
        i === 4
          ? names(text, MONTHS, FULL_MONTHS, 1)
          : i === 5
            ? names(text, WEEKDAYS, FULL_WEEKDAYS, 0)
            : text,
        field,
        i === 3 || i === 5,
      );
      if (typeof parsed === 'string')
        return { ok: false, problem: `${text} is not a valid ${field.name}: ${parsed}` };
      allowed.push(parsed);
    }
    const weekdays = allowed[5] as boolean[];
    if (weekdays[7]) weekdays[0] = true;
    const schedule = new CronSchedule(trimmed, allowed);
    if (!schedule.nextAfter(new Date(2000, 0, 1))) {
      return { ok: false, problem: 'never runs (no such day in any month)' };
    }
    return { ok: true, schedule };
  }

  /** The first run strictly after `after`, to the second; undefined if there is none for years. */
  nextAfter(after: Date): Date | undefined {
    const [seconds, minutes, hours, days, months, weekdays] = this.#allowed as [
      readonly boolean[],
      readonly boolean[],
      readonly boolean[],
      readonly boolean[],
      readonly boolean[],
      readonly boolean[],
    ];
    const t = new Date(after.getTime());
    t.setMilliseconds(0);
    t.setSeconds(t.getSeconds() + 1);
    const limit = after.getFullYear() + SEARCH_YEARS;
    while (t.getFullYear() <= limit) {
      if (!months[t.getMonth() + 1]) {
        t.setMonth(t.getMonth() + 1, 1);
        t.setHours(0, 0, 0, 0);
      } else if (!days[t.getDate()] || !weekdays[t.getDay()]) {
        t.setDate(t.getDate() + 1);
        t.setHours(0, 0, 0, 0);
      } else if (!hours[t.getHours()]) {
        t.setHours(t.getHours() + 1, 0, 0, 0);
      } else if (!minutes[t.getMinutes()]) {
        t.setMinutes(t.getMinutes() + 1, 0, 0);
      } else if (!seconds[t.getSeconds()]) {
        t.setSeconds(t.getSeconds() + 1, 0);
      } else {
        return t;
      }
    }
    return undefined;
  }

  /** Seconds between the next two runs after `from`: the poll interval. */
  intervalSeconds(from = new Date()): number {
    const first = this.nextAfter(from);
    const second = first && this.nextAfter(first);
    if (!first || !second) return 60;
    return Math.max(1, Math.round((second.getTime() - first.getTime()) / 1000));
  }
}

/** Month or weekday names (any case, short or full) replaced by their numbers. */
function names(text: string, short: readonly string[], full: readonly string[], first: number): string {
  let out = text.toLowerCase();
  // Full names first, so "monday" does not become "1day".
  full.forEach((name, i) => {
    out = out.replaceAll(name, String(i + first));
  });
  short.forEach((name, i) => {
    out = out.replaceAll(name, String(i + first));
  });
  return out;
}

/** Which values of the field a list of tokens allows, or why it cannot be read. */
function parseField(
  text: string,
  field: { min: number; max: number; cycle?: number },
  dayField: boolean,
): boolean[] | string {
  const allowed = new Array<boolean>(field.max + 1).fill(false);
  const whole = dayField && text === '?' ? '*' : text;
  for (const token of whole.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(token);
    if (!match) return `"${token}" is not a number, range, step or *`;
    const [, , startText, endText, stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!(step >= 1)) return `the step in "${token}" must be at least 1`;
    if (startText !== undefined && endText === undefined && stepText !== undefined) {
      return `"${token}": a step needs * or a range before it`;
    }
    const start = startText === undefined ? field.min : Number(startText);
    const end = startText === undefined ? field.max : Number(endText ?? startText);
    for (const value of [start, end]) {
      if (value < field.min || value > field.max) return `${value} is outside ${field.min}-${field.max}`;
    }
    // A range may wrap around the end of the field (22-2 is 22, 23, 0, 1, 2), as node-cron reads it.
    const size = field.cycle ?? field.max - field.min + 1;
    const span = start <= end ? end - start : (((end - start) % size) + size) % size;
    for (let offset = 0; offset <= span; offset += step) {
      let value = start + offset;
      if (value > field.min + size - 1) value -= size;
      allowed[value] = true;
    }
  }
  return allowed;
}
