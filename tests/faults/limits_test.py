"""Issue 20, items 4 to 7, against the real binary (Python 3 stdlib only):

- HeadTest: a request head over 16 KiB or with more than 100 header lines gets 431 and a
  close; one connection sending 25,000 header lines of 8 KB (and four such at once) leaves the
  server's resident set (VmRSS) under 64 MB, and the server serving.
- FileModeTest: under umask 022 the SQLite database, -wal and -shm are made 0600; a database
  found open to others is warned about at start, with the chmod line that fixes it.
- MailCommandTest: the --mail-command child's environment (dumped by the command itself) holds
  only the allow-listed variables and --mail-env's, never the secret or the database URL; 150
  parallel reset requests never run more than 4 children at once, the rest wait (bounded), and
  a full queue is logged without the token.
- UnknownEmailTest: request-password-reset, send-verification-email and sign-in answer an
  unknown email exactly as a known one (bodies compared), and the unknown one writes no row.
Figures (not timings) are printed; timing is measured by scripts/bench, not here.
"""

import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import Client, Server, SECRET, binary, wait_until  # noqa: E402

RSS_BOUND_KIB = 64 * 1024


def raw_exchange(port, data, timeout=10):
    """Sends `data` on a fresh connection (ignoring a reset while sending), then reads until
    the server closes: (answer bytes, whether the server closed the connection)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        out, closed = b"", False
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    closed = True
                    break
                out += chunk
        except ConnectionResetError:
            closed = True
        except socket.timeout:
            pass
        return out, closed
    finally:
        sock.close()


def get_with(headers):
    lines = ["GET /api/auth/ok HTTP/1.1", "Host: 127.0.0.1"] + headers
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def status_of(answer):
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None


def attack(port, lines=25000, size=8000):
    """One connection: a request line, then `lines` header lines of `size` bytes, streamed."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    line = b"X-Big: " + b"a" * (size - 9) + b"\r\n"
    sent = 0
    try:
        sock.sendall(b"GET /api/auth/ok HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for _ in range(lines):
            sock.sendall(line)
            sent += 1
        sock.sendall(b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        sock.close()
    return sent


class HeadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ba-issuer-head-")
        cls.server = Server(os.path.join(cls.dir, "auth.db")).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def assertRefused(self, request):
        answer, closed = raw_exchange(self.server.port, request)
        self.assertEqual(status_of(answer), 431, answer[:200])
        self.assertIn(b"Connection: close", answer)
        self.assertTrue(answer.endswith(b"\r\n\r\n"), answer)  # no body
        self.assertTrue(closed, "the connection stayed open after the 431")

    def test_a_head_over_16_kib_gets_431_and_a_close(self):
        self.assertRefused(get_with([f"X-Pad{i}: " + "a" * 6000 for i in range(3)]))  # ~18 KB
        self.assertRefused(b"GET /api/auth/ok?" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n")
        # Within the bound, the same kind of request is answered and the connection kept.
        answer, _ = raw_exchange(self.server.port,
                                 get_with([f"X-Pad{i}: " + "a" * 6000 for i in range(2)] +
                                          ["Connection: close"]))
        self.assertEqual(status_of(answer), 200, answer[:200])

    def test_more_than_100_header_lines_get_431_and_a_close(self):
        self.assertRefused(get_with([f"X-H{i}: v" for i in range(100)]))  # 101 with Host
        answer, _ = raw_exchange(self.server.port,
                                 get_with([f"X-H{i}: v" for i in range(98)] +
                                          ["Connection: close"]))  # 100 with Host
        self.assertEqual(status_of(answer), 200, answer[:200])

    def test_the_header_attack_leaves_rss_under_64_mb(self):
        before = self.server.rss_kib()
        sent = attack(self.server.port)
        one = self.server.rss_kib()
        threads = [threading.Thread(target=attack, args=(self.server.port,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        four = self.server.rss_kib()
        print(f"header attack: VmRSS {before} KiB before, {one} KiB after one connection "
              f"({sent} of 25000 lines of 8 KB sent before the close), {four} KiB after four "
              f"more at once (bound {RSS_BOUND_KIB} KiB)", flush=True)
        self.assertLess(sent, 25000)  # cut off early, not read to the end
        self.assertLess(one, RSS_BOUND_KIB)
        self.assertLess(four, RSS_BOUND_KIB)
        client = Client(self.server.port)
        self.assertEqual(client.get("/ok").status, 200)
        client.close()

    def test_the_bound_is_configurable(self):
        server = Server(os.path.join(self.dir, "flag.db"),
                        extra_args=["--max-header-size", "32768", "--max-header-fields", "200"])
        server.start()
        try:
            answer, _ = raw_exchange(server.port, get_with(
                [f"X-Pad{i}: " + "a" * 6000 for i in range(3)] + ["Connection: close"]))
            self.assertEqual(status_of(answer), 200, answer[:200])
            answer, _ = raw_exchange(server.port, get_with(
                [f"X-H{i}: v" for i in range(150)] + ["Connection: close"]))
            self.assertEqual(status_of(answer), 200, answer[:200])
            answer, _ = raw_exchange(server.port, get_with(
                [f"X-Pad{i}: " + "a" * 6000 for i in range(6)]))
            self.assertEqual(status_of(answer), 431, answer[:200])
        finally:
            server.stop()


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class FileModeTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ba-issuer-modes-")
        self.old_umask = os.umask(0o022)

    def tearDown(self):
        os.umask(self.old_umask)
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_files_are_made_0600_under_umask_022(self):
        db = os.path.join(self.dir, "auth.db")
        server = Server(db).start()
        try:
            self.assertEqual(Client(server.port).sign_up("modes@example.com").status, 200)
            modes = {name: mode_of(db + name) for name in ("", "-wal", "-shm")}
            print(f"file modes under umask 022: {({k or 'db': oct(v) for k, v in modes.items()})}",
                  flush=True)
            self.assertEqual(modes, {"": 0o600, "-wal": 0o600, "-shm": 0o600})
        finally:
            self.assertEqual(server.stop(), 0)
        self.assertNotIn("open to other users", server.log_tail(100000))

    def test_a_database_open_to_others_is_warned_about_with_the_fix(self):
        db = os.path.join(self.dir, "shared.db")
        sqlite3.connect(db).close()  # made by another tool: 0644 under umask 022
        self.assertEqual(mode_of(db), 0o644)
        server = Server(db).start()
        try:
            log = server.log_tail(100000)
        finally:
            server.stop()
        self.assertIn(f"{db} is open to other users (mode 0644); fix it with: chmod 600 '{db}'",
                      log)
        self.assertEqual(mode_of(db), 0o644)  # kept as found


class MailCommandTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ba-issuer-mail-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, command, extra_args=(), extra_env=None):
        env = {"DATABASE_URL": "postgres://user:dbpass@127.0.0.1/none", "AUTH_SECRET": SECRET,
               "BETTER_AUTH_TRUSTED_ORIGINS": "http://trusted.example", "MY_API_TOKEN": "tok-123", "TZ": "UTC",
               "SMTP_HOST": "mail.example"}
        env.update(extra_env or {})
        server = Server(os.path.join(self.dir, "auth.db"), extra_env=env,
                        extra_args=["--mail-command", command] + list(extra_args))
        return server.start()

    def test_the_child_sees_a_scrubbed_environment(self):
        dump = os.path.join(self.dir, "env.txt")
        server = self.start(f"cat > /dev/null; env > {dump}.tmp; mv {dump}.tmp {dump}",
                            ["--mail-env", "SMTP_HOST"])
        try:
            client = Client(server.port)
            self.assertEqual(client.sign_up("env@example.com").status, 200)
            self.assertEqual(client.post("/request-password-reset",
                                         {"email": "env@example.com"}).status, 200)
            self.assertTrue(wait_until(lambda: os.path.exists(dump), 10), server.log_tail())
        finally:
            server.stop()
        with open(dump) as f:
            names = {line.split("=", 1)[0]: line.split("=", 1)[1].rstrip("\n")
                     for line in f if "=" in line}
        print(f"mail command environment: {sorted(names)}", flush=True)
        for name in ("BETTER_AUTH_SECRET", "AUTH_SECRET", "DATABASE_URL", "BETTER_AUTH_TRUSTED_ORIGINS",
                     "MY_API_TOKEN", "NODE_ENV"):
            self.assertNotIn(name, names)
        text = open(dump).read()
        for secret in (SECRET, "dbpass", "tok-123"):
            self.assertNotIn(secret, text)
        self.assertEqual(names.get("SMTP_HOST"), "mail.example")
        self.assertEqual(names.get("TZ"), "UTC")
        self.assertIn("PATH", names)
        allowed = {"PATH", "HOME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ",
                   "TMPDIR", "USER", "LOGNAME", "SHELL", "SMTP_HOST",
                   "PWD", "SHLVL", "_", "OLDPWD"}  # the last four: set by sh itself
        self.assertEqual(set(names) - allowed, set())

    def test_a_secret_cannot_be_passed_with_mail_env(self):
        done = subprocess.run([binary(), "--port", "0", "--db", os.path.join(self.dir, "x.db"),
                               "--mail-command", "true", "--mail-env", "BETTER_AUTH_SECRET"],
                              capture_output=True, timeout=20)
        self.assertEqual(done.returncode, 2)
        self.assertIn(b"never sees the server's secrets", done.stderr)

    def test_150_parallel_resets_run_at_most_4_children_at_once(self):
        running = os.path.join(self.dir, "running")
        done = os.path.join(self.dir, "done")
        os.mkdir(running)
        os.mkdir(done)
        # Each child marks itself running, notes how many are, works 0.3 s, then leaves.
        script = os.path.join(self.dir, "mail.sh")
        with open(script, "w") as f:
            f.write(f"""cat > /dev/null
touch {running}/$$
ls {running} | wc -l > {done}/$$.count
sleep 0.3
rm -f {running}/$$
""")
        server = self.start(f"sh {script}")
        try:
            self.assertEqual(Client(server.port).sign_up("burst@example.com").status, 200)
            statuses = []

            def reset():
                reply = Client(server.port).post("/request-password-reset",
                                                 {"email": "burst@example.com"})
                statuses.append(reply.status)

            threads = [threading.Thread(target=reset) for _ in range(150)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(statuses, [200] * 150)
            log = server.log_tail(10_000_000)
            dropped = log.count("mail_command_queue_full")
            expected = 150 - dropped
            finished = lambda: (len([n for n in os.listdir(done) if n.endswith(".count")])  # noqa
                                >= expected and not os.listdir(running))
            self.assertTrue(wait_until(finished, 120), (len(os.listdir(done)), expected))
            time.sleep(0.5)
            counts = []
            for name in os.listdir(done):
                with open(os.path.join(done, name)) as f:
                    counts.append(int(f.read().strip() or 0))
            log = server.log_tail(10_000_000)
        finally:
            server.stop()
        tokens = [line for line in log.splitlines() if "mail_command_queue_full" in line]
        print(f"mail command: 150 resets, {len(counts)} children run, at most {max(counts)} at "
              f"once, {len(tokens)} dropped with a full queue", flush=True)
        self.assertLessEqual(max(counts), 4)
        self.assertEqual(len(counts) + len(tokens), 150)
        self.assertLessEqual(len(counts), 150)
        for line in tokens:
            self.assertIn("to=burst@example.com", line)
            self.assertNotIn("token", line.lower().replace("mail_command_queue_full", ""))
            self.assertNotIn("reset-password/", line)


def verification_rows(db):
    conn = sqlite3.connect(db)
    try:
        return conn.execute('SELECT count(*) FROM "verification"').fetchone()[0]
    finally:
        conn.close()


class UnknownEmailTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ba-issuer-unknown-")
        cls.db = os.path.join(cls.dir, "auth.db")
        cls.server = Server(cls.db).start()
        cls.client = Client(cls.server.port)
        assert cls.client.sign_up("known@example.com").status == 200

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def same_answer(self, path, body_for):
        known = Client(self.server.port).post(path, body_for("known@example.com"))
        unknown = Client(self.server.port).post(path, body_for("nobody@example.com"))
        self.assertEqual((known.status, known.body), (unknown.status, unknown.body))
        return known

    def test_request_password_reset(self):
        before = verification_rows(self.db)
        self.same_answer("/request-password-reset", lambda e: {"email": e})
        self.assertEqual(verification_rows(self.db), before + 1)  # the known one's token only

    def test_send_verification_email(self):
        reply = self.same_answer("/send-verification-email", lambda e: {"email": e})
        self.assertEqual(reply.status, 200)

    def test_sign_in(self):
        reply = self.same_answer("/sign-in/email",
                                 lambda e: {"email": e, "password": "wrong-password"})
        self.assertEqual(reply.status, 401)


if __name__ == "__main__":
    unittest.main(verbosity=2)
