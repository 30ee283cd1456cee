"""Password hashing (argon2id) and bearer tokens (signed JWTs)."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not-a-real-password")
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists, so timing does not reveal it."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


class InvalidToken(Exception):
    pass


class TokenExpired(InvalidToken):
    """A well-signed access token past its `exp`: the client should refresh it, not sign in again."""


def issue_token(secret: str, user_id: uuid.UUID, session_id: uuid.UUID, ttl_seconds: int) -> str:
    """A short-lived access token for one sign-in (`sid`): revoking the sign-in ends it."""
    now = int(time.time())
    claims = {"sub": str(user_id), "sid": str(session_id), "iat": now, "exp": now + ttl_seconds, "typ": "access"}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


# Tokens whose signature was verified: (secret, token) → (user id, session id, exp). A token's
# signature never changes, so a client's next request with it only needs its expiry checked
# (decoding a JWT costs more Python than the rest of a compiled read).
_VERIFIED: dict[tuple[str, str], tuple[uuid.UUID, uuid.UUID, int]] = {}
_VERIFIED_MAX = 10_000


def read_token(secret: str, token: str) -> tuple[uuid.UUID, uuid.UUID]:
    """(user id, session id) of a valid access token."""
    known = _VERIFIED.get((secret, token))
    if known is not None and known[2] > time.time():
        return known[0], known[1]
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "sid", "exp"]})
        if claims.get("typ") != "access":
            raise InvalidToken("not an access token")
        user_id, session_id = uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"])
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[(secret, token)] = (user_id, session_id, int(claims["exp"]))
        return user_id, session_id
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired(str(exc)) from exc
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidToken(str(exc)) from exc


def new_refresh_token() -> tuple[str, str]:
    """(token for the client, SHA-256 to store): the token itself is never stored."""
    token = secrets.token_urlsafe(32)
    return token, refresh_token_hash(token)


def refresh_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
