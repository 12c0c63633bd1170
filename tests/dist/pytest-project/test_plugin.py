"""The plugin as installed: loaded through its pytest11 entry point from the venv, its errors,
and start() outside the fixtures."""
import importlib.metadata
import os
import sys
from pathlib import Path

import pytest

import pytest_ba_issuer
from pytest_ba_issuer import IssuerError, find_binary, start


def test_loaded_through_the_entry_point_from_the_venv(pytestconfig):
    entries = importlib.metadata.entry_points(group="pytest11")
    [entry] = [e for e in entries if e.name == "ba_issuer"]
    assert entry.value == "pytest_ba_issuer.plugin"
    assert entry.dist.name == "pytest-ba-issuer"
    plugin = pytestconfig.pluginmanager.get_plugin("ba_issuer")
    assert plugin is not None and plugin.__name__ == "pytest_ba_issuer.plugin"
    assert sys.prefix != sys.base_prefix  # a venv
    assert pytest_ba_issuer.__file__.startswith(os.path.join(sys.prefix, "lib"))


def test_pytest_ini_was_read(pytestconfig):
    # `--ba-issuer-bin PATH` (a space, not `=`) would make pytest take PATH for a test path when
    # it looks for the ini file (pytest-dev/pytest#1435): the script passes `--ba-issuer-bin=`.
    assert pytestconfig.inipath == Path(__file__).parent / "pytest.ini"


def test_a_refused_call_raises_with_the_servers_reason(ba_issuer):
    with pytest.raises(IssuerError) as refused:
        ba_issuer.token(alg="RS256")  # not a configured algorithm
    assert refused.value.status == 400 and refused.value.code == "VALIDATION_ERROR"
    assert "alg" in refused.value.message
    with pytest.raises(IssuerError, match="email"):
        ba_issuer.session(email="not-an-email")


def test_start_outside_the_fixtures(pytestconfig, ba_issuer):
    with start(find_binary(pytestconfig.getoption("ba_issuer_bin"))) as other:
        assert other.origin != ba_issuer.origin
        assert other.session(email="gina@example.com")["token"].count(".") == 2
    assert other.process.returncode == 0  # a clean stop on SIGTERM
    assert "key_created" in other.logs()
    assert "BETTER_AUTH_SECRET is not set" not in other.logs()  # the plugin gave it one
