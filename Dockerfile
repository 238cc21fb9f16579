# syntax=docker/dockerfile:1
# The gateway image: built with a compiler, run from a slim image without one, as a non-root user.
#   docker build -t webterm-gateway .
#   docker run -p 8080:8080 -v $PWD/gateway.yaml:/etc/gateway/gateway.yaml:ro webterm-gateway

# A compiler for node-pty (the embedded local cluster's terminals), which has
# no prebuilt binary for Linux; used by the two stages below, not shipped.
FROM node:20-bookworm-slim AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

# Production dependencies only.
FROM toolchain AS deps
RUN npm ci --omit=dev && npm cache clean --force

# The compiled server and the built page.
FROM toolchain AS build
RUN npm ci
COPY tsconfig.base.json tsconfig.json vite.config.ts ./
COPY shared ./shared
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
