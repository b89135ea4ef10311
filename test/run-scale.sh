#!/usr/bin/env bash
# The scaled shape's end-to-end tests (issue 8, in progress; not yet part of `npm test`): a stack
# of its own whose Debezium topics have several partitions, several projectors in one group.
# Stopped and removed afterwards whatever happens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export READOUT_STACK_DIR="${READOUT_SCALE_STACK_DIR:-$PWD/.stack-scale}"
export READOUT_PG_PORT="${READOUT_SCALE_PG_PORT:-54349}"
export READOUT_REDIS_PORT="${READOUT_SCALE_REDIS_PORT:-63792}"
export READOUT_KAFKA_PORT="${READOUT_SCALE_KAFKA_PORT:-19292}"
export READOUT_KAFKA_CONTROLLER_PORT="${READOUT_SCALE_KAFKA_CONTROLLER_PORT:-19293}"
export READOUT_CONNECT_PORT="${READOUT_SCALE_CONNECT_PORT:-18283}"
export READOUT_TOPIC_PARTITIONS="${READOUT_SCALE_TOPIC_PARTITIONS:-6}"
# shellcheck source=stack/env.sh
source stack/env.sh
trap 'bash stack/down.sh --purge >/dev/null 2>&1 || true' EXIT
bash stack/up.sh
npx vitest run --project e2e-scale
