"""The performance figures of issue 11, ba-issuer beside the real Better Auth 1.7.25 in one run
(not a test; `scripts/bench` builds a Release binary and runs this).

    BA_ISSUER_BIN=build-bench/ba-issuer BA_FLOOR_BIN=build-bench/ba-floor-server \
        /usr/bin/python3 tests/load/bench.py [--seconds S] [--rounds N] [--growth USERS] [--smoke]

Both servers run on their own SQLite file with the same pool of users and sessions, written
straight into each database (same ids, same tokens, so the same cookies work on both). wrk drives
GET /token, GET /ok and GET /jwks, each with the pool's cookies in turn (tests/load/cookies.lua),
the two servers in alternation, round after round, so that drift on a shared machine cancels out.
CPU per request is the server process's utime+stime (/proc/PID/stat, all threads) across a run,
divided by the requests wrk completed. Each figure is printed beside its target and, where
Better Auth has one, beside Better Auth's. The machine's floor runs in the same alternation:
tests/load/floor_server.cc (ba-floor-server, BA_FLOOR_BIN), a blocking thread-per-connection
server that answers the same requests as /token with a fixed 200 and does nothing else, so its
figures show what this machine and wrk allow an HTTP server at all. --smoke: short runs and a
small growth seed, for the test that checks every figure is produced.
"""

import argparse
import base64
import ctypes
import ctypes.util
import hashlib
import hmac
import http.client
import json
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
REF = os.path.join(ROOT, "tests", "interop", "ref-server.mjs")
LUA = os.path.join(HERE, "cookies.lua")
SECRET = "bench-secret-0123456789abcdefghijklmnopqrstuvwxyz"
ENV = {**os.environ, "BETTER_AUTH_SECRET": SECRET, "NODE_ENV": "development",
       "BETTER_AUTH_TELEMETRY": "0"}
TICKS = os.sysconf("SC_CLK_TCK")
POOL = 40


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server on a free port and its own database file; stopped by stop()."""

    def __init__(self, name, command, work):
        self.name = name
        self.port = free_port()
        self.db = os.path.join(work, name + ".db")
        self.origin = "http://127.0.0.1:%d" % self.port
        self.base = self.origin + "/api/auth"
        args = self.arguments()
        self.log = open(os.path.join(work, name + ".err"), "wb")
        self.process = subprocess.Popen(command + args, stdout=subprocess.PIPE, stderr=self.log,
                                        env=ENV)
        line = self.process.stdout.readline()
        if not line.startswith(b"listening on"):
            raise SystemExit("bench: %s did not start (see %s)" % (name, self.log.name))
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def arguments(self):
        return ["--host", "127.0.0.1", "--port", str(self.port), "--db", self.db, "--base-url",
                self.origin]

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.process.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime

    def rss_kib(self):
        with open("/proc/%d/status" % self.process.pid) as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class FloorServer(Server):
    """ba-floor-server: no database, its port the only argument."""

    def arguments(self):
        return [str(self.port)]


def sign_up_template(server):
    """One real sign-up on `server`, so that the server itself writes its user and session rows
    (every column, in its own formats); returns the new user's id."""
    body = json.dumps({"name": "Bench", "email": "bench-template@example.com",
                       "password": "password123"})
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("POST", "/api/auth/sign-up/email", body,
                 {"content-type": "application/json", "origin": server.origin})
    reply = conn.getresponse()
    data = reply.read()
    conn.close()
    if reply.status != 200:
        raise SystemExit("bench: sign-up on %s answered %d %s" % (server.name, reply.status,
                                                                  data[:200]))
    return json.loads(data)["user"]["id"]


CLONED = {  # the columns a clone changes; every other column is copied from the sign-up's row
    "user": {"id": "'bench-user-' || n", "email": "'bench-' || n || '@example.com'",
             "name": "'Bench ' || n"},
    "session": {"id": "'bench-session-' || n", "token": "'bench-token-' || n",
                "userId": "'bench-user-' || n"},
}


def clone_rows(db, template_user, first, count):
    """Users bench-<first..first+count-1>@example.com with one session each (token
    bench-token-<i>), each row a copy of the rows the template's sign-up wrote with only ids,
    email, name and token changed: the schema and formats are the server's own."""
    with sqlite3.connect(db, timeout=60) as conn:
        for table, key in (("user", "id"), ("session", "userId")):
            columns = [row[1] for row in conn.execute('PRAGMA table_info("%s")' % table)]
            values = ", ".join(CLONED[table].get(c, '"%s"' % c) for c in columns)
            names = ", ".join('"%s"' % c for c in columns)
            conn.execute('WITH RECURSIVE k(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM k '
                         'WHERE n + 1 < ?) INSERT INTO "%s" (%s) SELECT %s FROM k, '
                         '(SELECT * FROM "%s" WHERE "%s" = ? LIMIT 1)'
                         % (table, names, values, table, key),
                         (first, first + count, template_user))
    with sqlite3.connect(db, timeout=60) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # a no-op unless in WAL mode
    conn.close()


def seed(server, count, first=0):
    clone_rows(server.db, sign_up_template(server), first, count)


def cookie(token):
    """The Cookie header for a session token: better-call's signed cookie, URI-encoded."""
    mac = base64.b64encode(hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).digest())
    value = urllib.parse.quote(token + "." + mac.decode(), safe="-_.!~*'()")
    return "better-auth.session_token=" + value


def get(server, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", "/api/auth" + path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def parse_ms(text):
    value = float(re.match(r"[\d.]+", text).group(0))
    unit = text[len(re.match(r"[\d.]+", text).group(0)):]
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


class Run:
    """One wrk run's totals."""

    def __init__(self, requests=0, seconds=0.0, cpu=0.0, errors=0, non2xx=0, p99=0.0, p99s=None,
                 max_ms=0.0):
        self.requests, self.seconds, self.cpu = requests, seconds, cpu
        self.errors, self.non2xx, self.max_ms = errors, non2xx, max_ms
        self.p99s = p99s if p99s is not None else ([p99] if requests else [])

    def add(self, other):
        return Run(self.requests + other.requests, self.seconds + other.seconds,
                   self.cpu + other.cpu, self.errors + other.errors, self.non2xx + other.non2xx,
                   p99s=self.p99s + other.p99s, max_ms=max(self.max_ms, other.max_ms))

    @property
    def rate(self):
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_us(self):
        return self.cpu / self.requests * 1e6 if self.requests else float("nan")

    @property
    def p99(self):  # the worst round's p99
        return max(self.p99s) if self.p99s else float("nan")


def wrk(server, path, seconds, connections, cookies_file=None):
    """One wrk run; `cookies_file` (one Cookie value a line): each request the next one."""
    threads = 1 if connections == 1 else 2
    args = ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % max(1, round(seconds)), "--latency",
            "--timeout", "2s"]
    env = dict(os.environ)
    if cookies_file:
        args += ["-s", LUA]
        env["BENCH_COOKIES_FILE"] = cookies_file
    cpu0 = server.cpu_seconds()
    out = subprocess.run(args + [server.base + path], capture_output=True, text=True, env=env,
                         check=True).stdout
    cpu = server.cpu_seconds() - cpu0
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    elapsed = float(m.group(2)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[m.group(3)]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", out) or [0, 0])[1])
    p99 = parse_ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))
    max_ms = parse_ms(re.search(r"^\s*Latency\s+\S+\s+\S+\s+(\S+)", out, re.M).group(1))
    return Run(int(m.group(1)), elapsed, cpu, errors, non2xx, p99, max_ms=max_ms)


def ed25519_sign_us(message_len=330, n=2000):
    """One Ed25519 signature (libsodium's crypto_sign_detached) on this machine, in µs."""
    sodium = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
    sodium.sodium_init()
    pk, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(64)
    sodium.crypto_sign_keypair(pk, sk)
    sig, msg = ctypes.create_string_buffer(64), b"x" * message_len
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for _ in range(n):
            sodium.crypto_sign_detached(sig, None, msg, ctypes.c_ulonglong(len(msg)), sk)
        best = min(best, (time.process_time() - start) / n * 1e6)
    return best


def startup_ms(binary, runs):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "startup-time"), binary,
                          str(runs)], capture_output=True, text=True, check=True).stdout
    found = dict(re.findall(r"^(ba-issuer|better-auth 1\.7\.25) start to ready\s+median\s+([\d.]+)",
                            out, re.M))
    return float(found["ba-issuer"]), float(found.get("better-auth 1.7.25", "nan"))


class SignUps:
    """Sign-ups at a fixed rate (each a fresh user: scrypt, ~60 ms and 32 MiB) while running;
    THREADS clients in turn, so that the rate holds while each waits seconds for its answer."""
    THREADS = 16

    def __init__(self, server, per_second):
        self.server, self.interval, self.done, self.failed = server, 1.0 / per_second, 0, 0
        self.stop = threading.Event()
        self.threads = []
        self.started = self.seconds = 0.0

    @property
    def rate(self):
        return (self.done + self.failed) / self.seconds if self.seconds else 0.0

    def __enter__(self):
        self.started = time.monotonic()
        self.threads = [threading.Thread(target=self.loop, args=(i,)) for i in range(self.THREADS)]
        for t in self.threads:
            t.start()
        return self

    def loop(self, index):
        n = 0
        next_at = time.monotonic() + index * self.interval
        while not self.stop.is_set():
            time.sleep(max(0.0, next_at - time.monotonic()))
            body = json.dumps({"name": "S", "email": "signup-%d-%d-%d-%d@example.com" % (
                os.getpid(), id(self), index, n), "password": "password123"})
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
            conn.request("POST", "/api/auth/sign-up/email", body,
                         {"content-type": "application/json", "origin": self.server.origin})
            ok = conn.getresponse().status == 200
            conn.close()
            self.done, self.failed = self.done + ok, self.failed + (not ok)
            n += 1
            next_at += self.THREADS * self.interval

    def __exit__(self, *exc):
        self.seconds = time.monotonic() - self.started
        self.stop.set()
        for t in self.threads:
            t.join()


def check_pool(servers, tokens):
    for server in servers:
        for token in tokens[:3]:
            status, body = get(server, "/token", {"Cookie": cookie(token)})
            if status != 200 or "token" not in json.loads(body):
                raise SystemExit("bench: %s refused a seeded session (%d %s)"
                                 % (server.name, status, body[:200]))


def alternate(servers, plan, rounds):
    """plan: [(key, server_index, path, connections, cookies)]; every entry once per round, in
    order; returns {key: Run} summed over the rounds."""
    totals = {}
    for _ in range(rounds):
        for key, index, path, connections, cookies, seconds in plan:
            run = wrk(servers[index], path, seconds, connections, cookies)
            totals[key] = totals[key].add(run) if key in totals else run
    return totals


def line(label, value, target, verdict, other=""):
    mark = {True: "met", False: "NOT MET", None: "-"}[verdict]
    print("%-44s %-22s %-22s %-8s %s" % (label, value, target, mark, other))


def p256_sign_us():
    """One ECDSA P-256 signature on this machine, in µs: OpenSSL's own figure (`openssl speed`),
    the library ba-issuer signs ES256 with."""
    out = subprocess.run(["openssl", "speed", "-seconds", "2", "ecdsap256"], capture_output=True,
                         text=True, check=True).stdout
    per_second = float(re.search(r"ecdsa \(nistp256\)\s+\S+s\s+\S+s\s+([\d.]+)", out).group(1))
    return 1e6 / per_second


def write_cookies(work, name, tokens):
    path = os.path.join(work, name + ".cookies")
    with open(path, "w") as f:
        f.write("\n".join(cookie(t) for t in tokens) + "\n")
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--growth", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true")
    opts = parser.parse_args()
    if opts.smoke:
        opts.seconds, opts.rounds, opts.sessions, opts.growth = 1, 1, 2000, 4000
    secs = opts.seconds
    binary = os.environ.get("BA_ISSUER_BIN", os.path.join(ROOT, "build-bench", "ba-issuer"))
    floor_binary = os.environ.get("BA_FLOOR_BIN",
                                  os.path.join(ROOT, "build-bench", "ba-floor-server"))
    have_ba = os.path.exists(os.path.join(ROOT, "tests", "interop", "node_modules", "better-auth"))
    work = tempfile.mkdtemp(prefix="ba-bench-")
    servers = []
    try:
        # 0: ba-issuer, 1: ba-issuer with `growth` sessions, 2: ba-issuer signing ES256,
        # 3: Better Auth; all but 1 with `sessions` users of one session each.
        names = [("ba-issuer", [binary]), ("ba-issuer-grown", [binary]),
                 ("ba-issuer-es256", [binary, "--alg", "ES256"])]
        if have_ba:
            names += [("better-auth", ["node", REF])]
        for name, command in names:
            servers.append(Server(name, command, work))
        seed_start = time.monotonic()
        for server in servers:
            seed(server, opts.growth if server.name.endswith("grown") else opts.sessions)
        seed_s = time.monotonic() - seed_start
        tokens = ["bench-token-%d" % i for i in range(opts.sessions)]
        check_pool(servers, tokens)
        servers.append(FloorServer("floor", [floor_binary], work))
        floor = len(servers) - 1
        # Every request the next session's cookie (tests/load/cookies.lua): with 20,000 of them
        # a session comes back once per 20,000 requests. The hot case cycles 40. The grown
        # server's requests are spread over all its sessions (every tenth, so wrk's pool fits).
        real = write_cookies(work, "real", tokens)
        hot = write_cookies(work, "hot", tokens[:POOL])
        spread = max(1, opts.growth // 100_000)
        grown = write_cookies(work, "grown", ["bench-token-%d" % i
                                              for i in range(0, opts.growth, spread)])
        for server in servers:  # warm-up: caches, statements, Node's JIT
            wrk(server, "/token", min(secs, 2.0), 16, hot)
        print("bench: wrk on loopback, %d cores, %d rounds of %.1f s per figure, %d distinct "
              "sessions (each request the next one's cookie); load average %s"
              % (os.cpu_count(), opts.rounds, secs, opts.sessions,
                 open("/proc/loadavg").read().split()[0]))
        # /ok and /jwks get the very requests /token gets (the same cookies, through the same
        # wrk script), so that what /token costs beyond them is the token path alone, not a
        # bigger request to parse nor wrk's script.
        plan = [("token16", 0, "/token", 16, real, secs), ("ok16", 0, "/ok", 16, real, secs),
                ("jwks16", 0, "/jwks", 16, real, secs), ("token1", 0, "/token", 1, real, secs),
                ("hot16", 0, "/token", 16, hot, secs),
                ("grown_token16", 1, "/token", 16, grown, secs),
                ("es_token16", 2, "/token", 16, real, secs), ("es_ok16", 2, "/ok", 16, real, secs),
                ("floor16", floor, "/token", 16, real, secs),
                ("floor1", floor, "/token", 1, real, secs)]
        if have_ba:
            plan += [("ba_token16", 3, "/token", 16, real, secs),
                     ("ba_ok16", 3, "/ok", 16, real, secs),
                     ("ba_jwks16", 3, "/jwks", 16, real, secs),
                     ("ba_hot16", 3, "/token", 16, hot, secs)]
        # The signatures' cost drifts with the machine as much as the servers' does, so it is
        # sampled once per round between the runs, and the median taken.
        r, sign_samples, p256_samples = {}, [], []
        for _ in range(opts.rounds):
            for key, run in alternate(servers, plan, 1).items():
                r[key] = r[key].add(run) if key in r else run
            sign_samples.append(ed25519_sign_us())
            p256_samples.append(p256_sign_us())
        rss = servers[0].rss_kib()  # after the 16-connection runs
        rss_grown = servers[1].rss_kib()
        ba_rss = servers[3].rss_kib() if have_ba else None
        wide = alternate(servers, [("token64", 0, "/token", 64, real, secs),
                                   ("token256", 0, "/token", 256, real, secs)], 1)
        rss_wide = servers[0].rss_kib()  # 256 worker threads have run
        with SignUps(servers[0], 8) as signups:
            mixed = wrk(servers[0], "/token", max(secs, 3.0) * opts.rounds, 16, real)
        sign_us = statistics.median(sign_samples)
        p256_us = statistics.median(p256_samples)
        for server in servers:
            server.stop()
        servers = []
        start_issuer, start_ba = startup_ms(binary, 5 if opts.smoke else 20)
    finally:
        for server in servers:
            server.stop()
        subprocess.run(["rm", "-rf", work])

    report(r, wide, mixed, signups, (rss, rss_wide, rss_grown), ba_rss, (sign_us, p256_us),
           (start_issuer, start_ba), opts, seed_s, have_ba)


def report(r, wide, mixed, signups, rss, ba_rss, signatures, starts, opts, seed_s, have_ba):
    nan = float("nan")
    sign_us, p256_us = signatures
    t, ok, jwks, one, hot = r["token16"], r["ok16"], r["jwks16"], r["token1"], r["hot16"]
    floor16, floor1 = r["floor16"], r["floor1"]
    ba = r.get("ba_token16")
    print("\n%-44s %-22s %-22s %-8s %s" % ("figure", "ba-issuer", "target", "", "Better Auth 1.7.25"))
    line("server CPU per /token", "%.1f us" % t.cpu_us, "-", None,
         "%.0f us" % ba.cpu_us if ba else "")
    line("server CPU per /token, hot sessions (%d)" % POOL, "%.1f us" % hot.cpu_us, "-", None,
         "%.0f us" % r["ba_hot16"].cpu_us if ba else "")
    line("server CPU per /ok (HTTP layer)", "%.1f us" % ok.cpu_us, "-", None,
         "%.0f us" % r["ba_ok16"].cpu_us if have_ba else "")
    line("one Ed25519 signature (libsodium)", "%.1f us" % sign_us, "-", None,
         "median of one sample per round")
    line("one P-256 signature (OpenSSL)", "%.1f us" % p256_us, "-", None,
         "median of one sample per round")
    ratio = t.cpu_us / (ok.cpu_us + sign_us)
    line("CPU/token / (CPU/ok + signature)", "%.2f" % ratio, "<= 1.15", ratio <= 1.15)
    hot_ratio = hot.cpu_us / (ok.cpu_us + sign_us)
    line("  the same, hot sessions (%d)" % POOL, "%.2f" % hot_ratio, "-", None)
    es, es_ok = r["es_token16"], r["es_ok16"]
    es_ratio = es.cpu_us / (es_ok.cpu_us + p256_us)
    line("ES256: CPU/token / (CPU/ok + P-256 sig)", "%.2f" % es_ratio, "<= 1.15",
         es_ratio <= 1.15, "%.1f us per /token, %.1f per /ok" % (es.cpu_us, es_ok.cpu_us))
    floor_ratio = ok.cpu_us / floor16.cpu_us
    line("CPU per /ok / floor's per request", "%.2f" % floor_ratio, "<= 2.0", floor_ratio <= 2.0,
         "floor %.1f us" % floor16.cpu_us)
    one_ratio = one.rate / floor1.rate
    line("/token req/s, 1 connection / floor's", "%.2f (%.0f/s)" % (one_ratio, one.rate),
         ">= 0.9", one_ratio >= 0.9, "floor: %s req/s" % f"{floor1.rate:,.0f}")
    over = t.p99 - floor16.p99
    line("/token p99 16 conn. minus floor's", "%.2f ms (%.2f ms)" % (over, t.p99), "<= 0.5 ms",
         over <= 0.5, ("%.1f ms; " % ba.p99 if ba else "") + "floor: %.2f ms" % floor16.p99)
    speedup = t.rate / ba.rate if ba else nan
    line("/token req/s, 16 connections", "%.0f" % t.rate, ">= 100x Better Auth",
         speedup >= 100 if ba else None,
         "%.0f req/s (ba-issuer %.0fx)" % (ba.rate, speedup) if ba else "")
    if ba:
        hot_speedup = hot.rate / r["ba_hot16"].rate
        line("  the same, hot sessions (%d)" % POOL, "%.0f" % hot.rate, "-", None,
             "%.0f req/s (ba-issuer %.0fx)" % (r["ba_hot16"].rate, hot_speedup))
    line("/token req/s / /ok req/s", "%.2f (ok %.0f/s)" % (t.rate / ok.rate, ok.rate), "-", None,
         "%.2f (ok %.0f/s)" % (ba.rate / r["ba_ok16"].rate, r["ba_ok16"].rate) if ba else "")
    for key, n in (("token64", 64), ("token256", 256)):
        w = wide[key]
        line("/token at %d connections" % n,
             "%d errors, %d non-2xx" % (w.errors, w.non2xx), "0 errors, none starved",
             w.errors == 0 and w.non2xx == 0,
             "%.0f req/s, p99 %.1f ms, max %.0f ms" % (w.rate, w.p99, w.max_ms))
    line("/jwks req/s / /ok req/s", "%.2f (jwks %.0f/s)" % (jwks.rate / ok.rate, jwks.rate),
         ">= 0.9", jwks.rate / ok.rate >= 0.9,
         "%.0f req/s" % r["ba_jwks16"].rate if have_ba else "")
    rss, rss_wide, rss_grown = rss
    line("RSS under token load", "%.1f MB" % (rss / 1024), "-", None,
         "%.0f MB" % (ba_rss / 1024) if ba_rss else "")
    line("RSS after the 256-connection run", "%.1f MB" % (rss_wide / 1024), "-", None)
    line("/token p99 under 8 sign-ups/s", "%.2f ms" % mixed.p99, "<= 5 ms, >= 8/s",
         mixed.p99 <= 5.0 and signups.rate >= 8 * 0.98,
         "%.1f sign-ups/s (%d failed), %.0f tokens/s" % (signups.rate, signups.failed,
                                                         mixed.rate))
    g = r["grown_token16"]
    growth_ratio = g.cpu_us / t.cpu_us
    line("CPU/token, %d sessions / %d" % (opts.growth, opts.sessions),
         "%.2f (%.1f us)" % (growth_ratio, g.cpu_us), "<= 1.10", growth_ratio <= 1.10)
    line("RSS with %d sessions, token load" % opts.growth, "%.1f MB" % (rss_grown / 1024),
         "<= 32 MB", rss_grown <= 32 * 1024)
    start_issuer, start_ba = starts
    faster = start_ba / start_issuer
    line("start to ready, empty database", "%.1f ms" % start_issuer, ">= 50x faster",
         faster >= 50 if have_ba else None,
         "%.0f ms (ba-issuer %.0fx)" % (start_ba, faster) if have_ba else "")
    runs = [t, ok, jwks, one, hot, g, es, es_ok]
    print("(databases seeded by cloning a sign-up's rows in %.1f s; errors in the runs: %d, "
          "non-2xx: %d)" % (seed_s, sum(x.errors for x in runs), sum(x.non2xx for x in runs)))
    print("\nmachine floor (tests/load/floor_server.cc, a minimal thread-per-connection C++ server "
          "answering a fixed response; the same requests as /token, in the same alternation)")
    line("floor req/s, 1 connection", f"{floor1.rate:,.0f}", "-", None, "p99 %.2f ms" % floor1.p99)
    line("floor p99, 16 connections", "%.2f ms" % floor16.p99, "-", None,
         "%.0f req/s" % floor16.rate)
    line("floor CPU per request, 16 connections", "%.1f us" % floor16.cpu_us, "-", None)


if __name__ == "__main__":
    main()
