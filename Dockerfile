# syntax=docker/dockerfile:1
# Build stage: full dependencies, compile TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: compiled code and production dependencies only, as a non-root user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    DATA_DIR=/var/lib/scim-bridge
WORKDIR /app
RUN groupadd --system bridge && useradd --system --gid bridge --home-dir /app --shell /usr/sbin/nologin bridge \
    && mkdir -p /var/lib/scim-bridge && chown bridge:bridge /var/lib/scim-bridge
COPY --from=build --chown=bridge:bridge /app/node_modules ./node_modules
COPY --from=build --chown=bridge:bridge /app/dist ./dist
COPY --chown=bridge:bridge package.json ./
COPY --chown=bridge:bridge bin ./bin
COPY --chown=bridge:bridge config ./config
COPY --chown=bridge:bridge migrations ./migrations
USER bridge
VOLUME ["/var/lib/scim-bridge"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 and gets SIGTERM itself, so the graceful shutdown runs.
ENTRYPOINT ["node", "bin/scim-bridge.js"]
CMD ["serve"]
