"""Compiled reads answer exactly what the executor answers, in one statement.

An app of its own runs on the compiled path with `read_path_verify`: each compiled answer is
also computed by the executor, and a difference is refused with COMPILED_ANSWER_DIFFERS.
The world holds the awkward cases (Hebrew text, nulls, empty lists, weights whose pounds sit
at a rounding boundary, timestamps with and without microseconds, sessions starting at the
same instant, pages past the end) and every kind of viewer the access rule knows. Generated
queries over the compiled types, and the stories below, must find no difference.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, replace
from decimal import Decimal

import httpx
import psycopg
import pytest
from asgi_lifespan import LifespanManager
from graphql import FieldDefinitionNode, ObjectTypeDefinitionNode, parse, print_ast, print_schema
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from hypothesis_graphql import nodes, queries

from compiler.declare import TYPES
from domain.units import KG_PER_LB
from schema import schema
from server.app import create_app
from tests.conftest import REGISTER, GraphQLClient

# Fields of the compiled types that the executor answers, and why.
EXECUTOR_ONLY = {
    "User.coaching": "the viewer's own account (NOT_FOUND for anyone else)",
    "User.organizations": "the viewer's own account",
    "User.sessions": "the viewer's own account",
    "User.progress": "streaks are computed in Python from the user's local days",
    "User.stats": "statistics are computed in Python and cached in Redis",
    "Goal.progress": "measured from the sets by loaders/goals.py",
    "PersonalRecord.history": "derived from the sets by resolvers/records.py",
    "WorkoutTotals.durationSeconds": "reads the clock while a workout runs",
    "User.skillProgress": "prescriptions default from the ladder's rule in domain/skills.py",
    "User.skillPlan": "today's plan follows the ladder's rule in domain/skills.py",
    "User.conversations": "conversations are stored in MongoDB",
    "WorkoutSession.skillExercises": "completion is judged by the rule in domain/skills.py",
    "User.healthProfile": "health and coaching (domain/health.py) are left to the executor",
    "User.bodyMetrics": "health and coaching are left to the executor",
    "User.bodyMetricsTrend": "the 7-day moving average is computed in domain/health.py",
    "User.meals": "health and coaching are left to the executor",
    "User.progressPhotos": "a coach's list holds the shared photos only; links are signed per viewer",
    "User.coachingSessions": "health and coaching are left to the executor",
    "WorkoutSession.energy": "METs by exercise kind and effort, in domain/health.py",
}


def test_the_fields_left_to_the_executor_are_the_listed_ones():
    missing = set()
    for name, declared in TYPES.items():
        graphql_type = schema._schema.get_type(name)
        for field in graphql_type.fields:
            if field not in declared.fields and not (field == "id" and declared.node):
                missing.add(f"{name}.{field}")
    assert missing == set(EXECUTOR_ONLY)
    for name in ("User", "WorkoutSession", "SetLog", "Exercise", "MuscleContribution", "Program", "ProgramDay",
                 "ProgramExercise", "PersonalRecord", "UserAchievement", "Achievement", "Goal"):
        assert name in TYPES, name


# --- the world ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def compiled(settings):
    app = create_app(replace(settings, read_path="compiled", read_path_verify=True, plan_debug=False))
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            yield app, GraphQLClient(http)


@dataclass
class Viewer:
    name: str
    token: str | None


def boundary_weights(count: int) -> list[Decimal]:
    """Kilograms (3 decimals) whose value in pounds lies closest to a rounding tie at 2 decimals."""
    found = []
    for thousandths in range(1, 300_000):
        kg = thousandths / 1000
        hundredths = kg / KG_PER_LB * 100
        if abs(hundredths - int(hundredths) - 0.5) < 2e-4:
            found.append(Decimal(thousandths) / 1000)
        if len(found) == count:
            return found
    return found


async def register(client: GraphQLClient, prefix: str, **extra) -> tuple[str, str, str]:
    suffix = uuid.uuid4().hex[:8]
    values = {"email": f"{prefix}{suffix}@example.com", "username": f"{prefix}{suffix}", "password": "correct horse battery", **extra}
    payload = (await client.data(REGISTER, {"input": values}))["register"]
    return payload["token"], payload["user"]["id"], values["username"]


@pytest.fixture(scope="module")
async def world(compiled, database_url):
    app, client = compiled
    token, owner_id, owner_name = await register(client, "owner", displayName="דנה כהן", language="HE")

    async def data(document: str, variables: dict | None = None, as_token: str | None = token) -> dict:
        return await client.data(document, variables, as_token)

    mine = (await data(
        "mutation($i: CreateExerciseInput!) { createExercise(input: $i) { exercise { id } } }",
        {"i": {"name": "Floor press", "nameHe": "לחיצת רצפה", "category": "STRENGTH", "tracking": "WEIGHT_REPS", "primaryMuscles": ["CHEST"]}},
    ))["createExercise"]["exercise"]["id"]
    squat = (await data('{ exercises(filter: {search: "Barbell Full Squat"}, first: 1) { edges { node { id } } } }'))["exercises"]["edges"][0]["node"]["id"]
    plank = (await data('{ exercises(filter: {search: "plank"}, first: 1) { edges { node { id } } } }'))["exercises"]["edges"][0]["node"]["id"]
    program = (await data(
        "mutation($i: CreateProgramInput!) { createProgram(input: $i) { program { id days { id exercises { id } } } } }",
        {"i": {"name": "תוכנית כוח", "description": None, "days": [
            {"name": "Push", "exercises": [{"exerciseId": mine, "sets": 3, "repsMin": 5, "repsMax": 8, "targetWeight": 61.235, "tempo": "3-1-1-0"}]},
            {"name": "Legs", "exercises": [{"exerciseId": squat, "sets": 5}]},
        ]}},
    ))["createProgram"]["program"]
    sessions = []
    for name in ("אימון רגליים", "Empty", "Twin A", "Twin B", "Past the end"):
        started = await data("mutation($i: StartWorkoutInput!) { startWorkout(input: $i) { session { id } } }", {"i": {"name": name}})
        sessions.append(started["startWorkout"]["session"]["id"])
    log = "mutation($i: LogSetInput!) { logSet(input: $i) { setLog { id } } }"
    weights = boundary_weights(4)
    for i, kg in enumerate(weights):
        await data(log, {"i": {"sessionId": sessions[0], "exerciseId": squat, "reps": 5 + i, "weight": float(kg), "rpe": 8.5, "notes": "כבד"}})
    await data(log, {"i": {"sessionId": sessions[0], "exerciseId": mine, "reps": 10, "weight": 100, "setType": "WARMUP"}})
    await data(log, {"i": {"sessionId": sessions[0], "exerciseId": plank, "durationSeconds": 60}})
    await data(log, {"i": {"sessionId": sessions[2], "exerciseId": squat, "reps": 3, "weight": 0.001}})
    await data(log, {"i": {"sessionId": sessions[3], "exerciseId": mine, "reps": 1, "weight": 2000, "setType": "FAILURE"}})
    for session in sessions[:4]:
        await data("mutation($i: FinishWorkoutInput!) { finishWorkout(input: $i) { session { id } } }", {"i": {"sessionId": session}})
    await data("mutation { createGoal(input: {kind: WORKOUTS, title: \"עשרה\", target: 10, timeframe: MONTHLY}) { goal { id } } }")
    await data("mutation($e: ID!) { createGoal(input: {kind: EXERCISE_WEIGHT, title: \"Squat\", target: 140, unit: LB, exerciseId: $e, timeframe: WEEKLY}) { goal { id } } }", {"e": squat})
    # Two sessions starting at the same whole second (equal sort keys, no microseconds), one with them.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE workout_sessions SET started_at = '2026-03-01 08:00:00+00', ended_at = '2026-03-01 09:00:00+00' "
                     "WHERE name IN ('Twin A', 'Twin B') AND user_id = (SELECT id FROM users WHERE username = %s)", (owner_name,))
        conn.execute("UPDATE set_logs SET completed_at = date_trunc('second', completed_at) WHERE position = 0 "
                     "AND user_id = (SELECT id FROM users WHERE username = %s)", (owner_name,))

    viewers = [Viewer("owner", token), Viewer("signed out", None)]
    coach_token, _, _ = await register(client, "coach", role="COACH")
    ex_token, _, _ = await register(client, "excoach", role="COACH")
    for coach, end in ((coach_token, False), (ex_token, True)):
        invited = (await data("mutation($a: String!) { inviteAthlete(input: {athlete: $a}) { relationship { id } } }", {"a": owner_name}, coach))
        relationship = invited["inviteAthlete"]["relationship"]["id"]
        await data("mutation($i: ID!) { respondToCoaching(input: {invitationId: $i, accept: true}) { relationship { status } } }", {"i": relationship})
        if end:
            await data("mutation($i: ID!) { endCoaching(input: {relationshipId: $i}) { relationship { status } } }", {"i": relationship})
    viewers += [Viewer("coach", coach_token), Viewer("ex-coach", ex_token)]
    for shares in (True, False):
        org_token, _, _ = await register(client, "org", role="COACH")
        org = (await data("mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id } } }", {"n": f"Gym {shares}"}, org_token))
        org_id = org["createOrganization"]["organization"]["id"]
        await data("mutation($o: ID!, $u: String!) { addOrganizationMember(input: {organizationId: $o, username: $u, role: MEMBER}) { member { role } } }",
                   {"o": org_id, "u": owner_name}, org_token)
        if shares:
            await data("mutation($o: ID!) { setOrganizationSharing(input: {organizationId: $o, sharesTraining: true}) { member { sharesTraining } } }", {"o": org_id})
        viewers.append(Viewer(f"organization owner, member {'shares' if shares else 'does not share'}", org_token))
    stranger, _, _ = await register(client, "stranger")
    viewers.append(Viewer("stranger", stranger))

    ids = [owner_id, mine, squat, program["id"], *[d["id"] for d in program["days"]], *sessions]
    listed = await data(
        "{ viewer { personalRecords(first: 100) { edges { node { id setLog { id } } } } achievements(first: 50) { edges { node { id achievement { id } } } }"
        " goals { edges { node { id } } } programs { edges { node { days { exercises { id } } } } } } }"
    )
    viewer = listed["viewer"]
    ids += [e["node"]["id"] for e in viewer["personalRecords"]["edges"]][:6]
    ids += [e["node"]["setLog"]["id"] for e in viewer["personalRecords"]["edges"] if e["node"]["setLog"]][:4]
    ids += [e["node"]["id"] for e in viewer["achievements"]["edges"]][:3] + [e["node"]["achievement"]["id"] for e in viewer["achievements"]["edges"]][:2]
    ids += [e["node"]["id"] for e in viewer["goals"]["edges"]]
    ids += [x["id"] for e in viewer["programs"]["edges"] for d in e["node"]["days"] for x in d["exercises"]]
    return app, client, viewers, ids


async def page_cursors(client: GraphQLClient, token: str) -> list[str]:
    """Real cursors of the owner's lists, for generated `after`/`before` arguments."""
    data = await client.data(
        "{ viewer { workoutSessions(first: 2) { edges { cursor node { sets(first: 2) { edges { cursor } } } } } "
        "personalRecords(first: 1) { edges { cursor } } programs(first: 1) { edges { cursor } } } exercises(first: 1) { edges { cursor } } }",
        token=token,
    )
    viewer = data["viewer"]
    found = [e["cursor"] for e in viewer["workoutSessions"]["edges"]]
    found += [e["cursor"] for s in viewer["workoutSessions"]["edges"] for e in s["node"]["sets"]["edges"]]
    found += [e["cursor"] for key in ("personalRecords", "programs") for e in viewer[key]["edges"]]
    return found + [e["cursor"] for e in data["exercises"]["edges"]]


def compiled_types_sdl() -> str:
    """The schema's SDL with only what compiles: the five read roots and the compiled types' declared fields."""
    roots = {"viewer", "node", "nodes", "exercises", "exercise"}
    document = parse(print_schema(schema._schema))
    definitions = []
    for definition in document.definitions:
        if isinstance(definition, ObjectTypeDefinitionNode):
            name = definition.name.value
            if name in ("Mutation", "Subscription"):
                continue
            keep = None
            if name == "Query":
                keep = roots
            elif name in TYPES:
                keep = set(TYPES[name].fields) | {"id"}
            if keep is not None:
                fields = tuple(f for f in definition.fields if isinstance(f, FieldDefinitionNode) and f.name.value in keep)
                definition = dataclasses.replace(definition, fields=fields)
        elif getattr(definition, "kind", "") == "schema_definition":
            kept = tuple(o for o in definition.operation_types if o.operation.value == "query")
            definition = dataclasses.replace(definition, operation_types=kept)
        definitions.append(definition)
    return print_ast(dataclasses.replace(document, definitions=tuple(definitions)))


async def test_generated_queries_answer_the_same_on_both_paths_for_every_viewer(world):
    app, client, viewers, ids = world
    lane = app.state.compiled_lane
    sdl = compiled_types_sdl()
    id_values = st.sampled_from([*ids, "not-an-id", "", "VXNlcjowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA="])
    cursors = await page_cursors(client, viewers[0].token)
    strings = st.sampled_from([*cursors, "squat", "", "  ", "רצפה", "%_\\", "bogus"])
    custom = {
        "ID": id_values.map(nodes.String),
        "String": strings.map(nodes.String),  # cursors (real and bad) and searches
        "Int": st.integers(-1, 12).map(nodes.Int),  # page sizes, one of them out of range
        "Float": st.sampled_from([0.0, 2.5, 61.235, 100.0, 2500.0]).map(nodes.Float),
    }
    documents: list[str] = []

    @hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    @given(document=queries(sdl, custom_scalars=custom, allow_x00=False))
    def collect(document: str) -> None:
        documents.append(document)

    collect()
    before, requests = lane.verified, 0
    for document in documents:
        for viewer in viewers:
            response = await client.post(document, token=viewer.token)
            requests += 1
            body = response.json()
            assert response.status_code in (200, 400), (viewer.name, document, response.text)
            codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or ()}
            assert "COMPILED_ANSWER_DIFFERS" not in codes and "INTERNAL_SERVER_ERROR" not in codes, (viewer.name, document, body)
    compared = lane.verified - before
    print(f"\n[compiled reads] {len(documents)} generated documents × {len(viewers)} viewers: {compared} of {requests} answered compiled")
    # Most viewers may not see most of the owner's objects: those answers (NOT_FOUND) are the executor's.
    assert compared >= requests // 5, "generated queries over the compiled types must compile where they can"
    assert not lane.differences


# --- stories -------------------------------------------------------------------------------------

DASHBOARD = """
query Dashboard($unit: WeightUnit!) {
  viewer {
    displayName
    workoutSessions(first: 20) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id name startedAt totals { setCount volume(unit: $unit) }
        sets { edges { node { reps weight(unit: $unit) exercise { name primaryMuscles } } } } } }
    }
    personalRecords(first: 10) { edges { node { kind value(unit: $unit) exercise { name } } } }
  }
}
"""


async def test_a_dashboard_is_one_statement_and_shows_its_sql_when_asked(world, settings):
    app, client, viewers, _ = world
    owner = viewers[0]
    statements: list[str] = []
    app.state.statement_runner.listeners.append(lambda sql, params: statements.append(sql))
    try:
        for unit in ("KG", "LB"):
            body = await client.execute(DASHBOARD, {"unit": unit}, owner.token)
            assert not body.get("errors") and body["data"]["viewer"]["workoutSessions"]["totalCount"] == 5
    finally:
        app.state.statement_runner.listeners.pop()
    assert len(statements) == 2 and statements[0] != statements[1]  # one statement each; the unit is part of the plan
    debug = create_app(replace(settings, read_path="compiled", plan_debug=True))
    async with LifespanManager(debug):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=debug), base_url="http://testserver") as http:
            answer = await GraphQLClient(http).execute(DASHBOARD, {"unit": "KG"}, owner.token)
    assert answer["extensions"]["readPath"] == "compiled" and answer["extensions"]["sql"].startswith("WITH v AS")
    assert "%(p" in answer["extensions"]["sql"], "values are bind parameters, never spliced into the SQL"


async def test_one_plan_serves_every_value_of_a_variable(world):
    app, client, viewers, ids = world
    owner = viewers[0]
    document = "query One($id: ID!) { node(id: $id) { id ... on WorkoutSession { name } } }"
    sessions = [i for i in ids if i.startswith("V29ya291dFNlc3Npb2")]
    for session in sessions:
        assert (await client.data(document, {"id": session}, owner.token))["node"]["id"] == session
    op = app.state.compiled_lane.plans.operation(document, None)
    assert len(op.plans) == 1  # the IDs are bind parameters; only their type shapes the statement


async def test_hidden_objects_and_ended_sign_ins_answer_as_the_executor_does(world):
    app, client, viewers, ids = world
    stranger = next(v for v in viewers if v.name == "stranger")
    error = await client.error("query($id: ID!) { node(id: $id) { id } }", {"id": ids[0]}, stranger.token)
    assert error["extensions"]["code"] == "NOT_FOUND"
    token, _, _ = await register(client, "leaver")
    await client.data("mutation { logout { endedSessionIds } }", token=token)
    error = await client.error("{ viewer { id } }", token=token)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_metrics_count_compiled_and_executor_answers_by_operation(world):
    app, client, viewers, _ = world
    owner = viewers[0]
    await client.data("query Compiled { viewer { username } }", token=owner.token)
    await client.data("query Executed { viewer { progress { points } } }", token=owner.token)
    text = (await client.http.get("/metrics")).text
    assert 'repgraph_read_path_operations_total{operation="Compiled",path="compiled"}' in text
    assert 'repgraph_read_path_operations_total{operation="Executed",path="executor"}' in text


async def test_get_and_persisted_queries_take_the_compiled_path(world):
    app, client, viewers, _ = world
    before = app.state.compiled_lane.verified
    response = await client.http.get("/graphql", params={"query": "{ exercises(first: 2) { edges { node { nameEn } } } }"})
    assert response.status_code == 200 and len(response.json()["data"]["exercises"]["edges"]) == 2
    assert app.state.compiled_lane.verified == before + 1


async def test_a_cursor_from_another_list_is_bad_input(world):
    app, client, viewers, _ = world
    owner = viewers[0]
    sessions = await client.data("{ viewer { workoutSessions(first: 1) { pageInfo { endCursor } } } }", token=owner.token)
    cursor = sessions["viewer"]["workoutSessions"]["pageInfo"]["endCursor"]
    assert cursor, sessions
    for document in ("query($c: String) { exercises(after: $c) { totalCount } }", "query($c: String) { exercises(last: 2, before: $c) { totalCount } }"):
        error = await client.error(document, {"c": cursor}, owner.token)
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] in ("after", "before")
