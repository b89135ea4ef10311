#!/usr/bin/env bash
# The scaled shape's end-to-end tests (issue 8; `npm test` runs them before the main end-to-end
# tests, `npm run test:scale` alone): a stack of its own with a Redis Cluster of 3 primaries and
# 3 replicas and Debezium topics of 6 partitions; the tests start 3 projectors and 2 APIs.
# Stopped and removed afterwards whatever happens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export READOUT_TOPIC_PARTITIONS="${READOUT_SCALE_TOPIC_PARTITIONS:-6}"
export READOUT_REDIS_CLUSTER_PRIMARIES=3 READOUT_REDIS_CLUSTER_REPLICAS=1
# A replica takes over 2 s after its primary stops answering (the test kills one).
export READOUT_REDIS_CLUSTER_NODE_TIMEOUT_MS=2000
# shellcheck source=test/own-stack.sh
source test/own-stack.sh
# Redis from 16490 (cluster bus 26490 up): below the kernel's ephemeral ports (32768-60999 here),
# which an outgoing connection may hold at the moment a node binds.
own_stack SCALE "$PWD/.stack-scale" 54349 16490 19292 19293 18283
npx vitest run --project e2e-scale
