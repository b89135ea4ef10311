#!/usr/bin/env bash
# A Redis Cluster from the machine's own redis-server binary: PRIMARIES × (1 + REPLICAS) nodes on
# consecutive ports from BASE_PORT, each with its own folder, pid file and log under DIR.
#
#   redis-cluster.sh up DIR BASE_PORT PRIMARIES REPLICAS   start the nodes; form the cluster once
#   redis-cluster.sh down DIR                               stop every node started in DIR
#   redis-cluster.sh status DIR                             one line per node: port, role, pid
#
# Used by the local stack (stack/up.sh, when READOUT_REDIS_CLUSTER_PRIMARIES > 0) and by the
# component tests. READOUT_REDIS_CLUSTER_NODE_TIMEOUT_MS sets how long a primary may be silent
# before its replica takes over (default 3000).
set -euo pipefail

say() { printf '[redis-cluster] %s\n' "$*"; }
die() { printf '[redis-cluster] error: %s\n' "$*" >&2; exit 1; }
cli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }

# Every port whose folder DIR holds (the nodes started there, whatever their number).
ports_in() { find "$1" -mindepth 2 -maxdepth 2 -name redis.conf -printf '%h\n' 2>/dev/null | xargs -rn1 basename | sort -n; }

wait_until() {
  local what="$1" seconds="$2" check="$3"
  local deadline=$((SECONDS + seconds))
  until eval "$check" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "$what not within ${seconds}s"
    sleep 0.2
  done
}

start_node() {
  local dir="$1" port="$2" node="$1/$2"
  mkdir -p "$node"
  # A config file per node: CONFIG REWRITE and restarts keep the node's identity (nodes.conf).
  cat >"$node/redis.conf" <<CONF
port $port
bind 127.0.0.1
dir $node
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout ${READOUT_REDIS_CLUSTER_NODE_TIMEOUT_MS:-3000}
appendonly yes
appendfsync everysec
save ""
# On SIGTERM a primary waits this long (s) for its replicas to catch up (Redis 7's default is 10).
shutdown-timeout 2
daemonize yes
pidfile $node/redis.pid
logfile $node/redis.log
CONF
  if [ -f "$node/redis.pid" ] && kill -0 "$(cat "$node/redis.pid")" 2>/dev/null; then return; fi
  redis-server "$node/redis.conf"
}

up() {
  local dir="$1" base="$2" primaries="$3" replicas="$4"
  local count=$((primaries * (1 + replicas))) port hosts=()
  [ "$primaries" -ge 3 ] || die "a Redis Cluster needs at least 3 primaries (got $primaries)"
  # Each node also listens on its port + 10000 for the cluster bus.
  [ $((base + count - 1)) -le 55535 ] ||
    die "cluster nodes need ports of 55535 or less (the cluster bus uses port + 10000); got $base..$((base + count - 1))"
  for ((port = base; port < base + count; port++)); do
    start_node "$dir" "$port"
    hosts+=("127.0.0.1:$port")
  done
  for ((port = base; port < base + count; port++)); do
    # A node that did not start says why in its log (a port taken, say).
    (wait_until "node $port answering" 30 "cli $port ping | grep -q PONG") || {
      tail -n 5 "$dir/$port/redis.log" >&2 2>/dev/null
      exit 1
    }
  done
  if ! cli "$base" cluster info | grep -q '^cluster_slots_assigned:16384'; then
    say "forming the cluster: $primaries primaries with $replicas replica(s) each"
    redis-cli --cluster create "${hosts[@]}" --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log" 2>&1 ||
      { cat "$dir/create.log" >&2; die "redis-cli --cluster create failed"; }
  fi
  for ((port = base; port < base + count; port++)); do
    wait_until "node $port seeing the cluster ok" 60 "cli $port cluster info | grep -q '^cluster_state:ok'"
  done
  # A replica that has not finished its first sync would lose everything if promoted now.
  for ((port = base; port < base + count; port++)); do
    if cli "$port" role | head -1 | grep -q slave; then
      wait_until "replica $port in sync" 60 "cli $port info replication | grep -q 'master_link_status:up'"
    fi
  done
}

# Every node at once (a primary whose replicas went first has nothing to wait for), then KILL
# whatever is left after 15 s.
down() {
  local dir="$1" port pids=()
  for port in $(ports_in "$dir"); do
    [ -f "$dir/$port/redis.pid" ] || continue
    pids+=("$(cat "$dir/$port/redis.pid")")
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 75); do
    kill -0 "${pids[@]}" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

status() {
  local dir="$1" port pid role
  for port in $(ports_in "$dir"); do
    pid="$(cat "$dir/$port/redis.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      role="$(cli "$port" role 2>/dev/null | head -1)"
      printf '%s %s %s\n' "$port" "${role/slave/replica}" "$pid"
    else
      printf '%s stopped -\n' "$port"
    fi
  done
}

case "${1:-}" in
  up) [ $# -eq 5 ] || die "usage: $0 up DIR BASE_PORT PRIMARIES REPLICAS"; up "$2" "$3" "$4" "$5" ;;
  down) [ $# -eq 2 ] || die "usage: $0 down DIR"; down "$2" ;;
  status) [ $# -eq 2 ] || die "usage: $0 status DIR"; status "$2" ;;
  *) die "usage: $0 up|down|status DIR ..." ;;
esac
