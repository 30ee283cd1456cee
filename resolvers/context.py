"""The request context: the one place per-request state lives."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import User
from loaders import Loaders
from loaders.users import UserByIdLoader
from resolvers.errors import Unauthenticated


@dataclass
class Context:
    settings: Any
    sessionmaker: async_sessionmaker[AsyncSession]
    loaders: Loaders
    viewer_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None  # the sign-in the access token belongs to
    sessions: Any = None  # resolvers.sessions.SessionGate: is that sign-in still active?
    auth_error: str | None = None
    live: Any = None  # live.Live: the relay to wake after commits, the streams to subscribe to
    connection_params: dict[str, Any] | None = None
    metrics: Any = None  # server.metrics.Metrics: where schema.observe records operations
    stats_cache: Any = None  # resolvers.stats.StatsCache: users' cached stats (None: no caching)
    documents: Any = None  # documents.store.DocumentStore: conversations (None: no MongoDB configured)
    service_key: str | None = None  # a service key (the assistant) instead of a user's token
    request: Any = None
    response: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    async def viewer(self) -> User | None:
        """The signed-in, active user, or None for an anonymous request."""
        if self.auth_error:
            raise Unauthenticated(self.auth_error)
        if self.viewer_id is None:
            return None
        await self._check_sign_in()
        user = await self.loaders.get(UserByIdLoader).load(self.viewer_id)
        if user is None or not user.is_active:
            raise Unauthenticated("The account behind this token no longer exists or is disabled")
        return user

    async def _check_sign_in(self) -> None:
        if self.sessions is not None and not self.extra.get("session_checked"):
            if self.session_id is None or not await self.sessions.active(self.session_id):
                self.auth_error = "This sign-in has ended (signed out, or its refresh token was reused): sign in again"
                raise Unauthenticated(self.auth_error)
            self.extra["session_checked"] = True

    async def signed_in_id(self) -> uuid.UUID:
        """The viewer's id with the token and the sign-in checked, the account not loaded: the
        caller's own statement checks the account is active and says so with `account_checked`
        (or calls `require_viewer`, which refuses it)."""
        if self.auth_error:
            raise Unauthenticated(self.auth_error)
        if self.viewer_id is None:
            raise Unauthenticated()
        await self._check_sign_in()
        return self.viewer_id

    def account_checked(self) -> None:
        """A statement found the viewer's account active: access checks need not load it."""
        self.extra["account_active"] = True

    async def signed_in(self) -> bool:
        """Whether an active account is signed in (raises for a bad token or an ended sign-in)."""
        if self.extra.get("account_active"):
            return True
        return (await self.viewer()) is not None

    async def require_viewer(self) -> User:
        user = await self.viewer()
        if user is None:
            raise Unauthenticated()
        return user

    def committed(self) -> None:
        """A write with events committed: reads must see it, and the relay should publish now."""
        self.fresh_loaders()
        if self.live is not None:
            self.live.kick()

    def fresh_loaders(self) -> None:
        """Forget everything loaded so far (after a write, reads must see it)."""
        self.loaders = self.loaders.fresh()
        self.extra.pop("viewer_language", None)
        self.forget_grants()

    def forget_grants(self) -> None:
        """The next access check asks again who the viewer coaches (resolvers/access.py caches it here)."""
        self.extra.pop("access_grants", None)
