#!/usr/bin/env bash
# The scaled shape's end-to-end tests (issue 8, in progress; not yet part of `npm test`): a stack
# of its own whose Debezium topics have several partitions, several projectors in one group.
# Stopped and removed afterwards whatever happens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export READOUT_TOPIC_PARTITIONS="${READOUT_SCALE_TOPIC_PARTITIONS:-6}"
# shellcheck source=test/own-stack.sh
source test/own-stack.sh
own_stack SCALE "$PWD/.stack-scale" 54349 63792 19292 19293 18283
npx vitest run --project e2e-scale
