"""The pytest plugin: fixtures `ba_issuer` (one server per test session) and `ba_session`
(a session factory that resets the server after the test).

    # pytest.ini                                  # test_api.py
    [pytest]                                      def test_me(ba_session, client):
    ba_issuer_args = --seed seed.json                 s = ba_session(email="ada@example.com")
                                                      client.get("/me", headers={
    pytest --ba-issuer-bin=build/ba-issuer                "Authorization": "Bearer " + s["token"]})

The binary is --ba-issuer-bin, else $BA_ISSUER_BIN, else `ba-issuer` on PATH. Write
`--ba-issuer-bin=PATH`: with a space, pytest takes PATH for a test path while it looks for the
ini file, and may miss pytest.ini (pytest-dev/pytest#1435). Relative paths in
ba_issuer_args resolve against the directory of the ini file (else the rootdir).
"""
import pytest

from pytest_ba_issuer.issuer import IssuerStartError, find_binary, start


def pytest_addoption(parser):
    group = parser.getgroup("ba-issuer", "ba-issuer (Better Auth compatible JWT issuer)")
    group.addoption("--ba-issuer-bin", metavar="PATH", default=None,
                    help="the ba-issuer binary the ba_issuer fixture runs (default: "
                         "$BA_ISSUER_BIN, else ba-issuer on PATH); write --ba-issuer-bin=PATH, "
                         "so that pytest does not take PATH for a test path")
    parser.addini("ba_issuer_args", type="args", default=[],
                  help="extra ba-issuer flags for the ba_issuer fixture, after --host 127.0.0.1 "
                       "--port 0 --db :memory: --test-api (e.g. --seed seed.json); relative "
                       "paths resolve against the ini file's directory")


def pytest_report_header(config):
    try:
        return "ba-issuer: " + find_binary(config.getoption("ba_issuer_bin"))
    except IssuerStartError as e:
        return "ba-issuer: " + str(e)


def _args_dir(config):
    return config.inipath.parent if config.inipath else config.rootpath


@pytest.fixture(scope="session")
def ba_issuer(request):
    """A ready ba-issuer for the whole test session (an Issuer: origin, jwks_url, issuer,
    audience, session(), token(), set_clock(), advance(), mail(), reset()); stopped at the end.
    A start failure fails the tests that use it with the reason and the server's stderr."""
    config = request.config
    failure = None
    try:
        issuer = start(config.getoption("ba_issuer_bin"), config.getini("ba_issuer_args"),
                       cwd=_args_dir(config))
    except IssuerStartError as e:
        failure = str(e)
    if failure:  # failed outside the except block: the report shows the reason only
        pytest.fail(failure, pytrace=False)
    yield issuer
    issuer.stop()


class SessionFactory:
    """ba_session(email=None, **user) -> {user, session, cookie, bearer, token}, as
    Issuer.session(); `.issuer` is the server."""

    def __init__(self, issuer):
        self.issuer = issuer

    def __call__(self, email=None, **user):
        return self.issuer.session(email, **user)


@pytest.fixture
def ba_session(ba_issuer):
    """Makes sessions on the shared server; after the test, ba_issuer.reset() (users, sessions
    and mail go, --seed users come back, the clock returns to wall time)."""
    yield SessionFactory(ba_issuer)
    ba_issuer.reset()
