"""Administrators manage the global exercise library; nobody else may, and administrators read nothing more.

These tests change the library, so they run on a database of their own (other modules count it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys
import uuid

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import text

from db.engine import create_engine, create_sessionmaker
from db.library import load_exercise_library
from db.seed import load_library
from db.skill_ladder import load_skill_ladder
from server.admin import NoSuchAccount, make_admin
from server.app import create_app
from server.settings import ROOT
from tests.conftest import REGISTER, Account, GraphQLClient
from tests.stories import log_set, start_workout

FIELDS = "id nameEn nameHe isCustom tracking primaryMuscles secondaryMuscles equipment archivedAt muscleContributions { muscle share }"
CREATE = f"mutation($i: CreateLibraryExerciseInput!) {{ createLibraryExercise(input: $i) {{ exercise {{ {FIELDS} }} }} }}"
UPDATE = f"mutation($i: UpdateLibraryExerciseInput!) {{ updateLibraryExercise(input: $i) {{ exercise {{ {FIELDS} }} }} }}"
ARCHIVE = f"mutation($i: ArchiveLibraryExerciseInput!) {{ archiveLibraryExercise(input: $i) {{ exercise {{ {FIELDS} }} }} }}"
SEARCH = "query($s: String!) { exercises(filter: {search: $s}, first: 10) { totalCount edges { node { id nameEn } } } }"
ONE = f"query($id: ID!) {{ exercise(id: $id) {{ {FIELDS} }} }}"
COUNT = "{ exercises(first: 1) { totalCount } }"
ROLE = "{ viewer { role } }"


@pytest.fixture(scope="module")
async def library(settings, fresh_database):
    url = await asyncio.to_thread(fresh_database)
    app = create_app(dataclasses.replace(settings, database_url=url))
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            yield url, GraphQLClient(http)


@pytest.fixture
def client(library) -> GraphQLClient:
    return library[1]


@pytest.fixture
def register(client):
    async def make(**overrides) -> Account:
        suffix = uuid.uuid4().hex[:10]
        values = {"email": f"u{suffix}@example.com", "username": f"u{suffix}", "password": "correct horse battery", **overrides}
        payload = (await client.data(REGISTER, {"input": values}))["register"]
        return Account(payload["token"], payload["user"]["id"], payload["user"]["username"], values["password"])

    return make


@pytest.fixture
async def admin(library, register) -> Account:
    account = await register()
    assert await asyncio.to_thread(make_admin, library[0], account.username) == account.username
    return account


async def library_id(client, name: str) -> str:
    """The id of the library exercise named exactly `name`."""
    edges = (await client.data(SEARCH, {"s": name}))["exercises"]["edges"]
    (found,) = [e["node"]["id"] for e in edges if e["node"]["nameEn"] == name]
    return found


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


async def test_make_admin_is_a_command_not_an_api(library, client, register):
    account = await register(role="COACH")
    assert (await client.data(ROLE, token=account.token))["viewer"]["role"] == "COACH"
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": library[0], "LOG_LEVEL": "warning"}
    done = subprocess.run(
        [sys.executable, "-m", "server", "make-admin", account.username.upper()], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    # The token in hand works at once with the new role (it is read per request).
    assert (await client.data(ROLE, token=account.token))["viewer"]["role"] == "ADMIN"
    missing = subprocess.run(
        [sys.executable, "-m", "server", "make-admin", "nobody-" + uuid.uuid4().hex[:8]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert missing.returncode == 1 and "no account has the username or e-mail" in missing.stderr
    with pytest.raises(NoSuchAccount):
        make_admin(library[0], "nobody@example.com")


async def test_admins_create_change_archive_and_restore_library_exercises(client, register, admin):
    athlete = await register()
    before = (await client.data(COUNT))["exercises"]["totalCount"]
    name = unique("Landmine Rotation")
    created = (await client.data(CREATE, {"i": {"name": name, "primaryMuscles": ["ABDOMINALS"], "secondaryMuscles": ["SHOULDERS"], "equipment": "BARBELL"}}, admin.token))
    exercise = created["createLibraryExercise"]["exercise"]
    assert exercise["isCustom"] is False and exercise["archivedAt"] is None
    assert exercise["muscleContributions"] == [{"muscle": "ABDOMINALS", "share": 1.0}, {"muscle": "SHOULDERS", "share": 0.5}]
    # Everyone finds it: signed out, an athlete, the administrator.
    for token in (None, athlete.token, admin.token):
        found = (await client.data(SEARCH, {"s": name}, token))["exercises"]
        assert found["edges"] == [{"node": {"id": exercise["id"], "nameEn": name}}]
    assert (await client.data(COUNT))["exercises"]["totalCount"] == before + 1
    error = await client.error(CREATE, {"i": {"name": name.upper(), "primaryMuscles": ["CHEST"]}}, admin.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "name"}
    error = await client.error(CREATE, {"i": {"name": unique("No muscles"), "primaryMuscles": []}}, admin.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "primaryMuscles"}

    renamed = unique("Landmine Twist")
    changed = (await client.data(
        UPDATE, {"i": {"exerciseId": exercise["id"], "name": renamed, "nameHe": "סיבוב", "secondaryMuscles": ["LATS"]}}, admin.token,
    ))["updateLibraryExercise"]["exercise"]
    assert changed["nameEn"] == renamed and changed["nameHe"] == "סיבוב" and changed["equipment"] == "BARBELL"
    assert changed["muscleContributions"] == [{"muscle": "ABDOMINALS", "share": 1.0}, {"muscle": "LATS", "share": 0.5}]
    shares = {"exerciseId": exercise["id"], "muscleContributions": [{"muscle": "LATS", "share": 0.8}]}
    changed = (await client.data(UPDATE, {"i": shares}, admin.token))["updateLibraryExercise"]["exercise"]
    assert changed["muscleContributions"] == [{"muscle": "ABDOMINALS", "share": 1.0}, {"muscle": "LATS", "share": 0.8}]
    assert (await client.data(SEARCH, {"s": renamed}, athlete.token))["exercises"]["totalCount"] == 1
    assert (await client.data(SEARCH, {"s": name}, athlete.token))["exercises"]["totalCount"] == 0
    for field, value in (("category", None), ("primaryMuscles", []), ("name", " ")):
        error = await client.error(UPDATE, {"i": {"exerciseId": exercise["id"], field: value}}, admin.token)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}

    # An athlete trains with it; then what a set records can no longer change.
    session = await start_workout(client, athlete.token)
    logged = await log_set(client, athlete.token, sessionId=session["id"], exerciseId=exercise["id"], reps=8, weight=20)
    error = await client.error(UPDATE, {"i": {"exerciseId": exercise["id"], "tracking": "DURATION"}}, admin.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "tracking"}

    # Archived: gone from search and browse, still there for history and by id.
    archived = (await client.data(ARCHIVE, {"i": {"exerciseId": exercise["id"]}}, admin.token))["archiveLibraryExercise"]["exercise"]
    assert archived["archivedAt"] is not None
    for token in (None, athlete.token, admin.token):
        assert (await client.data(SEARCH, {"s": renamed}, token))["exercises"]["totalCount"] == 0
    assert (await client.data(COUNT))["exercises"]["totalCount"] == before
    assert (await client.data(ONE, {"id": exercise["id"]}, athlete.token))["exercise"]["nameEn"] == renamed
    history = await client.data(
        "query($id: ID!) { node(id: $id) { ... on SetLog { reps exercise { nameEn archivedAt } } } }", {"id": logged["setLog"]["id"]}, athlete.token
    )
    assert history["node"] == {"reps": 8, "exercise": {"nameEn": renamed, "archivedAt": archived["archivedAt"]}}
    # A new library exercise may take an archived one's name; restoring the old one then needs a rename.
    taken = (await client.data(CREATE, {"i": {"name": renamed, "primaryMuscles": ["LATS"]}}, admin.token))["createLibraryExercise"]["exercise"]
    error = await client.error(ARCHIVE, {"i": {"exerciseId": exercise["id"], "archived": False}}, admin.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "archived"}
    await client.data(ARCHIVE, {"i": {"exerciseId": taken["id"]}}, admin.token)
    restored = (await client.data(ARCHIVE, {"i": {"exerciseId": exercise["id"], "archived": False}}, admin.token))["archiveLibraryExercise"]["exercise"]
    assert restored["archivedAt"] is None
    assert (await client.data(SEARCH, {"s": renamed}))["exercises"]["edges"] == [{"node": {"id": exercise["id"], "nameEn": renamed}}]


async def test_athletes_and_coaches_are_forbidden(client, register, admin):
    custom = "mutation($i: CreateExerciseInput!) { createExercise(input: $i) { exercise { id } } }"
    squat = await library_id(client, "Barbell Squat")
    before = (await client.data(COUNT))["exercises"]["totalCount"]
    for account in (await register(), await register(role="COACH")):
        mine = (await client.data(custom, {"i": {"name": unique("Mine"), "primaryMuscles": ["CHEST"]}}, account.token))["createExercise"]
        for document, variables in (
            (CREATE, {"i": {"name": unique("Sneaky"), "primaryMuscles": ["CHEST"]}}),
            (UPDATE, {"i": {"exerciseId": squat, "name": "Hacked Squat"}}),
            (UPDATE, {"i": {"exerciseId": mine["exercise"]["id"], "name": "Still mine"}}),
            (ARCHIVE, {"i": {"exerciseId": squat}}),
        ):
            assert (await client.error(document, variables, account.token))["extensions"]["code"] == "FORBIDDEN"
    assert (await client.error(CREATE, {"i": {"name": "Anonymous", "primaryMuscles": ["CHEST"]}}))["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await client.data(COUNT))["exercises"]["totalCount"] == before
    assert (await client.data(ONE, {"id": squat}))["exercise"] == (await client.data(ONE, {"id": squat}, admin.token))["exercise"]
    assert (await client.data(ONE, {"id": squat}))["exercise"]["nameEn"] == "Barbell Squat"


async def test_administrators_read_nothing_more_than_anyone(client, register, admin):
    stranger = await register()
    session = await start_workout(client, stranger.token, name="Private")
    custom = (await client.data(
        "mutation($i: CreateExerciseInput!) { createExercise(input: $i) { exercise { id } } }",
        {"i": {"name": unique("Secret press"), "primaryMuscles": ["CHEST"]}}, stranger.token,
    ))["createExercise"]["exercise"]["id"]
    for node in (session["id"], stranger.id, custom):
        error = await client.error("query($id: ID!) { node(id: $id) { id } }", {"id": node}, admin.token)
        assert error["extensions"]["code"] == "NOT_FOUND"
    # A user's own exercise is not the library's: administrators cannot change or archive it either.
    for document, variables in ((UPDATE, {"i": {"exerciseId": custom, "name": "Mine now"}}), (ARCHIVE, {"i": {"exerciseId": custom}})):
        assert (await client.error(document, variables, admin.token))["extensions"] == {"code": "NOT_FOUND", "field": "exerciseId"}
    assert (await client.data(ONE, {"id": custom}, stranger.token))["exercise"]["archivedAt"] is None


async def test_reloading_the_library_keeps_administrators_changes(library, client, admin):
    url = library[0]
    rows = {row["source_key"]: row for row in load_exercise_library()}
    edited_key, untouched_key = "Zercher_Squats", "Sumo_Deadlift"
    edited, untouched = await library_id(client, rows[edited_key]["name"]), await library_id(client, rows[untouched_key]["name"])
    new_name = unique("Back Squat")
    await client.data(UPDATE, {"i": {"exerciseId": edited, "name": new_name, "level": "BEGINNER"}}, admin.token)
    await client.data(ARCHIVE, {"i": {"exerciseId": untouched}}, admin.token)
    created = (await client.data(CREATE, {"i": {"name": unique("Sled Pull"), "primaryMuscles": ["QUADRICEPS"]}}, admin.token))
    created_id = created["createLibraryExercise"]["exercise"]["id"]
    engine = create_engine(url, pool_size=1)
    try:
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker.begin() as session:  # a row drifted from the data file, nobody's edit: the reload repairs it
            await session.execute(text("UPDATE exercises SET level = 'expert' WHERE source_key = :k"), {"k": untouched_key})
        assert await load_library(sessionmaker) == len(rows) + len(load_skill_ladder().exercises)  # what every server start runs
    finally:
        await engine.dispose()
    level = "query($id: ID!) { exercise(id: $id) { nameEn archivedAt level } }"
    kept = (await client.data(level, {"id": edited}))["exercise"]
    assert kept == {"nameEn": new_name, "archivedAt": None, "level": "BEGINNER"}
    repaired = (await client.data(level, {"id": untouched}))["exercise"]
    assert repaired["level"] == rows[untouched_key]["level"].upper() and repaired["archivedAt"] is not None
    assert (await client.data(ONE, {"id": created_id}))["exercise"]["archivedAt"] is None
