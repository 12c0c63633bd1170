"""Storage under faults, against the real binary (issue 8, item 4).

    storage_faults.py LockTest | DiskFullTest | ReadOnlyTest | KeyRowTest

How each fault is made (real kernel and SQLite behaviour, nothing inside ba-issuer is faked):
- Lock: a second process holds BEGIN EXCLUSIVE (with a write in it) on the same file.
- Disk full: the database lives on a 4 MiB tmpfs, filled to the last byte with a ballast file; the
  cause goes when the ballast is deleted. The mount is made in a private mount namespace
  (`unshare --mount`, with `--user --map-root-user` when not root), gone when the test ends.
- Read-only: the database files are mode 0444 when the server opens them, so SQLite opens them
  read-only; the cause goes with `chmod u+w` on the files. As root the server runs without
  CAP_DAC_OVERRIDE (setpriv), so the kernel applies the file mode to it as to any service user.
  Also: a read-only mount, on which SQLite cannot open a WAL database at all.
- Corrupted key rows: another process writes jwks rows that do not decrypt or do not parse.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import (Client, Server, count_users, integrity, is_service_unavailable,  # noqa: E402
                     open_db, orphans, session_token)

BUSY_TIMEOUT_S = 5.0  # storage/sqlite/connection.h kBusyTimeout
NAMESPACE_MARK = "BA_ISSUER_FAULT_NAMESPACE"


def in_private_mount_namespace():
    """Re-runs this script inside a private mount namespace (once); mounts made there vanish
    with it and are seen by the servers it starts."""
    if os.environ.get(NAMESPACE_MARK) == "1":
        return
    userns = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    args = ["unshare", "--mount", "--propagation", "private"] + userns
    env = dict(os.environ, **{NAMESPACE_MARK: "1"})
    done = subprocess.run(args + [sys.executable] + sys.argv, env=env)
    sys.exit(done.returncode)


def mount(*args):
    subprocess.run(["mount"] + list(args), check=True, capture_output=True)


def without_dac_override():
    """A command prefix under which root is bound by file modes, as a service user is."""
    if os.geteuid() != 0:
        return []
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", "--bounding-set", caps, "--inh-caps", caps]


class LockHolder:
    """A second process holding SQLite's write lock on `path` until release()."""

    SCRIPT = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('BEGIN EXCLUSIVE')\n"
        "db.execute('DELETE FROM \"verification\"')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\n"
        "db.execute('ROLLBACK')\n")

    def __init__(self, path):
        self.proc = subprocess.Popen([sys.executable, "-c", self.SCRIPT, path],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if line != "locked":
            raise RuntimeError("the lock holder did not take the lock")

    def holding(self):
        return self.proc.poll() is None

    def release(self):
        self.proc.stdin.write("\n")
        self.proc.stdin.close()
        code = self.proc.wait(timeout=10)
        self.proc.stdout.close()
        return code


class FaultCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ba-issuer-faults-")
        self.db = os.path.join(self.dir, "auth.db")
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            if server.alive():
                server.kill9()
        subprocess.run(["umount", self.dir], capture_output=True)  # if a test left a bind mount
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, **kwargs):
        server = Server(self.db, log_path=os.path.join(self.dir, "server.log"), **kwargs).start()
        self.servers.append(server)
        return server

    def stop(self, server, *clients):
        for client in clients:
            client.close()
        self.assertEqual(server.stop(), 0, server.log_tail())

    def seed_alice(self, client):
        """Alice signs up; returns her session token (and makes the signing key)."""
        token = session_token(client.sign_up("alice@example.com"))
        self.assertIsNotNone(token)
        self.assertEqual(client.get("/token", bearer=token).status, 200)
        return token

    def assert_reads_serve(self, client, token):
        self.assertEqual(client.get("/token", bearer=token).status, 200)
        self.assertEqual(client.get("/jwks").status, 200)
        session = client.get("/get-session", bearer=token)
        self.assertEqual(session.status, 200)
        self.assertEqual(session.json()["user"]["email"], "alice@example.com")

    def assert_unavailable(self, reply):
        self.assertTrue(is_service_unavailable(reply), f"{reply} {reply.headers}")

    def assert_writes_work(self, client, email):
        created = client.sign_up(email)
        self.assertEqual(created.status, 200, created)
        signed_in = client.sign_in(email)
        self.assertEqual(signed_in.status, 200, signed_in)
        self.assertEqual(client.get("/token", bearer=session_token(signed_in)).status, 200)
        self.assertEqual(client.sign_out(session_token(signed_in)).status, 200)

    def assert_consistent(self):
        self.assertEqual(integrity(self.db), "ok")
        self.assertEqual(orphans(self.db), {"user_without_account": 0, "account_without_user": 0,
                                            "session_without_user": 0})


class LockTest(FaultCase):
    """Another process holds the write lock: reads serve, writes wait at most the busy timeout
    (queueing behind this server's own writes included), then 503; all works once it lets go."""

    def test_reads_serve_and_writes_fail_within_the_busy_timeout(self):
        server = self.start()
        client = Client(server.port)
        alice = self.seed_alice(client)
        holder = LockHolder(self.db)

        self.assert_reads_serve(client, alice)
        writes = [("sign-up", lambda c, i: c.sign_up(f"blocked{i}@example.com")) for i in range(8)]
        writes += [("sign-in", lambda c, i: c.sign_in("alice@example.com")),
                   ("sign-out", lambda c, i: c.sign_out(alice))]
        results = run_concurrently(server.port, writes)
        self.assertTrue(holder.holding(), "the lock was released before the writes answered")
        self.assert_reads_serve(client, alice)
        for name, reply, seconds in results:
            self.assert_unavailable(reply)
            # They waited for the lock (busy timeout) rather than failing at once, and none waited
            # behind the others' timeouts.
            self.assertGreaterEqual(seconds, BUSY_TIMEOUT_S - 1, name)
            self.assertLess(seconds, BUSY_TIMEOUT_S + 10, name)
        self.assertEqual(count_users(self.db), 1)

        self.assertEqual(holder.release(), 0)
        self.assert_writes_work(client, "bob@example.com")
        self.assertEqual(client.get("/token", bearer=alice).status, 200)
        self.assertIn("warn unavailable", server.log_tail(100000))
        self.stop(server, client)
        self.assert_consistent()


def run_concurrently(port, calls):
    """Runs each (name, fn(client, i)) on its own connection at once: [(name, reply, seconds)]."""
    results = [None] * len(calls)

    def one(i, name, fn):
        client = Client(port)
        started = time.monotonic()
        reply = fn(client, i)
        results[i] = (name, reply, time.monotonic() - started)
        client.close()

    threads = [threading.Thread(target=one, args=(i, n, f)) for i, (n, f) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if any(r is None for r in results):
        raise AssertionError("a request did not answer within 60 s")
    return results


class DiskFullTest(FaultCase):
    """The filesystem holding the database is full: reads serve, writes 503 and leave nothing
    half-written; once space is freed, writes work again without a restart."""

    def setUp(self):
        super().setUp()
        self.mnt = os.path.join(self.dir, "tmpfs")
        os.mkdir(self.mnt)
        mount("-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", self.mnt)
        self.db = os.path.join(self.mnt, "auth.db")
        self.ballast = os.path.join(self.mnt, "ballast")

    def tearDown(self):
        for server in self.servers:
            if server.alive():
                server.kill9()
        subprocess.run(["umount", self.mnt], capture_output=True)
        super().tearDown()

    def fill_disk(self):
        # A write that fits in WAL space already allocated needs no new block and succeeds on a
        # full disk, as it should. Truncating the WAL first makes every write need new space.
        db = open_db(self.db)
        self.assertEqual(db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0], 0)
        db.close()
        fd = os.open(self.ballast, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for size in (1 << 16, 512, 1):
                try:
                    while True:
                        os.write(fd, b"\0" * size)
                except OSError as e:
                    self.assertEqual(e.errno, 28)  # ENOSPC
        finally:
            os.close(fd)
        self.assertEqual(os.statvfs(self.mnt).f_bavail, 0)

    def test_reads_serve_writes_503_and_recover_when_space_returns(self):
        server = self.start()
        client = Client(server.port)
        alice = self.seed_alice(client)
        self.fill_disk()

        self.assert_reads_serve(client, alice)
        self.assert_unavailable(client.sign_up("bob@example.com"))
        self.assert_unavailable(client.sign_in("alice@example.com"))
        self.assert_unavailable(client.sign_out(alice))
        self.assert_reads_serve(client, alice)
        self.assertTrue(server.alive())
        self.assertEqual(count_users(self.db, "bob@example.com"), 0)

        os.remove(self.ballast)
        self.assert_writes_work(client, "bob@example.com")
        self.assertEqual(count_users(self.db, "bob@example.com"), 1)
        self.stop(server, client)
        self.assert_consistent()


class ReadOnlyTest(FaultCase):
    """The database files are not writable when the server opens them: reads serve, writes 503,
    and once they are writable again writes work without a restart."""

    def test_read_only_files_serve_reads_and_recover_when_writable(self):
        server = self.start()
        client = Client(server.port)
        alice = self.seed_alice(client)
        self.stop(server, client)
        self.chmod_db_files(0o444)

        server = self.start(wrapper=without_dac_override())
        client = Client(server.port)
        self.assert_reads_serve(client, alice)
        self.assert_unavailable(client.sign_up("bob@example.com"))
        self.assert_unavailable(client.sign_in("alice@example.com"))
        self.assert_reads_serve(client, alice)

        # SQLite creates -wal and -shm with the database file's mode: an operator restores write
        # permission on all of them (chmod u+w auth.db*).
        self.chmod_db_files(0o644)
        self.assert_writes_work(client, "bob@example.com")
        self.stop(server, client)
        self.assert_consistent()

    def test_read_only_mount_refuses_to_start_and_starts_once_writable(self):
        server = self.start()
        client = Client(server.port)
        alice = self.seed_alice(client)
        self.stop(server, client)

        mount("--bind", self.dir, self.dir)
        mount("-o", "remount,bind,ro", self.dir)
        code, stderr = Server(self.db, log_path=os.devnull).start_failure()
        # WAL needs its -shm file, which a read-only mount cannot hold: a clear refusal, no crash.
        self.assertEqual(code, 2, stderr)
        self.assertIn(self.db, stderr)

        mount("-o", "remount,bind,rw", self.dir)
        server = self.start()
        client = Client(server.port)
        self.assert_reads_serve(client, alice)
        self.assert_writes_work(client, "bob@example.com")
        self.stop(server, client)
        subprocess.run(["umount", self.dir], check=True)
        self.assert_consistent()

    def chmod_db_files(self, mode):
        for name in os.listdir(self.dir):
            if name.startswith("auth.db"):
                os.chmod(os.path.join(self.dir, name), mode)


class KeyRowTest(FaultCase):
    """Corrupted jwks rows written by another process never crash the server: it keeps signing
    with the key it holds. At a restart, a live key whose private half does not open, or whose
    publicKey does not match it, stops it (exit 2, naming the key)."""

    CORRUPTIONS = {
        "flipped-byte": lambda row: dict(row, privateKey=flip_one_char(row["privateKey"])),
        "not-sealed": lambda row: dict(row, privateKey="not a sealed key"),
        "public-not-json": lambda row: dict(row, publicKey="{not json"),
        "integer-private-key": lambda row: dict(row, privateKey=42),
        "blob-private-key": lambda row: dict(row, privateKey=b"\x00\xff" * 40),
        "huge-private-key": lambda row: dict(row, privateKey="a" * (1 << 20)),
    }

    def test_corrupted_rows_at_run_time_and_at_start(self):
        server = self.start()
        client = Client(server.port)
        alice = self.seed_alice(client)
        good = self.jwks_rows()[0]
        kid = jwt_kid(client.get("/token", bearer=alice).json()["token"])
        self.assertEqual(kid, good["id"])

        for name, corrupt in self.CORRUPTIONS.items():
            bad = corrupt(dict(good, id=f"corrupt-{name}", createdAt="2100-01-01T00:00:00.000Z",
                               expiresAt=None))
            self.insert_row(bad)
            jwks = client.get("/jwks")  # checks for key changes at once
            self.assertEqual(jwks.status, 200, name)
            self.assertIn(kid, [k["kid"] for k in jwks.json()["keys"]], name)
            token = client.get("/token", bearer=alice)
            self.assertEqual(token.status, 200, name)
            self.assertEqual(jwt_kid(token.json()["token"]), kid, name)
            self.assertTrue(server.alive(), name)
            code, stderr = self.restart_refused(server, client)
            self.assertEqual(code, 2, f"{name}: {stderr}")
            self.assertIn(f"corrupt-{name}", stderr, name)
            self.delete_row(f"corrupt-{name}")
            server = self.start()
            client = Client(server.port)
            self.assertEqual(jwt_kid(client.get("/token", bearer=alice).json()["token"]), kid)

        # Unreadable dates on a key that does decrypt: never a crash, whatever the ring makes of it.
        self.insert_row(dict(good, id="garbage-dates", createdAt="yesterday", expiresAt="never"))
        self.assertEqual(client.get("/jwks").status, 200)
        self.assertEqual(client.get("/token", bearer=alice).status, 200)
        self.delete_row("garbage-dates")

        self.update_private_key(good["id"], flip_one_char(good["privateKey"]))
        self.assertEqual(client.get("/token", bearer=alice).status, 200)  # holds the key it has
        code, stderr = self.restart_refused(server, client)
        self.assertEqual(code, 2, stderr)
        self.assertIn(kid, stderr)
        self.update_private_key(good["id"], good["privateKey"])
        server = self.start()
        client = Client(server.port)
        self.assertEqual(jwt_kid(client.get("/token", bearer=alice).json()["token"]), kid)
        self.stop(server, client)
        self.assert_consistent()

    def restart_refused(self, server, client):
        self.stop(server, client)
        code, stderr = Server(self.db, log_path=os.devnull).start_failure()
        lines = [line for line in stderr.splitlines() if not line.startswith("WARNING:")]
        self.assertEqual(len(lines), 1, stderr)  # one line, no trace, no core dump
        return code, stderr

    def jwks_rows(self):
        db = open_db(self.db)
        db.row_factory = lambda cur, row: {d[0]: v for d, v in zip(cur.description, row)}
        try:
            return db.execute('SELECT * FROM "jwks" ORDER BY "createdAt"').fetchall()
        finally:
            db.close()

    def insert_row(self, row):
        db = open_db(self.db)
        names = ", ".join(f'"{k}"' for k in row)
        db.execute(f'INSERT INTO "jwks" ({names}) VALUES ({", ".join("?" * len(row))})',
                   list(row.values()))
        db.close()

    def delete_row(self, kid):
        db = open_db(self.db)
        db.execute('DELETE FROM "jwks" WHERE "id" = ?', (kid,))
        db.close()

    def update_private_key(self, kid, value):
        db = open_db(self.db)
        db.execute('UPDATE "jwks" SET "privateKey" = ? WHERE "id" = ?', (value, kid))
        db.close()


def flip_one_char(text):
    middle = len(text) // 2
    return text[:middle] + ("0" if text[middle] != "0" else "1") + text[middle + 1:]


def jwt_kid(token):
    import base64
    import json
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


if __name__ == "__main__":
    in_private_mount_namespace()
    unittest.main(verbosity=2)
