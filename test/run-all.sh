#!/usr/bin/env bash
# The README's test command (`npm test`) runs this: static checks, unit and component tests,
# then the end-to-end tests on a local stack of their own (own ports and data folder, so a demo
# stack can keep running), which is stopped and removed afterwards whatever happens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== static checks (generated types current, types, lint, format)"
npm run -s check

echo "== unit and component tests"
npx vitest run --project unit --project component

echo "== web pages (dashboard, GraphiQL), bundled for the API to serve; Chromium for the browser test"
npm run -s build:web
bash test/install-chromium.sh

echo "== end-to-end tests on the real stack"
export READOUT_STACK_DIR="${READOUT_TEST_STACK_DIR:-$PWD/.stack-test}"
export READOUT_PG_PORT="${READOUT_TEST_PG_PORT:-54339}"
export READOUT_REDIS_PORT="${READOUT_TEST_REDIS_PORT:-63791}"
export READOUT_KAFKA_PORT="${READOUT_TEST_KAFKA_PORT:-19192}"
export READOUT_KAFKA_CONTROLLER_PORT="${READOUT_TEST_KAFKA_CONTROLLER_PORT:-19193}"
export READOUT_CONNECT_PORT="${READOUT_TEST_CONNECT_PORT:-18183}"
# shellcheck source=stack/env.sh
source stack/env.sh
trap 'bash stack/down.sh --purge >/dev/null 2>&1 || true' EXIT
bash stack/up.sh
npx vitest run --project e2e
echo "== cleanups end to end (archiver, mass-delete guard, TRUNCATE) on the same stack"
npx vitest run --project e2e-cleanup
