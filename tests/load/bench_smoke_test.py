"""scripts/bench's figures are all produced: a short run of tests/load/bench.py (--smoke) and of
tests/load/store_bench.py against the built binary and, when the interop packages are installed,
the real Better Auth. Checks only that every figure is printed with a number and a target, never
the figures' values (they are timings on a shared machine).

    BA_ISSUER_BIN=build/ba-issuer BA_FLOOR_BIN=build/ba-floor-server \
        /usr/bin/python3 tests/load/bench_smoke_test.py
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIGURES = [
    "server CPU per /token", "server CPU per /token, hot sessions", "server CPU per /ok (HTTP layer)",
    "one Ed25519 signature (libsodium)", "one P-256 signature (OpenSSL)",
    "CPU/token / (CPU/ok + signature)", "ES256: CPU/token / (CPU/ok + P-256 sig)",
    "CPU per /ok / floor's per request", "/token req/s, 1 connection / floor's",
    "/token p99 16 conn. minus floor's", "/token req/s, 16 connections", "/token req/s / /ok req/s",
    "/token at 64 connections", "/token at 256 connections", "/jwks req/s / /ok req/s",
    "RSS under token load", "/token p99 under 8 sign-ups/s", "CPU/token, 4000 sessions / 2000",
    "RSS with 4000 sessions", "start to ready, empty database",
    "floor req/s, 1 connection", "floor p99, 16 connections", "floor CPU per request",
]
# The targets the machine itself may bound carry the floor's figure in their last column.
BESIDE_FLOOR = ["/token req/s, 1 connection / floor's", "/token p99 16 conn. minus floor's"]


def line_of(stdout, label):
    return next((l for l in stdout.splitlines() if l.startswith(label)), "")


def main():
    out = subprocess.run([sys.executable, os.path.join(HERE, "bench.py"), "--smoke"],
                         capture_output=True, text=True, timeout=240)
    print(out.stdout)
    if out.returncode != 0:
        print(out.stderr)
        raise SystemExit("bench.py --smoke failed with exit code %d" % out.returncode)
    missing = []
    for figure in FIGURES:
        # the label, then a number (the figure), then the target column
        if not re.match(re.escape(figure) + r".*?\d", line_of(out.stdout, figure)):
            missing.append(figure)
    for figure in BESIDE_FLOOR:
        if not re.search(r"floor: [\d,.]+ (req/s|ms)", line_of(out.stdout, figure)):
            missing.append("the floor beside " + figure)
    if "machine floor (" not in out.stdout:
        missing.append("the machine floor block")
    with_ba = os.path.exists(os.path.join(HERE, "..", "interop", "node_modules", "better-auth"))
    if with_ba and "req/s (ba-issuer" not in out.stdout:
        missing.append("Better Auth's /token figure")
    missing += store_figures_missing()
    if missing:
        raise SystemExit("figures not produced: " + ", ".join(missing))
    print("all %d figures produced" % (len(FIGURES) + len(STORES)))


STORES = ["SQLite file", "PostgreSQL (local cluster)", "Redis secondary storage"]


def store_figures_missing():
    """tests/load/store_bench.py, small: a req/s and a p99 for each store, and Redis's round
    trips per /token."""
    out = subprocess.run([sys.executable, os.path.join(HERE, "store_bench.py"), "--sessions",
                          "300", "--seconds", "1"], capture_output=True, text=True, timeout=240)
    print(out.stdout)
    if out.returncode != 0:
        print(out.stderr)
        return ["store_bench.py (exit %d)" % out.returncode]
    missing = [store for store in STORES
               if not re.match(re.escape(store) + r"\s+\d+ req/s .*p99 \S*\d", line_of(out.stdout, store))]
    if not re.search(r"Redis per /token: [\d.]+ round trips", out.stdout):
        missing.append("Redis round trips per /token")
    return missing


if __name__ == "__main__":
    main()
