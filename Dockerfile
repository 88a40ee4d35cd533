# syntax=docker/dockerfile:1
# One image for every part of offergate; the command picks the part
# (dist/main.js: all in one; dist/<accounts|catalog|exchange|gateway>/server.js).

FROM node:22.23-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:22.23-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the embedded database binary stays (it is a regular dependency) but is never started when MONGODB_URI is set.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:22.23-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node schema ./schema
USER node
EXPOSE 4000
# /health answers 200 while the process serves (PORT: the gateway or the all-in-one; compose.yaml checks each subgraph on its own port).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
