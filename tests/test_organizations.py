"""Organizations: owners and coaches read the training of members who opted in; nobody else reads anything more."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import psycopg

from resolvers.ids import parse_global_id
from tests.stories import exercise_id, finish, log_set, start_workout

CREATE = "mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id name viewerMembership { role sharesTraining } } } }"
ADD = """
mutation($o: ID!, $u: String!, $r: OrganizationRole!) {
  addOrganizationMember(input: {organizationId: $o, username: $u, role: $r}) { member { role sharesTraining username userId } }
}
"""
REMOVE = """
mutation($o: ID!, $u: ID!) {
  removeOrganizationMember(input: {organizationId: $o, userId: $u}) { organizationId removedUserId organization { members { username } } }
}
"""
SHARE = """
mutation($o: ID!, $s: Boolean!) {
  setOrganizationSharing(input: {organizationId: $o, sharesTraining: $s}) { member { sharesTraining isViewer } }
}
"""
ORG = """
query($id: ID!) {
  node(id: $id) {
    ... on Organization { name members { username role sharesTraining isViewer user { id workoutSessions { totalCount } } } }
  }
}
"""
MY_ORGS = "{ viewer { organizations { id name viewerMembership { role } } } }"
SESSION = "query($id: ID!) { node(id: $id) { ... on WorkoutSession { name sets { totalCount edges { node { id reps } } } } } }"
SET = "query($id: ID!) { node(id: $id) { ... on SetLog { reps weight } } }"
TRAINING = """
query($id: ID!, $range: StatsRange!) {
  node(id: $id) {
    ... on User {
      workoutSessions { totalCount }
      programs { totalCount }
      personalRecords { totalCount }
      achievements { totalCount }
      goals { totalCount }
      progress { points }
      stats(range: $range, groupBy: MONTH) { totals { workouts } }
    }
  }
}
"""


def training_of(user) -> dict:
    """Variables for TRAINING: the user, with a stats range around today (their workouts start now, UTC)."""
    today = datetime.now(UTC).date()
    return {"id": user.id, "range": {"from": str(today - timedelta(days=30)), "to": str(today + timedelta(days=1))}}


async def organization(client, owner, name: str = "Iron Temple") -> str:
    created = (await client.data(CREATE, {"n": name}, owner.token))["createOrganization"]["organization"]
    assert created["name"] == name and created["viewerMembership"] == {"role": "OWNER", "sharesTraining": False}
    return created["id"]


async def add(client, owner, org: str, member, role: str = "MEMBER") -> dict:
    return (await client.data(ADD, {"o": org, "u": member.username, "r": role}, owner.token))["addOrganizationMember"]["member"]


async def share(client, member, org: str, on: bool) -> None:
    answer = (await client.data(SHARE, {"o": org, "s": on}, member.token))["setOrganizationSharing"]["member"]
    assert answer == {"sharesTraining": on, "isViewer": True}


async def training(client, athlete) -> dict:
    """A finished workout with a set (a record and an achievement follow), a program and a goal."""
    squat = await exercise_id(client, "Barbell Squat")
    session = await start_workout(client, athlete.token, name="Leg day")
    logged = await log_set(client, athlete.token, sessionId=session["id"], exerciseId=squat, reps=5, weight=100)
    await finish(client, athlete.token, session["id"])
    await client.data("mutation { createProgram(input: {name: \"Block\"}) { program { id } } }", token=athlete.token)
    await client.data(
        "mutation { createGoal(input: {kind: WORKOUTS, title: \"Ten\", target: 10, timeframe: MONTHLY}) { goal { id } } }",
        token=athlete.token,
    )
    return {"session": session["id"], "set": logged["setLog"]["id"], "squat": squat}


async def code(client, query, variables, account) -> str:
    return (await client.error(query, variables, account.token))["extensions"]["code"]


async def test_owners_and_coaches_read_members_who_share_until_they_stop(client, register):
    owner, coach = await register(role="COACH"), await register(role="COACH")
    sharer, private = await register(), await register()
    org = await organization(client, owner)
    assert (await add(client, owner, org, coach, "COACH"))["role"] == "COACH"
    joined = await add(client, owner, org, sharer)
    assert joined == {"role": "MEMBER", "sharesTraining": False, "username": sharer.username, "userId": sharer.id}
    await add(client, owner, org, private)
    mine, theirs = await training(client, sharer), await training(client, private)

    # Joining shares nothing: the member's own opt-in does.
    assert await code(client, SESSION, {"id": mine["session"]}, coach) == "NOT_FOUND"
    await share(client, sharer, org, True)
    for reader in (coach, owner):
        seen = (await client.data(SESSION, {"id": mine["session"]}, reader.token))["node"]
        assert seen["name"] == "Leg day" and seen["sets"]["totalCount"] == 1
        assert (await client.data(SET, {"id": mine["set"]}, reader.token))["node"] == {"reps": 5, "weight": 100.0}
        data = (await client.data(TRAINING, training_of(sharer), reader.token))["node"]
        assert data["workoutSessions"]["totalCount"] == 1 and data["programs"]["totalCount"] == 1
        assert data["personalRecords"]["totalCount"] > 0 and data["achievements"]["totalCount"] > 0
        assert data["goals"]["totalCount"] == 1 and data["progress"]["points"] > 0
        assert data["stats"]["totals"]["workouts"] == 1
        # ... and never a member who keeps their training to themself.
        assert await code(client, SESSION, {"id": theirs["session"]}, reader) == "NOT_FOUND"
        assert await code(client, TRAINING, training_of(private), reader) == "NOT_FOUND"
    members = {m["username"]: m for m in (await client.data(ORG, {"id": org}, coach.token))["node"]["members"]}
    assert members[sharer.username]["user"] == {"id": sharer.id, "workoutSessions": {"totalCount": 1}}
    assert members[sharer.username]["sharesTraining"] and not members[private.username]["sharesTraining"]
    assert members[private.username]["user"] is None and members[owner.username]["user"] is None
    assert members[coach.username]["isViewer"] and members[coach.username]["user"]["id"] == coach.id

    # Reading is all: the organization's coach writes nothing for the member, not even a program.
    error = await client.error(
        "mutation($i: LogSetInput!) { logSet(input: $i) { setLog { id } } }",
        {"i": {"sessionId": mine["session"], "exerciseId": mine["squat"], "reps": 1}}, coach.token,
    )
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await client.error(
        "mutation($i: CreateProgramInput!) { createProgram(input: $i) { program { id } } }",
        {"i": {"name": "Org block", "forUserId": sharer.id}}, coach.token,
    )
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "forUserId"}

    # Opting out ends it with the next request; so does leaving.
    await share(client, sharer, org, False)
    for reader in (coach, owner):
        assert await code(client, SESSION, {"id": mine["session"]}, reader) == "NOT_FOUND"
        assert await code(client, TRAINING, training_of(sharer), reader) == "NOT_FOUND"
    await share(client, sharer, org, True)
    assert (await client.data(SESSION, {"id": mine["session"]}, coach.token))["node"]["name"] == "Leg day"
    left = (await client.data(REMOVE, {"o": org, "u": sharer.id}, sharer.token))["removeOrganizationMember"]
    assert left == {"organizationId": org, "removedUserId": sharer.id, "organization": None}
    assert await code(client, SESSION, {"id": mine["session"]}, coach) == "NOT_FOUND"
    assert await code(client, ORG, {"id": org}, sharer) == "NOT_FOUND"


async def test_plain_members_read_nothing_of_each_other(client, register):
    owner, one, other = await register(), await register(), await register()
    org = await organization(client, owner)
    await add(client, owner, org, one)
    await add(client, owner, org, other)
    mine = await training(client, one)
    await share(client, one, org, True)
    # Sharing is with the owners and coaches, not with the other members.
    assert await code(client, SESSION, {"id": mine["session"]}, other) == "NOT_FOUND"
    assert await code(client, TRAINING, training_of(one), other) == "NOT_FOUND"
    members = (await client.data(ORG, {"id": org}, other.token))["node"]["members"]
    assert [m["username"] for m in members] == [owner.username, one.username, other.username]
    assert [m["user"] is None for m in members] == [True, True, False]
    # An athlete who owns an organization reads like its coaches do.
    assert (await client.data(SESSION, {"id": mine["session"]}, owner.token))["node"]["sets"]["totalCount"] == 1


async def test_sharing_is_per_organization(client, register):
    gym_owner, team_coach, athlete = await register(), await register(role="COACH"), await register()
    gym, team = await organization(client, gym_owner, "Gym"), await organization(client, team_coach, "Team")
    await add(client, gym_owner, gym, athlete)
    await add(client, team_coach, team, athlete)
    mine = await training(client, athlete)
    await share(client, athlete, gym, True)
    assert (await client.data(SESSION, {"id": mine["session"]}, gym_owner.token))["node"]["name"] == "Leg day"
    assert await code(client, SESSION, {"id": mine["session"]}, team_coach) == "NOT_FOUND"
    listed = (await client.data(MY_ORGS, token=athlete.token))["viewer"]["organizations"]
    assert [(o["name"], o["viewerMembership"]["role"]) for o in listed] == [("Gym", "MEMBER"), ("Team", "MEMBER")]


async def test_strangers_cannot_see_or_touch_an_organization(client, register):
    owner, member, stranger = await register(), await register(), await register(role="COACH")
    org = await organization(client, owner)
    await add(client, owner, org, member)
    assert await code(client, ORG, {"id": org}, stranger) == "NOT_FOUND"
    nodes = await client.execute("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [org]}, stranger.token)
    assert nodes["data"]["nodes"] == [None] and nodes["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await client.data(MY_ORGS, token=stranger.token))["viewer"]["organizations"] == []
    for query, variables in (
        (ADD, {"o": org, "u": stranger.username, "r": "COACH"}),
        (REMOVE, {"o": org, "u": member.id}),
        (SHARE, {"o": org, "s": True}),
    ):
        error = await client.error(query, variables, stranger.token)
        assert error["extensions"] == {"code": "NOT_FOUND", "field": "organizationId"}
    # Signed out: nothing either.
    assert (await client.error(ORG, {"id": org}))["extensions"]["code"] == "NOT_FOUND"
    assert (await client.error(CREATE, {"n": "Anonymous"}))["extensions"]["code"] == "UNAUTHENTICATED"
    members = (await client.data(ORG, {"id": org}, owner.token))["node"]["members"]
    assert [m["username"] for m in members] == [owner.username, member.username]


async def test_only_owners_manage_members(client, register):
    owner, coach, athlete, other = await register(), await register(role="COACH"), await register(), await register()
    org = await organization(client, owner)
    await add(client, owner, org, athlete)
    await add(client, owner, org, other)

    assert (await client.error(ADD, {"o": org, "u": coach.username, "r": "MEMBER"}, athlete.token))["extensions"]["code"] == "FORBIDDEN"
    assert (await client.error(REMOVE, {"o": org, "u": other.id}, athlete.token))["extensions"]["code"] == "FORBIDDEN"
    # A COACH role needs a coach's account.
    error = await client.error(ADD, {"o": org, "u": other.username, "r": "COACH"}, owner.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "role"}
    assert (await add(client, owner, org, coach, "COACH"))["role"] == "COACH"
    # A coach of the organization is no owner.
    assert (await client.error(REMOVE, {"o": org, "u": other.id}, coach.token))["extensions"]["code"] == "FORBIDDEN"
    error = await client.error(ADD, {"o": org, "u": "nobody-" + uuid.uuid4().hex[:8], "r": "MEMBER"}, owner.token)
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "username"}
    error = await client.error(CREATE, {"n": "   "}, owner.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "name"}
    error = await client.error(REMOVE, {"o": org, "u": org}, owner.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "userId"}

    # The owner removes a member; a member leaves on their own.
    removed = (await client.data(REMOVE, {"o": org, "u": other.id}, owner.token))["removeOrganizationMember"]
    assert [m["username"] for m in removed["organization"]["members"]] == [owner.username, athlete.username, coach.username]
    assert (await client.error(REMOVE, {"o": org, "u": other.id}, owner.token))["extensions"] == {"code": "NOT_FOUND", "field": "userId"}
    await client.data(REMOVE, {"o": org, "u": coach.id}, coach.token)
    assert (await client.data(MY_ORGS, token=coach.token))["viewer"]["organizations"] == []


async def test_an_organization_always_keeps_an_owner(client, register):
    owner, member = await register(), await register()
    org = await organization(client, owner)
    await add(client, owner, org, member)
    # The last owner can neither leave nor step down.
    error = await client.error(REMOVE, {"o": org, "u": owner.id}, owner.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "userId"}
    error = await client.error(ADD, {"o": org, "u": owner.username, "r": "MEMBER"}, owner.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "role"}
    # With a second owner, the first may go; the one left is then the last.
    assert (await add(client, owner, org, member, "OWNER"))["role"] == "OWNER"
    await client.data(REMOVE, {"o": org, "u": owner.id}, owner.token)
    error = await client.error(REMOVE, {"o": org, "u": member.id}, member.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "userId"}



async def test_two_owners_leaving_at_once_leave_one(client, register, database_url):
    """Both requests are held at their delete until both have counted the owners: exactly one may go."""
    first, second = await register(), await register()
    org = await organization(client, first)
    await add(client, first, org, second, "OWNER")
    async with await psycopg.AsyncConnection.connect(database_url) as holder:
        await holder.execute(
            "SELECT 1 FROM organization_members WHERE organization_id = %s FOR UPDATE", (str(parse_global_id(org)[1]),)
        )
        leaving = [
            asyncio.ensure_future(client.execute(REMOVE, {"o": org, "u": owner.id}, owner.token)) for owner in (first, second)
        ]
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as watcher:
            for _ in range(500):  # until both requests wait on a lock (at most ~10 s)
                waiting = await (await watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )).fetchone()
                if waiting[0] >= 2:
                    break
                await asyncio.sleep(0.02)
            assert waiting[0] == 2
        await holder.rollback()
        answers = await asyncio.gather(*leaving)
    errors = [a["errors"][0]["extensions"] for a in answers if a.get("errors")]
    assert errors == [{"code": "BAD_USER_INPUT", "field": "userId"}]
    stayed = first if answers[0].get("errors") else second
    members = (await client.data(ORG, {"id": org}, stayed.token))["node"]["members"]
    assert [(m["username"], m["role"]) for m in members] == [(stayed.username, "OWNER")]


async def test_grants_are_one_statement_per_request(client, register, sql_counter):
    coach, athletes = await register(role="COACH"), [await register() for _ in range(3)]
    org = await organization(client, coach)
    sessions = []
    for athlete in athletes:
        await add(client, coach, org, athlete)
        await share(client, athlete, org, True)
        sessions.append((await start_workout(client, athlete.token))["id"])
    sql_counter.reset()
    data = await client.data("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": sessions}, coach.token)
    assert [n["id"] for n in data["nodes"]] == sessions
    grants = [s for s in sql_counter.statements if "organization_members" in s]
    assert len(grants) == 1 and "UNION" in grants[0] and "coaching_relationships" in grants[0]
