"""Run ba-issuer and drive its test API, with the standard library only (no pytest needed).

    from pytest_ba_issuer import start
    with start(args=["--seed", "seed.json"]) as issuer:       # ready when this returns
        s = issuer.session(email="ada@example.com", role="admin")  # {user, session, cookie, ...}
        issuer.token(kind="expired", claims={"sub": s["user"]["id"]})

The child is `BIN --host 127.0.0.1 --port 0 --db :memory: --test-api ARGS...`; start() returns
once it prints `listening on http://HOST:PORT` (never a sleep). On Linux it dies with the
thread that started it (PR_SET_PDEATHSIG), so a killed test run leaves no server behind.
"""
import ctypes
import fcntl
import json
import os
import secrets
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from functools import cached_property

# The `kind`s of POST /__test/tokens that a verifier must refuse (server/fixture/test_tokens.h).
BAD_TOKEN_KINDS = ("expired", "not-yet-valid", "wrong-issuer", "wrong-audience", "unknown-kid",
                   "bad-signature", "alg-none", "alg-confusion")

DEFAULT_ARGS = ("--host", "127.0.0.1", "--port", "0", "--db", ":memory:", "--test-api")
READY_PREFIX = "listening on "
SECRET_VARIABLES = ("BETTER_AUTH_SECRET", "BETTER_AUTH_SECRETS", "AUTH_SECRET")
DEFAULT_BASE_PATH = "/api/auth"
STDERR_LINES_SHOWN = 40
PR_SET_PDEATHSIG = 1

# Requests to the issuer never go through an http_proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class IssuerStartError(RuntimeError):
    """ba-issuer could not be found, run, or did not get ready; the message says why, with the
    end of the child's stderr."""


class IssuerError(RuntimeError):
    """The test API refused a call: status, Better Auth's error code and message."""

    def __init__(self, method, path, status, body):
        self.status = status
        self.code = body.get("code") if isinstance(body, dict) else None
        self.message = body.get("message") if isinstance(body, dict) else str(body)
        super().__init__(f"{method} {path}: {status} {self.code}: {self.message}")


def find_binary(explicit=None):
    """The ba-issuer to run: `explicit`, else $BA_ISSUER_BIN, else `ba-issuer` on PATH.
    A name without a slash is looked up on PATH. Raises IssuerStartError naming the source."""
    if explicit:
        value, source = explicit, "--ba-issuer-bin"
    elif os.environ.get("BA_ISSUER_BIN"):
        value, source = os.environ["BA_ISSUER_BIN"], "$BA_ISSUER_BIN"
    else:
        value, source = "ba-issuer", "the default (ba-issuer on PATH)"
    path = value if os.sep in value else shutil.which(value)
    if path is None:
        raise IssuerStartError(f"ba-issuer binary not found: {value!r} (from {source}) is not on "
                               "PATH; pass --ba-issuer-bin=PATH or set BA_ISSUER_BIN")
    if not os.path.isfile(path):
        raise IssuerStartError(f"ba-issuer binary not found: {path!r} (from {source}) does not "
                               "exist or is not a file")
    if not os.access(path, os.X_OK):
        raise IssuerStartError(f"ba-issuer binary {path!r} (from {source}) is not executable")
    return path


def child_env(env=None):
    """`env` (default: ours) plus a random BETTER_AUTH_SECRET when it names no secret."""
    out = dict(os.environ if env is None else env)
    if not any(out.get(name) for name in SECRET_VARIABLES):
        out["BETTER_AUTH_SECRET"] = secrets.token_urlsafe(32)
    return out


def base_path_of(args, env):
    """The base path the server serves (--base-url's path, else $BETTER_AUTH_URL's, else
    /api/auth). A config file's basePath is not read: pass base_path= to start() for it."""
    url = env.get("BETTER_AUTH_URL")
    for i, arg in enumerate(args):
        if arg == "--base-url" and i + 1 < len(args):
            url = args[i + 1]
        elif arg.startswith("--base-url="):
            url = arg.split("=", 1)[1]
    path = urllib.parse.urlsplit(url).path.rstrip("/") if url else ""
    return path or DEFAULT_BASE_PATH


def _die_with_parent():
    """A preexec_fn that makes the child get SIGTERM when this thread dies (Linux), or None."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork, not in the child
    parent = os.getpid()

    def preexec():
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def _append_only_file():
    """An anonymous file the child's stderr goes to; O_APPEND, so reading it with pread and
    writing to it from the drain thread never disturbs the child's writes."""
    log = tempfile.TemporaryFile()
    flags = fcntl.fcntl(log.fileno(), fcntl.F_GETFL)
    fcntl.fcntl(log.fileno(), fcntl.F_SETFL, flags | os.O_APPEND)
    return log


def _read_file(log):
    fd = log.fileno()
    return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")


def _tail(text, lines=STDERR_LINES_SHOWN):
    kept = text.rstrip("\n").splitlines()[-lines:]
    return "\n".join("  | " + line for line in kept) if kept else "  (nothing on stderr)"


def _wait_ready(process, timeout, before):
    """Reads the child's stdout until the ready line and returns its URL, or raises
    IssuerStartError("exited ..." / "not ready ..."). Lines before it go to `before`."""
    fd = process.stdout.fileno()
    deadline = time.monotonic() + timeout
    pending = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise IssuerStartError(f"not ready after {timeout:g} s")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise IssuerStartError("exited before it was ready")
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                text = line.decode("utf-8", "replace").strip()
                if text.startswith(READY_PREFIX):
                    return text[len(READY_PREFIX):].split()[0].rstrip("/")
                before.append(text)


def _drain(fd, log):
    """Copies whatever the child writes to stdout after the ready line into the log, so the pipe
    never fills and blocks it."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        os.write(log.fileno(), chunk)


def start(binary=None, args=(), *, env=None, cwd=None, timeout=30.0, base_path=None):
    """Runs ba-issuer and returns the ready Issuer (stop() it, or use `with`).
      binary: as find_binary()
      args: flags after DEFAULT_ARGS: a list, or one string split as a shell would
      env: the child's environment (default ours), given a random BETTER_AUTH_SECRET if it has
        no secret; cwd: where relative paths in args resolve
      timeout: seconds to wait for the ready line
    Raises IssuerStartError with the end of the child's stderr."""
    path = find_binary(binary)
    args = shlex.split(args) if isinstance(args, str) else [str(a) for a in args]
    command = [path, *DEFAULT_ARGS, *args]
    environment = child_env(env)
    log = _append_only_file()
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=log, env=environment, cwd=cwd,
                                   preexec_fn=_die_with_parent())
    except OSError as e:
        log.close()
        raise IssuerStartError(f"could not run ba-issuer {path!r}: {e.strerror or e}") from None
    stdout = []
    try:
        origin = _wait_ready(process, timeout, stdout)
    except BaseException as e:  # not ready, or interrupted: no server is left behind
        _stop_process(process)
        text = _read_file(log)
        log.close()
        process.stdout.close()
        if not isinstance(e, IssuerStartError):
            raise
        shown = f"its stdout:\n{_tail(chr(10).join(stdout))}\n" if stdout else ""
        raise IssuerStartError(f"ba-issuer {path!r} {e} (exit status {process.returncode}); "
                               f"command: {shlex.join(command)}\n"
                               f"{shown}its stderr:\n{_tail(text)}") from None
    drain = threading.Thread(target=_drain, args=(process.stdout.fileno(), log), daemon=True)
    drain.start()
    return Issuer(process, origin, log, drain, base_path or base_path_of(args, environment))


def _stop_process(process, timeout=10.0):
    """SIGTERM (ba-issuer stops cleanly), then SIGKILL after `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


class Issuer:
    """A running ba-issuer with --test-api: its URLs and the test API's calls.
    Every call raises IssuerError on a refusal (Better Auth's {code, message})."""

    def __init__(self, process, origin, log, drain, base_path=DEFAULT_BASE_PATH):
        self.process = process
        self.origin = origin                    # http://127.0.0.1:PORT, where it listens
        self.base_url = origin + base_path      # the auth routes: /token, /jwks, /sign-in/email...
        self.jwks_url = self.base_url + "/jwks"
        self._log = log
        self._drain = drain  # copies stdout into the log until the pipe closes
        self._final_log = None
        self._emails = 0

    # --- what a verifier needs -----------------------------------------------------------

    @cached_property
    def _claims(self):
        return self.mint()["claims"]

    @cached_property
    def issuer(self):
        """The `iss` of its tokens (the origin, or the base URL's origin when one is set)."""
        return self._claims["iss"]

    @cached_property
    def audience(self):
        """The `aud` of its tokens."""
        return self._claims["aud"]

    # --- the test API --------------------------------------------------------------------

    def session(self, email=None, **user):
        """POST /__test/sessions: the user (made if it does not exist; other fields become user
        columns, `claims` go into its JWTs, `password` gives it a credential account) and a new
        session: {user, session, cookie, bearer, token}. email defaults to a fresh one."""
        if email is None:
            self._emails += 1
            email = f"user{self._emails}@example.com"
        return self._call("POST", "/__test/sessions", {"email": email, **user})

    def mint(self, kind=None, claims=None, alg=None, expires_in=None):
        """POST /__test/tokens: {token, header, claims}. kind: None (good) or one of
        BAD_TOKEN_KINDS; alg: a configured algorithm; expires_in: seconds or "15m"."""
        body = {"claims": claims or {}}
        for name, value in (("kind", kind), ("alg", alg), ("expiresIn", expires_in)):
            if value is not None:
                body[name] = value
        return self._call("POST", "/__test/tokens", body)

    def token(self, kind=None, claims=None, alg=None, expires_in=None):
        """The compact JWT of mint()."""
        return self.mint(kind, claims, alg, expires_in)["token"]

    def clock(self):
        """GET /__test/clock: {now (s), nowMs, iso} of the server's one clock."""
        return self._call("GET", "/__test/clock")

    def set_clock(self, ms):
        """The server's clock reads `ms` (Unix milliseconds) and runs on from there."""
        return self._call("POST", "/__test/clock", {"set": ms / 1000})

    def advance(self, ms):
        """Moves the server's clock `ms` milliseconds (negative: back): sessions, token iat/exp,
        key rotation."""
        return self._call("POST", "/__test/clock", {"advance": ms / 1000})

    def mail(self, to=None):
        """GET /__test/mail: the dev mailbox, newest first: [{to, kind, url, token, createdAt}]."""
        return self._call("GET", "/__test/mail", query={"to": to} if to else None)

    def clear_mail(self):
        return self._call("DELETE", "/__test/mail")

    def reset(self, seed=True, clock=True, mail=True):
        """POST /__test/reset: every user, account and session goes (keys stay); then, by
        default, the --seed users come back, the clock returns to wall time and the mailbox
        empties."""
        answer = self._call("POST", "/__test/reset", {"seed": bool(seed)})
        if clock:
            self.set_clock(time.time() * 1000)
        if mail:
            self.clear_mail()
        return answer

    # --- the process ---------------------------------------------------------------------

    @property
    def pid(self):
        return self.process.pid

    def logs(self):
        """Everything the server wrote to stderr so far (its log lines)."""
        return self._final_log if self._final_log is not None else _read_file(self._log)

    def stop(self, timeout=10.0):
        """Stops the server (SIGTERM, SIGKILL after `timeout` s); idempotent."""
        _stop_process(self.process, timeout)
        if self._final_log is None:
            # The pipe closes with the child (or with a --mail-command it left running): only
            # then are the descriptors the drain thread uses safe to close.
            self._drain.join(timeout)
            self._final_log = _read_file(self._log)
            if not self._drain.is_alive():
                self._log.close()
                self.process.stdout.close()
        return self.process.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def _call(self, method, path, body=None, query=None):
        url = self.origin + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        if method != "GET":
            headers["origin"] = self.origin  # what a browser page of this origin would send
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with _opener.open(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                answer = json.loads(raw)
            except ValueError:
                answer = raw.decode("utf-8", "replace")
            raise IssuerError(method, path, e.code, answer) from None
