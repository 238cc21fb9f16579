# syntax=docker/dockerfile:1
# The gateway image: its production dependencies and its build in two stages,
# run from a slim image that holds only those, as a non-root user.
#   docker build -t webterm-gateway .
#   docker run -p 8080:8080 -v $PWD/gateway.yaml:/etc/gateway/gateway.yaml:ro webterm-gateway

# Production dependencies only: the root package's. The local cluster package
# (demo mode and tests; node-pty, node-forge) is an npm workspace, and npm
# installs a workspace's dependencies even with --omit=dev, so
# --workspaces=false leaves it out; its folder is not copied here either.
# No production dependency has an install script, so no compiler is needed.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --workspaces=false && npm cache clean --force

# The compiled server and the built page. tsc type-checks server/demo.ts
# against the local cluster package, so the workspace is installed, but
# without install scripts: node-pty's native build is for running
# terminals, which nothing in this stage does.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY local-cluster/package.json ./local-cluster/
RUN npm ci --ignore-scripts
COPY tsconfig.base.json tsconfig.json vite.config.ts ./
COPY shared ./shared
COPY local-cluster ./local-cluster
COPY server ./server
COPY web ./web
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    GATEWAY_CONFIG=/etc/gateway/gateway.yaml
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/server ./dist/server
COPY --from=build /app/dist/shared ./dist/shared
COPY --from=build /app/dist/web ./dist/web
COPY package.json ./
# A numeric user, so runAsNonRoot can verify it without a passwd lookup.
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Started directly (not through npm), so SIGTERM reaches the gateway and it drains.
CMD ["node", "dist/server/main.js"]
