"""request-password-reset puts a link in the dev mailbox; the plugin reads it and the reset
works."""


def test_password_reset_mail(ba_issuer, ba_session, auth):
    email = "dana@example.com"
    ba_session(email=email, password="dana-password-1")
    assert ba_issuer.mail(to=email) == []
    answer = auth.post("/request-password-reset", json={"email": email, "redirectTo": "/reset"})
    assert answer.status_code == 200
    [message] = ba_issuer.mail(to=email)
    assert message["to"] == email and message["kind"] == "reset-password"
    assert message["url"].startswith(ba_issuer.base_url + "/reset-password/" + message["token"])
    reset = auth.post("/reset-password", json={"newPassword": "dana-password-2",
                                               "token": message["token"]})
    assert reset.status_code == 200
    sign_in = auth.post("/sign-in/email", json={"email": email, "password": "dana-password-2"})
    assert sign_in.status_code == 200
    old = auth.post("/sign-in/email", json={"email": email, "password": "dana-password-1"})
    assert old.status_code == 401


def test_reset_empties_the_mailbox(ba_issuer, ba_session, auth):
    ba_session(email="erin@example.com", password="erin-password-1")
    auth.post("/request-password-reset", json={"email": "erin@example.com"})
    assert len(ba_issuer.mail(to="erin@example.com")) == 1
    ba_issuer.reset()
    assert ba_issuer.mail() == []
