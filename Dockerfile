# syntax=docker/dockerfile:1.7
# Switchboard's images, one target each, sharing one dependency stage. Node.js 24 LTS runs the
# TypeScript sources directly (type stripping), so the service images hold the workspace sources
# they import, production dependencies only, and (gateway) the built web client. Build from the
# repo root:
#   docker build --target gateway   -t switchboard-gateway .
#   docker build --target persister -t switchboard-persister .
#   docker build --target migrate   -t switchboard-migrate .     # prisma migrate deploy (hook Job)
ARG NODE_IMAGE=node:24-bookworm-slim

# Production dependencies of every workspace, and the generated Prisma client: shared by all
# three images. Manifests first, so this layer is rebuilt only when they change; npm needs every
# workspace's package.json to honour the lockfile.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV CI=true NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json .npmrc ./
COPY protocol/package.json protocol/
COPY service-kit/package.json service-kit/
COPY db/package.json db/
COPY stack/package.json stack/
COPY gateway/package.json gateway/
COPY persister/package.json persister/
COPY web/package.json web/
COPY loadtest/package.json loadtest/
COPY charts/package.json charts/
RUN --mount=type=cache,target=/root/.npm \
    npm install --omit=dev --no-audit --no-fund --ignore-scripts
# The Prisma client is generated at build time (JS engine, no binary is downloaded).
COPY db/ db/
RUN npm run generate -w @switchboard/db

# The web client the gateway serves at / (vite build; its dev dependencies stay in this stage).
FROM deps AS web
RUN --mount=type=cache,target=/root/.npm \
    npm install --no-audit --no-fund --ignore-scripts
COPY tsconfig.base.json ./
COPY protocol/src/ protocol/src/
COPY web/ web/
RUN npm run build -w @switchboard/web

# What every image runs on: Node.js and the production dependencies; npm and corepack are not
# needed to run, and not shipped. Non-root, and nothing to write: the chart mounts the root
# filesystem read-only (/tmp is an emptyDir).
FROM ${NODE_IMAGE} AS runtime
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
WORKDIR /app
COPY --from=deps /app/package.json ./
COPY --from=deps /app/node_modules/ node_modules/

# The migration image: `prisma migrate deploy` on Prisma's JavaScript engine through the pg
# driver adapter (db/prisma.config.ts); the chart runs it as a pre-install/pre-upgrade hook Job
# with DATABASE_URL set.
FROM runtime AS migrate
COPY db/package.json db/prisma.config.ts db/
COPY db/prisma/ db/prisma/
COPY db/src/migration-adapter.ts db/src/
WORKDIR /app/db
# Read-only root filesystem: no update check, HOME on the writable /tmp, and prisma.config.ts
# (loaded through jiti) transpiled in memory instead of into a cache folder.
ENV NODE_ENV=production CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 HOME=/tmp JITI_FS_CACHE=false
USER 10001:10001
ENTRYPOINT ["node", "/app/node_modules/prisma/build/index.js"]
CMD ["migrate", "deploy"]

# The workspaces both services import: protocol, service-kit, db with its generated client.
FROM runtime AS service
ENV NODE_ENV=production
COPY protocol/package.json protocol/
COPY protocol/src/ protocol/src/
COPY service-kit/package.json service-kit/
COPY service-kit/src/ service-kit/src/
COPY --from=deps /app/db/package.json db/
COPY --from=deps /app/db/src/ db/src/

FROM service AS persister
COPY persister/package.json persister/
COPY persister/src/ persister/src/
USER 10001:10001
EXPOSE 3100
ENTRYPOINT ["node"]
CMD ["persister/src/main.ts"]

FROM service AS gateway
COPY gateway/package.json gateway/
COPY gateway/src/ gateway/src/
# WEB_ROOT's default (/app/web/dist): the chat page at /.
COPY --from=web /app/web/dist/ web/dist/
USER 10001:10001
EXPOSE 3000
ENTRYPOINT ["node"]
CMD ["gateway/src/main.ts"]
