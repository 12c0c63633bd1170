"""cmake --install into a temporary prefix: the installed binary runs (--version, --help,
serving on a free port) and its man page is there and names every flag.

Usage: install_test.py BUILD_DIR
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request


def main():
    build = sys.argv[1]
    prefix = tempfile.mkdtemp(prefix="ba-issuer-prefix-")
    try:
        subprocess.run(["cmake", "--install", build, "--prefix", prefix], check=True,
                       capture_output=True)
        binary = os.path.join(prefix, "bin", "ba-issuer")
        version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
        assert version.stdout.startswith("ba-issuer "), version.stdout
        help_text = subprocess.run([binary, "--help"], capture_output=True, text=True,
                                   check=True).stdout
        man = open(os.path.join(prefix, "share", "man", "man1", "ba-issuer.1")).read()
        assert man.startswith(".TH BA-ISSUER 1"), man[:80]
        assert version.stdout.strip().split(" ")[1] in man.splitlines()[0]
        for flag in ("--port", "--db", "--key-file", "--seed", "--config", "--test-api",
                     "--discovery", "--log-format", "users add", "sessions create"):
            assert flag in help_text, flag
            assert flag.replace("-", "\\-") in man or flag in man, flag
        if shutil.which("man"):
            rendered = subprocess.run(["man", "-l", "-P", "cat", os.path.join(
                prefix, "share", "man", "man1", "ba-issuer.1")], capture_output=True, text=True,
                env={**os.environ, "MANWIDTH": "100"})
            assert "--test-api" in rendered.stdout or "test-api" in rendered.stdout
        server = subprocess.Popen([binary, "--port", "0", "--db", ":memory:"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  cwd=prefix)
        try:
            ready = server.stdout.readline().strip()
            assert ready.startswith("listening on http://127.0.0.1:"), ready
            with urllib.request.urlopen(ready.split(" ")[-1] + "/api/auth/ok") as response:
                assert response.read() == b'{"ok":true}'
        finally:
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=10) == 0
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


if __name__ == "__main__":
    main()
