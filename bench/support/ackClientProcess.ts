// The load generator's own process: it sends Slack's requests to the bot and times the acks, so the
// timings are not slowed by the fake Slack and the IVS simulator, which share the bench's event loop.
// Messages in: { id, url, headers, body }; out: { id, status, sentAt, ackMs } or { id, error }.
interface Post {
  id: number;
  url: string;
  headers: Record<string, string>;
  body: string;
}

process.on('message', (message: Post) => {
  const sentAt = Date.now();
  const started = performance.now();
  fetch(message.url, { method: 'POST', headers: message.headers, body: message.body })
    .then(async (res) => {
      await res.arrayBuffer();
      process.send?.({ id: message.id, status: res.status, sentAt, ackMs: performance.now() - started });
    })
    .catch((error: unknown) => {
      process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) });
    });
});
process.on('disconnect', () => process.exit(0));
