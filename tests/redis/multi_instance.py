"""Several ba-issuer instances on one Redis secondary storage, against the real binary.

    multi_instance.py SharedSessionsTest | SharedRateLimitTest

Three ba-issuer processes (A, B, C), as behind a load balancer: the same SQLite file (users,
accounts and keys live in SQL) and the same throwaway redis-server (tests/support/
redis_server.py), where the sessions and the rate-limit counters live. Nothing is shared
between the processes but those two stores, so what one instance wrote is seen by the others
only through them:
- Sessions: a sign-in on A is a bearer B and C accept; a sign-out on C ends it on A and B at
  once (no cache in any instance outlives the Redis key).
- Rate limits: attempts spread over A, B and C count against one counter in Redis (Better
  Auth's rateLimit with storage "secondary-storage", its default with a secondary storage).
"""

import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import Client, Server, free_port, session_token  # noqa: E402
from redis_server import RedisServer  # noqa: E402

PREFIX = "better-auth:"


class Instances(unittest.TestCase):
    COUNT = 3

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ba-issuer-redis-multi-")
        self.db = os.path.join(self.dir, "auth.db")
        redis_dir = os.path.join(self.dir, "redis")
        os.mkdir(redis_dir)
        self.servers = []
        self.clients = []
        self.redis = RedisServer(redis_dir)
        self.addCleanup(self.cleanup)  # also when start() below fails
        self.redis.start()

    def cleanup(self):
        for client in self.clients:
            client.close()
        for server in self.servers:
            if server.alive():
                server.kill9()
        self.redis.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start_all(self, config=None, extra_env=None, origin=None, extra_args=()):
        """A, B and C, one after the other (the first makes the signing key)."""
        args = ["--secondary-storage", self.redis.url] + list(extra_args)
        if config is not None:
            path = os.path.join(self.dir, "config.json")
            with open(path, "w") as f:
                json.dump(config, f)
            args += ["--config", path]
        for i in range(self.COUNT):
            server = Server(self.db, log_path=os.path.join(self.dir, f"instance{i}.log"),
                            extra_args=args, extra_env=extra_env).start()
            self.servers.append(server)
            self.clients.append(Client(server.port, origin=origin))
        return self.clients

    def stop_all(self):
        for client in self.clients:
            client.close()
        for server in self.servers:
            self.assertEqual(server.stop(), 0, server.log_tail())


class SharedSessionsTest(Instances):
    """A session made on one instance is good on every other; its end on one is seen on all."""

    def test_sign_in_on_a_token_on_b_and_c_sign_out_on_c(self):
        a, b, c = self.start_all()
        created = a.sign_up("alice@example.com")
        self.assertEqual(created.status, 200, created)
        signed_in = a.sign_in("alice@example.com")
        self.assertEqual(signed_in.status, 200, signed_in)
        token = session_token(signed_in)
        self.assertIsNotNone(self.redis.command("GET", PREFIX + token))

        for name, client in (("A", a), ("B", b), ("C", c)):
            reply = client.get("/token", bearer=token)
            self.assertEqual(reply.status, 200, f"{name}: {reply}")
            session = client.get("/get-session", bearer=token)
            self.assertEqual(session.status, 200, f"{name}: {session}")
            self.assertEqual(session.json()["user"]["email"], "alice@example.com", name)
        # A second session, made on B, is listed on A (active-sessions-<userId> in Redis).
        other = session_token(b.sign_in("alice@example.com"))
        self.assertIsNotNone(other)
        listed = a.get("/list-sessions", bearer=token)
        self.assertEqual(listed.status, 200, listed)
        self.assertLessEqual({token, other}, {s["token"] for s in listed.json()}, listed)

        self.assertEqual(c.sign_out(token).status, 200)
        self.assertIsNone(self.redis.command("GET", PREFIX + token))
        for name, client in (("A", a), ("B", b), ("C", c)):
            reply = client.get("/token", bearer=token)
            self.assertEqual(reply.status, 401, f"{name}: {reply}")
        # The other session is untouched, on every instance.
        for name, client in (("A", a), ("B", b), ("C", c)):
            self.assertEqual(client.get("/token", bearer=other).status, 200, name)
        for server in self.servers:
            self.assertTrue(server.alive(), server.log_tail())
        self.stop_all()


class SharedRateLimitTest(Instances):
    """Sign-in attempts spread over A, B and C share one counter in Redis: the 4th attempt
    overall (rule: 3 per window) is 429 with X-Retry-After, whichever instance gets it."""

    def attempts_across(self, clients, rule_window_s):
        a, b, c = clients
        created = a.sign_up("alice@example.com")  # its own counter (/sign-up/email)
        self.assertEqual(created.status, 200, created)
        for name, client in (("A", a), ("B", b), ("C", c)):
            reply = client.sign_in("alice@example.com")
            self.assertEqual(reply.status, 200, f"{name}: {reply}")
        refused = a.sign_in("alice@example.com")
        self.assertEqual(refused.status, 429, refused)
        retry = refused.header("x-retry-after")
        self.assertIsNotNone(retry, refused.headers)
        self.assertTrue(retry.isdigit() and 0 < int(retry) <= rule_window_s, retry)
        for name, client in (("B", b), ("C", c)):
            self.assertEqual(client.sign_in("alice@example.com").status, 429, name)

        key = PREFIX + "127.0.0.1|/sign-in/email"
        self.assertIn(key, self.redis.keys(), self.redis.keys())
        ttl = self.redis.command("TTL", key)
        self.assertTrue(0 < ttl <= rule_window_s, ttl)
        # Another path keeps its own counter: not refused.
        self.assertEqual(a.get("/ok").status, 200)
        for server in self.servers:
            self.assertTrue(server.alive(), server.log_tail())
        return key

    def test_config_rule_counts_across_instances(self):
        clients = self.start_all(config={"rateLimit": {
            "enabled": True, "customRules": {"/sign-in/email": {"window": 60, "max": 3}}}})
        self.attempts_across(clients, 60)
        # No rateLimit table: the counters are in Redis only.
        import sqlite3
        db = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'rateLimit'")]
        finally:
            db.close()
        self.assertEqual(tables, [])
        self.stop_all()

    def test_production_defaults_count_across_instances(self):
        # NODE_ENV=production turns rate limiting on with Better Auth's special rule for
        # /sign-in/* (3 per 10 s); production needs a base URL: one public URL for all three.
        origin = f"https://127.0.0.1:{free_port()}"
        clients = self.start_all(extra_env={"NODE_ENV": "production", "BETTER_AUTH_URL": origin},
                                 origin=origin)
        self.attempts_across(clients, 10)
        self.stop_all()


if __name__ == "__main__":
    unittest.main(verbosity=2)
