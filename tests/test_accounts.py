"""Sign-ins: short access tokens, rotating refresh tokens, sign-out that takes effect everywhere, lockout."""

from __future__ import annotations

import contextlib
import uuid

import httpx
import pytest
from asgi_lifespan import LifespanManager

from server.app import create_app
from server.settings import DEFAULT_SECRET, Settings

SIGN_IN = "token refreshToken expiresIn user { id }"
REGISTER = f"mutation($i: RegisterInput!) {{ register(input: $i) {{ {SIGN_IN} }} }}"
LOGIN = f"mutation($i: LoginInput!) {{ login(input: $i) {{ {SIGN_IN} }} }}"
REFRESH = f"mutation($t: String!) {{ refreshToken(input: {{refreshToken: $t}}) {{ {SIGN_IN} }} }}"
VIEWER = "{ viewer { id } }"
SESSIONS = "{ viewer { sessions { id device current createdAt lastSeenAt } } }"


class Api:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, query: str, variables: dict | None = None, token: str | None = None, agent: str = "tests") -> dict:
        headers = {"User-Agent": agent}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        return response.json()

    async def data(self, query: str, variables: dict | None = None, token: str | None = None, agent: str = "tests") -> dict:
        body = await self.post(query, variables, token, agent)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    async def code(self, query: str, variables: dict | None = None, token: str | None = None) -> str:
        body = await self.post(query, variables, token)
        assert body.get("errors"), body
        return body["errors"][0]["extensions"]["code"]


@contextlib.asynccontextmanager
async def api(settings: Settings):
    app = create_app(settings)
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            yield Api(http)


@pytest.fixture
async def one(settings):
    async with api(settings) as client:
        yield client


async def sign_up(client: Api, agent: str = "phone") -> tuple[dict, str, str]:
    name = "u" + uuid.uuid4().hex[:10]
    data = await client.data(REGISTER, {"i": {"email": f"{name}@acc.dev", "username": name, "password": "first-password"}}, agent=agent)
    return data["register"], name, "first-password"


async def test_access_tokens_are_short_and_refresh_tokens_rotate(one, settings):
    first, _, _ = await sign_up(one)
    assert first["expiresIn"] == settings.token_ttl_seconds <= 3600
    second = (await one.data(REFRESH, {"t": first["refreshToken"]}))["refreshToken"]
    assert second["refreshToken"] != first["refreshToken"] and second["user"] == first["user"]
    assert (await one.data(VIEWER, token=second["token"]))["viewer"]["id"] == first["user"]["id"]
    third = (await one.data(REFRESH, {"t": second["refreshToken"]}))["refreshToken"]
    # Reusing a refresh token that was already exchanged: someone has a copy, so the whole sign-in ends.
    assert await one.code(REFRESH, {"t": first["refreshToken"]}) == "UNAUTHENTICATED"
    for token in (first["token"], second["token"], third["token"]):
        assert await one.code(VIEWER, token=token) == "UNAUTHENTICATED"
    assert await one.code(REFRESH, {"t": third["refreshToken"]}) == "UNAUTHENTICATED"
    assert await one.code(REFRESH, {"t": "made-up"}) == "UNAUTHENTICATED"


async def test_logout_takes_effect_at_once_in_every_process(settings):
    async with api(settings) as a, api(settings) as b:
        signed, _, _ = await sign_up(a)
        token = signed["token"]
        assert (await b.data(VIEWER, token=token))["viewer"]["id"] == signed["user"]["id"]  # b has it cached as active
        ended = (await a.data("mutation { logout { endedSessionIds } }", token=token))["logout"]["endedSessionIds"]
        assert len(ended) == 1
        assert await b.code(VIEWER, token=token) == "UNAUTHENTICATED"
        assert await a.code(VIEWER, token=token) == "UNAUTHENTICATED"
        assert await b.code(REFRESH, {"t": signed["refreshToken"]}) == "UNAUTHENTICATED"


async def test_sessions_are_listed_and_each_can_be_ended(one):
    phone, name, password = await sign_up(one, agent="phone")
    laptop = (await one.data(LOGIN, {"i": {"login": name, "password": password}}, agent="laptop"))["login"]
    sessions = (await one.data(SESSIONS, token=laptop["token"]))["viewer"]["sessions"]
    assert sorted(s["device"] for s in sessions) == ["laptop", "phone"]
    assert [s["device"] for s in sessions if s["current"]] == ["laptop"]
    phone_id = next(s["id"] for s in sessions if s["device"] == "phone")
    revoke = "mutation($i: RevokeSessionInput!) { revokeSession(input: $i) { endedSessionIds } }"
    assert (await one.data(revoke, {"i": {"sessionId": phone_id}}, token=laptop["token"]))["revokeSession"]["endedSessionIds"] == [phone_id]
    assert await one.code(VIEWER, token=phone["token"]) == "UNAUTHENTICATED"
    assert [s["device"] for s in (await one.data(SESSIONS, token=laptop["token"]))["viewer"]["sessions"]] == ["laptop"]
    # Someone else's sign-in, or one already ended, is not found.
    stranger, _, _ = await sign_up(one)
    stranger_id = (await one.data(SESSIONS, token=stranger["token"]))["viewer"]["sessions"][0]["id"]
    assert await one.code(revoke, {"i": {"sessionId": stranger_id}}, token=laptop["token"]) == "NOT_FOUND"
    assert await one.code(revoke, {"i": {"sessionId": phone_id}}, token=laptop["token"]) == "NOT_FOUND"
    assert (await one.data(VIEWER, token=stranger["token"]))["viewer"]["id"] == stranger["user"]["id"]


async def test_logout_everywhere_ends_every_device(one):
    phone, name, password = await sign_up(one)
    laptop = (await one.data(LOGIN, {"i": {"login": name, "password": password}}))["login"]
    ended = (await one.data("mutation { logoutEverywhere { endedSessionIds } }", token=phone["token"]))["logoutEverywhere"]
    assert len(ended["endedSessionIds"]) == 2
    for token in (phone["token"], laptop["token"]):
        assert await one.code(VIEWER, token=token) == "UNAUTHENTICATED"


async def test_changing_the_password_ends_the_other_sign_ins(one):
    phone, name, password = await sign_up(one)
    laptop = (await one.data(LOGIN, {"i": {"login": name, "password": password}}))["login"]
    change = "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { user { id } endedSessionIds } }"
    wrong = await one.post(change, {"i": {"currentPassword": "not-it", "newPassword": "second-password"}}, token=laptop["token"])
    assert wrong["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "currentPassword"}
    changed = (await one.data(change, {"i": {"currentPassword": password, "newPassword": "second-password"}}, token=laptop["token"]))
    assert len(changed["changePassword"]["endedSessionIds"]) == 1
    assert await one.code(VIEWER, token=phone["token"]) == "UNAUTHENTICATED"
    assert (await one.data(VIEWER, token=laptop["token"]))["viewer"]["id"] == laptop["user"]["id"]
    assert await one.code(LOGIN, {"i": {"login": name, "password": password}}) == "UNAUTHENTICATED"
    assert (await one.data(LOGIN, {"i": {"login": name, "password": "second-password"}}))["login"]["token"]


async def test_five_failures_lock_a_name_whether_or_not_it_exists(one):
    _, name, password = await sign_up(one)
    ghost = "nobody-" + uuid.uuid4().hex[:8] + "@acc.dev"
    answers = {}
    for login in (name, ghost):
        seen = []
        for _ in range(5):
            body = await one.post(LOGIN, {"i": {"login": login, "password": "wrong-password"}})
            seen.append((body["errors"][0]["extensions"]["code"], body["errors"][0]["message"]))
        locked = await one.post(LOGIN, {"i": {"login": login, "password": password}})
        error = locked["errors"][0]
        assert error["extensions"]["code"] == "ACCOUNT_LOCKED" and 0 < error["extensions"]["retryAfter"] <= 15 * 60
        seen.append((error["extensions"]["code"], error["message"]))
        answers[login] = seen
    # Same answers, word for word, for a real account and a name nobody has.
    assert answers[name] == answers[ghost]
    assert set(answers[name][:5]) == {("UNAUTHENTICATED", "Wrong sign-in name or password")}


def test_production_refuses_the_default_signing_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        Settings.from_env({"APP_ENV": "production"}).validate()
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Settings(environment="production", secret_key=DEFAULT_SECRET, database_url="postgresql://x/y"))
    Settings.from_env({"APP_ENV": "production", "SECRET_KEY": "k" * 40}).validate()
