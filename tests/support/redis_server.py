"""A throwaway redis-server for the tests (Debian's redis-server; never the system service).

    redis = RedisServer(tmpdir).start()
    redis.command("SET", "k", "v")          # a tiny RESP client, stdlib only
    redis.url                                # redis://127.0.0.1:PORT
    redis.stop(); redis.start()              # the same port, empty again (no persistence)
    redis.freeze(); redis.thaw()             # SIGSTOP/SIGCONT: a server that stops answering

It listens on 127.0.0.1 at a free port, keeps nothing on disk, and is killed when stopped.
"""

import os
import signal
import socket
import subprocess
import time

REDIS_SERVER = "/usr/bin/redis-server"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisError(Exception):
    """An error reply (-ERR ...)."""


def _read_line(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("redis closed the connection")
    return line[:-2]


def _read_reply(f):
    line = _read_line(f)
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RedisError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2].decode()
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_reply(f) for _ in range(n)]
    raise ConnectionError(f"not RESP: {line!r}")


def resp_command(port, *args, timeout=5):
    """Runs one command on 127.0.0.1:port and returns its reply (str, int, list or None)."""
    payload = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        payload += b"$%d\r\n%s\r\n" % (len(a), a)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        with s.makefile("rb") as f:
            return _read_reply(f)


class RedisServer:
    def __init__(self, directory, port=None, extra_args=()):
        self.dir = directory
        self.port = port or _free_port()
        self.extra_args = list(extra_args)
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def start(self, timeout=10):
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--logfile", os.path.join(self.dir, "redis.log")] + self.extra_args
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited ({self.proc.returncode}); see {self.dir}/redis.log")
            try:
                if self.command("PING") == "PONG":
                    return self
            except (OSError, ConnectionError, RedisError):
                time.sleep(0.02)
        raise RuntimeError("redis-server did not answer PING")

    def stop(self):
        if self.proc is not None:
            self.thaw()
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def freeze(self):
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)

    def command(self, *args):
        return resp_command(self.port, *args)

    def keys(self, pattern="*"):
        return sorted(self.command("KEYS", pattern))
