# Aiguilleur container image.
#   docker build -t aiguilleur .
#   docker run --rm -p 5060:5060/udp -p 5060:5060/tcp -p 3000:3000 -p 40000-40099:40000-40099/udp \
#     -e AIGUILLEUR_SIP_EXTERNAL_ADDRESS=<host IP> -e AIGUILLEUR_RTP_PORT_MAX=40099 aiguilleur

# --- build: compile TypeScript with the dev dependencies ---------------------------------------------------
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
# Prompt audio is rendered at build time (espeak-ng); studio recordings placed in prompts/<lang>/ are kept.
COPY prompts ./prompts
RUN node dist/src/cli.js prompts render

# --- runtime: production dependencies and the compiled output only -----------------------------------------
FROM node:20-bookworm-slim AS runtime
# espeak-ng: runtime TTS for dynamic text (digits, numbers) when no cloud TTS is configured.
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/prompts ./prompts
COPY config ./config
RUN mkdir -p /app/var && chown node:node /app/var

# In a container the services must listen on every interface, and SIP peers arrive from the container
# network rather than loopback: allow the private ranges (RFC 1918, RFC 4193). Narrow AIGUILLEUR_SIP_ACL
# to your carriers' and SBCs' addresses in production. The wire port (drachtio) stays on loopback.
ENV AIGUILLEUR_SIP_HOST=0.0.0.0 \
    AIGUILLEUR_HTTP_HOST=0.0.0.0 \
    AIGUILLEUR_DATA_DIR=/app/var \
    AIGUILLEUR_SIP_ACL=127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7

# The generated wire secret and local state live here; mount a volume to keep them across restarts.
VOLUME ["/app/var"]
USER node

# SIP (UDP and TCP), ops HTTP API, and the default RTP port range (media.rtpPortMin..rtpPortMax).
EXPOSE 5060/udp 5060/tcp 3000 40000-49999/udp

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.AIGUILLEUR_HTTP_PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM (docker stop) drains live calls: give `docker stop -t` at least calls.drainTimeoutSeconds.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/cli.js", "serve"]
