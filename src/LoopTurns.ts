// Slack waits 3 s for an ack, not for an answer. When 200 requests arrive at once, the answer of
// one (a store write, a render, a response_url post: about 1.5 ms of CPU) would otherwise run right
// after its ack and before the next request is even read, so the last ack would wait for 199
// answers. Work that waits for a turn goes behind the requests still arriving.

/** How long answer work may be held back while requests keep arriving. */
export const MAX_HOLD_MS = 300;

interface Waiter {
  readonly resolve: () => void;
  readonly since: number;
}

const waiting: Waiter[] = [];
let pumping = false;
let arrivals = 0;

/** Called for every request received (before its ack): answers hold back while these keep coming. */
export function noteRequest(): void {
  arrivals += 1;
}

/**
 * Resolves on a later turn of the event loop, one caller per turn in the order they asked, and not
 * while requests are still arriving (unless the oldest caller has waited MAX_HOLD_MS): requests
 * already received are read and acked before the work that follows this call.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push({ resolve, since: performance.now() });
    if (!pumping) {
      pumping = true;
      setImmediate(releaseOne);
    }
  });
}

function releaseOne(): void {
  const oldest = waiting[0];
  if (!oldest) {
    pumping = false;
    return;
  }
  if (arrivals > 0 && performance.now() - oldest.since < MAX_HOLD_MS) {
    // Requests came in since the last look: give the loop a moment to read (and ack) any more.
    arrivals = 0;
    setTimeout(releaseOne, 1);
    return;
  }
  arrivals = 0;
  waiting.shift();
  oldest.resolve();
  // Scheduled from inside an immediate, the next one runs on the next turn, after the I/O poll.
  setImmediate(releaseOne);
}
