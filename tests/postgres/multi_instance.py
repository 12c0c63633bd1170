"""Several ba-issuer instances on one PostgreSQL database (issue 13), against the real binary.

Needs the run's throwaway cluster (BA_TEST_PG_DIR, CTest's pg_cluster fixture); fails if it is
missing. Each case gets a fresh database.
    multi_instance.py SharedSessionsTest|RotationTest|Kill9Test|RestartTest
"""

import base64
import glob
import json
import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import harness  # noqa: E402
from harness import Client, Server, session_token, is_service_unavailable  # noqa: E402

import jwt  # Debian's python3-jwt  # noqa: E402

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
CLUSTER_DIR = os.environ.get("BA_TEST_PG_DIR", "")
CLUSTER = os.path.join(os.path.dirname(__file__), "..", "support", "pg_cluster.sh")


def cluster_url():
    with open(os.path.join(CLUSTER_DIR, "url")) as f:
        return f.read().strip()


def psql(url, sql):
    done = subprocess.run([PG_BIN + "/psql", url, "-Atqc", sql], capture_output=True, text=True,
                          timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"psql: {done.stderr}")
    return done.stdout.strip()


_counter = [0]


def fresh_database():
    base = cluster_url()
    _counter[0] += 1
    name = f"mi_{os.getpid()}_{_counter[0]}"
    psql(base, f"create database {name}")
    return base.rsplit("/", 1)[0] + "/" + name


def kids(reply):
    return {k["kid"] for k in reply.json()["keys"]}


def verify(token, jwks_reply):
    """Verifies `token` (EdDSA) against the JWKS document of one instance."""
    kid = jwt.get_unverified_header(token)["kid"]
    for k in jwks_reply.json()["keys"]:
        if k["kid"] == kid:
            key = jwt.PyJWK(k, algorithm="EdDSA")
            jwt.decode(token, key.key, algorithms=["EdDSA"], options={"verify_aud": False})
            return True
    return False


class Instances:
    def __init__(self, url, count, tmp, args=()):
        self.servers = [Server(url, log_path=f"{tmp}/instance{i}.log", extra_args=args)
                        for i in range(count)]
        for s in self.servers:
            s.start()
        self.clients = [Client(s.port) for s in self.servers]

    def stop(self):
        for c in self.clients:
            c.close()
        for s in self.servers:
            s.stop()


class Case(unittest.TestCase):
    def setUp(self):
        self.assertTrue(CLUSTER_DIR and os.path.exists(os.path.join(CLUSTER_DIR, "url")),
                        "no PostgreSQL cluster: BA_TEST_PG_DIR must name a started one")
        self.url = fresh_database()
        self.tmp = f"/tmp/ba-issuer-mi-{os.getpid()}"
        os.makedirs(self.tmp, exist_ok=True)

    def logs(self, group):
        return "\n".join(s.log_tail(1500) for s in group.servers)


class SharedSessionsTest(Case):
    def test_sessions_sign_outs_and_keys_are_shared(self):
        group = Instances(self.url, 3, self.tmp)
        try:
            a, b, c = group.clients
            token = session_token(a.sign_up("shared@example.com"))
            self.assertIsNotNone(token)
            for client in (b, c):  # a session made on one works on the others
                reply = client.get("/get-session", bearer=token)
                self.assertEqual(reply.json()["user"]["email"], "shared@example.com")
            other = session_token(c.sign_in("shared@example.com"))
            self.assertIsNotNone(other)
            jwts = [client.get("/token", bearer=other).json()["token"] for client in (a, b, c)]
            time.sleep(1.0)  # a key made by one instance reaches the others' JWKS by NOTIFY
            for client in (a, b, c):
                jwks = client.get("/jwks")
                for t in jwts:
                    self.assertTrue(verify(t, jwks), self.logs(group))
            self.assertEqual(b.sign_out(token).status, 200)  # seen by the others at once
            for client in (a, c):
                self.assertEqual(client.get("/get-session", bearer=token).body, "null")
                self.assertEqual(client.get("/token", bearer=token).status, 401)
            # A key revoked from the command line leaves every instance's JWKS within a second.
            kid = jwt.get_unverified_header(jwts[0])["kid"]
            subprocess.run([harness.binary(), "keys", "revoke", kid, "--rotate", "--db", self.url],
                           check=True, capture_output=True, timeout=30,
                           env=dict(os.environ, BETTER_AUTH_SECRET=harness.SECRET))
            revoked_at = time.time()
            waiting = set(range(3))
            while waiting and time.time() - revoked_at < 1.0:
                waiting = {i for i in waiting if kid in kids(group.clients[i].get("/jwks"))}
                time.sleep(0.02)
            self.assertEqual(waiting, set(), "instances still publishing the revoked key")
            fresh = b.get("/token", bearer=other).json()["token"]
            self.assertNotEqual(jwt.get_unverified_header(fresh)["kid"], kid)
        finally:
            group.stop()


class RotationTest(Case):
    def test_one_new_key_per_interval_across_instances(self):
        group = Instances(self.url, 3, self.tmp, ["--rotation-interval", "2"])
        try:
            token = session_token(group.clients[0].sign_up("rot@example.com"))
            start = time.time()
            jwts = []
            while time.time() - start < 10.5:  # 5 intervals, every instance hit in turn
                for client in group.clients:
                    jwts.append(client.get("/token", bearer=token).json()["token"])
                time.sleep(0.05)
            made = [int(x) for x in psql(self.url, 'select floor(extract(epoch from "createdAt")'
                                         ' * 1000) from ba_issuer_key order by 1').split()]
            gaps = [b - a for a, b in zip(made, made[1:])]
            # The first key and its standby are made together, at start. After them, exactly
            # one key per interval: never two within an interval (a gap under 1.5 s), never an
            # interval without one (a gap near 4 s), over at least 5 intervals.
            rotations = gaps[1:]
            self.assertGreaterEqual(len(rotations), 5, f"{gaps}\n{self.logs(group)}")
            self.assertTrue(all(1500 <= g <= 2900 for g in rotations), f"keys made {gaps} ms apart")
            time.sleep(1.0)
            jwks = [client.get("/jwks") for client in group.clients]
            for t in jwts[-30:]:  # recent tokens verify against every instance's JWKS
                for j in jwks:
                    self.assertTrue(verify(t, j))
        finally:
            group.stop()


class Kill9Test(Case):
    def test_kill9_of_one_instance_mid_rotation_loses_nothing(self):
        group = Instances(self.url, 3, self.tmp, ["--rotation-interval", "2"])
        try:
            a, b, c = group.clients
            tokens = [session_token(a.sign_up(f"k{i}@example.com")) for i in range(5)]
            deadline = time.time() + 6
            killed = False
            while time.time() < deadline:
                rows = psql(self.url, "select count(*) from ba_issuer_key")
                if not killed and int(rows) >= 2:  # it has rotated at least once
                    time.sleep(0.9)  # mid-interval, near the next rotation
                    group.servers[0].kill9()
                    killed = True
                b.get("/token", bearer=tokens[0])
                time.sleep(0.05)
            self.assertTrue(killed)
            time.sleep(2.5)  # rotation goes on without the killed instance
            for t in tokens:
                for client in (b, c):
                    self.assertEqual(client.get("/token", bearer=t).status, 200)
            self.assertEqual(psql(self.url, 'select count(*) from "user"'), "5")
            made = [int(x) for x in psql(self.url, 'select floor(extract(epoch from "createdAt")'
                                         ' * 1000) from ba_issuer_key order by 1').split()]
            self.assertTrue(all(y - x >= 1500 for x, y in zip(made[1:], made[2:])), made)
            jwt_ = b.get("/token", bearer=tokens[1]).json()["token"]
            time.sleep(1.0)
            self.assertTrue(verify(jwt_, c.get("/jwks")))
        finally:
            group.clients[0].close()
            for s in group.servers[1:]:
                s.stop()


class RestartTest(Case):
    def test_postgres_restart_under_load_503_then_recovery(self):
        # Trust auth ignores the password: it is there to show it never reaches the log.
        url = self.url.replace("postgres@", "postgres:hunter2-pw@")
        group = Instances(url, 1, self.tmp, ["--log-format", "json"])
        client = group.clients[0]
        token = session_token(client.sign_up("restart@example.com"))
        statuses, stop = [], threading.Event()

        def load():
            c = Client(group.servers[0].port)
            while not stop.is_set():
                r = c.get("/get-session", bearer=token)
                statuses.append((r.status, is_service_unavailable(r) if r.status == 503 else True))
            c.close()

        worker = threading.Thread(target=load)
        worker.start()
        is_down = False
        try:
            time.sleep(0.5)
            subprocess.run([CLUSTER, "down", CLUSTER_DIR], check=True, timeout=60)
            is_down = True
            time.sleep(1.5)
            down = client.get("/get-session", bearer=token)
            self.assertTrue(is_service_unavailable(down), f"{down}")
            subprocess.run([CLUSTER, "up", CLUSTER_DIR], check=True, timeout=60)
            is_down = False
            deadline = time.time() + 15
            while time.time() < deadline:  # recovers by itself
                if client.get("/get-session", bearer=token).status == 200:
                    break
                time.sleep(0.2)
            self.assertEqual(client.get("/token", bearer=token).status, 200)
        finally:
            stop.set()
            worker.join(30)
            if is_down:  # a check failed while it was down: the next cases need it
                subprocess.run([CLUSTER, "up", CLUSTER_DIR], timeout=60)
            group.stop()
        codes = {s for s, _ in statuses}
        self.assertTrue(codes <= {200, 503}, codes)
        self.assertIn(503, codes)
        self.assertTrue(all(ok for _, ok in statuses), "a 503 without Retry-After or JSON")
        self.assertEqual(statuses[-1][0], 200)
        self.assertNotIn("hunter2-pw", group.servers[0].log_tail(200000))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:])
