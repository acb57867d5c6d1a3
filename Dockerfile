# syntax=docker/dockerfile:1
# ivs-realtime-bot: Node 24 runs the TypeScript sources directly (type stripping), so there is no build step;
# the first stage only installs production dependencies.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev leaves out the `node` npm package (it supplies Node 24 to npm scripts on older hosts; this image
# already has Node 24), so its preinstall never runs; --ignore-scripts guards against any other install script,
# and no runtime dependency needs one (SQLite is the built-in node:sqlite).
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:24-slim
ENV NODE_ENV=production PORT=3000 DATABASE_URL=sqlite:/data/ivs-bot.db
WORKDIR /app
# Application files stay owned by root: the bot can read but not modify its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY src ./src
# The SQLite database lives on a volume the unprivileged `node` user (uid 1000 in the official image) can write.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
# Slim images have no curl; Node's built-in fetch probes the /healthz route served beside /slack/events.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`, { signal: AbortSignal.timeout(4000) }).then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
# Exec form so SIGTERM reaches Node directly and main.ts shuts down cleanly.
CMD ["node", "--disable-warning=ExperimentalWarning", "src/main.ts"]
