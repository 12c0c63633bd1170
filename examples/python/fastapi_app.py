"""A FastAPI backend that trusts Better Auth JWTs (from ba-issuer or Better Auth itself).

    uvicorn fastapi_app:app   with AUTH_ORIGIN=http://localhost:3000
"""
import os

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

AUTH_ORIGIN = os.environ.get("AUTH_ORIGIN", "http://localhost:3000")


def make_app(auth_origin=AUTH_ORIGIN):
    # PyJWKClient caches the keys and fetches again for a kid it has not seen.
    jwks = jwt.PyJWKClient(auth_origin + "/api/auth/jwks")
    bearer = HTTPBearer()

    def current_user(credentials: HTTPAuthorizationCredentials = Depends(bearer)):
        """The JWT's claims, or 401: EdDSA only, iss and aud = the auth server's origin."""
        try:
            key = jwks.get_signing_key_from_jwt(credentials.credentials)
            return jwt.decode(credentials.credentials, key.key, algorithms=["EdDSA"],
                              issuer=auth_origin, audience=auth_origin,
                              options={"require": ["exp", "iat", "sub"]})
        except (jwt.PyJWTError, jwt.PyJWKClientError) as e:
            raise HTTPException(status_code=401, detail=type(e).__name__)

    app = FastAPI()

    @app.get("/me")
    def me(user=Depends(current_user)):
        return {"id": user["sub"], "email": user.get("email"), "role": user.get("role")}

    return app
