"""kill -9 of the real binary under GET /token load, with sign-ins adding sessions meanwhile.

After each restart: every session acknowledged before the kill still mints a token, and tokens
minted before the kill verify (PyJWT, EdDSA) against the JWKS served after it.
"""

import os
import random
import shutil
import sys
import tempfile
import threading
import time
import unittest

import jwt  # Debian python3-jwt (with python3-cryptography for EdDSA)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import Client, Server, integrity, is_service_unavailable, session_token  # noqa: E402

KILLS = 5
USERS = 8
TOKEN_READERS = 6
SIGN_IN_WRITERS = 2


class TokenLoad:
    """Readers mint tokens for known sessions; writers sign in and add the new sessions."""

    def __init__(self, port, sessions, emails, seed):
        self.port = port
        self.sessions = sessions  # shared list of acknowledged session tokens
        self.emails = emails
        self.minted = []
        self.unexpected = []
        self.tokens_served = 0
        self.lock = threading.Lock()
        self.running = True
        self.threads = [threading.Thread(target=self.read, args=(seed + i,))
                        for i in range(TOKEN_READERS)]
        self.threads += [threading.Thread(target=self.sign_in, args=(seed + 100 + i,))
                         for i in range(SIGN_IN_WRITERS)]
        for t in self.threads:
            t.start()

    def read(self, seed):
        rng, client = random.Random(seed), Client(self.port, timeout=20)
        while self.running:
            with self.lock:
                session = rng.choice(self.sessions)
            try:
                reply = client.get("/token", bearer=session)
            except OSError:
                return
            with self.lock:
                if reply.status != 200:
                    self.unexpected.append(reply)
                    continue
                self.tokens_served += 1
                if self.tokens_served % 25 == 1:
                    self.minted.append(reply.json()["token"])

    def sign_in(self, seed):
        rng, client = random.Random(seed), Client(self.port, timeout=20)
        while self.running:
            try:
                reply = client.sign_in(rng.choice(self.emails))
            except OSError:
                return
            with self.lock:
                if session_token(reply):
                    self.sessions.append(session_token(reply))
                elif not is_service_unavailable(reply):
                    self.unexpected.append(reply)

    def stop(self):
        self.running = False
        for t in self.threads:
            t.join(30)


class KillUnderTokenLoadTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ba-issuer-kill-token-")
        self.db = os.path.join(self.dir, "auth.db")
        self.log = os.path.join(self.dir, "server.log")
        self.server = None

    def tearDown(self):
        if self.server is not None and self.server.alive():
            self.server.kill9()
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_sessions_and_tokens_survive_kill_9(self):
        seed = int(os.environ.get("BA_ISSUER_KILL_SEED", time.time_ns() % 1_000_000))
        print(f"seed {seed}", flush=True)
        rng = random.Random(seed)
        self.server = Server(self.db, log_path=self.log).start()
        client = Client(self.server.port)
        emails = [f"user{i}@example.com" for i in range(USERS)]
        sessions = [session_token(client.sign_up(email)) for email in emails]
        self.assertNotIn(None, sessions)
        client.close()

        served = 0
        for kill in range(KILLS):
            load = TokenLoad(self.server.port, sessions, emails, rng.randrange(1 << 30))
            time.sleep(rng.uniform(0.5, 1.5))
            self.server.kill9()
            load.stop()
            self.assertEqual(load.unexpected, [], f"kill {kill}")
            self.assertGreater(load.tokens_served, 0, f"kill {kill}")
            self.assertEqual(integrity(self.db), "ok", f"kill {kill}")
            served += load.tokens_served

            self.server = Server(self.db, log_path=self.log).start()
            self.assert_sessions_mint(sessions)
            self.assert_tokens_verify(load.minted)

        print(f"{KILLS} kills under /token load survived: {served} tokens served, "
              f"{len(sessions)} sessions all valid after the last restart", flush=True)
        self.assertEqual(self.server.stop(), 0)

    def assert_sessions_mint(self, sessions):
        client = Client(self.server.port)
        lost = [s for s in sessions if client.get("/token", bearer=s).status != 200]
        client.close()
        self.assertEqual(lost, [], f"{len(lost)} of {len(sessions)} sessions lost")

    def assert_tokens_verify(self, tokens):
        self.assertGreater(len(tokens), 0)
        client = Client(self.server.port)
        keys = client.get("/jwks").json()["keys"]
        client.close()
        jwks = {k["kid"]: jwt.PyJWK(k) for k in keys}
        for token in tokens:
            kid = jwt.get_unverified_header(token)["kid"]
            self.assertIn(kid, jwks)
            claims = jwt.decode(token, jwks[kid].key, algorithms=["EdDSA"],
                                options={"verify_aud": False})
            self.assertTrue(claims["sub"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
