"""ba_issuer_args from pytest.ini reach the server: the seed's user and --jwks-max-age."""

ALICE_BEARER = {"authorization": "Bearer aliceSessionToken0123456789abcdef"}


def test_the_seeded_user_has_a_session(auth, me):
    answer = auth.get("/token", headers=ALICE_BEARER)
    assert answer.status_code == 200
    claims = me(answer.json()["token"]).json()
    assert (claims["sub"], claims["role"], claims["org"]) == ("user_alice", "admin", "acme")


def test_the_jwks_max_age_flag(auth):
    answer = auth.get("/jwks")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=60"


def test_reset_brings_the_seed_back_and_nothing_else(ba_issuer, auth):
    other = ba_issuer.session(email="frank@example.com")
    ba_issuer.reset()
    other_bearer = {"authorization": "Bearer " + other["bearer"]}
    assert auth.get("/token", headers=other_bearer).status_code == 401
    assert auth.get("/token", headers=ALICE_BEARER).status_code == 200
