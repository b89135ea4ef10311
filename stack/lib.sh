# Shared helpers for the stack scripts: logging, prerequisites, pid files, health waits.
# shellcheck source=stack/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

RUN_DIR="$READOUT_STACK_DIR/run"
# The Node.js the project brings (the `node` package pinned in package.json: a supported LTS, not
# the machine's), or the machine's own before `npm install` ran.
READOUT_NODE="$READOUT_ROOT/node_modules/.bin/node"
[ -x "$READOUT_NODE" ] || READOUT_NODE=node
LOG_DIR="$READOUT_STACK_DIR/logs"
PG_DATA=""

# PostgreSQL runs as an unprivileged user, who may not be able to reach a clone under /root: then
# its data folder lives under /var/tmp instead, named after the stack folder (still ours alone).
resolve_pg_data() {
  PG_DATA="$READOUT_STACK_DIR/postgres"
  if [ "$(id -u)" = 0 ] && id "$READOUT_PG_OS_USER" >/dev/null 2>&1 &&
    ! runuser -u "$READOUT_PG_OS_USER" -- test -x "$(dirname "$READOUT_STACK_DIR")" 2>/dev/null; then
    PG_DATA="/var/tmp/readout-postgres-$(printf '%s' "$READOUT_STACK_DIR" | sha1sum | cut -c1-12)"
  fi
}
resolve_pg_data
PG_BIN_DIR=""

say() { printf '[stack] %s\n' "$*"; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# Finds the PostgreSQL server binaries (Debian keeps them off PATH, under /usr/lib/postgresql/N/bin).
find_pg_bin() {
  if [ -n "${READOUT_PG_BIN:-}" ]; then PG_BIN_DIR="$READOUT_PG_BIN"; return; fi
  local candidate
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && PG_BIN_DIR="$candidate"
  done
  if [ -z "$PG_BIN_DIR" ] && command -v initdb >/dev/null; then
    PG_BIN_DIR="$(dirname "$(readlink -f "$(command -v initdb)")")"
  fi
}

# A missing prerequisite: installed from Debian's packages when we are root and may, otherwise named.
require() {
  local what="$1" check="$2" package="$3"
  if eval "$check" >/dev/null 2>&1; then return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ "${READOUT_AUTO_INSTALL:-1}" = 1 ]; then
    say "$what is missing: installing the Debian package '$package'"
    if [ ! -f "$READOUT_STACK_DIR/.apt-updated" ]; then
      apt-get update -qq >/dev/null && mkdir -p "$READOUT_STACK_DIR" && touch "$READOUT_STACK_DIR/.apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null ||
      die "could not install $what (apt-get install $package failed)"
    eval "$check" >/dev/null 2>&1 && return
  fi
  die "$what not found. Install it, e.g. 'apt-get install $package' on Debian/Ubuntu, or set READOUT_AUTO_INSTALL=1 and run as root."
}

check_prerequisites() {
  require "Java 17+ (java)" "command -v java" openjdk-17-jre-headless
  require "Maven (mvn)" "command -v mvn" maven
  find_pg_bin
  require "PostgreSQL server binaries (initdb, pg_ctl, postgres)" "find_pg_bin; [ -x \"\$PG_BIN_DIR/initdb\" ]" postgresql
  find_pg_bin
  require "psql" "command -v psql" postgresql-client
  require "redis-server" "command -v redis-server" redis-server
  require "redis-cli" "command -v redis-cli" redis-tools
  require "curl" "command -v curl" curl
  local java_major
  java_major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
  [ "${java_major:-0}" -ge 17 ] || die "Java 17 or newer is needed (found ${java_major:-none}): apt-get install openjdk-17-jre-headless"
}

# Kafka, Connect and Debezium come from Maven Central through stack/pom.xml; ~/.m2 caches them,
# and a stamp of the pom's hash skips Maven entirely when nothing changed.
fetch_jars() {
  local stamp="$READOUT_STACK_CACHE/.pom-sha"
  local want
  want="$(sha256sum "$READOUT_ROOT/stack/pom.xml" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  say "fetching Kafka, Kafka Connect and Debezium from Maven Central (first run only)"
  # Maven's unpack markers (target/) go too: with them, a changed pom would leave the plugin
  # folder empty ("already unpacked").
  rm -rf "$READOUT_STACK_CACHE/kafka-libs" "$READOUT_STACK_CACHE/connect-plugins" "$READOUT_STACK_CACHE/target"
  mvn -q -B -f "$READOUT_ROOT/stack/pom.xml" -Dstack.cache="$READOUT_STACK_CACHE" package >"$READOUT_STACK_DIR/logs/maven.log" 2>&1 ||
    die "Maven could not fetch the stack's jars: see $LOG_DIR/maven.log"
  echo "$want" >"$stamp"
}

pid_file() { echo "$RUN_DIR/$1.pid"; }

# The demo's i-th process of a kind: "projector" for the first, then "projector-2", …
numbered() { if [ "$2" = 1 ]; then echo "$1"; else echo "$1-$2"; fi; }

is_running() {
  local file
  file="$(pid_file "$1")"
  [ -f "$file" ] && kill -0 "$(cat "$file")" 2>/dev/null
}

# Starts a long-running process in its own session, remembering its pid.
start_process() {
  local name="$1"
  shift
  setsid nohup "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
}

# Stops a process we started, by its recorded pid: TERM, then KILL after a grace period.
stop_process() {
  local name="$1" grace="${2:-30}" file pid
  file="$(pid_file "$name")"
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ $waited -lt $((grace * 5)) ]; do sleep 0.2; waited=$((waited + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name did not stop within ${grace}s: killing pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Polls a check until it passes; fails with the log to read when it does not within the limit.
wait_for() {
  local what="$1" seconds="$2" check="$3" log="${4:-}"
  local deadline=$((SECONDS + seconds))
  until eval "$check" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      [ -n "$log" ] && [ -f "$log" ] && tail -n 30 "$log" >&2
      die "$what was not ready within ${seconds}s${log:+ (log: $log)}"
    fi
    sleep 0.5
  done
}

as_pg_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$READOUT_PG_OS_USER" -- "$@"; else "$@"; fi
}

psql_admin() {
  PGPASSWORD="$READOUT_PG_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 -h "$READOUT_PG_HOST" -p "$READOUT_PG_PORT" -U "$READOUT_PG_USER" "$@"
}
