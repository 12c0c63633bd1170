"""scripts/bench's /token by store on the real workload (issue 21, issue 22): 20,000 distinct
sessions (200 users, 100 each), made through the test API, then GET /token with each request
carrying the next session's cookie (tests/load/cookies.lua), wrk -t2 -c16 for 10 s, on:
  SQLite (the default file), PostgreSQL (a throwaway local cluster, loopback TCP), and Redis
  secondary storage (a throwaway redis-server; users in SQLite, sessions only in Redis).
For Redis it also prints, per /token, the round trips (scripts: EVALSHA) and the commands Redis
ran (INFO commandstats, which counts the commands inside a script too). Figures only, never a
pass or fail.
    /usr/bin/python3 tests/load/store_bench.py [--sessions N] [--seconds S]
"""

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from harness import Server  # noqa: E402
from redis_server import RedisServer  # noqa: E402

LUA = os.path.join(HERE, "cookies.lua")
PG_CLUSTER = os.path.join(HERE, "..", "support", "pg_cluster.sh")


def make_sessions(port, count):
    """`count` sessions over 200 users (fewer when count is small), their Cookie values."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    users = max(1, min(200, count // 100 or 1))
    cookies = []
    for i in range(count):
        body = json.dumps({"email": f"user{i % users}@bench.example", "name": f"User {i % users}"})
        conn.request("POST", "/__test/sessions", body=body,
                     headers={"content-type": "application/json",
                              "origin": f"http://127.0.0.1:{port}"})
        reply = conn.getresponse()
        data = reply.read()
        if reply.status != 200:
            raise RuntimeError(f"/__test/sessions answered {reply.status}: {data[:200]!r}")
        cookies.append(json.loads(data)["cookie"].split(";")[0])
    conn.close()
    return cookies


def wrk_token(port, cookies_file, seconds):
    env = dict(os.environ, BENCH_COOKIES_FILE=cookies_file)
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "--timeout", "2s",
                          "-s", LUA, f"http://127.0.0.1:{port}/api/auth/token"],
                         capture_output=True, text=True, env=env, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
    done = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = re.search(r"50%\s+(\S+)", out).group(1)
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return float(rate), done, p50, p99, int(non2xx.group(1)) if non2xx else 0


def redis_calls(redis):
    """(scripts run, every command run), from INFO commandstats. A script is one round trip;
    the commands it runs inside Redis are counted too, under their own names."""
    info = redis.command("INFO", "commandstats")
    calls = {name: int(n) for name, n in re.findall(r"cmdstat_([\w|]+):calls=(\d+)", info)}
    return calls.get("evalsha", 0) + calls.get("eval", 0), sum(calls.values())


def run_store(label, db, work, args, extra_args=(), redis=None):
    server = Server(db, log_path=os.path.join(work, label.split()[0] + ".log"),
                    extra_args=["--test-api", *extra_args]).start()
    try:
        cookies = make_sessions(server.port, args.sessions)
        cookies_file = os.path.join(work, "cookies.txt")
        with open(cookies_file, "w") as f:
            f.write("\n".join(cookies) + "\n")
        before = redis_calls(redis) if redis else (0, 0)
        rate, done, p50, p99, bad = wrk_token(server.port, cookies_file, args.seconds)
        line = f"{label:<34} {rate:>10.0f} req/s   p50 {p50:<8} p99 {p99:<8}"
        if bad:
            line += f" non-2xx {bad}"
        if redis:
            scripts, commands = redis_calls(redis)
            scripts, commands = scripts - before[0], commands - before[1] - 1  # - INFO
            line += (f"  Redis per /token: {scripts / done:.2f} round trips (scripts), "
                     f"{commands / done:.2f} commands")
        print(line, flush=True)
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        print(f"\n/token by store, {args.sessions} distinct sessions (wrk -t2 -c16 -d{args.seconds}s):")
        run_store("SQLite file", os.path.join(work, "sqlite.db"), work, args)
        # Not under `work` (mode 0700): as root the cluster runs as the postgres user.
        pg_dir = f"/tmp/ba-issuer-pg-bench.{os.getpid()}"
        url = subprocess.run([PG_CLUSTER, "start", pg_dir], capture_output=True, text=True,
                             check=True).stdout.strip()
        try:
            run_store("PostgreSQL (local cluster)", url, work, args)
        finally:
            subprocess.run([PG_CLUSTER, "stop", pg_dir], capture_output=True)
        redis_dir = os.path.join(work, "redis")
        os.mkdir(redis_dir)
        redis = RedisServer(redis_dir).start()
        try:
            run_store("Redis secondary storage", os.path.join(work, "users.db"), work, args,
                      ["--secondary-storage", redis.url], redis)
        finally:
            redis.stop()


if __name__ == "__main__":
    main()
