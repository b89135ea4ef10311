#!/usr/bin/env bash
# The README's run command (`npm run demo`): the whole pipeline with a demo workload. Starts the
# local stack, seeds orders once, starts the projector, the API and a workload in the background,
# waits until the API answers, and prints where to look. Running it again starts only what is down.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$READOUT_ROOT"

bash stack/up.sh
demo() { "$READOUT_NODE" demo/cli.ts "$@"; }
start_readout() {
  local name="$1"
  shift
  if is_running "$name"; then say "$name already running"; else start_process "$name" "$READOUT_NODE" src/main.ts "$@"; fi
}
# Process i of a kind listens on its base port + 10 × (i - 1) (stack/env.sh).
port_of() { echo $(($1 + 10 * ($2 - 1))); }

if [ "$(psql_admin -d "$READOUT_PG_DATABASE" -tAc 'SELECT count(*) FROM orders')" = 0 ]; then
  say "seeding 500 orders"
  demo seed --count 500
fi
say "bundling the web pages (dashboard, GraphiQL)"
npm run -s build:web
for ((i = 1; i <= READOUT_PROJECTORS; i++)); do
  READOUT_PROJECTOR_PORT="$(port_of "$READOUT_PROJECTOR_PORT" "$i")" start_readout "$(numbered projector "$i")" projector
done
for ((i = 1; i <= READOUT_APIS; i++)); do
  READOUT_API_PORT="$(port_of "$READOUT_API_PORT" "$i")" start_readout "$(numbered api "$i")" api
done
api_url="http://127.0.0.1:$READOUT_API_PORT/graphql"
for ((i = 1; i <= READOUT_APIS; i++)); do
  wait_for "the GraphQL API $i" 60 "curl -fsS http://127.0.0.1:$(port_of "$READOUT_API_PORT" "$i")/healthz" \
    "$LOG_DIR/$(numbered api "$i").log"
done
if is_running workload; then say "workload already running"; else
  start_process workload "$READOUT_NODE" demo/cli.ts workload --rate "${READOUT_DEMO_RATE:-10}"
fi

shape="one projector, one API, one Redis"
if [ "$READOUT_PROJECTORS$READOUT_APIS$READOUT_REDIS_CLUSTER_PRIMARIES" != 110 ]; then
  other_apis=""
  for ((i = 2; i <= READOUT_APIS; i++)); do other_apis+=" http://127.0.0.1:$(port_of "$READOUT_API_PORT" "$i")/graphql"; done
  shape="$READOUT_PROJECTORS projector(s) in one consumer group over $READOUT_TOPIC_PARTITIONS partition(s) per topic, $READOUT_APIS API process(es)${other_apis:+ (the others:$other_apis)}, Redis ${READOUT_REDIS_CLUSTER_NODES:+Cluster $READOUT_REDIS_CLUSTER_NODES}"
fi

cat <<INFO

Readout is running: PostgreSQL → Debezium → Kafka → projector → Redis → GraphQL.
Shape: $shape.
A workload writes ~${READOUT_DEMO_RATE:-10} order changes a second (inserts, status updates, deletes).

  Live dashboard (every model):    http://127.0.0.1:$READOUT_API_PORT/dashboard/
  The demo's own orders page:      http://127.0.0.1:$READOUT_API_PORT/demo/
  GraphQL (HTTP and graphql-ws):   $api_url
  GraphiQL (offline, live queries): http://127.0.0.1:$READOUT_API_PORT/graphiql
  Query it:
    curl -s $api_url -H 'content-type: application/json' \\
      -d '{"query":"{ ordersByStatus { rows { status orders revenue } freshness { version lagMs } } }"}'
  Watch the live subscription (one line per version; Ctrl-C to stop):
    ${READOUT_SHAPE:+READOUT_API_PORT=$READOUT_API_PORT }npm run -s watch
  Change data yourself and see it arrive:
    PGPASSWORD=$READOUT_PG_PASSWORD psql -h $READOUT_PG_HOST -p $READOUT_PG_PORT -U $READOUT_PG_USER $READOUT_PG_DATABASE \\
      -c "INSERT INTO orders (customer, status, amount) VALUES ('you', 'paid', 1000.00)"
  Compare with the source:
    ... -c "SELECT status, count(*), sum(amount) FROM orders GROUP BY status ORDER BY status"

  Status:  ${READOUT_SHAPE:+READOUT_SHAPE=$READOUT_SHAPE }npm run stack:status        Logs: $LOG_DIR
  Stop:    ${READOUT_SHAPE:+READOUT_SHAPE=$READOUT_SHAPE }npm run stack:down          (add -- --purge to delete the data too)
INFO
