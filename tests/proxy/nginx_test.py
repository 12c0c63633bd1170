"""Debian's nginx with deploy/nginx.conf in front of the real ba-issuer (issue 8, item 6).

nginx runs unprivileged (as nobody when the test runs as root) from a temporary prefix on free
loopback ports, never as the system service. The config is deploy/nginx.conf itself: only its
listen ports, upstream port, file paths and certificate (self-signed, made here with openssl)
are replaced, each replacement matching exactly once, and temp paths under the prefix added.

Shown: normal traffic (sign-up, sign-in, token, jwks, sign-out) passes over TLS, and each of
these is cut off: oversized request lines, header lines and header sets, oversized bodies,
plain HTTP, TLS below 1.2, slow headers, slow bodies and too many requests from one address;
pipelined requests are all answered; and an upstream connection is never reused, after an
error answer either.
"""

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings

import jwt  # Debian python3-jwt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import Server, free_port, wait_until  # noqa: E402

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DEPLOY_CONF = os.path.join(REPO, "deploy", "nginx.conf")
NOBODY = 65534
HEADER_TIMEOUT_S = 10  # client_header_timeout and client_body_timeout in deploy/nginx.conf
PER_IP_LIMIT = 16      # limit_conn in deploy/nginx.conf


class Nginx:
    """deploy/nginx.conf under a temporary prefix, in front of 127.0.0.1:`upstream_port`."""

    def __init__(self, upstream_port, tls_port=None):
        self.prefix = tempfile.mkdtemp(prefix="ba-issuer-nginx-")
        self.tls_port, self.http_port = tls_port or free_port(), free_port()
        self.cert = os.path.join(self.prefix, "cert.pem")
        self.key = os.path.join(self.prefix, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", self.key, "-out", self.cert], check=True, capture_output=True)
        conf = os.path.join(self.prefix, "nginx.conf")
        with open(conf, "w") as f:
            with open(DEPLOY_CONF) as deploy:
                f.write(self.rewrite(deploy.read(), upstream_port))
        if os.geteuid() == 0:  # nginx's own processes run as nobody, not root
            for root, dirs, files in os.walk(self.prefix):
                for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                    os.chown(name, NOBODY, NOBODY)
        drop = (["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
                if os.geteuid() == 0 else [])
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen(
            drop + [nginx, "-p", self.prefix, "-c", conf, "-e", self.path("error.log"),
                    "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if not wait_until(self.listening, 15):
            self.proc.kill()
            raise RuntimeError("nginx did not start: " + self.proc.stderr.read().decode())

    def path(self, name):
        return os.path.join(self.prefix, name)

    def rewrite(self, text, upstream_port):
        replacements = [
            ("pid /run/nginx.pid;", f"pid {self.path('nginx.pid')};"),
            ("error_log /var/log/nginx/error.log warn;",
             f"error_log {self.path('error.log')} warn;"),
            ("access_log /var/log/nginx/access.log;", f"access_log {self.path('access.log')};"),
            ("http {\n", "http {\n" + "".join(
                f"    {kind}_temp_path {self.path(kind)};\n"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))),
            ("server 127.0.0.1:3000;", f"server 127.0.0.1:{upstream_port};"),
            ("listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            ("listen [::]:80;", ""),
            ("listen 443 ssl;", f"listen 127.0.0.1:{self.tls_port} ssl;"),
            ("listen [::]:443 ssl;", ""),
            ("/etc/ssl/ba-issuer/fullchain.pem", self.cert),
            ("/etc/ssl/ba-issuer/privkey.pem", self.key),
        ]
        for old, new in replacements:
            if text.count(old) != 1:
                raise AssertionError(f"deploy/nginx.conf no longer has exactly one {old!r}")
            text = text.replace(old, new)
        return text

    def listening(self):
        try:
            socket.create_connection(("127.0.0.1", self.tls_port), timeout=1).close()
            return True
        except OSError:
            return False

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.proc.stderr.close()
        shutil.rmtree(self.prefix, ignore_errors=True)


def tls_context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False  # the certificate names 127.0.0.1 already; keep errors simple
    return ctx


def raw_exchange(sock, data, timeout=10):
    """Sends `data`, reads until the server closes or goes quiet; returns what came back."""
    sock.settimeout(timeout)
    sock.sendall(data)
    out = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return out


def tls_request(nginx, origin, method, path, body=None, headers=None, source="127.0.0.1"):
    """One request to `nginx` over a fresh TLS connection from the address `source`, with
    Origin `origin`: (status, headers dict, body bytes)."""
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} /api/auth{path} HTTP/1.1", "Host: 127.0.0.1",
             f"Origin: {origin}", "Connection: close"]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    raw_socket = socket.create_connection(("127.0.0.1", nginx.tls_port), timeout=10,
                                          source_address=(source, 0))
    with tls_context(nginx.cert).wrap_socket(raw_socket) as sock:
        raw = raw_exchange(sock, ("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
    head, _, content = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode(errors="replace").split("\r\n")
    found = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        found[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), found, content


def statuses(raw):
    return [int(m) for m in re.findall(rb"HTTP/1\.1 (\d{3}) ", raw)]


class NginxFrontTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ba-issuer-proxy-")
        tls_port = free_port()
        cls.origin = f"https://127.0.0.1:{tls_port}"  # the public base URL: iss, aud, cookies
        cls.server = Server(os.path.join(cls.dir, "auth.db"),
                            extra_env={"BETTER_AUTH_URL": cls.origin}).start()
        cls.nginx = Nginx(cls.server.port, tls_port)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------------

    def tls_socket(self, source="127.0.0.1"):
        raw = socket.create_connection(("127.0.0.1", self.nginx.tls_port), timeout=10,
                                       source_address=(source, 0))
        return tls_context(self.nginx.cert).wrap_socket(raw)

    def request(self, method, path, body=None, headers=None, source="127.0.0.1"):
        """One request over a fresh TLS connection: (status, headers dict, body bytes)."""
        return tls_request(self.nginx, self.origin, method, path, body, headers, source)

    def sign_up(self, email):
        status, _, body = self.request("POST", "/sign-up/email",
                                       {"name": "Proxy", "email": email, "password": "password123"})
        self.assertEqual(status, 200, body)
        return json.loads(body)["token"]

    def token_status(self, session, source="127.0.0.1"):
        return self.request("GET", "/token", headers={"Authorization": f"Bearer {session}"},
                            source=source)[0]

    # --- normal traffic ---------------------------------------------------------------------

    def test_normal_traffic_passes(self):
        session = self.sign_up("normal@example.com")
        status, headers, body = self.request("POST", "/sign-in/email",
                                             {"email": "normal@example.com",
                                              "password": "password123"})
        self.assertEqual(status, 200, body)
        self.assertIn("max-age", headers.get("strict-transport-security", ""))
        status, _, body = self.request("GET", "/token",
                                       headers={"Authorization": f"Bearer {session}"})
        self.assertEqual(status, 200, body)
        token = json.loads(body)["token"]
        status, _, jwks = self.request("GET", "/jwks")
        self.assertEqual(status, 200)
        keys = {k["kid"]: jwt.PyJWK(k) for k in json.loads(jwks)["keys"]}
        key = keys[jwt.get_unverified_header(token)["kid"]]
        claims = jwt.decode(token, key.key, algorithms=["EdDSA"], audience=self.origin,
                            issuer=self.origin)
        self.assertEqual(claims["email"], "normal@example.com")
        status, _, _ = self.request("POST", "/sign-out", {},
                                    headers={"Authorization": f"Bearer {session}"})
        self.assertEqual(status, 200)
        self.assertEqual(self.token_status(session), 401)

    def test_a_chunked_body_reaches_ba_issuer_with_a_content_length(self):
        body = json.dumps({"name": "C", "email": "chunked@example.com",
                           "password": "password123"}).encode()
        request = (b"POST /api/auth/sign-up/email HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                   b"Connection: close\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        with self.tls_socket() as sock:
            raw = raw_exchange(sock, request)
        self.assertEqual(statuses(raw), [200], raw[:300])

    # --- TLS --------------------------------------------------------------------------------

    def test_plain_http_gets_a_redirect_and_is_never_proxied(self):
        body = json.dumps({"name": "P", "email": "plain@example.com", "password": "password123"})
        request = ("POST /api/auth/sign-up/email HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Content-Type: application/json\r\nConnection: close\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n{body}").encode()
        with socket.create_connection(("127.0.0.1", self.nginx.http_port)) as sock:
            raw = raw_exchange(sock, request)
        self.assertEqual(statuses(raw), [308])
        self.assertIn(b"Location: https://127.0.0.1", raw)
        with socket.create_connection(("127.0.0.1", self.nginx.tls_port)) as sock:
            raw = raw_exchange(sock, request)  # plain HTTP on the TLS port
        self.assertEqual(statuses(raw), [400])
        status, _, _ = self.request("POST", "/sign-in/email",
                                    {"email": "plain@example.com", "password": "password123"})
        self.assertEqual(status, 401)  # the sign-up never reached ba-issuer

    def test_tls_below_1_2_is_refused(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # so this client does offer TLS 1.1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        raw = socket.create_connection(("127.0.0.1", self.nginx.tls_port), timeout=10)
        with self.assertRaises(ssl.SSLError) as refused:
            ctx.wrap_socket(raw).close()
        raw.close()
        self.assertIn("VERSION", str(refused.exception).upper())
        with self.tls_socket() as sock:
            self.assertIn(sock.version(), ("TLSv1.2", "TLSv1.3"))

    # --- header and body limits -------------------------------------------------------------

    def test_oversized_request_line_and_headers_are_refused(self):
        session = self.sign_up("limits@example.com")
        auth = {"Authorization": f"Bearer {session}"}
        status, _, _ = self.request("GET", "/token?pad=" + "a" * 9000, headers=auth)
        self.assertEqual(status, 414)
        status, _, _ = self.request("GET", "/token", headers=dict(auth, **{"X-Pad": "a" * 9000}))
        self.assertEqual(status, 400)
        many = {f"X-H{i}": "v" for i in range(10000)}  # 10 bytes a line, 100 KB in all
        status, _, _ = self.request("GET", "/token", headers=dict(auth, **many))
        self.assertEqual(status, 400)
        status, _, _ = self.request("POST", "/sign-up/email",
                                    {"name": "x" * (64 * 1024), "email": "big@example.com",
                                     "password": "password123"})
        self.assertEqual(status, 413)
        # Within the limits the same requests pass.
        self.assertEqual(self.request("GET", "/token?pad=" + "a" * 4000, headers=auth)[0], 200)
        some = {f"X-H{i}": "v" for i in range(90)}  # ba-issuer's bound: 100 header lines
        self.assertEqual(self.request("GET", "/token", headers=dict(auth, **some))[0], 200)
        # Past ba-issuer's bounds (16 KiB, 100 lines) but within nginx's: ba-issuer's 431.
        more = {f"X-H{i}": "v" for i in range(150)}
        self.assertEqual(self.request("GET", "/token", headers=dict(auth, **more))[0], 431)

    def test_the_header_attack_stops_at_nginx(self):
        # One connection sending 25,000 header lines of 8 KB (issue 20): nginx refuses it at
        # its 32 KiB, and ba-issuer behind it never sees a byte of it.
        before = self.server.rss_kib()
        line = b"X-Big: " + b"a" * 7990 + b"\r\n"
        sent, answer = 0, b""
        with self.tls_socket() as sock:
            try:
                sock.sendall(b"GET /api/auth/ok HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                for _ in range(25000):
                    sock.sendall(line)
                    sent += 1
            except (OSError, ssl.SSLError):
                pass
            try:
                answer = sock.recv(4096)
            except (OSError, ssl.SSLError):
                pass
        after = self.server.rss_kib()
        print(f"header attack through nginx: {sent} of 25000 lines sent, answer "
              f"{statuses(answer) or 'none (reset)'}, ba-issuer VmRSS {before} -> {after} KiB",
              flush=True)
        self.assertEqual(statuses(answer), [400])  # nginx's (it drains the rest, then closes)
        self.assertLess(after, 64 * 1024)
        self.assertEqual(self.request("GET", "/ok")[0], 200)

    # --- pipelining ---------------------------------------------------------------------------

    def test_pipelined_requests_are_all_answered(self):
        count = 20
        one = b"GET /api/auth/ok HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        last = b"GET /api/auth/ok HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        with self.tls_socket() as sock:
            raw = raw_exchange(sock, one * (count - 1) + last)  # one write, one TLS record
        self.assertEqual(statuses(raw), [200] * count)
        direct = socket.create_connection(("127.0.0.1", self.server.port))
        answered = len(statuses(raw_exchange(direct, one * (count - 1) + last, timeout=3)))
        direct.close()
        print(f"pipelined: {count} of {count} answered through nginx, {answered} of {count} "
              "straight to ba-issuer", flush=True)

    # --- slow clients -------------------------------------------------------------------------

    def test_slow_clients_are_cut_off_while_tokens_are_served(self):
        session = self.sign_up("slow@example.com")
        # 300 clients (more than ba-issuer's worker pool) sending their headers a byte at a
        # time, and from another address more slow bodies than the per-address limit allows.
        slow_headers = [self.tls_socket("127.0.0.3") for _ in range(300)]
        for sock in slow_headers:
            sock.sendall(b"GET /api/auth/ok HTTP/1.1\r\nX-Slow: ")
        body_head = ("POST /api/auth/sign-in/email HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{").encode()
        slow_bodies = []
        for _ in range(PER_IP_LIMIT + 8):
            slow_bodies.append(self.tls_socket("127.0.0.2"))
            slow_bodies[-1].sendall(body_head)
        drip = threading.Event()
        dripper = threading.Thread(target=drip_bytes, args=(slow_headers + slow_bodies, drip))
        dripper.start()
        try:
            served = [self.token_status(session) for _ in range(20)]
        finally:
            drip.set()
            dripper.join()
        held_headers = sum(not closed_by_peer(s) for s in slow_headers)
        answers = [read_now(s) or b"" for s in slow_bodies]
        refused = sum(b" 429 " in a for a in answers)
        self.assertEqual(served, [200] * 20)
        self.assertGreater(held_headers, 64, "the slow clients were gone before /token ran")
        self.assertEqual(refused, 8)  # past the per-address limit
        # Quiet for longer than the timeouts: nginx closes every one of them.
        started = time.monotonic()
        open_ones = slow_headers + slow_bodies
        while open_ones and time.monotonic() < started + HEADER_TIMEOUT_S + 20:
            open_ones = [s for s in open_ones if not closed_by_peer(s)]
            time.sleep(0.5)
        print(f"slow clients: /token answered 20 of 20 while {held_headers} of 300 slow-header "
              f"and {PER_IP_LIMIT} slow-body connections were held; 8 bodies past the "
              f"per-address limit got 429; all {len(slow_headers) + len(slow_bodies)} were cut "
              f"off within {time.monotonic() - started:.1f} s of going quiet", flush=True)
        self.assertEqual(len(open_ones), 0)
        for sock in slow_headers + slow_bodies:
            sock.close()
        self.assertEqual(self.token_status(session), 200)

    # --- upstream connections ------------------------------------------------------------------

    def test_upstream_connections_are_never_reused(self):
        upstream = LeakyUpstream()
        nginx = Nginx(upstream.port)
        try:
            ctx = tls_context(nginx.cert)
            smuggled = b"GET /api/auth/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
            first = (b"POST /api/auth/refused HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(smuggled)) + smuggled
            second = (b"GET /api/auth/second HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Connection: close\r\n\r\n")
            answers = []
            for request in (first, second):
                raw = socket.create_connection(("127.0.0.1", nginx.tls_port))
                with ctx.wrap_socket(raw) as sock:
                    answers.append(raw_exchange(sock, request))
            self.assertIn(b"404", answers[0].split(b"\r\n")[0])
            self.assertTrue(answers[1].endswith(b"path=/api/auth/second"), answers[1])
            seen = upstream.connections()
            # Each client request came on a connection of its own, which nginx then closed.
            self.assertEqual([c[0] for c in seen], ["/api/auth/refused", "/api/auth/second"])
            print(f"upstream connections (first request, requests parsed): {seen}", flush=True)
        finally:
            nginx.stop()
            upstream.stop()
        # Why it matters: on one kept-alive connection this upstream answers the left-behind
        # bytes as the next request, in front of the next real one.
        direct = socket.create_connection(("127.0.0.1", upstream.port))
        leaked = raw_exchange(direct, first.replace(b"Connection: close\r\n", b"") + second, 3)
        direct.close()
        self.assertIn(b"path=/api/auth/smuggled", leaked)


def drip_bytes(sockets, stop):
    """One byte a second to each socket until `stop` is set."""
    while not stop.is_set():
        for sock in sockets:
            try:
                sock.send(b"a")
            except OSError:
                pass
        stop.wait(1)


def read_now(sock):
    """What a TLS socket has to read right now: bytes, b"" once closed, None if nothing yet."""
    sock.setblocking(False)
    try:
        return sock.recv(4096)
    except (ssl.SSLWantReadError, BlockingIOError):
        return None
    except (ConnectionResetError, ssl.SSLError, OSError):
        return b""
    finally:
        sock.settimeout(10)


def closed_by_peer(sock):
    return read_now(sock) == b""


class LeakyUpstream:
    """An HTTP/1.1 upstream with the flaw cpp-httplib 0.11.4 had: it answers /api/auth/refused
    with 404 without reading the body, then reads the body as the next request. It records the
    request lines parsed on each connection."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.seen, self.lock = [], threading.Lock()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn):
        paths, buffered = [], b""
        with self.lock:
            self.seen.append(paths)
        conn.settimeout(5)
        try:
            while True:
                while b"\r\n\r\n" not in buffered:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffered += chunk
                head, _, buffered = buffered.partition(b"\r\n\r\n")
                path = head.split(b" ")[1].decode()
                paths.append(path)
                if path == "/api/auth/refused":
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    continue  # the body stays in `buffered`: the flaw
                length = re.search(rb"(?i)content-length: *(\d+)", head)
                buffered = buffered[int(length.group(1)) if length else 0:]
                answer = f"path={path}".encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(answer), answer))
        except OSError:
            return
        finally:
            conn.close()

    def connections(self):
        """The first request line of each connection, and how many each carried."""
        with self.lock:
            return [(paths[0], len(paths)) for paths in self.seen if paths]

    def stop(self):
        self.listener.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
