"""Soak: mixed load on the real binary for a while, watching errors, RSS and open fds (not a
test; `scripts/bench --soak [seconds]` runs it).

    BA_ISSUER_BIN=build-bench/ba-issuer /usr/bin/python3 tests/load/soak.py [seconds] [workers]

Each worker keeps one connection and picks an operation by weight. Fast workers: GET /token
(seeded sessions), GET /jwks, GET /get-session, sign-out (of a session a sign-in made). Two
password workers: sign-in and sign-up (scrypt, ~60 ms and 32 MiB each). Every answer must be
the expected 200. The first WARM_UP_S seconds warm up; the server's RSS and fd count are taken
when idle before and after the rest, and under load every few seconds.
"""

import os
import random
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import Client, Server, session_token  # noqa: E402

SEED_USERS = 50
WARM_UP_S = 10
SAMPLE_EVERY_S = 5
PASSWORD_WORKERS = 2
FAST = {"token": 60, "jwks": 20, "get-session": 12, "sign-out": 8}
PASSWORD = {"sign-in": 60, "sign-up": 40}
WEIGHTS = dict(FAST, **PASSWORD)


class Soak:
    def __init__(self, port, seeded, seconds, workers):
        self.port, self.seconds, self.workers = port, seconds, workers
        self.seeded = seeded  # [(email, session)]; never signed out
        self.disposable = []  # sessions from sign-ins, to sign out
        self.lock = threading.Lock()
        self.counts = {op: 0 for op in WEIGHTS}
        self.latencies = {op: [] for op in WEIGHTS}
        self.errors = []
        self.deadline = 0.0

    def run(self, seconds, phase):
        self.deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=self.worker, args=(i, phase))
                   for i in range(self.workers + PASSWORD_WORKERS)]
        for t in threads:
            t.start()
        return threads

    def worker(self, index, phase):
        rng = random.Random(index * 1000 + phase)
        client = Client(self.port, timeout=30)
        mix = PASSWORD if index >= self.workers else FAST
        ops, weights = list(mix), list(mix.values())
        n = 0
        while time.monotonic() < self.deadline:
            op = rng.choices(ops, weights)[0]
            started = time.monotonic()
            try:
                ok, detail = self.do(op, client, rng, f"soak-{phase}-{index}-{n}@example.com")
            except OSError as e:
                ok, detail = False, repr(e)
            n += 1
            if ok is None:
                continue  # nothing to sign out yet
            with self.lock:
                self.counts[op] += 1
                self.latencies[op].append(time.monotonic() - started)
                if not ok:
                    self.errors.append(f"{op}: {detail}")
        client.close()

    def do(self, op, client, rng, new_email):
        if op == "token":
            reply = client.get("/token", bearer=rng.choice(self.seeded)[1])
        elif op == "jwks":
            reply = client.get("/jwks")
        elif op == "get-session":
            reply = client.get("/get-session", bearer=rng.choice(self.seeded)[1])
        elif op == "sign-in":
            reply = client.sign_in(rng.choice(self.seeded)[0])
            if session_token(reply):
                with self.lock:
                    self.disposable.append(session_token(reply))
        elif op == "sign-up":
            reply = client.sign_up(new_email)
        else:
            session = self.take_disposable()
            if session is None:
                return None, ""
            reply = client.sign_out(session)
        ok = reply.status == 200 and reply.body not in ("", "null")
        return ok, f"{reply.status} {reply.body[:120]}"

    def take_disposable(self):
        with self.lock:
            return self.disposable.pop(0) if self.disposable else None


def wait_for(threads, server, samples):
    """Joins the workers, sampling the server under load every SAMPLE_EVERY_S seconds."""
    started = time.monotonic()
    next_sample = started + SAMPLE_EVERY_S
    while any(t.is_alive() for t in threads):
        time.sleep(0.2)
        if time.monotonic() >= next_sample and any(t.is_alive() for t in threads):
            samples.append(("load", server.rss_kib(), server.fd_count()))
            next_sample += SAMPLE_EVERY_S
    for t in threads:
        t.join()


def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 14
    work = tempfile.mkdtemp(prefix="ba-issuer-soak-")
    server = Server(os.path.join(work, "soak.db")).start()
    try:
        client = Client(server.port)
        seeded = []
        for i in range(SEED_USERS):
            email = f"seed{i}@example.com"
            seeded.append((email, session_token(client.sign_up(email))))
        client.close()
        soak = Soak(server.port, seeded, seconds, workers)
        samples = [("start", server.rss_kib(), server.fd_count())]
        wait_for(soak.run(WARM_UP_S, 0), server, samples)
        time.sleep(1)  # kept-alive connections close
        samples.append(("warmed up", server.rss_kib(), server.fd_count()))
        wait_for(soak.run(seconds - WARM_UP_S, 1), server, samples)
        time.sleep(1)
        samples.append(("end", server.rss_kib(), server.fd_count()))
        report(soak, samples, seconds, workers)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0 if not soak.errors else 1


def report(soak, samples, seconds, workers):
    total = sum(soak.counts.values())
    print(f"soak: {seconds} s ({WARM_UP_S} s warm-up), {workers} fast + {PASSWORD_WORKERS} "
          f"password workers, {total} requests ({total / seconds:.0f}/s), "
          f"{len(soak.errors)} errors")
    for op in WEIGHTS:
        lat = soak.latencies[op]
        print(f"  {op:<12} {soak.counts[op]:>8}   p50 {percentile(lat, 0.5) * 1000:7.1f} ms"
              f"   p99 {percentile(lat, 0.99) * 1000:7.1f} ms")
    print("  server RSS and open fds:")
    for label, rss, fds in samples:
        print(f"    {label:<10} RSS {rss:>8} KiB   fds {fds:>4}")
    warm = next(sample for sample in samples if sample[0] == "warmed up")
    end = samples[-1]
    under_load = [rss for label, rss, _ in samples if label == "load"]
    if under_load:
        print(f"  under load: RSS {min(under_load)} .. {max(under_load)} KiB")
    growth = 100.0 * (end[1] - warm[1]) / warm[1] if warm[1] else 0.0
    print(f"  after warm-up: RSS {warm[1]} -> {end[1]} KiB ({growth:+.1f} %), "
          f"fds {warm[2]} -> {end[2]}")
    for error in soak.errors[:10]:
        print(f"  error: {error}")


if __name__ == "__main__":
    sys.exit(main())
