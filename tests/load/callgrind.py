"""Instructions per request (deterministic, unlike time) for GET /token and GET /ok, with
valgrind's callgrind, and where the token path's instructions go (not a test;
`scripts/bench --callgrind [requests]` runs it on the Release binary).

    BA_ISSUER_BIN=build-bench/ba-issuer /usr/bin/python3 tests/load/callgrind.py [requests]
        [distinct sessions, default 20000] [alg, default the server's EdDSA]

The server runs under callgrind with instrumentation off; after a warm-up on one keep-alive
connection, instrumentation is switched on for `requests` requests of each path (each /token
request the next of the seeded sessions, cloned from a sign-up's rows as scripts/bench seeds
them), dumped, and switched off. Prints Ir per request and the top functions
(inclusive) of the /token dump; the dumps stay in the printed directory for callgrind_annotate
or kcachegrind.
"""

import glob
import http.client
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Server, cookie, seed  # noqa: E402


def drive(server, path, cookies, count):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    for i in range(count):
        headers = {"Cookie": cookies[i % len(cookies)]} if cookies else {}
        conn.request("GET", "/api/auth" + path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit("callgrind: %s answered %d" % (path, response.status))
    conn.close()


def control(pid, *args):
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, capture_output=True)


def measure(server, out_dir, label, path, cookies, count):
    pid = server.process.pid
    # Warm-up (statements prepared, caches filled) on sessions the measured run does not reach.
    drive(server, path, cookies[::-1] if cookies else None, 200)
    control(pid, "-z")
    control(pid, "-i", "on")
    drive(server, path, cookies, count)
    control(pid, "-i", "off")
    control(pid, "-d", label)
    time.sleep(0.5)
    dumps = sorted(glob.glob(os.path.join(out_dir, "callgrind.out.*")), key=os.path.getmtime)
    total = 0
    with open(dumps[-1]) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                total = int(line.split()[1])
    return total / count, dumps[-1]


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    sessions = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    alg = ["--alg", sys.argv[3]] if len(sys.argv) > 3 else []
    binary = os.environ.get("BA_ISSUER_BIN", "build-bench/ba-issuer")
    out_dir = tempfile.mkdtemp(prefix="ba-callgrind-")
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
               "--callgrind-out-file=" + os.path.join(out_dir, "callgrind.out.%p"), binary, *alg]
    work = tempfile.mkdtemp(prefix="ba-callgrind-db-")
    server = Server("ba-issuer", command, work)
    try:
        seed(server, sessions)
        cookies = [cookie("bench-token-%d" % i) for i in range(sessions)]
        token_ir, token_dump = measure(server, out_dir, "token", "/token", cookies, count)
        ok_ir, _ = measure(server, out_dir, "ok", "/ok", None, count)
        jwks_ir, _ = measure(server, out_dir, "jwks", "/jwks", None, count)
    finally:
        server.stop()
    print("instructions per request (callgrind Ir, %d requests each, one keep-alive connection, "
          "%d distinct sessions in turn%s):" % (count, sessions, ", " + alg[1] if alg else ""))
    print("  GET /token  %10.0f" % token_ir)
    print("  GET /ok     %10.0f" % ok_ir)
    print("  GET /jwks   %10.0f" % jwks_ir)
    print("  difference  %10.0f   (session lookup, claims, signature, reply)" % (token_ir - ok_ir))
    print("dumps in %s; the /token dump's top functions (inclusive Ir, whole run):" % out_dir)
    annotate = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=99",
                               token_dump], capture_output=True, text=True).stdout
    lines = [l for l in annotate.splitlines() if "*" in l and ":" in l][:40]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
