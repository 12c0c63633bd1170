"""Not collected by default (no test_ prefix): pytest_plugin_test.sh runs it, then kills pytest
with SIGKILL and checks the server it started goes too (PR_SET_PDEATHSIG)."""
import os
import threading


def test_write_the_pid_and_hang(ba_issuer):
    with open(os.environ["HANG_PID_FILE"] + ".tmp", "w") as f:
        f.write(str(ba_issuer.pid))
    os.rename(os.environ["HANG_PID_FILE"] + ".tmp", os.environ["HANG_PID_FILE"])
    threading.Event().wait(120)
