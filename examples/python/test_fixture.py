"""The pytest fixture's own calls: sessions work for cookies, tokens carry claims, the clock
moves sessions, reset empties the user table."""
import json
import urllib.error
import urllib.request


def get(url, **headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as e:
        return e.code, None


def test_cookie_and_bearer_of_a_test_session(fresh_issuer):
    made = fresh_issuer.session("bob@example.com", claims={"org": "acme"})
    status, body = get(fresh_issuer.origin + "/api/auth/get-session", Cookie=made["cookie"])
    assert status == 200 and body["user"]["email"] == "bob@example.com"
    status, body = get(fresh_issuer.origin + "/api/auth/token",
                       Authorization="Bearer " + made["bearer"])
    assert status == 200 and body["token"].count(".") == 2


def test_moving_the_clock_expires_the_session(fresh_issuer):
    made = fresh_issuer.session("carol@example.com")
    fresh_issuer.advance(8 * 86400)  # sessions last 7 days
    status, _ = get(fresh_issuer.origin + "/api/auth/token",
                    Authorization="Bearer " + made["bearer"])
    assert status == 401
