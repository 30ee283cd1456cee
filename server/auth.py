"""Bearer tokens → the viewer's id."""

from __future__ import annotations

import uuid

from documents.service_keys import is_service_key
from domain.security import InvalidToken, TokenExpired, read_token

EXPIRED_TOKEN = "Expired token: renew it with refreshToken"
INVALID_TOKEN = "Invalid token"


def authorization_of(scope) -> str | None:
    """The `Authorization` header of an ASGI request, as the lanes and the rate limits read it."""
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), None)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def service_key_of(authorization: str | None) -> str | None:
    """The service key in `Authorization: Bearer rgsk_…` (the assistant signs in with one), else None."""
    token = bearer_token(authorization)
    return token if token is not None and is_service_key(token) else None


def credentials(secret: str, authorization: str | None) -> tuple[uuid.UUID | None, uuid.UUID | None, str | None]:
    """(viewer id, session id, None) for a valid token, (None, None, reason) for a bad one, all None when anonymous.

    The signature and expiry are checked here; whether the sign-in is still active is
    checked once per request by the context (resolvers/sessions.py).
    """
    if authorization and bearer_token(authorization) is None:
        return None, None, "Malformed Authorization header: expected 'Bearer <token>'"
    token = bearer_token(authorization)
    if token is None:
        return None, None, None
    try:
        user_id, session_id = read_token(secret, token)
        return user_id, session_id, None
    except TokenExpired:
        return None, None, EXPIRED_TOKEN
    except InvalidToken:
        return None, None, INVALID_TOKEN


def viewer_from_header(secret: str, authorization: str | None) -> tuple[uuid.UUID | None, str | None]:
    """(viewer id, None) for a validly signed token, (None, reason) for a bad one, (None, None) when anonymous."""
    viewer, _, error = credentials(secret, authorization)
    return viewer, error
