#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, on a free loopback port, TCP only, trust auth.
#   pg_cluster.sh start DIR   makes DIR (somewhere the postgres user can reach, e.g. /tmp),
#                             starts the cluster there, writes DIR/url and prints it
#   pg_cluster.sh stop DIR    stops it and removes DIR
#   pg_cluster.sh down DIR    stops the server, keeping the cluster (fault tests)
#   pg_cluster.sh up DIR      starts it again on the same port
# initdb refuses root: as root the cluster runs as the `postgres` system user (made by Debian's
# postgresql package, which scripts/setup installs), through runuser. Fails loudly if it cannot
# start: the PostgreSQL tests must never pass by skipping.
set -euo pipefail
cmd=${1:?start, stop, down or up}
dir=$(realpath -m "${2:?cluster directory}")
self=$(realpath "$0")
# The postgres user may not be able to enter the caller's directory (a clone under /root).
cd /
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "pg_cluster: PostgreSQL is not installed (scripts/setup)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_on() {
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 -s -o \
    "-c listen_addresses=127.0.0.1 -p $1 -c unix_socket_directories='' -c fsync=off \
     -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start
}

case "$cmd" in
  start)
    [ -d "$dir/data" ] && "$self" stop "$dir"  # left by a run that was killed
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    for attempt in 1 2 3 4 5; do
      port=$(free_port)
      if start_on "$port"; then
        echo "postgres://postgres@127.0.0.1:$port/postgres" >"$dir/url"
        cat "$dir/url"
        exit 0
      fi
    done
    echo "pg_cluster: PostgreSQL did not start; its log:" >&2
    cat "$dir/log" >&2 || true
    exit 1
    ;;
  stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -s stop || true
    rm -rf "$dir"
    ;;
  down)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -s stop
    ;;
  up)
    start_on "$(sed -E 's/.*:([0-9]+)\/.*/\1/' "$dir/url")"
    ;;
  *) echo "pg_cluster: start, stop, down or up" >&2; exit 2 ;;
esac
