"""The FastAPI dependency against a real ba-issuer (the `issuer` fixture of conftest.py)."""
import pytest
from fastapi.testclient import TestClient

from fastapi_app import make_app

BAD_KINDS = ["expired", "not-yet-valid", "wrong-issuer", "wrong-audience", "unknown-kid",
             "bad-signature", "alg-none"]


@pytest.fixture
def client(issuer):
    return TestClient(make_app(issuer.origin))


def call_me(client, token):
    return client.get("/me", headers={"Authorization": "Bearer " + token})


def test_a_session_token_is_accepted(client, fresh_issuer):
    session = fresh_issuer.session("ada@example.com", role="admin")
    response = call_me(client, session["token"])
    assert response.status_code == 200
    assert response.json() == {"id": session["user"]["id"], "email": "ada@example.com",
                               "role": "admin"}


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_every_bad_token_is_refused(client, issuer, kind):
    response = call_me(client, issuer.token(kind=kind, sub="user-1"))
    assert response.status_code == 401


def test_no_token_is_refused(client):
    assert client.get("/me").status_code in (401, 403)
