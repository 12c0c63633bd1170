"""Drives the real ba-issuer binary for the fault, proxy and soak scripts (Python 3 stdlib only).

    server = Server(db_path).start()
    alice = Client(server.port).sign_up("alice@example.com", "password123")
    status, _, body = Client(server.port).get("/token", bearer=alice)
    server.kill9()

The binary is $BA_ISSUER_BIN (CTest sets it). Everything listens on 127.0.0.1 only.
"""

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time

BASE_PATH = "/api/auth"
SECRET = "fault-test-secret-0123456789abcdefghijklmnop"
PASSWORD = "password123"


def binary():
    path = os.environ.get("BA_ISSUER_BIN", "")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError("BA_ISSUER_BIN must name the built ba-issuer binary")
    return path


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server:
    """One ba-issuer process on a free loopback port, its stderr (the log) kept in a file."""

    def __init__(self, db_path, log_path=None, wrapper=(), extra_env=None, extra_args=()):
        self.db_path = db_path
        self.extra_args = list(extra_args)
        self.log_path = log_path or db_path + ".log"
        self.wrapper = list(wrapper)  # e.g. setpriv ... to run it with fewer privileges
        self.env = dict(os.environ, BETTER_AUTH_SECRET=SECRET, NODE_ENV="development")
        self.env.update(extra_env or {})
        self.proc = None
        self.port = None

    def start(self, timeout=20):
        """Starts the server and waits for its ready line. Raises if it exits first."""
        log = open(self.log_path, "ab")
        args = self.wrapper + [binary(), "--host", "127.0.0.1", "--port", "0", "--db", self.db_path]
        args += self.extra_args
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, env=self.env)
        log.close()
        line = self._ready_line(timeout)
        if not line.startswith("listening on http://127.0.0.1:"):
            code = self.proc.wait(timeout=10)
            self.proc.stdout.close()
            raise RuntimeError(f"ba-issuer did not start (exit {code}): {self.log_tail()}")
        self.port = int(line.rsplit(":", 1)[1])
        return self

    def _ready_line(self, timeout):
        result = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()))
        reader.daemon = True
        reader.start()
        reader.join(timeout)
        return result[0].decode().strip() if result else ""

    def start_failure(self, timeout=20):
        """Runs the server expecting it to refuse to start: (exit code, stderr text)."""
        args = self.wrapper + [binary(), "--host", "127.0.0.1", "--port", "0", "--db", self.db_path]
        done = subprocess.run(args, capture_output=True, env=self.env, timeout=timeout)
        return done.returncode, done.stderr.decode(errors="replace")

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc.stdout.close()

    def stop(self, timeout=30):
        """SIGTERM and wait; returns the exit code."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        self.proc.stdout.close()
        return code

    def log_tail(self, chars=2000):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-chars:]

    def rss_kib(self):
        return proc_rss_kib(self.pid)

    def fd_count(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))


def proc_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lowercase name -> list of values
        self.body = body

    def header(self, name):
        values = self.headers.get(name.lower())
        return values[0] if values else None

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"Reply({self.status}, {self.body[:200]!r})"


class Client:
    """A keep-alive HTTP/1.1 client for one server. Not thread-safe: one per thread."""

    def __init__(self, port, host="127.0.0.1", timeout=30, origin=None):
        self.host, self.port, self.timeout = host, port, timeout
        self.origin = origin or f"http://{host}:{port}"
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, bearer=None, headers=None):
        """Sends one request; a dropped connection raises (ConnectionError, OSError...). A
        kept-alive connection the server closed while idle is replaced once, before raising."""
        sent = {"Origin": self.origin}
        if body is not None:
            sent["Content-Type"] = "application/json"
            body = json.dumps(body)
        if bearer:
            sent["Authorization"] = "Bearer " + bearer
        sent.update(headers or {})
        reused = self.conn is not None
        try:
            res, data = self._exchange(method, path, body, sent)
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            if not reused:
                raise
            res, data = self._exchange(method, path, body, sent)
        found = {}
        for name, value in res.getheaders():
            found.setdefault(name.lower(), []).append(value)
        if res.getheader("connection", "").lower() == "close":
            self.close()
        return Reply(res.status, found, data)

    def _exchange(self, method, path, body, headers):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.request(method, BASE_PATH + path, body=body, headers=headers)
            res = self.conn.getresponse()
            return res, res.read().decode(errors="replace")
        except BaseException:
            self.close()
            raise

    def get(self, path, bearer=None):
        return self.request("GET", path, bearer=bearer)

    def post(self, path, body=None, bearer=None):
        return self.request("POST", path, body=body if body is not None else {}, bearer=bearer)

    def sign_up(self, email, password=PASSWORD, name="Fault Test"):
        return self.post("/sign-up/email", {"name": name, "email": email, "password": password})

    def sign_in(self, email, password=PASSWORD):
        return self.post("/sign-in/email", {"email": email, "password": password})

    def sign_out(self, bearer):
        return self.post("/sign-out", bearer=bearer)


def session_token(reply):
    """The raw session token of a 200 sign-up or sign-in, else None."""
    if reply.status != 200:
        return None
    return reply.json().get("token")


def is_service_unavailable(reply):
    """Better Auth's error shape, 503, and a Retry-After of whole seconds."""
    try:
        body = reply.json()
    except ValueError:
        return False
    retry = reply.header("retry-after") or ""
    return (reply.status == 503 and set(body) == {"message", "code"}
            and body["code"] == "SERVICE_UNAVAILABLE" and retry.isdigit() and int(retry) > 0)


def open_db(path):
    return sqlite3.connect(path, timeout=30, isolation_level=None)


def integrity(path):
    """PRAGMA integrity_check and foreign_key_check, as one string ("ok" when both pass)."""
    with open_db(path) as db:
        rows = [r[0] for r in db.execute("PRAGMA integrity_check")]
        fk = db.execute("PRAGMA foreign_key_check").fetchall()
    db.close()
    return "ok" if rows == ["ok"] and not fk else f"integrity={rows} foreign_keys={fk}"


def orphans(path):
    """Users without a credential account holding a password, and sessions or accounts whose
    user is gone: each must be 0 whatever moment a crash hit."""
    db = open_db(path)
    try:
        return {
            "user_without_account": db.execute(
                'SELECT count(*) FROM "user" u WHERE NOT EXISTS (SELECT 1 FROM "account" a'
                ' WHERE a."userId" = u."id" AND a."providerId" = \'credential\''
                ' AND a."password" IS NOT NULL)').fetchone()[0],
            "account_without_user": db.execute(
                'SELECT count(*) FROM "account" a WHERE NOT EXISTS'
                ' (SELECT 1 FROM "user" u WHERE u."id" = a."userId")').fetchone()[0],
            "session_without_user": db.execute(
                'SELECT count(*) FROM "session" s WHERE NOT EXISTS'
                ' (SELECT 1 FROM "user" u WHERE u."id" = s."userId")').fetchone()[0],
        }
    finally:
        db.close()


def count_users(path, email=None):
    db = open_db(path)
    try:
        if email is None:
            return db.execute('SELECT count(*) FROM "user"').fetchone()[0]
        return db.execute('SELECT count(*) FROM "user" WHERE "email" = ?', (email,)).fetchone()[0]
    finally:
        db.close()


def wait_until(predicate, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
