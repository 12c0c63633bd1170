"""Only the user's own fixtures: ba_issuer and ba_session come from the installed plugin."""
import httpx
import pytest
from fastapi.testclient import TestClient

from app import make_app


@pytest.fixture(scope="session")
def client(ba_issuer):
    """The FastAPI app, verifying against the plugin's server."""
    return TestClient(make_app(ba_issuer.jwks_url, ba_issuer.issuer, ba_issuer.audience))


@pytest.fixture
def auth(ba_issuer):
    """An HTTP client for the issuer's own routes (/api/auth/...), as a browser would call them."""
    with httpx.Client(base_url=ba_issuer.base_url, trust_env=False,
                      headers={"origin": ba_issuer.origin}) as http:
        yield http


@pytest.fixture
def me(client):
    """GET /me on the app with a Bearer token: the httpx response."""
    return lambda token: client.get("/me", headers={"Authorization": "Bearer " + token})
