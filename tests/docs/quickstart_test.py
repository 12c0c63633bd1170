"""The README's quick start, run as written: its two shell blocks, twice (a second pair of
terminals), in a checkout where a plain `scripts/run` already sealed ./ba-issuer.db under the
default secret. Only `scripts/run` is a stand-in (the built binary) and the port is a free one
instead of 3000.

Usage: quickstart_test.py README.md   (BA_ISSUER_BIN names the binary)
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.environ["BA_ISSUER_BIN"]


def blocks(readme):
    text = open(readme, encoding="utf-8").read()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(found) >= 2, "the quick start should have a server block and a client block"
    return found[0], found[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(proc, timeout=30):
    deadline = time.time() + timeout
    line = b""
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line.startswith(b"listening on"):
            return line.decode()
        if not line and proc.poll() is not None:
            break
    raise AssertionError("no ready line; stderr: " + proc.stderr.read().decode())


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=20) == 0, proc.stderr.read().decode()


def main():
    server_block, client_block = blocks(sys.argv[1])
    work = tempfile.mkdtemp(prefix="ba-quickstart-")
    os.makedirs(os.path.join(work, "scripts"))
    shim = os.path.join(work, "scripts", "run")
    with open(shim, "w") as f:
        f.write('#!/bin/sh\nexec "$BA_ISSUER_BIN" "$@" --port "$QS_PORT"\n')
    os.chmod(shim, 0o755)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "BA_ISSUER_BIN": BIN}

    # The README's first command: `scripts/run` with no secret seals ./ba-issuer.db.
    first = subprocess.Popen([BIN, "--port", "0"], cwd=work, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
    wait_ready(first)
    stop(first)
    assert os.path.exists(os.path.join(work, "ba-issuer.db"))

    port = str(free_port())
    env["QS_PORT"] = port
    server_block = server_block.replace("localhost:3000", "localhost:" + port)
    client_block = client_block.replace("localhost:3000", "localhost:" + port)
    for terminal in ("first", "second"):
        server = subprocess.Popen(["bash", "-e", "-c", server_block], cwd=work, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  start_new_session=True)
        ready = wait_ready(server)
        assert ready.strip() == "listening on http://127.0.0.1:" + port, ready
        client = subprocess.run(["bash", "-e", "-c", client_block], cwd=work, env=env,
                                capture_output=True, timeout=60)
        out = client.stdout.decode()
        assert client.returncode == 0, (terminal, out, client.stderr.decode())
        assert "'email': 'alice@example.com'" in out, (terminal, out)
        assert "'iss': 'http://localhost:%s'" % port in out, (terminal, out)
        stop(server)
        print("quick start in the %s pair of terminals: ok" % terminal)


if __name__ == "__main__":
    main()
