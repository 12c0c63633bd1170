#!/usr/bin/python3
"""Verify a JWT with PyJWT (Debian python3-jwt + python3-cryptography) against a remote JWKS.

Usage: /usr/bin/python3 verify_pyjwt.py JWKS_URL TOKEN ISSUER AUDIENCE [ALGORITHMS]

ALGORITHMS: the algorithms PyJWT may accept, comma-separated (default EdDSA), e.g. ES256,RS256.

Prints one JSON object on stdout:
  {"ok": true, "header": {...}, "claims": {...}, "jwk": {...}, "pyjwt": "2.x"}   exit 0
  {"ok": false, "error": "<type>: <message>"}                                   exit 1
"""

import json
import sys
import urllib.request

import jwt


def main(argv):
    if len(argv) not in (5, 6):
        print(json.dumps({"ok": False, "error": "usage: verify_pyjwt.py JWKS_URL TOKEN ISSUER AUDIENCE [ALGORITHMS]"}))
        return 2
    jwks_url, token, issuer, audience = argv[1:5]
    algorithms = argv[5].split(",") if len(argv) == 6 else ["EdDSA"]
    try:
        client = jwt.PyJWKClient(jwks_url, cache_keys=False)
        signing_key = client.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=algorithms,
            audience=audience,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        header = jwt.get_unverified_header(token)
        with urllib.request.urlopen(jwks_url) as resp:
            jwks = json.loads(resp.read().decode("utf-8"))
        jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid")), None)
        print(json.dumps({"ok": True, "header": header, "claims": claims, "jwk": jwk, "pyjwt": jwt.__version__}))
        return 0
    except Exception as e:  # report every failure as data; the Node test asserts on it
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
