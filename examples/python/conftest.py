"""A pytest fixture that runs ba-issuer on a free port for the test session.

Copy this file next to your tests. The binary is $BA_ISSUER_BIN, else `ba-issuer` on PATH.
"""
import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest


class Issuer:
    """A running ba-issuer: its base URL and the test API."""

    def __init__(self, origin):
        self.origin = origin
        self.jwks_url = origin + "/api/auth/jwks"

    def post(self, path, body):
        request = urllib.request.Request(
            self.origin + path, data=json.dumps(body).encode(), method="POST",
            headers={"content-type": "application/json"})
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def session(self, email, **fields):
        """A user (made if needed) and a session: {user, session, cookie, bearer, token}."""
        return self.post("/__test/sessions", {"email": email, **fields})

    def token(self, kind=None, **claims):
        """A signed token with these claims; kind makes a bad one ("expired", ...)."""
        body = {"claims": claims}
        if kind:
            body["kind"] = kind
        return self.post("/__test/tokens", body)["token"]

    def advance(self, seconds):
        return self.post("/__test/clock", {"advance": seconds})["now"]

    def reset(self):
        """No users or sessions, and the clock back at wall time (keys stay)."""
        self.post("/__test/reset", {})
        self.post("/__test/clock", {"set": time.time()})


@pytest.fixture(scope="session")
def issuer():
    binary = os.environ.get("BA_ISSUER_BIN", "ba-issuer")
    process = subprocess.Popen(
        [binary, "--port", "0", "--db", ":memory:", "--test-api"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "BETTER_AUTH_SECRET": "pytest-secret-0123456789abcdefghijklmn"})
    ready = process.stdout.readline()  # "listening on http://127.0.0.1:PORT"
    assert ready.startswith("listening on "), ready
    yield Issuer(ready.split(" ")[-1].strip())
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)


@pytest.fixture
def fresh_issuer(issuer):
    """The session's issuer with no users left over from other tests, at wall time."""
    issuer.reset()
    return issuer
