# One image for every Sapora service, built once. Each container runs the app APP names
# (control, audio, video, files, screen, discovery, ...), as docker-compose.yml does:
#   docker build -t sapora . && docker run -e APP=audio -p 6001:6001/udp sapora
#
# Stages: the package manifests alone (dependencies are installed again only when a manifest
# changes, not on every source edit), a C compiler, every dependency, the Nx build, the production
# dependencies. The runtime image keeps the production dependencies and the built apps.
FROM node:20-bookworm-slim AS base
WORKDIR /sapora

FROM base AS manifests
COPY . /context
# Timestamps are zeroed so that the copy below has the same content, and hits the build
# cache, whenever the manifests are unchanged. .npm-offline is an npm cache that
# tools/compose/sapora-compose puts in the build context when no npm registry answers.
RUN cd /context \
 && find . -path ./.npm-offline -prune -o \( -name package.json -o -name package-lock.json \) \
      -exec cp --parents {} /sapora/ \; \
 && if [ -d .npm-offline ]; then mv .npm-offline /sapora/; fi \
 && find /sapora -exec touch -h -d @0 {} +

# A C compiler for @sapora/aes-gcm's OpenSSL binding, which seals media at a fraction of
# node:crypto's cost per datagram. Where no package mirror answers the build goes on without it,
# and the media services say at start that they seal through node:crypto.
FROM base AS compiler
RUN (apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
     && rm -rf /var/lib/apt/lists/*) \
 || echo "no C compiler: media will be sealed through node:crypto"

FROM compiler AS dependencies
COPY --from=manifests /sapora/ ./
# npm-ca: certificates npm must trust besides Node's own (a TLS-inspecting proxy, a local
# registry with its own CA); tools/compose/sapora-compose passes the host npm's when it has any.
RUN --mount=type=cache,id=sapora-npm,target=/root/.npm \
    --mount=type=secret,id=npm-ca \
    if [ -f /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi \
 && if [ -d .npm-offline ]; then set -- --offline --cache "$PWD/.npm-offline"; fi \
 && npm ci --no-audit --no-fund "$@" \
 && rm -rf .npm-offline

FROM dependencies AS build
COPY . .
# Nx's cache survives between builds (a cache mount), so after a source edit only the projects
# it touches are compiled again. What the runtime needs of each workspace: its package.json, its
# build and its assets (the protocol's .proto schemas), without sources, tests or tooling.
RUN --mount=type=cache,id=sapora-nx,target=/sapora/.nx,sharing=locked \
    rm -rf .npm-offline \
 && NX_DAEMON=false NX_NO_CLOUD=true npx nx run-many -t build --outputStyle=static \
 && mkdir /runtime \
 && tar -c --exclude=node_modules --exclude=src --exclude=test --exclude='tsconfig*.json' \
      --exclude=jest.config.cjs --exclude=.tsbuildinfo --exclude='*.map' apps libs \
    | tar -x -C /runtime

FROM dependencies AS production-dependencies
RUN npm prune --omit=dev --offline --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    APP=control
WORKDIR /sapora
COPY --from=production-dependencies /sapora/ ./
COPY --from=build /runtime/ ./
# Where services keep data (named volumes in compose: the file service's /data/files, the
# gateway's /data/gateway-tls). A new volume takes the ownership of the directory it is mounted
# on, so each must exist here, owned by the unprivileged user.
RUN mkdir -p /data/files /data/gateway-tls && chown -R node:node /data
USER node
# The service itself answers: `--health` asks the instance this environment configures
# whether it is serving and reaches Redis (exit 0), not merely whether a process exists.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["sh", "-c", "exec node apps/$APP/dist/main.js --health"]
# The same command the tests and `npm start` run (apps/<app>/dist/main.js, with the node
# options in apps/<app>/node-options when the app has that file).
CMD ["sh", "-c", "exec node $(grep -hv '^#' apps/$APP/node-options 2>/dev/null) apps/$APP/dist/main.js"]
