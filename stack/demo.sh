#!/usr/bin/env bash
# The README's run command (`npm run demo`): the whole pipeline with a demo workload. Starts the
# local stack, seeds orders once, starts the projector, the API and a workload in the background,
# waits until the API answers, and prints where to look. Running it again starts only what is down.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$READOUT_ROOT"

bash stack/up.sh
readout() { node --import tsx src/main.ts "$@"; }
start_readout() {
  local name="$1"
  shift
  if is_running "$name"; then say "$name already running"; else start_process "$name" node --import tsx src/main.ts "$@"; fi
}

if [ "$(psql_admin -d "$READOUT_PG_DATABASE" -tAc 'SELECT count(*) FROM orders')" = 0 ]; then
  say "seeding 500 orders"
  readout seed --count 500
fi
say "bundling the web pages (dashboard, GraphiQL)"
npm run -s build:web
start_readout projector projector
start_readout api api
api_url="http://127.0.0.1:$READOUT_API_PORT/graphql"
wait_for "the GraphQL API" 60 "curl -fsS http://127.0.0.1:$READOUT_API_PORT/healthz" "$LOG_DIR/api.log"
start_readout workload workload --rate "${READOUT_DEMO_RATE:-10}"

cat <<INFO

Readout is running: PostgreSQL → Debezium → Kafka → projector → Redis → GraphQL.
A workload writes ~${READOUT_DEMO_RATE:-10} order changes a second (inserts, status updates, deletes).

  Live dashboard:                  http://127.0.0.1:$READOUT_API_PORT/dashboard/
  GraphQL (HTTP and graphql-ws):   $api_url
  GraphiQL (offline, live queries): http://127.0.0.1:$READOUT_API_PORT/graphiql
  Query it:
    curl -s $api_url -H 'content-type: application/json' \\
      -d '{"query":"{ ordersByStatus { groups { status count revenue } freshness { version lagMs } } }"}'
  Watch the live subscription (one line per version; Ctrl-C to stop):
    npm run -s watch
  Change data yourself and see it arrive:
    PGPASSWORD=$READOUT_PG_PASSWORD psql -h $READOUT_PG_HOST -p $READOUT_PG_PORT -U $READOUT_PG_USER $READOUT_PG_DATABASE \\
      -c "INSERT INTO orders (customer, status, amount) VALUES ('you', 'paid', 1000.00)"
  Compare with the source:
    ... -c "SELECT status, count(*), sum(amount) FROM orders GROUP BY status ORDER BY status"

  Status:  npm run stack:status        Logs: $LOG_DIR
  Stop:    npm run stack:down          (add -- --purge to delete the data too)
INFO
