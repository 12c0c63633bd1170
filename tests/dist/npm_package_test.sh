#!/usr/bin/env bash
# Issue 23, the npm package, tested where a user would use it (CTest: dist.npm). Packs
# clients/node with $BA_ISSUER_BIN (clients/node/pack.sh), installs the tarball into a fresh copy
# of tests/dist/npm-project (vitest, jose and better-auth from its lockfile, then
# `npm install <tgz>`), and there: `npx ba-issuer --version`; the bundled binary runs with only
# glibc from the machine (ldd, and a chroot holding nothing else); its .d.ts files type-check
# (tsc); the Vitest suite (globalSetup
# from the package, jose, the real better-auth client); the node:test example
# (examples/node-package); no server left behind when the parent is killed with -9, crashes, or
# exits without stop(). Prints the tarball's and the installed package's sizes and the time from
# startIssuer() to ready.
#   BA_ISSUER_BIN=build/ba-issuer tests/dist/npm_package_test.sh
# Needs: node >= 20 and npm, strip, patchelf, ldd, objdump, unshare, chroot, mount.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ORPHAN_LIMIT_S=2   # a killed parent's server must be gone within this

fail() {
  echo "npm_package_test: FAIL: $*" >&2
  exit 1
}

[ -n "${BA_ISSUER_BIN:-}" ] || fail "set BA_ISSUER_BIN to the ba-issuer binary to package"
binary=$(readlink -f "$BA_ISSUER_BIN")
[ -x "$binary" ] || fail "$BA_ISSUER_BIN is not an executable file"
for tool in node npm npx strip patchelf ldd objdump unshare chroot mount; do
  command -v "$tool" >/dev/null || fail "$tool is required and was not found"
done

work=$(mktemp -d)
started_pids=()
cleanup() {  # what this script started and has not waited for yet
  local pid
  for pid in "${started_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
# Waits for background process $1 (started_pids), then forgets it.
reap() {
  local status=0
  wait "$1" || status=$?
  started_pids=("${started_pids[@]/$1}")
  return "$status"
}
trap cleanup EXIT

t0=$(date +%s%N)
step() { echo "== [$(( ($(date +%s%N) - t0) / 1000000 )) ms] $*"; }

# True while process $1 runs (a zombie has stopped running: its port is closed).
running() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}

# Waits up to $2 seconds for process $1 to stop running; prints the milliseconds it took.
wait_gone() {
  local start=$(date +%s%N) limit=$(( $2 * 1000000000 ))
  while running "$1"; do
    [ $(( $(date +%s%N) - start )) -lt "$limit" ] || return 1
    sleep 0.05
  done
  echo $(( ($(date +%s%N) - start) / 1000000 ))
}

# Waits up to 20 s for file $1 to have a line; prints it.
first_line() {
  local i
  for i in $(seq 400); do
    if [ -s "$1" ] && head -n 1 "$1" | grep -q .; then head -n 1 "$1"; return 0; fi
    sleep 0.05
  done
  return 1
}

json_field() { node -e 'console.log(JSON.parse(process.argv[1])[process.argv[2]])' "$1" "$2"; }

# --- pack ---------------------------------------------------------------------------------------
step "pack $binary"
tarball=$("$root/clients/node/pack.sh" "$binary" "$work/pack")
[ -f "$tarball" ] || fail "pack.sh printed no tarball: $tarball"
tar_bytes=$(stat -c %s "$tarball")
echo "tarball: $(basename "$tarball"), $tar_bytes bytes"

# --- a fresh project ----------------------------------------------------------------------------
step "fresh project: npm ci (vitest, jose, better-auth) + npm install <tgz>"
project=$work/project
mkdir -p "$project/node-example"
cp "$here"/npm-project/{package.json,package-lock.json,tsconfig.json,*.mjs,*.ts} "$project"/
cp "$root/examples/node-package/example.test.mjs" "$project/node-example/"
cd "$project"
npm ci --no-audit --no-fund --prefer-offline --loglevel=error
npm install --no-save --no-audit --no-fund --prefer-offline --loglevel=error "$tarball"
package_dir=$project/node_modules/ba-issuer
[ -f "$package_dir/package.json" ] || fail "npm install $tarball left no node_modules/ba-issuer"
installed_bytes=$(du -sb "$package_dir" | awk '{ print $1 }')
# From here on the tests must find the bundled binary, not the build's.
unset BA_ISSUER_BIN

step "npx ba-issuer --version"
want=$("$binary" --version)
got=$(npx --no-install ba-issuer --version)
[ "$got" = "$want" ] || fail "npx ba-issuer --version printed '$got', not '$want'"
echo "$got"
status=0
npx --no-install ba-issuer --bogus 2>"$work/npx.err" || status=$?
[ "$status" -eq 2 ] || fail "npx ba-issuer --bogus exited $status, not the binary's 2"
grep -q 'unknown argument: --bogus' "$work/npx.err" || fail "npx ba-issuer --bogus: $(cat "$work/npx.err")"

step "the package's types: tsc --noEmit on types-check.ts"
npx --no-install tsc -p tsconfig.json || fail "the package's .d.ts files do not type-check"

# --- the bundled binary needs only glibc --------------------------------------------------------
step "the bundled binary: every library but glibc's from the package"
bindir=$package_dir/bin/linux-x64
ldd "$bindir/ba-issuer" > "$work/ldd.txt"
if grep -q 'not found' "$work/ldd.txt"; then fail "ldd: $(grep 'not found' "$work/ldd.txt")"; fi
outside=$(awk '$2 == "=>" { print $1, $3 }' "$work/ldd.txt" |
  grep -Ev '^(libc|libm|libpthread|libdl|librt|libresolv)\.so' | grep -v " $bindir/lib/" || true)
[ -z "$outside" ] || fail "libraries from outside the package: $outside"
glibc_needed=$(for f in "$bindir/ba-issuer" "$bindir"/lib/*; do objdump -T "$f"; done |
  grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)
echo "needs $glibc_needed or newer; $(ls "$bindir/lib" | wc -l) libraries bundled"

step "the bundled binary in a chroot that holds only glibc and the package"
jail=$work/jail
mkdir -p "$jail/lib/x86_64-linux-gnu" "$jail/lib64" "$jail/proc" "$jail/pkg"
cp -a "$bindir/." "$jail/pkg/"
for lib in $(awk '$2 == "=>" { print $3 } $1 ~ /^\/lib64\// { print $1 }' "$work/ldd.txt" |
    grep -E '/(libc|libm|ld-linux-x86-64)\.so'); do
  mkdir -p "$jail$(dirname "$lib")"
  cp -L "$lib" "$jail$lib"
done
# Runs /pkg/ba-issuer in the jail, with /proc bound in (glibc reads $ORIGIN from /proc/self/exe),
# in a user and mount namespace of its own (so it needs no root); each step execs the next, so
# the server has the pid of the unshare.
in_jail='root=$1; shift; mount --rbind /proc "$root/proc" && exec chroot "$root" /pkg/ba-issuer "$@"'
got=$(unshare -r -m sh -c "$in_jail" sh "$jail" --version) || fail "ba-issuer --version in the chroot failed"
[ "$got" = "$want" ] || fail "in the chroot: '$got'"
BETTER_AUTH_SECRET=$(head -c 24 /dev/urandom | base64) unshare -r -m sh -c "$in_jail" sh "$jail" \
  --port 0 --db :memory: >"$work/jail.out" 2>"$work/jail.err" &
jail_pid=$!
started_pids+=("$jail_pid")
ready=$(first_line "$work/jail.out") || fail "no ready line in the chroot: $(cat "$work/jail.err")"
node -e 'fetch(process.argv[1] + "/api/auth/jwks").then((r) => r.json()).then((j) => {
  if (j.keys?.length !== 1) throw new Error("jwks: " + JSON.stringify(j)); console.log("jwks ok:", j.keys[0].kid); })' \
  "${ready##* }"
kill -TERM "$jail_pid"
reap "$jail_pid" || fail "the chrooted server did not stop cleanly: $(cat "$work/jail.err")"

# --- the suites ---------------------------------------------------------------------------------
step "vitest run (globalSetup from ba-issuer/vitest)"
if ! NO_COLOR=1 npx --no-install vitest run --reporter=verbose 2>&1 | tee "$work/vitest.log"; then
  fail "the Vitest suite failed"
fi

step "node --test (examples/node-package)"
if ! node --test node-example/ 2>&1 | tee "$work/node-test.log"; then
  fail "the node:test example failed"
fi

# --- no server outlives its parent --------------------------------------------------------------
orphan_check() {  # MODE: how the parent (parent.mjs) ends
  local mode=$1 out=$work/parent-$1.out line parent child ms
  node parent.mjs "$mode" >"$out" 2>"$work/parent-$mode.err" &
  parent=$!
  started_pids+=("$parent")
  line=$(first_line "$out") || fail "parent.mjs $mode printed nothing: $(cat "$work/parent-$mode.err")"
  child=$(json_field "$line" child)
  running "$child" || fail "parent.mjs $mode: its server $child is not running"
  case "$mode" in
    hang) kill -9 "$parent" ;;
    *) kill -USR2 "$parent"
       timeout 10 tail --pid="$parent" -f /dev/null || fail "parent.mjs $mode did not exit by itself" ;;
  esac
  reap "$parent" 2>/dev/null || true
  if ms=$(wait_gone "$child" "$ORPHAN_LIMIT_S"); then
    echo "parent $mode: its server (pid $child) gone after $ms ms"
  else
    kill -9 "$child" 2>/dev/null || true
    fail "parent $mode: its server (pid $child) still runs ${ORPHAN_LIMIT_S} s later"
  fi
}
step "no server left behind"
orphan_check hang
orphan_check throw
orphan_check exit

# --- figures ------------------------------------------------------------------------------------
step "startIssuer() to ready"
timing=$(node measure.mjs 10)
echo "$timing"

mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1000000 }'; }
step "done"
echo "figure: npm tarball $tar_bytes bytes ($(mb "$tar_bytes")); installed node_modules/ba-issuer" \
  "$installed_bytes bytes ($(mb "$installed_bytes")); needs $glibc_needed"
echo "figure: $timing"
echo "npm_package_test: all checks passed in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
