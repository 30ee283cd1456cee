"""Bearer tokens → the viewer's id."""

from __future__ import annotations

import uuid

from domain.security import InvalidToken, read_token


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def viewer_from_header(secret: str, authorization: str | None) -> tuple[uuid.UUID | None, str | None]:
    """(viewer id, None) for a valid token, (None, reason) for a bad one, (None, None) when anonymous."""
    if authorization and bearer_token(authorization) is None:
        return None, "Malformed Authorization header: expected 'Bearer <token>'"
    token = bearer_token(authorization)
    if token is None:
        return None, None
    try:
        return read_token(secret, token), None
    except InvalidToken:
        return None, "Invalid or expired token"
