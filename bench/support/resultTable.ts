/** One line of the results table. `met` is null for figures reported without a goal. */
export interface Figure {
  readonly scenario: string;
  readonly metric: string;
  readonly value: string;
  readonly raw: number | null;
  readonly goal: string;
  readonly met: boolean | null;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly durationMs: number;
  readonly figures: readonly Figure[];
  /** Everything measured, for the JSON file: counts per operation, per-cycle figures, samples. */
  readonly details: Record<string, unknown>;
  readonly error: string | null;
}

/** Builds the figures of one scenario with its name filled in. */
export function figuresOf(scenario: string): {
  list: Figure[];
  info(metric: string, value: string, raw?: number | null): void;
  goal(metric: string, value: string, raw: number | null, goal: string, met: boolean): void;
} {
  const list: Figure[] = [];
  return {
    list,
    info(metric, value, raw = null) {
      list.push({ scenario, metric, value, raw, goal: '', met: null });
    },
    goal(metric, value, raw, goal, met) {
      list.push({ scenario, metric, value, raw, goal, met });
    },
  };
}

const HEADERS = ['scenario', 'metric', 'value', 'goal', 'met'] as const;

/** A plain-text table, one figure per line, readable in a terminal and pasteable into Markdown. */
export function renderTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.scenario,
    f.metric,
    f.value,
    f.goal,
    f.met === null ? '' : f.met ? 'met' : 'MISSED',
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(HEADERS), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
