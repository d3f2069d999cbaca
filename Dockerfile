# One image recipe for every Sapora app: docker build --build-arg APP=control .
# The build stage compiles the whole workspace (libs are shared); the runtime stage keeps the
# production dependencies and the built apps, and runs the one named by APP.
FROM node:20-bookworm-slim AS build
WORKDIR /sapora
COPY . .
RUN npm ci --no-audit --no-fund \
 && NX_DAEMON=false NX_NO_CLOUD=true npx nx run-many -t build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf .nx

FROM node:20-bookworm-slim
ARG APP=control
ENV NODE_ENV=production \
    APP=${APP}
WORKDIR /sapora
COPY --from=build /sapora /sapora
# The file service's storage volume must be writable by the unprivileged user.
RUN mkdir -p /data/files && chown node:node /data/files
USER node
# The same command the tests run against the built app (apps/<app>/dist/main.js).
CMD ["sh", "-c", "exec node apps/${APP}/dist/main.js"]
