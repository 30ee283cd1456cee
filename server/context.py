"""The request's Context, made the same way for the GraphQL view and the write lane (server/writes.py)."""

from __future__ import annotations

from typing import Any

from loaders import Loaders
from resolvers.context import Context
from server.auth import credentials, service_key_of


def request_context(app_state: Any, authorization: str | None, *, request: Any = None, response: Any = None) -> Context:
    settings = app_state.settings
    service_key = service_key_of(authorization)
    viewer_id, session_id, auth_error = credentials(settings.secret_key, None if service_key else authorization)
    sessionmaker = app_state.sessionmaker
    return Context(
        settings=settings,
        sessionmaker=sessionmaker,
        loaders=Loaders(sessionmaker, settings.loader_mode),
        viewer_id=viewer_id,
        session_id=session_id,
        sessions=app_state.sessions,
        auth_error=auth_error,
        live=app_state.live,
        metrics=app_state.metrics,
        stats_cache=app_state.stats_cache,
        documents=app_state.documents,
        service_key=service_key,
        request=request,
        response=response,
    )
