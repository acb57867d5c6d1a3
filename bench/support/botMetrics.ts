/**
 * The bot's own count of IVS calls, read from its Prometheus endpoint (`ivs_bot_ivs_calls_total`), by
 * operation. Compared with the simulator's count of the requests it received, it shows whether the bot
 * knows what it spends.
 */
export async function botIvsCalls(botUrl: string): Promise<Record<string, number>> {
  const res = await fetch(`${botUrl}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  const counts: Record<string, number> = {};
  for (const line of (await res.text()).split('\n')) {
    const match = /^ivs_bot_ivs_calls_total\{([^}]*)\} (\d+(?:\.\d+)?)$/.exec(line);
    const operation = match?.[1] ? /operation="([^"]+)"/.exec(match[1])?.[1] : undefined;
    if (!match || !operation) continue;
    counts[operation] = (counts[operation] ?? 0) + Number(match[2]);
  }
  return counts;
}

/** Per-operation difference of two counts (after − before), leaving out zeros. */
export function callsSince(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [operation, count] of Object.entries(after)) {
    const d = count - (before[operation] ?? 0);
    if (d !== 0) delta[operation] = d;
  }
  return delta;
}

/** Sum of the counts of `operations` (all when left out). */
export function total(counts: Readonly<Record<string, number>>, operations?: readonly string[]): number {
  return Object.entries(counts)
    .filter(([operation]) => operations === undefined || operations.includes(operation))
    .reduce((sum, [, count]) => sum + count, 0);
}
