"""The server's clock, moved by the plugin: sessions expire, tokens minted in the past are
expired for the backend, reset() brings wall time back."""
import time


def wall_ms():
    return time.time() * 1000


def test_advancing_the_clock_expires_the_session_token(ba_issuer, ba_session, auth):
    s = ba_session()
    bearer = {"authorization": "Bearer " + s["bearer"]}
    assert auth.get("/token", headers=bearer).status_code == 200
    ba_issuer.advance(8 * 86400 * 1000)  # sessions last 7 days
    assert auth.get("/token", headers=bearer).status_code == 401
    assert auth.get("/get-session", headers=bearer).json() is None


def test_a_jwt_issued_in_the_past_is_expired_for_the_backend(ba_issuer, ba_session, auth, me):
    s = ba_session()
    bearer = {"authorization": "Bearer " + s["bearer"]}
    ba_issuer.advance(-20 * 60 * 1000)  # JWTs live 15 minutes
    token = auth.get("/token", headers=bearer).json()["token"]
    response = me(token)
    assert response.status_code == 401
    assert response.json() == {"detail": "ExpiredSignatureError"}


def test_set_clock_and_advance_move_the_server_clock(ba_issuer, ba_session):
    target = wall_ms() + 3600 * 1000
    assert abs(ba_issuer.set_clock(target)["nowMs"] - target) < 5000
    assert abs(ba_issuer.advance(60 * 1000)["nowMs"] - (target + 60 * 1000)) < 5000
    assert abs(ba_issuer.clock()["nowMs"] - (target + 60 * 1000)) < 5000
    claims = ba_issuer.mint()["claims"]
    assert abs(claims["iat"] * 1000 - (target + 60 * 1000)) < 5000


def test_reset_returns_to_wall_time(ba_issuer):
    ba_issuer.advance(86400 * 1000)
    ba_issuer.reset()
    assert abs(ba_issuer.clock()["nowMs"] - wall_ms()) < 5000
