#!/usr/bin/env bash
# Issue 23, item 2: the pytest plugin as a user gets it. Builds the pytest-ba-issuer wheel from
# clients/python offline (Debian's setuptools, no build isolation), installs it into a fresh venv
# that sees Debian's pytest, PyJWT, cryptography, FastAPI and httpx, and runs a FastAPI suite
# (tests/dist/pytest-project, copied out of the repo) that verifies with PyJWT's PyJWKClient.
# Then checks the plugin loads through its entry point, a bad --ba-issuer-bin and a bad
# ba_issuer_args fail with a clear reason, and a SIGKILLed pytest leaves no server behind.
# Prints the wheel size and the median time from start() to ready over 10 starts.
#   BA_ISSUER_BIN=build/ba-issuer tests/dist/pytest_plugin_test.sh
set -euo pipefail
: "${BA_ISSUER_BIN:?set BA_ISSUER_BIN to the ba-issuer binary}"
BIN=$(readlink -f "$BA_ISSUER_BIN")  # before the cd: a relative path is the caller's
[ -x "$BIN" ] || { echo "FAIL: BA_ISSUER_BIN=$BA_ISSUER_BIN is not an executable file" >&2; exit 1; }
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
DEBIAN_PACKAGES="python3-pytest python3-jwt python3-cryptography python3-fastapi python3-httpx
  python3-setuptools python3-wheel python3-pip python3-venv"
SECONDS=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

check_debian_packages() {
  local pkg
  for pkg in $DEBIAN_PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
      fail "Debian package $pkg is not installed (apt-get install $pkg)"
  done
}

# The wheel, built from a copy so that no build/ or egg-info lands in the repo.
build_wheel() {
  cp -r clients/python "$tmp/src"
  "$PY" -m pip wheel --quiet --no-deps --no-build-isolation --no-index "$tmp/src" -w "$tmp/dist"
  wheel=$(echo "$tmp"/dist/pytest_ba_issuer-*-py3-none-any.whl)
  [ -f "$wheel" ] || fail "no wheel in $tmp/dist"
  "$PY" - "$wheel" <<'EOF' || fail "the wheel lacks the pytest11 entry point"
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
[entry] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
text = zipfile.ZipFile(sys.argv[1]).read(entry).decode()
assert "[pytest11]" in text and "ba_issuer = pytest_ba_issuer.plugin" in text, text
EOF
  echo "wheel: $(basename "$wheel"), $(stat -c %s "$wheel") bytes"
}

install_into_venv() {
  "$PY" -m venv --system-site-packages "$tmp/venv"
  "$tmp/venv/bin/pip" install --quiet --no-deps --no-index "$wheel"
  cp -r tests/dist/pytest-project "$tmp/project"
}

# pytest from the venv, in the copied project, with nothing of the repo on the path, and the
# variables in pytest_env (NAME=VALUE) set for pytest alone.
pytest_env=()
venv_pytest() {
  (cd "$tmp/project" &&
    /usr/bin/env -u PYTHONPATH "${pytest_env[@]}" "$tmp/venv/bin/python" -m pytest "$@")
}

# Every test passes (none skipped), and at least MIN_TESTS of them ran.
MIN_TESTS=25
run_suite() {
  local out last
  out=$(venv_pytest -q --ba-issuer-bin="$BIN" 2>&1) || { echo "$out"; fail "the FastAPI suite failed"; }
  last=$(tail -1 <<<"$out")
  echo "$last"
  [[ $last =~ ^([0-9]+)\ passed\ in ]] && [ "${BASH_REMATCH[1]}" -ge "$MIN_TESTS" ] ||
    { echo "$out"; fail "expected $MIN_TESTS or more tests, all passing: $last"; }
}

# Output goes to a variable first: `grep -q` on a pipe would end pytest with EPIPE (pipefail).
check_entry_point() {
  local help trace
  help=$(venv_pytest --help)
  grep -q -- "--ba-issuer-bin=PATH" <<<"$help" || fail "pytest --help does not list --ba-issuer-bin"
  trace=$(venv_pytest --trace-config --collect-only -q test_plugin.py 2>&1)
  grep -q "PLUGIN registered: <module 'pytest_ba_issuer.plugin' from '$tmp/venv/" <<<"$trace" ||
    fail "--trace-config does not show pytest_ba_issuer.plugin loaded from the venv"
  echo "plugin loaded through its entry point from $tmp/venv"
}

# expect_error NAME TEXT PYTEST_ARGS...: pytest exits 1 (tests errored) and prints TEXT, without
# a chained traceback.
expect_error() {
  local name=$1 text=$2 out rc=0
  shift 2
  out=$(venv_pytest -q "$@" test_ini_args.py 2>&1) || rc=$?
  [ "$rc" = 1 ] || { echo "$out"; fail "$name: pytest exited $rc, expected 1"; }
  grep -qF -- "$text" <<<"$out" || { echo "$out"; fail "$name: the output lacks: $text"; }
  if grep -q "During handling" <<<"$out"; then echo "$out"; fail "$name: a chained traceback"; fi
  echo "$name: $(grep -F -m1 -- "$text" <<<"$out" | sed 's/^ *//')"
}

# Without --ba-issuer-bin and $BA_ISSUER_BIN the plugin runs `ba-issuer` from PATH.
check_path_lookup() {
  local out header
  mkdir "$tmp/bin"
  ln -s "$BIN" "$tmp/bin/ba-issuer"
  pytest_env=(BA_ISSUER_BIN= "PATH=$tmp/bin:$PATH")
  out=$(venv_pytest test_ini_args.py 2>&1) ||
    { echo "$out"; fail "the suite failed with ba-issuer from PATH"; }
  pytest_env=()
  header=$(grep '^ba-issuer: ' <<<"$out")
  [ "$header" = "ba-issuer: $tmp/bin/ba-issuer" ] ||
    { echo "$out"; fail "the report header does not name $tmp/bin/ba-issuer"; }
  echo "without --ba-issuer-bin: $header; $(tail -1 <<<"$out" | sed 's/^=* *//; s/ *=*$//')"
}

check_errors() {
  expect_error "bad --ba-issuer-bin" \
    "ba-issuer binary not found: '$tmp/no-such-ba-issuer' (from --ba-issuer-bin) does not exist" \
    --ba-issuer-bin="$tmp/no-such-ba-issuer"
  mkdir "$tmp/empty"  # a PATH without ba-issuer (the machine may have /usr/bin/ba-issuer)
  pytest_env=(BA_ISSUER_BIN= "PATH=$tmp/empty")
  expect_error "no binary on PATH" \
    "ba-issuer binary not found: 'ba-issuer' (from the default (ba-issuer on PATH)) is not on PATH"
  pytest_env=()
  expect_error "bad ba_issuer_args (the child's stderr)" "| ba-issuer: invalid --alg: NOPE" \
    --ba-issuer-bin="$BIN" -o "ba_issuer_args=--seed seed.json --alg NOPE"
}

# True while PID is a live process (a zombie counts as gone).
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}

check_parent_death() {
  local pidfile=$tmp/server.pid pytest_pid server i
  (cd "$tmp/project" && HANG_PID_FILE=$pidfile exec "$tmp/venv/bin/python" -m pytest -q \
    --ba-issuer-bin="$BIN" hang_check.py >/dev/null 2>&1) &
  pytest_pid=$!
  for i in $(seq 300); do [ -f "$pidfile" ] && break; sleep 0.1; done
  [ -f "$pidfile" ] || { kill -9 "$pytest_pid"; fail "hang_check.py never wrote the server's pid"; }
  server=$(cat "$pidfile")
  [ "$(readlink -f "/proc/$server/exe")" = "$BIN" ] || fail "pid $server is not $BIN"
  kill -9 "$pytest_pid"
  wait "$pytest_pid" 2>/dev/null || true
  for i in $(seq 50); do alive "$server" || break; sleep 0.1; done
  if alive "$server"; then kill "$server"; fail "the server outlived a SIGKILLed pytest"; fi
  echo "a SIGKILLed pytest took its server (pid $server) with it"
}

measure_start() {
  env -u PYTHONPATH "$tmp/venv/bin/python" - "$BIN" <<'EOF'
import statistics, sys, time
from pytest_ba_issuer import start

times = []
for _ in range(10):
    began = time.perf_counter()
    issuer = start(sys.argv[1])
    times.append((time.perf_counter() - began) * 1000)
    assert issuer.clock()["nowMs"] > 0
    assert issuer.stop() == 0
print(f"start() to ready: median {statistics.median(times):.1f} ms over 10 starts "
      f"(min {min(times):.1f}, max {max(times):.1f})")
EOF
}

step "Debian packages"; check_debian_packages
step "wheel"; build_wheel
step "fresh venv"; install_into_venv
step "FastAPI suite"; run_suite
step "entry point"; check_entry_point
step "binary from PATH"; check_path_lookup
step "errors"; check_errors
step "parent death"; check_parent_death
step "start time"; measure_start
echo "dist.pytest passed in ${SECONDS} s"
