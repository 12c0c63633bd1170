"""Clients behind deploy/nginx.conf, keyed by their own address (issue 19 §7).

ba-issuer runs as deploy/nginx.conf says it should: NODE_ENV=production (so rate limits are on),
--trusted-proxy 127.0.0.1/32 (nginx's address). nginx sets X-Forwarded-For to the address of its
client, replacing whatever the client sent. Each client here has its own loopback source address
(127.0.0.2, 127.0.0.3, ...), so nginx sees them apart.

Shown: an attacker's wrong passwords through nginx get it a 429 and leave the victim, another
client of the same nginx, free to sign in; the attacker's own X-Forwarded-For is replaced by nginx
and changes nothing; sent straight to ba-issuer (not through nginx, so from an untrusted peer) a
spoofed X-Forwarded-For is ignored for rate limits and for the session's ipAddress.
"""

import http.client
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, HERE)
from harness import Server, free_port  # noqa: E402
from nginx_test import Nginx, tls_request  # noqa: E402

PASSWORD = "password123"
TOO_MANY = {"message": "Too many requests. Please try again later."}


class ClientIpBehindNginxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ba-issuer-client-ip-")
        cls.db = os.path.join(cls.dir, "auth.db")
        tls_port = free_port()
        cls.origin = f"https://127.0.0.1:{tls_port}"
        cls.server = Server(cls.db, extra_env={"BETTER_AUTH_URL": cls.origin,
                                               "NODE_ENV": "production"},
                            extra_args=["--trusted-proxy", "127.0.0.1/32"]).start()
        cls.nginx = Nginx(cls.server.port, tls_port)
        status, _, body = cls.through_nginx("POST", "/sign-up/email",
                                            {"name": "Victim", "email": "victim@example.com",
                                             "password": PASSWORD}, source="127.0.0.9")
        assert status == 200, body

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------------

    @classmethod
    def through_nginx(cls, method, path, body=None, headers=None, source="127.0.0.1"):
        """One request to nginx over TLS from `source`: (status, headers, parsed body)."""
        status, headers, content = tls_request(cls.nginx, cls.origin, method, path, body,
                                               headers, source)
        return status, headers, parse(content)

    def direct(self, method, path, body=None, headers=None, source="127.0.0.1"):
        """One request straight to ba-issuer (no nginx) from `source`."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10,
                                          source_address=(source, 0))
        try:
            all_headers = {"Origin": self.origin, "Content-Type": "application/json"}
            all_headers.update(headers or {})
            conn.request(method, "/api/auth" + path,
                         body=json.dumps(body) if body is not None else None, headers=all_headers)
            res = conn.getresponse()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, parse(res.read())
        finally:
            conn.close()

    def sign_in(self, send, password, source, headers=None):
        return send("POST", "/sign-in/email", {"email": "victim@example.com", "password": password},
                    headers=headers, source=source)

    def session_ip(self, token):
        with sqlite3.connect(self.db) as conn:
            row = conn.execute('select "ipAddress" from "session" where "token" = ?',
                               (token,)).fetchone()
        return row[0] if row else None

    def assert_limited(self, answer):
        status, headers, body = answer
        self.assertEqual(status, 429, body)
        self.assertEqual(body, TOO_MANY)
        self.assertIn(headers.get("x-retry-after"), [str(s) for s in range(1, 11)])

    # --- tests --------------------------------------------------------------------------------

    def test_clients_behind_nginx_are_keyed_apart(self):
        attacker, victim = "127.0.0.2", "127.0.0.3"
        for _ in range(3):
            self.assertEqual(self.sign_in(self.through_nginx, "guess", attacker)[0], 401)
        self.assert_limited(self.sign_in(self.through_nginx, "guess", attacker))
        # The attacker's own X-Forwarded-For (the victim's address) is replaced by nginx.
        self.assert_limited(self.sign_in(self.through_nginx, "guess", attacker,
                                         {"X-Forwarded-For": victim}))
        status, _, body = self.sign_in(self.through_nginx, PASSWORD, victim)
        self.assertEqual(status, 200, body)
        self.assertEqual(self.session_ip(body["token"]), victim)
        print(f"behind nginx: {attacker} limited after 3 guesses, {victim} signed in "
              f"(session ipAddress {victim})", flush=True)

    def test_a_spoofed_header_sent_straight_to_ba_issuer_is_ignored(self):
        spoofer, victim = "127.0.0.4", "127.0.0.5"
        for i in range(3):
            self.assertEqual(self.sign_in(self.direct, "guess", spoofer,
                                          {"X-Forwarded-For": f"198.51.100.{i}"})[0], 401)
        # Still the same client, whatever it claims (the victim's address included).
        self.assert_limited(self.sign_in(self.direct, "guess", spoofer,
                                         {"X-Forwarded-For": victim}))
        status, _, body = self.sign_in(self.through_nginx, PASSWORD, victim)
        self.assertEqual(status, 200, body)
        status, _, body = self.sign_in(self.direct, PASSWORD, "127.0.0.6",
                                       {"X-Forwarded-For": "203.0.113.9"})
        self.assertEqual(status, 200, body)
        self.assertEqual(self.session_ip(body["token"]), "127.0.0.6")
        print("straight to ba-issuer: X-Forwarded-For from an untrusted peer ignored "
              "(rate limit and session ipAddress)", flush=True)


def parse(content):
    try:
        return json.loads(content)
    except ValueError:
        return content


if __name__ == "__main__":
    unittest.main(verbosity=2)
