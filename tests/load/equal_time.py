"""Equal time for known and unknown emails (issue 20, item 7): not a test, figures.

    BA_ISSUER_BIN=build-bench/ba-issuer /usr/bin/python3 tests/load/equal_time.py [--samples N]
        [--case request-password-reset|send-verification-email|sign-in]

One ba-issuer on a fresh SQLite file, with a --mail-command (so the mail path is the real one)
and two users: one known, one known and unverified. For request-password-reset,
send-verification-email and sign-in (a wrong password), N requests (default 200) for a known
email and N for an unknown one, interleaved on one kept-alive connection so that drift on a
shared machine hits both alike. Each line prints the two medians, their ratio and whether it is
within 20%.
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SECRET = "bench-secret-0123456789abcdefghijklmnopqrstuvwxyz"
TARGET = 0.20
CASES = [
    ("request-password-reset", "/request-password-reset", lambda email: {"email": email}),
    ("send-verification-email", "/send-verification-email", lambda email: {"email": email}),
    ("sign-in (wrong password)", "/sign-in/email",
     lambda email: {"email": email, "password": "not-the-password"}),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Issuer:
    def __init__(self, binary, work):
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, BETTER_AUTH_SECRET=SECRET, NODE_ENV="development")
        self.log = open(os.path.join(work, "issuer.err"), "wb")
        self.proc = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", str(self.port), "--db",
             os.path.join(work, "auth.db"), "--base-url", self.origin,
             "--mail-command", "cat > /dev/null"],
            stdout=subprocess.PIPE, stderr=self.log, env=env)
        if not self.proc.stdout.readline().startswith(b"listening on"):
            raise SystemExit("equal_time: ba-issuer did not start")
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def post(self, path, body):
        """(status, body, milliseconds)."""
        data = json.dumps(body)
        headers = {"Content-Type": "application/json", "Origin": self.origin}
        start = time.perf_counter()
        self.conn.request("POST", "/api/auth" + path, body=data, headers=headers)
        res = self.conn.getresponse()
        text = res.read()
        return res.status, text, (time.perf_counter() - start) * 1000

    def stop(self):
        self.conn.close()
        self.proc.terminate()
        self.proc.wait(timeout=20)


def measure(issuer, path, body_for, known, samples):
    times = {"known": [], "unknown": []}
    answers = {}
    for i in range(samples):
        order = ("known", "unknown") if i % 2 == 0 else ("unknown", "known")
        for which in order:
            email = known if which == "known" else f"nobody{i}@example.com"
            status, text, ms = issuer.post(path, body_for(email))
            times[which].append(ms)
            answers.setdefault(which, (status, text))
    return (statistics.median(times["known"]), statistics.median(times["unknown"]),
            answers["known"] == answers["unknown"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--case", action="append", choices=[label.split()[0] for label, _, _ in CASES],
                        help="only this case (repeatable); default: all")
    args = parser.parse_args()
    cases = [c for c in CASES if not args.case or c[0].split()[0] in args.case]
    binary = os.environ.get("BA_ISSUER_BIN", "build/ba-issuer")
    with tempfile.TemporaryDirectory(prefix="ba-issuer-equal-time-") as work:
        issuer = Issuer(binary, work)
        try:
            for email in ("known@example.com",):
                status, text, _ = issuer.post("/sign-up/email", {
                    "name": "Known", "email": email, "password": "password123"})
                if status != 200:
                    raise SystemExit(f"equal_time: sign-up failed: {status} {text[:200]}")
            print(f"equal time, known vs unknown email ({binary}, {args.samples} samples each, "
                  f"medians, target within {TARGET:.0%}):")
            failed = False
            for label, path, body_for in cases:
                known, unknown, same = measure(issuer, path, body_for, "known@example.com",
                                               args.samples)
                ratio = known / unknown if unknown else float("inf")
                within = abs(ratio - 1) <= TARGET
                failed |= not within or not same
                print(f"  {label:26} known {known:8.3f} ms  unknown {unknown:8.3f} ms  "
                      f"ratio {ratio:5.2f}  {'within' if within else 'OUTSIDE'} 20%"
                      f"{'' if same else '  ANSWERS DIFFER'}", flush=True)
        finally:
            issuer.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
