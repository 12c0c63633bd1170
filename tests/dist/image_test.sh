#!/usr/bin/env bash
# The container image (issue 23, item 4), built and run with Debian's podman:
#   1. scripts/image builds it FROM scratch from BA_ISSUER_BIN; its config (user 10001, volume
#      /data, port 3000, entrypoint) and its files (the binary, exactly the libraries ldd lists
#      for it, for libpq.so.5 and for the NSS modules; CA certificates; no shell) are checked;
#   2. a container on a named volume, port published, answers /api/auth/jwks and a sign-up,
#      runs as uid 10001 (the host's /proc/PID/status), and stops cleanly on SIGTERM;
#   3. a new container on the same volume: the user signs in, the old session still works, and
#      /token signs with the same kid (the database was kept);
#   4. one on the host network with --db postgres://...@localhost and --secondary-storage
#      redis://localhost (throwaway servers): libpq is dlopened and the host names resolve.
# Prints the image size and the time from `podman run` to the ready line and to the first 200.
# Fails, never skips, when podman (or runc) is missing or cannot run a container here.
#   BA_ISSUER_BIN=build/ba-issuer tests/dist/image_test.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
binary=$(realpath "${BA_ISSUER_BIN:?set BA_ISSUER_BIN to the ba-issuer binary}")
work=$(mktemp -d /tmp/ba-issuer-image-test.XXXXXX)
chmod 755 "$work"  # the postgres user makes its cluster under it
tag=localhost/ba-issuer-test:$$
volume=ba-issuer-test-$$
containers=()
passed=0
redis_pid=""
pg_dir=""

# Never printed: it only has to be the same across the restart (keys are sealed with it).
BETTER_AUTH_SECRET="image-test-secret-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export BETTER_AUTH_SECRET

cleanup() {
  local name
  for name in "${containers[@]}"; do podman rm -f -v -t 0 "$name" >/dev/null 2>&1 || true; done
  [ -z "$redis_pid" ] || kill "$redis_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  podman rmi -f "$tag" >/dev/null 2>&1 || true
  podman volume rm -f "$volume" >/dev/null 2>&1 || true
  [ -z "$pg_dir" ] || "$here/tests/support/pg_cluster.sh" stop "$pg_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "image: $passed passed, 1 failed"
  exit 1
}
ok() { echo "ok: $*"; passed=$((passed + 1)); }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# What this machine needs to run any container (a VM without CAP_SYS_RESOURCE, on hybrid
# cgroups v1 + v2), and is as valid anywhere else:
#   - runc: crun 1.8 refuses hybrid cgroups ("crun: cgroups in hybrid mode not supported, drop
#     all controllers from cgroupv2"), with or without --cgroups=disabled;
#   - rlimits no higher than ours: podman's defaults (nofile and nproc 1048576) fail with
#     "setrlimit `RLIMIT_NOFILE`: Operation not permitted" (crun) or "error setting rlimit type
#     7: operation not permitted" (runc); podman lowers its own nproc to 32768 at start.
run_flags() {
  local nofile nproc
  nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
  nproc=$(ulimit -Hu); { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  echo --runtime "${PODMAN_RUNTIME:-runc}" --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc"
}

check_tools() {
  command -v podman >/dev/null || fail "podman is not installed (Debian: podman)"
  command -v "${PODMAN_RUNTIME:-runc}" >/dev/null \
    || fail "${PODMAN_RUNTIME:-runc} is not installed (Debian: runc); crun cannot run containers on hybrid cgroups"
  command -v curl >/dev/null || fail "curl is not installed"
}

build_image() {
  local started
  started=$(now_ms)
  "$here/scripts/image" "$binary" "$tag" >"$work/build.out" 2>"$work/build.log" \
    || { cat "$work/build.log" >&2; fail "scripts/image did not build the image"; }
  ok "scripts/image built $tag in $(($(now_ms) - started)) ms"
  echo "image size: $(podman image inspect -f '{{.Size}}' "$tag") bytes"
}

check_config() {
  local config
  config=$(podman image inspect -f '{{.Config.User}} {{json .Config.Volumes}} {{json .Config.ExposedPorts}} {{json .Config.Entrypoint}}' "$tag")
  [ "$config" = '10001:10001 {"/data":{}} {"3000/tcp":{}} ["/usr/bin/ba-issuer"]' ] \
    || fail "image config: $config"
  ok "image config: user 10001:10001, volume /data, port 3000, entrypoint /usr/bin/ba-issuer"
}

# Basenames of every library ldd lists for these ELF files, and the files themselves.
ldd_names() {
  local file
  for file in "$@"; do
    ldd "$file" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'
    echo "$file"
  done | xargs -n1 basename | sort -u
}

check_files() {
  local id libpq nss_files nss_dns
  id=$(podman create "$tag")
  podman export "$id" | tar tv >"$work/files"
  podman rm -v "$id" >/dev/null
  grep -q ' usr/bin/ba-issuer$' "$work/files" || fail "no /usr/bin/ba-issuer in the image"
  grep -q ' etc/ssl/certs/ca-certificates.crt$' "$work/files" || fail "no CA certificates in the image"
  grep -Eq '^drwx------ (10001|ba-issuer)/(10001|ba-issuer) .* data/$' "$work/files" \
    || fail "/data is not 0700 10001: $(grep ' data/$' "$work/files")"
  if grep -Eq ' (bin|usr/bin)/sh$' "$work/files"; then fail "the image has a shell"; fi
  libpq=$(ldconfig -p | awk '$1 == "libpq.so.5" && /x86-64/ && !found {print $NF; found = 1}')
  nss_files=$(ldconfig -p | awk '$1 == "libnss_files.so.2" && /x86-64/ && !found {print $NF; found = 1}')
  nss_dns=$(ldconfig -p | awk '$1 == "libnss_dns.so.2" && /x86-64/ && !found {print $NF; found = 1}')
  ldd_names "$binary" "$libpq" "$nss_files" "$nss_dns" | grep -vx "$(basename "$binary")" >"$work/expected"
  grep -E '\.so(\.[0-9]+)*$' "$work/files" | awk '{print $NF}' | xargs -n1 basename | sort -u >"$work/actual"
  diff "$work/expected" "$work/actual" >"$work/libdiff" \
    || fail "the image's libraries are not ldd's list (< ldd only, > image only): $(cat "$work/libdiff")"
  ok "image files: binary, CA bundle, /data 0700 10001, no shell, exactly ldd's $(wc -l <"$work/expected") libraries"
}

# start NAME URL PODMAN-ARGS... -- SERVER-ARGS...: runs the container attached (in the
# background, its output in $work/NAME.log), waits for the ready line and then for the first
# 200 from URL/api/auth/jwks, and prints both times from `podman run`.
start() {
  local name=$1 url=$2 started pid podman_args=() deadline ready
  shift 2
  while [ "$1" != -- ]; do podman_args+=("$1"); shift; done
  shift
  containers+=("$name")
  : >"$work/$name.log"
  started=$(now_ms)
  # shellcheck disable=SC2046
  podman run --name "$name" $(run_flags) -e BETTER_AUTH_SECRET "${podman_args[@]}" "$tag" "$@" \
    >"$work/$name.log" 2>&1 &
  pid=$!
  deadline=$((started + 30000))
  until grep -q '^listening on http' "$work/$name.log"; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/$name.log" >&2; fail "$name exited before its ready line"; }
    [ "$(now_ms)" -lt "$deadline" ] || { cat "$work/$name.log" >&2; fail "$name: no ready line in 30 s"; }
    sleep 0.01
  done
  ready=$(($(now_ms) - started))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/auth/jwks")" = 200 ]; do
    [ "$(now_ms)" -lt "$deadline" ] || fail "$name: /api/auth/jwks never answered 200"
    sleep 0.01
  done
  ok "$name: podman run to ready line $ready ms, to first 200 $(($(now_ms) - started)) ms"
}

# stop NAME: SIGTERM through podman stop; the server must exit 0 (a clean stop).
stop() {
  local code
  podman stop -t 10 "$1" >/dev/null
  code=$(podman inspect -f '{{.State.ExitCode}}' "$1")
  [ "$code" = 0 ] || { cat "$work/$1.log" >&2; fail "$1 exited $code on SIGTERM"; }
  podman rm -v "$1" >/dev/null
  ok "$1 stopped cleanly (exit 0)"
}

# request METHOD URL [curl args]: the status code; the body goes to $work/body.
request() {
  curl -s -o "$work/body" -w '%{http_code}' -X "$1" "$2" "${@:3}"
}

# The kid of the one key in the JWKS in $work/body.
jwks_kid() {
  /usr/bin/python3 -c '
import json, sys
keys = json.load(open(sys.argv[1]))["keys"]
assert len(keys) == 1 and keys[0]["kid"], keys
print(keys[0]["kid"])' "$work/body"
}

sign_up() {  # URL JAR
  local status
  status=$(request POST "$1/api/auth/sign-up/email" -c "$2" -H 'content-type: application/json' \
    -H "origin: $1" -d '{"name":"Ada","email":"ada@example.com","password":"password123"}')
  [ "$status" = 200 ] || fail "sign-up answered $status: $(cat "$work/body")"
}

sign_in() {  # URL JAR
  local status
  status=$(request POST "$1/api/auth/sign-in/email" -c "$2" -H 'content-type: application/json' \
    -H "origin: $1" -d '{"email":"ada@example.com","password":"password123"}')
  [ "$status" = 200 ] || fail "sign-in answered $status: $(cat "$work/body")"
}

# token_kid URL JAR: GET /token with the jar's session, verified against URL's JWKS (PyJWT,
# iss and aud the URL); prints the token's kid, never the token.
token_kid() {
  local status
  status=$(request GET "$1/api/auth/token" -b "$2")
  [ "$status" = 200 ] || fail "/token answered $status: $(cat "$work/body")"
  /usr/bin/python3 -c '
import json, sys, jwt
token = json.load(open(sys.argv[1]))["token"]
key = jwt.PyJWKClient(sys.argv[2] + "/api/auth/jwks").get_signing_key_from_jwt(token)
jwt.decode(token, key.key, algorithms=["EdDSA"], issuer=sys.argv[2], audience=sys.argv[2])
print(jwt.get_unverified_header(token)["kid"])' "$work/body" "$1"
}

# Run 1 and 2: a published port and a named volume, restarted.
check_volume_restart() {
  local port url pid uid first_kid kid
  podman volume create "$volume" >/dev/null
  port=$(free_port); url=http://127.0.0.1:$port
  start first "$url" -p "127.0.0.1:$port:3000" -v "$volume:/data" --
  [ "$(request GET "$url/api/auth/jwks")" = 200 ] || fail "/jwks: $(cat "$work/body")"
  first_kid=$(jwks_kid) || fail "/jwks has not one key with a kid: $(cat "$work/body")"
  ok "first: GET /api/auth/jwks 200 with one key"
  sign_up "$url" "$work/jar1"
  ok "first: sign-up 200"
  [ "$(podman inspect -f '{{.Config.User}}' first)" = 10001:10001 ] || fail "container user is not 10001"
  pid=$(podman inspect -f '{{.State.Pid}}' first)
  uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
  [ "$uid" = "10001 10001 10001 10001" ] || fail "the server runs as uid $uid"
  ok "first: the server (host pid $pid) runs as uid 10001 (real, effective, saved, fs)"
  stop first

  port=$(free_port); url=http://127.0.0.1:$port
  start second "$url" -p "127.0.0.1:$port:3000" -v "$volume:/data" --
  [ "$(request GET "$url/api/auth/jwks")" = 200 ] || fail "/jwks: $(cat "$work/body")"
  kid=$(jwks_kid) || fail "/jwks has not one key with a kid: $(cat "$work/body")"
  [ "$kid" = "$first_kid" ] || fail "the JWKS kid changed across the restart"
  ok "second: the same JWKS kid as before the restart"
  kid=$(token_kid "$url" "$work/jar1") || fail "the first run's session gives no verified token"
  [ "$kid" = "$first_kid" ] || fail "/token signed with another kid"
  ok "second: the first run's session still gives a verified token, same kid"
  sign_in "$url" "$work/jar2"
  kid=$(token_kid "$url" "$work/jar2") || fail "the new session gives no verified token"
  [ "$kid" = "$first_kid" ] || fail "/token signed with another kid"
  ok "second: the user signs in; /token verifies against the JWKS, same kid"
  stop second
}

start_backends() {
  local _
  pg_dir=$work/pg
  pg_url=$("$here/tests/support/pg_cluster.sh" start "$pg_dir") || fail "PostgreSQL did not start"
  pg_port=$(sed -E 's/.*:([0-9]+)\/.*/\1/' <<<"$pg_url")
  redis_port=$(free_port)
  /usr/bin/redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    >"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 200); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return
    sleep 0.02
  done
  fail "redis-server did not start: $(cat "$work/redis.log")"
}

# Run 3: the host network, PostgreSQL and Redis named as localhost (libpq dlopened, NSS).
check_postgres_redis() {
  local port url rows keys
  start_backends
  port=$(free_port); url=http://127.0.0.1:$port
  start stores "$url" --network host -- --host 127.0.0.1 --port "$port" \
    --db "postgres://postgres@localhost:$pg_port/postgres" \
    --secondary-storage "redis://localhost:$redis_port"
  sign_up "$url" "$work/jar3"
  token_kid "$url" "$work/jar3" >/dev/null || fail "no verified token on PostgreSQL and Redis"
  rows=$(psql "$pg_url" -tAc "select count(*) from \"user\" where email = 'ada@example.com'")
  [ "$rows" = 1 ] || fail "the user is not in PostgreSQL ($rows rows)"
  keys=$(redis-cli -p "$redis_port" dbsize)
  [ "$keys" -gt 0 ] || fail "nothing was written to Redis"
  ok "stores: postgres://localhost and redis://localhost: sign-up, /token verified, the user in PostgreSQL, $keys keys in Redis"
  stop stores
}

check_tools
build_image
check_config
check_files
check_volume_restart
check_postgres_redis
echo "image: $passed passed, 0 failed"
