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
# shellcheck source=test/own-stack.sh
source test/own-stack.sh
own_stack TEST "$PWD/.stack-test" 54339 63791 19192 19193 18183
npx vitest run --project e2e
echo "== cleanups end to end (archiver, mass-delete guard, TRUNCATE) on the same stack"
npx vitest run --project e2e-cleanup
