#!/usr/bin/env bash
# The README's test command (`npm test`) runs this: static checks, unit and component tests,
# then the end-to-end tests on local stacks of their own (own ports and data folders, so a demo
# stack can keep running): the scaled shape's, then the main one; each is stopped and removed
# afterwards whatever happens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== static checks (generated types current, types, lint, format)"
npm run -s check

echo "== unit and component tests"
npx vitest run --project unit --project component

echo "== web pages (dashboard, GraphiQL), bundled for the API to serve; Chromium for the browser test"
npm run -s build:web
bash test/install-chromium.sh

# The scaled shape first, as a process of its own: its stack is down and removed before the main
# stack starts, and none of its settings reach the tests below.
echo "== the scaled shape end to end (3 projectors, 2 APIs, Redis Cluster of 3+3, 6 partitions)"
bash test/run-scale.sh

echo "== end-to-end tests on the real stack"
# shellcheck source=test/own-stack.sh
source test/own-stack.sh
own_stack TEST "$PWD/.stack-test" 54339 63791 19192 19193 18183
npx vitest run --project e2e
echo "== cleanups end to end (archiver, mass-delete guard, TRUNCATE) on the same stack"
npx vitest run --project e2e-cleanup
