#!/usr/bin/env bash
# Starts and stops the real services the tests use, all on free 127.0.0.1 ports:
#   PostgreSQL 15 (Debian's binaries, a throwaway cluster run as the 'postgres' user when we are root),
#   Azurite (blob) and s3rver from the npm tools folder.
# Usage:
#   eval "$(eng/services.sh start)"   # prints export lines: ETL_TEST_PG, ETL_TEST_AZURITE_BLOB, ETL_TEST_S3_ENDPOINT, ETL_TOOLS_DIR
#   eng/services.sh stop
# State (pids, data, logs) lives in $ETL_SERVICES_DIR (default .artifacts/services).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${ETL_TOOLS_DIR:-$root/.tools}"
state="${ETL_SERVICES_DIR:-$root/.artifacts/services}"
pgbin="${ETL_PG_BIN:-/usr/lib/postgresql/15/bin}"

log() { printf '%s\n' "$*" >&2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() { # port, name, logfile
  local i
  for i in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  log "error: $2 did not open port $1 within 30 s; its log ($3) ends with:"
  tail -n 20 "$3" >&2 || true
  return 1
}

as_postgres() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  local dir="$state/pg" port; port=$(free_port)
  if [ ! -x "$pgbin/initdb" ]; then
    log "error: PostgreSQL binaries not found in $pgbin. Install Debian's postgresql-15 (apt-get install postgresql-15) or set ETL_PG_BIN."
    return 1
  fi
  rm -rf "$dir"; mkdir -p "$dir/data" "$dir/sock"
  if [ "$(id -u)" = "0" ]; then chown -R postgres:postgres "$dir"; fi
  as_postgres "$pgbin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >"$state/pg-initdb.log" 2>&1
  as_postgres "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 \
    -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >"$state/pg-start.log" 2>&1 || { log "error: PostgreSQL did not start:"; cat "$dir/pg.log" >&2; return 1; }
  echo "$port" >"$state/pg.port"
  echo "export ETL_TEST_PG='Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true'"
  echo "export ETL_TEST_PG_PORT=$port"
}

start_node_service() { # name, port, command...
  local name=$1 port=$2; shift 2
  nohup "$@" >"$state/$name.log" 2>&1 &
  echo $! >"$state/$name.pid"
  wait_port "$port" "$name" "$state/$name.log"
}

start() {
  mkdir -p "$state"
  if [ ! -x "$tools/node_modules/.bin/azurite-blob" ] || [ ! -x "$tools/node_modules/.bin/s3rver" ] || [ ! -d "$tools/node_modules/@duckdb/node-api" ]; then
    log "installing npm tools into $tools (azurite, s3rver, @duckdb/node-api, hyparquet)..."
    mkdir -p "$tools"
    [ -f "$tools/package.json" ] || echo '{"name":"etl-test-tools","private":true}' >"$tools/package.json"
    npm install --no-audit --no-fund --loglevel=error --prefix "$tools" \
      azurite@3.35.0 s3rver@3.7.1 @duckdb/node-api@1.5.6-r.1 hyparquet@1.31.5 >&2
  fi
  start_postgres
  local az s3
  az=$(free_port); rm -rf "$state/azurite"; mkdir -p "$state/azurite"
  start_node_service azurite "$az" "$tools/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$az" \
    --location "$state/azurite" --silent --loose
  echo "export ETL_TEST_AZURITE_BLOB='http://127.0.0.1:$az/devstoreaccount1'"
  s3=$(free_port); rm -rf "$state/s3rver"; mkdir -p "$state/s3rver"
  # s3rver encrypts ListObjectsV2 continuation tokens with DES, which Node's OpenSSL 3 only has in its legacy provider:
  # without it every listing past 1,000 keys fails with 500 InternalError.
  NODE_OPTIONS=--openssl-legacy-provider start_node_service s3rver "$s3" "$tools/node_modules/.bin/s3rver" -d "$state/s3rver" -a 127.0.0.1 -p "$s3" --silent
  echo "export ETL_TEST_S3_ENDPOINT='http://127.0.0.1:$s3'"
  echo "export ETL_TOOLS_DIR='$tools'"
  log "services started (state in $state)"
}

stop() {
  local name
  for name in azurite s3rver; do
    if [ -f "$state/$name.pid" ]; then
      kill "$(cat "$state/$name.pid")" 2>/dev/null || true
      rm -f "$state/$name.pid"
    fi
  done
  if [ -d "$state/pg/data" ]; then
    as_postgres "$pgbin/pg_ctl" -D "$state/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$state/pg" "$state/azurite" "$state/s3rver"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) log "usage: $0 start|stop"; exit 2 ;;
esac
