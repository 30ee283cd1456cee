"""Sign-up and sign-in."""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from db.models import User
from domain.security import hash_password, issue_token, verify_password
from resolvers import validation
from resolvers.context import Context
from resolvers.errors import BadUserInput, Unauthenticated

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
MIN_PASSWORD = 8


async def register(
    ctx: Context,
    *,
    email: str,
    username: str,
    password: str,
    display_name: str | None,
    language: str | None,
    timezone: str | None,
) -> tuple[str, User]:
    email = email.strip()
    username = username.strip()
    if not EMAIL.match(email) or len(email) > 254:
        raise BadUserInput("'email' is not a valid e-mail address", field="email")
    if not USERNAME.match(username):
        raise BadUserInput("'username' must be 3-40 letters, digits, '_', '.' or '-'", field="username")
    if len(password) < MIN_PASSWORD:
        raise BadUserInput(f"'password' must be at least {MIN_PASSWORD} characters", field="password")
    if len(password) > 1024:
        raise BadUserInput("'password' is too long", field="password")
    display_name = validation.text(display_name, "displayName", max_length=100) or username
    tz = validation.timezone(timezone) if timezone else "UTC"
    password_hash = hash_password(password)
    try:
        user = await _insert_user(ctx, email, username, password_hash, display_name, language or "en", tz)
    except IntegrityError as exc:  # lost a race with a concurrent sign-up
        raise BadUserInput("That e-mail or username is already registered", field="email") from exc
    return issue_token(ctx.settings.secret_key, user.id, ctx.settings.token_ttl_seconds), user


async def _insert_user(ctx: Context, email, username, password_hash, display_name, language, tz) -> User:
    async with ctx.sessionmaker.begin() as session:
        taken = (
            await session.execute(
                select(func.lower(User.email) == email.lower()).where(
                    or_(func.lower(User.email) == email.lower(), func.lower(User.username) == username.lower())
                )
            )
        ).scalars().all()
        if taken:
            field = "email" if any(taken) else "username"
            raise BadUserInput(f"That {field} is already registered", field=field)
        user = User(
            email=email,
            username=username,
            password_hash=password_hash,
            display_name=display_name,
            language=language,
            timezone=tz,
        )
        session.add(user)
        await session.flush()
        await session.refresh(user)
    return user


async def login(ctx: Context, *, login: str, password: str) -> tuple[str, User]:
    key = login.strip().lower()
    async with ctx.sessionmaker() as session:
        user = (
            await session.execute(select(User).where(or_(func.lower(User.email) == key, func.lower(User.username) == key)))
        ).scalar_one_or_none()
    if not verify_password(user.password_hash if user else None, password) or not user.is_active:
        raise Unauthenticated("Wrong sign-in name or password")
    return issue_token(ctx.settings.secret_key, user.id, ctx.settings.token_ttl_seconds), user
