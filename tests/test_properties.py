"""Random valid documents from the schema (hypothesis-graphql), sent by a stranger over real HTTP.

Alice has a program, a custom exercise, a workout with a set; Bob has his own. Bob
sends generated queries and mutations whose IDs are drawn from both users' real
objects: no answer may be an internal error, none may carry Alice's data, and
afterwards Alice's data is as she left it.
"""

from __future__ import annotations

import uuid
from datetime import UTC

import httpx
import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from hypothesis_graphql import mutations, nodes, queries

from schema import schema
from server.app import create_app
from tests.servers import serve_in_thread

SDL = schema.as_str()


class User:
    def __init__(self, http: httpx.Client, name: str) -> None:
        self.http = http
        self.marker = f"{name}-secret-{uuid.uuid4().hex[:8]}"
        data = self.gql(
            "mutation($i: RegisterInput!) { register(input: $i) { token user { id } } }",
            {"i": {"email": f"{self.marker}@props.dev", "username": self.marker, "password": "property-password"}},
            token=None,
        )["register"]
        self.token, self.id = data["token"], data["user"]["id"]
        exercise = self.gql(
            "mutation($i: CreateExerciseInput!) { createExercise(input: $i) { exercise { id } } }",
            {"i": {"name": f"{self.marker} press", "category": "STRENGTH", "tracking": "WEIGHT_REPS", "primaryMuscles": ["CHEST"]}},
        )["createExercise"]["exercise"]["id"]
        program = self.gql(
            "mutation($i: CreateProgramInput!) { createProgram(input: $i) { program { id days { id } } } }",
            {"i": {"name": f"{self.marker} program", "days": [{"name": f"{self.marker} day", "exercises": [{"exerciseId": exercise, "sets": 3}]}]}},
        )["createProgram"]["program"]
        session = self.gql(
            "mutation($i: StartWorkoutInput!) { startWorkout(input: $i) { session { id } } }", {"i": {"name": f"{self.marker} workout"}}
        )["startWorkout"]["session"]["id"]
        set_log = self.gql(
            "mutation($i: LogSetInput!) { logSet(input: $i) { setLog { id } } }",
            {"i": {"sessionId": session, "exerciseId": exercise, "reps": 5, "weight": 80, "notes": f"{self.marker} note"}},
        )["logSet"]["setLog"]["id"]
        goal = self.gql(
            "mutation($i: CreateGoalInput!) { createGoal(input: $i) { goal { id } } }",
            {"i": {"kind": "EXERCISE_WEIGHT", "title": f"{self.marker} goal", "target": 500, "exerciseId": exercise, "timeframe": "MONTHLY"}},
        )["createGoal"]["goal"]["id"]
        self.ids = [self.id, exercise, program["id"], program["days"][0]["id"], session, set_log, goal]

    def gql(self, query: str, variables: dict | None = None, token: str | None | bool = True) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if token is True else {}
        body = self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers).json()
        assert not body.get("errors"), body
        return body["data"]

    def snapshot(self) -> dict:
        return self.gql(
            "{ viewer { programs { edges { node { name days { name } } } } workoutSessions { edges { node { name sets { totalCount edges { node { reps notes } } } } } } "
            "goals { edges { node { title status target endDate } } } } }"
        )


@pytest.fixture(scope="module")
def world(settings):
    app = create_app(settings)
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        alice, bob = User(http, "alice"), User(http, "bob")
        before = alice.snapshot()
        yield http, alice, bob
        assert alice.snapshot() == before, "a stranger's requests changed Alice's data"


def scalars(alice: User, bob: User) -> dict:
    ids = st.sampled_from([*alice.ids, *bob.ids, "not-an-id", ""])
    return {
        "ID": ids.map(nodes.String),
        "DateTime": st.datetimes(timezones=st.just(UTC)).map(lambda moment: nodes.String(moment.isoformat())),
        "Date": st.dates().map(lambda day: nodes.String(day.isoformat())),
        "Time": st.times().map(lambda moment: nodes.String(moment.replace(microsecond=0).isoformat())),
        # A file can only come as a multipart part: a value in the document is refused (BAD_USER_INPUT on `file`).
        "Upload": st.text(max_size=20).map(nodes.String),
    }


def check(http: httpx.Client, alice: User, bob: User, document: str) -> None:
    response = http.post("/graphql", json={"query": document}, headers={"Authorization": f"Bearer {bob.token}"})
    assert response.status_code in (200, 400), (response.status_code, document)
    body = response.json()
    for error in body.get("errors") or ():
        assert error.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR", (document, error)
    assert alice.marker not in response.text, document
    data = str(body.get("data"))
    assert not [i for i in alice.ids if i in data], document


PROPERTY_SETTINGS = dict(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def test_random_queries_never_fail_internally_or_leak(world):
    http, alice, bob = world

    @hypothesis_settings(**PROPERTY_SETTINGS)
    @given(document=queries(SDL, custom_scalars=scalars(alice, bob), allow_x00=False))
    def run(document: str) -> None:
        check(http, alice, bob, document)

    run()


def test_random_mutations_never_fail_internally_or_touch_others_data(world):
    http, alice, bob = world

    @hypothesis_settings(**PROPERTY_SETTINGS)
    @given(document=mutations(SDL, custom_scalars=scalars(alice, bob), allow_x00=False))
    def run(document: str) -> None:
        check(http, alice, bob, document)

    run()
