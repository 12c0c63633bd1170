"""The backend accepts the issuer's session JWTs and refuses every bad kind, each for its own
reason."""
import pytest

from pytest_ba_issuer import BAD_TOKEN_KINDS

# What PyJWT (2.6, Debian bookworm) names when it refuses each kind.
REASONS = {
    "expired": "ExpiredSignatureError",
    "not-yet-valid": "ImmatureSignatureError",
    "wrong-issuer": "InvalidIssuerError",
    "wrong-audience": "InvalidAudienceError",
    "unknown-kid": "PyJWKClientError",
    "bad-signature": "InvalidSignatureError",
    "alg-none": "InvalidAlgorithmError",
    "alg-confusion": "InvalidAlgorithmError",
}


def test_a_session_jwt_from_the_token_route_is_accepted(ba_issuer, ba_session, auth, me):
    s = ba_session(email="ada@example.com", name="Ada", role="admin")
    for headers in ({"cookie": s["cookie"]}, {"authorization": "Bearer " + s["bearer"]}):
        answer = auth.get("/token", headers=headers)
        assert answer.status_code == 200
        response = me(answer.json()["token"])
        assert response.status_code == 200, response.text
        claims = response.json()
        assert claims["sub"] == s["user"]["id"]
        assert (claims["email"], claims["name"]) == ("ada@example.com", "Ada")
        assert claims["role"] == "admin"
        assert claims["iss"] == ba_issuer.issuer == ba_issuer.origin
        assert claims["aud"] == ba_issuer.audience == ba_issuer.origin


def test_the_session_answer_carries_a_ready_jwt(ba_session, me):
    s = ba_session(claims={"org": "acme"})  # a fresh email
    response = me(s["token"])
    assert response.status_code == 200
    assert response.json()["org"] == "acme" and response.json()["sub"] == s["user"]["id"]


def test_every_bad_kind_has_a_reason():
    assert set(REASONS) == set(BAD_TOKEN_KINDS)


@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
def test_a_bad_token_is_refused(ba_issuer, me, kind):
    claims = {"sub": "user-1", "email": "eve@example.com"}
    assert me(ba_issuer.token(claims=claims)).status_code == 200  # the same token, good, passes
    response = me(ba_issuer.token(kind=kind, claims=claims))
    assert response.status_code == 401
    assert response.json() == {"detail": REASONS[kind]}


def test_no_token_is_refused(client):
    assert client.get("/me").status_code in (401, 403)
