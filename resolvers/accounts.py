"""Sign-up, sign-in (with lockout), sign-in sessions, refresh-token rotation, sign-out, password change."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from db.engine import read_sessionmaker
from db.models import RefreshToken, SignInThrottle, User, UserSession
from domain.security import hash_password, issue_token, new_refresh_token, refresh_token_hash, verify_password
from resolvers import validation
from resolvers.context import Context
from resolvers.errors import ApiError, BadUserInput, NotFound, Unauthenticated

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
    role: str = "athlete",
) -> tuple[Tokens, User]:
    email = email.strip()
    if role not in ("athlete", "coach"):
        raise BadUserInput("Accounts register as ATHLETE or COACH", field="role")
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
        user = await _insert_user(ctx, email, username, password_hash, display_name, language or "en", tz, role)
    except IntegrityError as exc:  # lost a race with a concurrent sign-up
        raise BadUserInput("That e-mail or username is already registered", field="email") from exc
    return await _sign_in(ctx, user), user


async def _insert_user(ctx: Context, email, username, password_hash, display_name, language, tz, role) -> User:
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
            role=role,
        )
        session.add(user)
        await session.flush()
        await session.refresh(user)
    return user


async def login(ctx: Context, *, login: str, password: str) -> tuple[Tokens, User]:
    """Sign in; after LOCKOUT_FAILURES wrong passwords for a name, it is locked for LOCKOUT_MINUTES.

    Names that match no account are counted and locked exactly like real ones, and a
    wrong password and an unknown name get the same answer, so neither reveals whether
    an account exists.
    """
    key = login.strip().lower()[:254]
    await _refuse_if_locked(ctx, key)
    async with read_sessionmaker(ctx.sessionmaker)() as session:
        user = (
            await session.execute(select(User).where(or_(func.lower(User.email) == key, func.lower(User.username) == key)))
        ).scalar_one_or_none()
    if not verify_password(user.password_hash if user else None, password) or not user.is_active:
        await _count_failure(ctx, key)
        raise Unauthenticated("Wrong sign-in name or password")
    async with ctx.sessionmaker.begin() as session:
        await session.execute(delete(SignInThrottle).where(SignInThrottle.identifier == key))
    return await _sign_in(ctx, user), user


LOCKOUT_FAILURES = 5
LOCKOUT_MINUTES = 15


class AccountLocked(ApiError):
    code = "ACCOUNT_LOCKED"


async def _refuse_if_locked(ctx: Context, key: str) -> None:
    async with read_sessionmaker(ctx.sessionmaker)() as session:
        locked_until = await session.scalar(select(SignInThrottle.locked_until).where(SignInThrottle.identifier == key))
    now = datetime.now(UTC)
    if locked_until is not None and locked_until > now:
        seconds = int((locked_until - now).total_seconds()) + 1
        raise AccountLocked(
            f"Too many failed sign-ins for this name: try again in {max(1, seconds // 60)} minute(s)", retryAfter=seconds
        )


async def _count_failure(ctx: Context, key: str) -> None:
    """One more failure for `key` (failures older than the lockout period are forgotten)."""
    window = timedelta(minutes=LOCKOUT_MINUTES)
    now = datetime.now(UTC)
    async with ctx.sessionmaker.begin() as session:
        row = await session.get(SignInThrottle, key, with_for_update=True)
        if row is None:
            session.add(SignInThrottle(identifier=key, failures=1, updated_at=now))
            await session.flush()
            return
        row.failures = 1 if row.updated_at < now - window else row.failures + 1
        row.updated_at = now
        if row.failures >= LOCKOUT_FAILURES:
            row.locked_until = now + window
            row.failures = 0


@dataclass
class Tokens:
    access: str
    refresh: str
    session_id: uuid.UUID
    expires_in: int


async def _sign_in(ctx: Context, user: User) -> Tokens:
    """A new sign-in (session) on this device, with its first refresh token."""
    request = ctx.request
    device = request.headers.get("user-agent", "")[:200] if request is not None else None
    ip = request.client.host if request is not None and getattr(request, "client", None) else None
    async with ctx.sessionmaker.begin() as session:
        row = UserSession(user_id=user.id, device=device or None, ip=ip, expires_at=_session_expiry(ctx))
        session.add(row)
        await session.flush()
        refresh = await _new_refresh_token(session, row.id)
    return _tokens(ctx, user.id, row.id, refresh)


def _session_expiry(ctx: Context) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=ctx.settings.session_ttl_seconds)


async def _new_refresh_token(session, session_id: uuid.UUID) -> str:
    token, digest = new_refresh_token()
    session.add(RefreshToken(session_id=session_id, token_hash=digest))
    await session.flush()
    return token


def _tokens(ctx: Context, user_id: uuid.UUID, session_id: uuid.UUID, refresh: str) -> Tokens:
    ttl = ctx.settings.token_ttl_seconds
    return Tokens(issue_token(ctx.settings.secret_key, user_id, session_id, ttl), refresh, session_id, ttl)


async def refresh(ctx: Context, token: str) -> tuple[Tokens, User]:
    """Exchange a refresh token for new tokens. A token works once: reuse ends its whole sign-in."""
    digest = refresh_token_hash(token or "")
    reused = None
    async with ctx.sessionmaker.begin() as session:
        found = (
            await session.execute(
                select(RefreshToken, UserSession)
                .join(UserSession, UserSession.id == RefreshToken.session_id)
                .where(RefreshToken.token_hash == digest)
                .with_for_update(of=RefreshToken)
            )
        ).first()
        if found is None:
            raise Unauthenticated("Unknown refresh token: sign in again")
        current, sign_in = found
        now = datetime.now(UTC)
        if current.used_at is not None:
            # Someone holds a copy of an old token: end the sign-in for everyone holding any of its tokens.
            if sign_in.revoked_at is None:
                sign_in.revoked_at, sign_in.revoke_reason = now, "refresh_token_reused"
            reused = sign_in.id
        elif sign_in.revoked_at is not None or sign_in.expires_at <= now:
            raise Unauthenticated("This sign-in has ended: sign in again")
        else:
            current.used_at = now
            sign_in.expires_at = _session_expiry(ctx)
            sign_in.last_seen_at = now
            new_token = await _new_refresh_token(session, sign_in.id)
            user_id = sign_in.user_id
    if reused is not None:
        await ctx.sessions.revoked([reused])
        raise Unauthenticated("This refresh token was already used; the sign-in has been ended: sign in again")
    async with read_sessionmaker(ctx.sessionmaker)() as session:
        user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("The account no longer exists or is disabled")
    return _tokens(ctx, user_id, sign_in.id, new_token), user


async def logout(ctx: Context, *, everywhere: bool = False, keep_current: bool = False) -> list[uuid.UUID]:
    """End the current sign-in, or all of the viewer's (optionally all but the current one)."""
    viewer = await ctx.require_viewer()
    stmt = update(UserSession).where(UserSession.user_id == viewer.id, UserSession.revoked_at.is_(None))
    if not everywhere:
        stmt = stmt.where(UserSession.id == ctx.session_id)
    if keep_current:
        stmt = stmt.where(UserSession.id != ctx.session_id)
    reason = "password_changed" if keep_current else ("logout_everywhere" if everywhere else "logout")
    async with ctx.sessionmaker.begin() as session:
        ended = list(
            (await session.execute(stmt.values(revoked_at=func.now(), revoke_reason=reason).returning(UserSession.id))).scalars()
        )
    await ctx.sessions.revoked(ended)
    return ended


async def revoke_session(ctx: Context, session_id: uuid.UUID) -> uuid.UUID:
    """End one of the viewer's own sign-ins (another device)."""
    viewer = await ctx.require_viewer()
    async with ctx.sessionmaker.begin() as session:
        ended = (
            await session.execute(
                update(UserSession)
                .where(UserSession.id == session_id, UserSession.user_id == viewer.id, UserSession.revoked_at.is_(None))
                .values(revoked_at=func.now(), revoke_reason="revoked")
                .returning(UserSession.id)
            )
        ).scalar_one_or_none()
    if ended is None:
        raise NotFound("SignInSession", field="sessionId")
    await ctx.sessions.revoked([ended])
    return ended


async def change_password(ctx: Context, *, current_password: str, new_password: str) -> User:
    """Change the password; every other sign-in ends."""
    viewer = await ctx.require_viewer()
    if not verify_password(viewer.password_hash, current_password):
        raise BadUserInput("The current password is wrong", field="currentPassword")
    if not MIN_PASSWORD <= len(new_password) <= 1024:
        raise BadUserInput(f"'newPassword' must be {MIN_PASSWORD} to 1024 characters", field="newPassword")
    async with ctx.sessionmaker.begin() as session:
        await session.execute(update(User).where(User.id == viewer.id).values(password_hash=hash_password(new_password)))
    await logout(ctx, everywhere=True, keep_current=True)
    ctx.fresh_loaders()
    return await ctx.require_viewer()


async def active_sessions(ctx: Context) -> list[UserSession]:
    viewer = await ctx.require_viewer()
    async with read_sessionmaker(ctx.sessionmaker)() as session:
        rows = await session.execute(
            select(UserSession)
            .where(UserSession.user_id == viewer.id, UserSession.revoked_at.is_(None), UserSession.expires_at > func.now())
            .order_by(UserSession.last_seen_at.desc())
        )
        return list(rows.scalars())
