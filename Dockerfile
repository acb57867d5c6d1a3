# syntax=docker/dockerfile:1
# ivs-realtime-bot: the TypeScript sources are compiled to JavaScript in a build stage (running them through
# Node's type stripping costs about 28 MB of memory and 0.1 s of start-up, see docs/PERFORMANCE.md); the deps
# stage installs production dependencies only.

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# Dev dependencies bring the TypeScript compiler; --ignore-scripts keeps the `node` npm package from
# downloading a second Node (this image already has Node 24).
RUN npm ci --ignore-scripts
COPY src ./src
# The image's own node runs the compiler (node_modules/.bin/node would be the uninstalled npm package).
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

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
# node_modules carries the fonts /ivs timeline draws with (dejavu-fonts-ttf) and resvg's prebuilt binary:
# the slim image has no fonts of its own, and the bot never loads system fonts.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY --from=build /app/dist ./dist
# The SQLite database lives on a volume the unprivileged `node` user (uid 1000 in the official image) can write.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
# Slim images have no curl; Node's built-in fetch probes the /healthz route served beside /slack/events.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`, { signal: AbortSignal.timeout(4000) }).then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
# Exec form so SIGTERM reaches Node directly and main.js shuts down cleanly. The flags are npm start's
# (package.json): a 2 MB young generation saves about 11 MB of idle memory (docs/PERFORMANCE.md).
CMD ["node", "--disable-warning=ExperimentalWarning", "--max-semi-space-size=2", "dist/main.js"]
