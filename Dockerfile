# Readout's projector and API for docker-compose (one image, the command picks the role).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json codegen.yml ./
COPY schema ./schema
COPY readmodels ./readmodels
COPY src ./src
USER node
ENTRYPOINT ["node", "--import", "tsx", "src/main.ts"]
CMD ["api"]
