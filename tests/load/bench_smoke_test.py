"""scripts/bench's figures are all produced: a short run of tests/load/bench.py (--smoke) against
the built binary and, when the interop packages are installed, the real Better Auth. Checks only
that every figure is printed with a number and a target, never the figures' values (they are
timings on a shared machine).

    BA_ISSUER_BIN=build/ba-issuer /usr/bin/python3 tests/load/bench_smoke_test.py
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIGURES = [
    "server CPU per /token", "server CPU per /ok (HTTP layer)", "one Ed25519 signature (libsodium)",
    "CPU/token / (CPU/ok + signature)", "/token req/s, 16 connections", "/token req/s / /ok req/s",
    "/token req/s, 1 connection", "/token p99, 16 connections", "/token at 64 connections",
    "/token at 256 connections", "/jwks req/s / /ok req/s", "RSS under token load",
    "start to ready, empty database", "/token p99 under 8 sign-ups/s", "CPU per /token, +2000",
]


def main():
    out = subprocess.run([sys.executable, os.path.join(HERE, "bench.py"), "--smoke"],
                         capture_output=True, text=True, timeout=240)
    print(out.stdout)
    if out.returncode != 0:
        print(out.stderr)
        raise SystemExit("bench.py --smoke failed with exit code %d" % out.returncode)
    missing = []
    for figure in FIGURES:
        line = next((l for l in out.stdout.splitlines() if l.startswith(figure)), None)
        # the label, then a number (the figure), then the target column
        if line is None or not re.match(re.escape(figure) + r".*?\d", line):
            missing.append(figure)
    with_ba = os.path.exists(os.path.join(HERE, "..", "interop", "node_modules", "better-auth"))
    if with_ba and "req/s (ba-issuer" not in out.stdout:
        missing.append("Better Auth's /token figure")
    if missing:
        raise SystemExit("figures not produced: " + ", ".join(missing))
    print("all %d figures produced" % len(FIGURES))


if __name__ == "__main__":
    main()
