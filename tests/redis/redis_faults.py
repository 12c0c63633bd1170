"""Redis secondary storage under faults, against the real binary (Better Auth's secondaryStorage).

    redis_faults.py StoppedTest | RestartEmptyTest | SlowTest | StartTest | KeysTest | TlsTest

Each case runs its own throwaway redis-server (tests/support/redis_server.py: Debian's
/usr/bin/redis-server on a free loopback port, nothing on disk) and its own ba-issuer on a fresh
SQLite file, started with --secondary-storage (or secondaryStorage.url in a --config file).

How each fault is made (real processes and kernel behaviour, nothing inside ba-issuer is faked):
- Stopped: redis-server is killed (SIGKILL); connections are refused. Restarted on the same
  port it is empty, as a Redis without persistence is after a restart.
- Slow: redis-server is stopped with SIGSTOP. The kernel still accepts connections and takes
  the bytes sent, but nothing answers until SIGCONT; only ba-issuer's own command timeout
  (?timeout=MS in the URL) ends a request. Also: DEBUG SLEEP, Redis blocking itself.
- Unreachable at start: a free port with nothing listening, or a URL that is not redis://.
- TLS: a test CA and a server certificate made with the openssl CLI; redis-server's own TLS.
- Keys: what ba-issuer wrote is read back from redis-server (KEYS, GET, TTL) and from the
  SQLite file (opened read-only), to show where Better Auth's layout puts each thing.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import (Client, Server, binary, free_port, is_service_unavailable,  # noqa: E402
                     session_token)
from redis_server import RedisServer  # noqa: E402

SESSION_EXPIRES_IN_S = 7 * 24 * 3600  # Better Auth's session.expiresIn default
PREFIX = "better-auth:"  # secondaryStorage.keyPrefix default


class RedisCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ba-issuer-redis-")
        self.db = os.path.join(self.dir, "auth.db")
        self.redis_dir = os.path.join(self.dir, "redis")
        os.mkdir(self.redis_dir)
        self.redis = None
        self.servers = []
        self.clients = []

    def tearDown(self):
        for client in self.clients:
            client.close()
        for server in self.servers:
            if server.alive():
                server.kill9()
        if self.redis is not None:
            self.redis.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start_redis(self, extra_args=()):
        # Kept before start(), so that tearDown kills one that never answered.
        self.redis = RedisServer(self.redis_dir, extra_args=extra_args)
        return self.redis.start()

    def start(self, url=None, config=None, extra_args=(), extra_env=None):
        """ba-issuer on self.db with `url` as --secondary-storage (default: the test's redis)
        and `config` (a dict) as its --config file."""
        args = list(extra_args)
        if url is None and (config is None or "secondaryStorage" not in config):
            url = self.redis.url
        if url is not None:
            args += ["--secondary-storage", url]
        if config is not None:
            path = os.path.join(self.dir, f"config{len(self.servers)}.json")
            with open(path, "w") as f:
                json.dump(config, f)
            args += ["--config", path]
        server = Server(self.db, log_path=os.path.join(self.dir, f"server{len(self.servers)}.log"),
                        extra_args=args, extra_env=extra_env).start()
        self.servers.append(server)
        return server

    def client(self, server, timeout=30):
        client = Client(server.port, timeout=timeout)
        self.clients.append(client)
        return client

    def sign_up_and_in(self, client, email="alice@example.com"):
        """Signs up and in; returns (sign-in session token, user id)."""
        created = client.sign_up(email)
        self.assertEqual(created.status, 200, created)
        signed_in = client.sign_in(email)
        self.assertEqual(signed_in.status, 200, signed_in)
        token = session_token(signed_in)
        self.assertTrue(token)
        self.assertEqual(client.get("/token", bearer=token).status, 200)
        return token, signed_in.json()["user"]["id"]

    def assert_unavailable(self, reply, what=""):
        self.assertNotEqual(reply.status, 500, f"{what}: {reply}")
        self.assertTrue(is_service_unavailable(reply), f"{what}: {reply} {reply.headers}")

    def stop_server(self, server):
        for client in self.clients:
            client.close()
        self.assertEqual(server.stop(), 0, server.log_tail())


class StoppedTest(RedisCase):
    """Redis gone: /token, get-session, sign-in and sign-up answer 503 (Better Auth's error shape, a
    Retry-After), never 500, and the server lives; Redis back on its port (empty): the server
    serves again without a restart."""

    def test_unreachable_redis_answers_503_and_recovers_when_back(self):
        self.start_redis()
        server = self.start()
        client = self.client(server)
        token, _ = self.sign_up_and_in(client)

        self.redis.stop()
        for _ in range(3):
            self.assert_unavailable(client.get("/token", bearer=token), "/token")
            self.assert_unavailable(client.get("/get-session", bearer=token), "/get-session")
            self.assert_unavailable(client.sign_in("alice@example.com"), "/sign-in/email")
            # A refused sign-up writes no user: the same email signs up once Redis is back.
            self.assert_unavailable(client.sign_up("carol@example.com"), "/sign-up/email")
        self.assertTrue(server.alive(), server.log_tail())
        self.assertEqual(client.get("/jwks").status, 200)  # no session: no Redis

        self.redis.start()  # the same port, empty
        # After a refused connect the pool fails at once for 200 ms (storage/redis/pool.cc).
        time.sleep(0.3)
        created = client.sign_up("carol@example.com")
        self.assertEqual(created.status, 200, created)
        carol = session_token(created)
        self.assertEqual(client.get("/token", bearer=carol).status, 200)
        signed_in = client.sign_in("alice@example.com")
        self.assertEqual(signed_in.status, 200, signed_in)
        self.assertEqual(client.get("/token", bearer=session_token(signed_in)).status, 200)
        # The session made before the restart lived only in Redis.
        self.assertEqual(client.get("/token", bearer=token).status, 401)
        self.assertIn("unavailable", server.log_tail(100000))
        self.stop_server(server)


class RestartEmptyTest(RedisCase):
    """A session that lived only in Redis is gone when Redis restarts empty: its bearer gets
    401 (as in Better Auth), and a new sign-in works, all without restarting ba-issuer."""

    def test_sessions_lost_with_redis_are_401_and_sign_in_works(self):
        self.start_redis()
        server = self.start()
        client = self.client(server)
        token, user_id = self.sign_up_and_in(client)
        self.assertIsNotNone(self.redis.command("GET", PREFIX + token))

        self.redis.stop()
        self.redis.start()
        self.assertEqual(self.redis.keys(), [])
        # The pool's idle connection is stale now; the first request must not see it.
        reply = client.get("/token", bearer=token)
        self.assertEqual(reply.status, 401, reply)
        reply = client.get("/get-session", bearer=token)
        self.assertEqual(reply.status, 200, reply)
        self.assertIsNone(reply.json())  # Better Auth: null for no session

        signed_in = client.sign_in("alice@example.com")
        self.assertEqual(signed_in.status, 200, signed_in)
        fresh = session_token(signed_in)
        self.assertEqual(signed_in.json()["user"]["id"], user_id)  # the user is in SQL
        self.assertEqual(client.get("/token", bearer=fresh).status, 200)
        self.assertIsNotNone(self.redis.command("GET", PREFIX + fresh))
        self.assertTrue(server.alive())
        self.stop_server(server)


def concurrent_tokens(port, bearer, count, client_timeout=15):
    """`count` GET /token at once, each on its own connection: [(reply or exception, seconds)]."""
    results = [None] * count
    barrier = threading.Barrier(count)

    def one(i):
        client = Client(port, timeout=client_timeout)
        barrier.wait()
        started = time.monotonic()
        try:
            reply = client.get("/token", bearer=bearer)
        except Exception as e:  # noqa: BLE001 - a timeout or drop is a result to report
            reply = e
        results[i] = (reply, time.monotonic() - started)
        client.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(client_timeout + 10)
    if any(r is None for r in results):
        raise AssertionError("a request thread did not finish")
    return results


class SlowTest(RedisCase):
    """Redis that takes the bytes but does not answer: each request ends by the URL's
    timeout=300 (ms) with 503, none hangs, none waits behind the others for long; once Redis
    answers again, so does the server."""

    TIMEOUT_MS = 300
    REQUESTS = 20
    BOUND_S = 3.0

    def start_slow(self, extra_redis_args=()):
        self.start_redis(extra_redis_args)
        server = self.start(url=f"{self.redis.url}?timeout={self.TIMEOUT_MS}")
        client = self.client(server)
        token, _ = self.sign_up_and_in(client)
        return server, client, token

    def assert_all_unavailable_in_time(self, results):
        for reply, seconds in results:
            self.assertFalse(isinstance(reply, Exception), f"{reply!r} after {seconds:.2f} s")
            self.assert_unavailable(reply, f"after {seconds:.2f} s")
            self.assertLess(seconds, self.BOUND_S, reply)

    def test_frozen_redis_times_out_every_request(self):
        server, client, token = self.start_slow()
        self.redis.freeze()
        try:
            started = time.monotonic()
            results = concurrent_tokens(server.port, token, self.REQUESTS)
            total = time.monotonic() - started
            self.assert_all_unavailable_in_time(results)
            self.assertLess(total, self.BOUND_S + 1, [s for _, s in results])
            # A single request on its own: the command timeout, not much more.
            started = time.monotonic()
            self.assert_unavailable(client.get("/token", bearer=token))
            self.assertLess(time.monotonic() - started, 1.5)
            self.assertTrue(server.alive(), server.log_tail())
        finally:
            self.redis.thaw()
        self.assertEqual(client.get("/token", bearer=token).status, 200)
        results = concurrent_tokens(server.port, token, self.REQUESTS)
        self.assertEqual([r.status for r, _ in results], [200] * self.REQUESTS)
        self.stop_server(server)

    def test_debug_sleep_times_out_every_request(self):
        # Redis 7 refuses DEBUG unless enable-debug-command allows it.
        server, client, token = self.start_slow(["--enable-debug-command", "yes"])
        sleeper = DebugSleep(self.redis.port, 2)
        try:
            results = concurrent_tokens(server.port, token, self.REQUESTS)
            self.assertTrue(sleeper.running(), "DEBUG SLEEP ended before the requests answered")
            self.assert_all_unavailable_in_time(results)
            self.assertTrue(server.alive(), server.log_tail())
        finally:
            self.assertEqual(sleeper.join(), "OK")
        self.assertEqual(client.get("/token", bearer=token).status, 200)
        self.stop_server(server)


class DebugSleep:
    """DEBUG SLEEP seconds on its own connection, in a thread; redis answers nobody meanwhile."""

    def __init__(self, port, seconds):
        self.reply = None
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=seconds + 10)
        self.sock.sendall(b"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$%d\r\n%d\r\n"
                          % (len(str(seconds)), seconds))
        self.thread = threading.Thread(target=self._wait)
        self.thread.start()
        time.sleep(0.1)  # redis has read the command and sleeps

    def _wait(self):
        with self.sock.makefile("rb") as f:
            self.reply = f.readline().strip().decode().lstrip("+")
        self.sock.close()

    def running(self):
        return self.thread.is_alive()

    def join(self):
        self.thread.join(30)
        return self.reply


class StartTest(RedisCase):
    """A secondary storage that cannot be reached, or a URL that is not one, stops the start:
    exit 2 (bad configuration), one line on stderr naming it, never the password."""

    PASSWORD = "s3cretpw"

    def start_failure(self, *args):
        env = dict(os.environ, BETTER_AUTH_SECRET="fault-test-secret-0123456789abcdefghijklmnop",
                   NODE_ENV="development")
        started = time.monotonic()
        done = subprocess.run([binary(), "--host", "127.0.0.1", "--port", "0", "--db", self.db]
                              + list(args), capture_output=True, env=env, timeout=30)
        stderr = done.stderr.decode(errors="replace")
        lines = [line for line in stderr.splitlines() if not line.startswith("WARNING:")]
        return done.returncode, stderr, lines, time.monotonic() - started, done.stdout.decode()

    def test_unreachable_redis_refuses_to_start_without_showing_the_password(self):
        port = free_port()
        url = f"redis://user:{self.PASSWORD}@127.0.0.1:{port}"
        code, stderr, lines, seconds, stdout = self.start_failure("--secondary-storage", url)
        self.assertEqual(code, 2, stderr)
        self.assertEqual(len(lines), 1, stderr)  # one line, no trace
        self.assertNotIn(self.PASSWORD, stderr)
        self.assertNotIn("listening", stdout)
        self.assertIn("secondary storage", lines[0])
        self.assertIn(f"127.0.0.1:{port}", lines[0])
        self.assertLess(seconds, 10)

        # The same from the config file.
        config = os.path.join(self.dir, "config.json")
        with open(config, "w") as f:
            json.dump({"secondaryStorage": {"url": url}}, f)
        code, stderr, lines, _, _ = self.start_failure("--config", config)
        self.assertEqual(code, 2, stderr)
        self.assertEqual(len(lines), 1, stderr)
        self.assertNotIn(self.PASSWORD, stderr)
        self.assertIn(f"127.0.0.1:{port}", lines[0])

    def test_wrong_password_refuses_to_start_without_showing_it(self):
        self.start_redis()
        # Set once it answered RedisServer's PING (which sends no AUTH).
        self.assertEqual(self.redis.command("CONFIG", "SET", "requirepass", "the-right-one"), "OK")
        url = f"redis://default:{self.PASSWORD}@127.0.0.1:{self.redis.port}"
        code, stderr, lines, _, _ = self.start_failure("--secondary-storage", url)
        self.assertEqual(code, 2, stderr)
        self.assertEqual(len(lines), 1, stderr)
        self.assertNotIn(self.PASSWORD, stderr)
        self.assertIn("secondary storage", lines[0])

    def test_malformed_urls_are_refused(self):
        for url in ["http://x", "x", "", "redis://127.0.0.1:notaport",
                    "redis://127.0.0.1:6379?timeout=0", "redis://127.0.0.1:6379?bogus=1",
                    f"redis://u:{self.PASSWORD}@127.0.0.1:99999"]:
            code, stderr, lines, _, _ = self.start_failure("--secondary-storage", url)
            self.assertEqual(code, 2, f"{url!r}: {stderr}")
            self.assertEqual(len(lines), 1, f"{url!r}: {stderr}")
            self.assertIn("secondary", lines[0], url)
            self.assertNotIn(self.PASSWORD, stderr, url)


class KeysTest(RedisCase):
    """What ba-issuer keeps in Redis, as Better Auth lays it out: <prefix><token> (the session
    and its user, with the session's TTL), <prefix>active-sessions-<userId>; no SQL session row
    unless storeSessionInDatabase; sign-out deletes the key."""

    def session_rows(self):
        import sqlite3
        db = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'session'")]
            if not tables:
                return []
            return db.execute('SELECT "token", "userId" FROM "session"').fetchall()
        finally:
            db.close()

    def assert_session_keys(self, prefix, token, user_id):
        value = self.redis.command("GET", prefix + token)
        self.assertIsNotNone(value, self.redis.keys())
        stored = json.loads(value)
        self.assertIsInstance(stored.get("session"), dict, stored)
        self.assertIsInstance(stored.get("user"), dict, stored)
        self.assertEqual(stored["session"]["token"], token)
        self.assertEqual(stored["session"]["userId"], user_id)
        self.assertEqual(stored["user"]["id"], user_id)
        self.assertEqual(stored["user"]["email"], "alice@example.com")
        ttl = self.redis.command("TTL", prefix + token)
        self.assertLessEqual(abs(ttl - SESSION_EXPIRES_IN_S), 5, ttl)

        listed = json.loads(self.redis.command("GET", f"{prefix}active-sessions-{user_id}"))
        self.assertIsInstance(listed, list)
        entries = [e for e in listed if e.get("token") == token]
        self.assertEqual(len(entries), 1, listed)
        expires_at = entries[0]["expiresAt"]
        self.assertIsInstance(expires_at, int)  # ms since the epoch
        self.assertLessEqual(abs(expires_at / 1000 - time.time() - SESSION_EXPIRES_IN_S), 10)
        list_ttl = self.redis.command("TTL", f"{prefix}active-sessions-{user_id}")
        self.assertLessEqual(abs(list_ttl - SESSION_EXPIRES_IN_S), 5, list_ttl)

    def assert_signed_out(self, client, prefix, token, user_id):
        self.assertEqual(client.sign_out(token).status, 200)
        self.assertIsNone(self.redis.command("GET", prefix + token))
        raw = self.redis.command("GET", f"{prefix}active-sessions-{user_id}")
        listed = json.loads(raw) if raw is not None else []
        self.assertNotIn(token, [e.get("token") for e in listed])
        self.assertEqual(client.get("/token", bearer=token).status, 401)

    def test_default_prefix_and_no_sql_session(self):
        self.start_redis()
        server = self.start()
        client = self.client(server)
        token, user_id = self.sign_up_and_in(client)
        self.assert_session_keys(PREFIX, token, user_id)
        self.assertEqual(self.session_rows(), [])
        keys = self.redis.keys()
        self.assertTrue(all(k.startswith(PREFIX) for k in keys), keys)
        self.assert_signed_out(client, PREFIX, token, user_id)
        self.assertEqual(self.session_rows(), [])
        self.stop_server(server)

    def test_custom_prefix(self):
        self.start_redis()
        server = self.start(config={"secondaryStorage": {"url": self.redis.url,
                                                         "keyPrefix": "custom:"}})
        client = self.client(server)
        token, user_id = self.sign_up_and_in(client)
        self.assert_session_keys("custom:", token, user_id)
        keys = self.redis.keys()
        self.assertTrue(keys)
        self.assertTrue(all(k.startswith("custom:") for k in keys), keys)
        self.assertEqual(self.session_rows(), [])
        self.assert_signed_out(client, "custom:", token, user_id)
        self.stop_server(server)

    def test_store_session_in_database_keeps_both(self):
        self.start_redis()
        server = self.start(config={"session": {"storeSessionInDatabase": True}})
        client = self.client(server)
        token, user_id = self.sign_up_and_in(client)
        self.assert_session_keys(PREFIX, token, user_id)
        self.assertIn((token, user_id), self.session_rows())
        self.assert_signed_out(client, PREFIX, token, user_id)
        self.assertNotIn(token, [t for t, _ in self.session_rows()])
        self.stop_server(server)


def make_certificates(directory):
    """A test CA and a server certificate for the name localhost (not for 127.0.0.1) signed by it (openssl CLI).
    Returns (ca, cert, key) paths."""
    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=ba-issuer test CA")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    with open(os.path.join(directory, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext")
    return tuple(os.path.join(directory, name) for name in ("ca.crt", "server.crt", "server.key"))


class TlsTest(RedisCase):
    """rediss://: Redis with TLS on a port of its own (its plain port only for the test's own
    reads). With the CA given by ?ca= sessions work and land in that Redis; a certificate the
    system's CAs do not trust, or one for another host name, stops the start (exit 2)."""

    def test_rediss_verifies_the_certificate_and_its_host_name(self):
        ca, cert, key = make_certificates(self.redis_dir)
        tls_port = free_port()
        self.start_redis(["--tls-port", str(tls_port), "--tls-cert-file", cert,
                          "--tls-key-file", key, "--tls-ca-cert-file", ca,
                          "--tls-auth-clients", "no"])
        server = self.start(url=f"rediss://localhost:{tls_port}?ca={ca}")
        client = self.client(server)
        token, user_id = self.sign_up_and_in(client)
        self.assertIsNotNone(self.redis.command("GET", PREFIX + token))
        self.assertIsNotNone(self.redis.command("GET", PREFIX + "active-sessions-" + user_id))
        self.stop_server(server)

        for url, why in [(f"rediss://localhost:{tls_port}", "not trusted by the system's CAs"),
                         (f"rediss://127.0.0.1:{tls_port}?ca={ca}", "issued for another name")]:
            with self.subTest(why):
                env = dict(os.environ, BETTER_AUTH_SECRET="fault-test-secret-0123456789abcdefghijklmnop",
                           NODE_ENV="development")
                done = subprocess.run([binary(), "--host", "127.0.0.1", "--port", "0", "--db",
                                       self.db, "--secondary-storage", url],
                                      capture_output=True, env=env, timeout=30)
                self.assertEqual(done.returncode, 2, done.stderr)
                self.assertIn(b"certificate verify failed", done.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
