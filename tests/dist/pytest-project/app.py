"""A FastAPI backend that trusts Better Auth JWTs, as a user would write it: PyJWKClient on the
issuer's JWKS, EdDSA only, iss and aud checked."""
import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer


def make_app(jwks_url, issuer, audience):
    jwks = jwt.PyJWKClient(jwks_url)  # caches keys; fetches again for an unseen kid
    bearer = HTTPBearer()

    def current_user(credentials: HTTPAuthorizationCredentials = Depends(bearer)):
        """The JWT's claims, or 401 naming PyJWT's reason."""
        try:
            key = jwks.get_signing_key_from_jwt(credentials.credentials)
            return jwt.decode(credentials.credentials, key.key, algorithms=["EdDSA"],
                              issuer=issuer, audience=audience,
                              options={"require": ["exp", "iat", "sub"]})
        except (jwt.PyJWTError, jwt.PyJWKClientError) as e:
            raise HTTPException(status_code=401, detail=type(e).__name__)

    app = FastAPI()

    @app.get("/me")
    def me(user=Depends(current_user)):
        return user

    return app
