# Readout's projector and API for docker-compose (one image, the command picks the role).
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not npm ci: see docs/decisions.md (npm leaves other platforms' optional packages out of the lockfile).
RUN npm install --no-audit --no-fund
COPY tsconfig.json codegen.yml ./
COPY schema ./schema
COPY readmodels ./readmodels
COPY stack/connector ./stack/connector
COPY src ./src
COPY demo ./demo
COPY web ./web
COPY vite.config.ts ./
RUN npm run build:web
USER node
ENTRYPOINT ["node", "src/main.ts"]
CMD ["api"]
