#!/usr/bin/python3
"""Writes the seed corpora in corpus/<target>/ (run by hand: /usr/bin/python3 make_seeds.py).

Seeds are the known-answer values of the security notes (§2: RFC 8037 Appendix A, the Better
Auth signed-cookie fixture), keys sealed as Better Auth seals them, and a few malformed
neighbours of each. Targets that split their input with FuzzedDataProvider take integers from
the END of the input and strings from the front, so those seeds carry the trailing bytes their
target reads first (see each fuzz_<target>.cc).
"""
import ctypes
import hashlib
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))

COOKIE_SECRET = "better-auth-secret-123456789012345678901234567890"
SIGNED = "abcdefghijklmnopqrstuvwxyzABCDEF.OFkFZ1pNR49GziQ/bF5PlWCQ/Hy/g7jGNfO+GUDRY4c="
SIGNED_ENCODED = "abcdefghijklmnopqrstuvwxyzABCDEF.OFkFZ1pNR49GziQ%2FbF5PlWCQ%2FHy%2Fg7jGNfO%2BGUDRY4c%3D"
D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_JWS = ("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
               "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")
TRAP_JWS = ("eyJhbGciOiJFZDI1NTE5In0.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
            "UxhIYLHGg39NVCLpQAVD_UcfOmnGSCzLFZoXYkLiIbFccmOb_qObsgjzLKsfJw-4NlccUgvYrEHrRbNV0HcZAQ")
PRIVATE_JWK = '{"crv":"Ed25519","d":"%s","x":"%s","kty":"OKP"}' % (D, X)

sodium = ctypes.CDLL("libsodium.so.23")
assert sodium.sodium_init() >= 0


def seal(plaintext, secret, nonce):
    """Better Auth's symmetricEncrypt: XChaCha20-Poly1305 under SHA-256(secret), hex(nonce||ct)."""
    key = hashlib.sha256(secret.encode()).digest()
    out = ctypes.create_string_buffer(len(plaintext) + 16)
    out_len = ctypes.c_ulonglong()
    rc = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out, ctypes.byref(out_len), plaintext, ctypes.c_ulonglong(len(plaintext)), None,
        ctypes.c_ulonglong(0), None, nonce, key)
    assert rc == 0
    return (nonce + out.raw[:out_len.value]).hex()


def write(target, seeds):
    directory = os.path.join(HERE, "corpus", target)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    for name, data in seeds.items():
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)


write("cookie_header", {
    "fixture": "better-auth.session_token=" + SIGNED,
    "fixture-encoded": "better-auth.session_token=" + SIGNED_ENCODED,
    "several": 'a=b; better-auth.session_token="%s"; better-auth.dont_remember=%s' % (SIGNED, SIGNED),
    "secure-first": "__Secure-better-auth.session_token=%s; better-auth.session_token=x" % SIGNED,
    "non-canonical": "better-auth.session_token=" + SIGNED[:-2] + "d=",
    "odd-separators": "=;=;;  ; better-auth.session_token = v ;\t;",
    "empty": "",
})

# FuzzedDataProvider: the last byte is the position, the one before it the flip mask.
write("signed_value", {
    "fixture": SIGNED + "\x01\x05",
    "bearer-unpadded-urlsafe": SIGNED[:-1].replace("/", "_").replace("+", "-") + "\x00\x00",
    "dots": "a.b.c." + SIGNED.split(".")[1] + "\x7f\x2b",
    "uri": "%E2%82%AC%20%ZZ%" + "\x00\x00",
    "empty": "",
})

# The last byte picks the Content-Type (0 json, 2 form, 4 text/plain, 5 fuzzed: a string
# ended by "\\" and another character at the front), the one before it sign-up (odd) or sign-in.
SIGN_UP = json.dumps({"name": "Alice", "email": "alice@example.com", "password": "password123",
                      "rememberMe": True, "callbackURL": "/dashboard"})
SIGN_IN = json.dumps({"email": "alice@example.com", "password": "password123"})
write("json_request", {
    "sign-up": SIGN_UP + "\x01\x00",
    "sign-in": SIGN_IN + "\x00\x01",
    "form": "email=alice%40example.com&password=pass+word&name=%C3%A9&rememberMe=true\x01\x02",
    "bad-json": "{bad\x00\x00",
    "array": "[]\x01\x03",
    "huge-number": '{"email":1e400,"password":-0,"name":12345678901234567890123}\x01\x00',
    "surrogate": '{"name":"\\ud800","email":"a@b.co","password":"\\u0000"}\x01\x00',
    "deep": "[" * 2000 + "]" * 2000 + "\x00\x00",
    "text-plain": "hello\x00\x04",
    "fuzzed-type": "application/json;\\x" + SIGN_IN + "\x00\x05",
})

write("form", {
    "sign-in": "email=alice%40example.com&password=password123",
    "escapes": "a+b=%41%4g%%2&&=&x&%C3%A9=%FF%ED%A0%80",
    "duplicates": "email=a&email=b&password=&=",
    "raw-utf8": "name=\u00e9%FF",
    "empty": "",
})

write("base64url", {
    "x": X,
    "aqab": "AQAB",
    "one": "a",
    "two": "ab",
    "padded": "abc=",
    "standard-alphabet": "+/+/",
    "hex": "deadBEEF00",
    "empty": "",
})

# The last two bytes are the position of the hex digit to change.
NONCE = bytes(range(1, 25))
bare = json.dumps(seal(PRIVATE_JWK.encode(), "fuzz-secret-current", NONCE))
v2 = json.dumps("$ba$2$" + seal(PRIVATE_JWK.encode(), "fuzz-secret-v2", NONCE))
v1 = json.dumps("$ba$1$" + seal(b"x", "fuzz-secret-v1", NONCE))
v3 = json.dumps("$ba$3$" + seal(b"x", "fuzz-secret-v1", NONCE))
write("sealed_key", {
    "bare": bare + "\x00\x10",
    "versioned-2": v2 + "\x01\x00",
    "versioned-1": v1 + "\x00\x30",
    "unknown-version": v3 + "\x00\x00",
    "bad-envelope": json.dumps("$ba$x$00") + "\x00\x00",
    "odd-hex": '"abc"\x00\x00',
    "not-a-string": "123\x00\x00",
})

# FuzzedDataProvider: the last byte chooses Better Auth's header (odd) or a raw header text,
# which comes first, ended by "\\" and another character; the byte before the last is the
# position to change; the token (and payload) is what remains in the middle.
def jws_seed(header_or_kid, token, better_auth=True, position=7):
    return header_or_kid + "\\n" + token + chr(position) + ("\x01" if better_auth else "\x00")


write("jws", {
    "rfc8037": jws_seed("kid-1", RFC8037_JWS),
    "trap-alg": jws_seed('{"alg":"Ed25519"}', TRAP_JWS, better_auth=False),
    "alg-none": jws_seed('{"alg":"none"}', "eyJhbGciOiJub25lIn0.e30.", better_auth=False),
    "crit": jws_seed('{"alg":"EdDSA","crit":["exp"]}', "a.b.c", better_auth=False),
    "four-segments": jws_seed("k", RFC8037_JWS + ".e30"),
    "claims": jws_seed("kid", '{"sub":"user","iat":1795499074,"exp":1795499974}'),
})

write("jwk", {
    "rfc8037-private": '{"kty":"OKP","crv":"Ed25519","d":"%s","x":"%s"}' % (D, X),
    "rfc8037-public": '{"kty":"OKP","crv":"Ed25519","x":"%s"}' % X,
    "better-auth-private": PRIVATE_JWK,
    "better-auth-public": '{"crv":"Ed25519","x":"%s","kty":"OKP"}' % X,
    "wrong-x": '{"kty":"OKP","crv":"Ed25519","d":"%s","x":"%s"}' % (D, D),
    "padded-x": '{"kty":"OKP","crv":"Ed25519","x":"%s="}' % X,
    "number-x": '{"kty":"OKP","crv":"Ed25519","x":1,"d":[]}',
    "rsa": '{"kty":"RSA","e":"AQAB","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4"}',
})
