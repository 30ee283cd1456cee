"""Authorization, table by table: what every Node type, every root field and every link between
objects answers to a stranger, the owner, the owner's coach, an admin and the signed-out.

The world (built once, through the API): an owner with one of everything (a custom exercise,
a program with a day and a planned exercise, a finished workout with sets, the personal records
and achievements those sets earned, a goal), their accepted coach, a stranger (a coach too: the
role alone grants nothing) and an admin (role set in the database, as admins are appointed; an
admin gets no extra read rights over other users' data). Everything of the owner's carries a
marker in its name, so "nothing of the owner's leaked" is checked on every answer a viewer must
not see into: neither the owner's IDs (global or raw) nor the marker appear anywhere in it.

Three tables of rows (data), run by small drivers:

  NODE_ROWS  every Relay Node type: `node(id:)` and `nodes(ids:)` on the owner's instance.
  ROOT_ROWS  every Query, Mutation and Subscription field, acting on the owner's objects.
  LINK_ROWS  every field leading from an object to another, possibly someone else's, object.

Each table asserts it covers the schema, so a type or field added later without a row fails
here. Adding a row is one line: the field, what it acts on, and each viewer's answer.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType, get_named_type
from sqlalchemy import text

from documents import service_keys
from live.events import encode_event_id
from resolvers.conversation_events import encode_event_id as encode_talk_event_id
from resolvers.ids import parse_global_id, parse_node_id
from schema import schema
from tests.conftest import REGISTER, Account
from tests.stories import small_jpeg, upload_photo
from tests.wsclient import TRANSPORT_WS, WsClient

# --- viewers and answers -------------------------------------------------------------------

ANON, STRANGER, OWNER, COACH, ADMIN = "anonymous", "stranger", "owner", "coach", "admin"
NEWCOMER = "newcomer"  # a fresh account of its own, for rows about one's own account
EX_COACH = "ex_coach"  # a coach whose athlete has ended the relationship

OK = "ok"  # no error (and the row's check holds)
SEES = "sees"  # no error, and the row's `reach`: the owner's objects it must show
BLIND = "blind"  # no error, and nothing of the owner's in the answer
NOT_FOUND, UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT = "NOT_FOUND", "UNAUTHENTICATED", "FORBIDDEN", "BAD_USER_INPUT"
ERRORS = (NOT_FOUND, UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT)
# Viewers with no right to anything of the owner's: every answer they get is checked for leaks.
OUTSIDERS = (ANON, STRANGER, ADMIN, EX_COACH)


def answers(anonymous: str, stranger: str, owner: str, coach: str, admin: str) -> dict[str, str]:
    return {ANON: anonymous, STRANGER: stranger, OWNER: owner, COACH: coach, ADMIN: admin}


def everyone(answer: str) -> dict[str, str]:
    return answers(answer, answer, answer, answer, answer)


# The rule (resolvers/access.py) in five columns: anonymous, stranger, owner, coach, admin.
PUBLIC = everyone(SEES)
PRIVATE = answers(NOT_FOUND, NOT_FOUND, SEES, SEES, NOT_FOUND)  # the owner's training data
OWNER_ONLY = answers(NOT_FOUND, NOT_FOUND, SEES, NOT_FOUND, NOT_FOUND)  # the owner's account
OWNER_WRITES = answers(UNAUTHENTICATED, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND)
COACH_WRITES = answers(UNAUTHENTICATED, NOT_FOUND, OK, OK, NOT_FOUND)
SIGNED_IN = answers(UNAUTHENTICATED, OK, OK, OK, OK)
ANYONE = everyone(OK)
OWN = answers(BLIND, BLIND, SEES, BLIND, BLIND)
ADMIN_ONLY = answers(UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)  # the global library  # each viewer gets their own: only the owner sees the owner's
SELF_SERVICE = {ANON: UNAUTHENTICATED, NEWCOMER: OK}  # one's own account only


def but(base: dict[str, str], **changes: str) -> dict[str, str]:
    return {**base, **changes}


# --- the world -----------------------------------------------------------------------------


@dataclass
class World:
    client: Any
    app: Any
    marker: str
    accounts: dict[str, Account]
    ids: dict[str, str]
    secrets: set[str]
    shared: dict[str, Any] = field(default_factory=dict)  # setups made once (see `shared`)

    def token(self, viewer: str) -> str | None:
        return self.accounts[viewer].token if viewer in self.accounts else None

    async def run(self, document: str, variables: dict | None = None, viewer: str | None = None, token: str | None = None) -> dict:
        return await self.client.execute(document, variables, token or (self.token(viewer) if viewer else None))

    async def data(self, document: str, variables: dict | None = None, viewer: str | None = None, token: str | None = None) -> dict:
        body = await self.run(document, variables, viewer, token)
        assert not body.get("errors"), body["errors"]
        return body["data"]


def secrets_of(global_id: str) -> set[str]:
    """A global ID and the raw UUID inside it: neither may reach someone without the right to it."""
    key = parse_node_id(global_id)[1]
    return {global_id, *(str(k) for k in (key if isinstance(key, tuple) else (key,)))}


async def sign_up(client, prefix: str, **overrides: Any) -> Account:
    suffix = uuid.uuid4().hex[:10]
    values = {"email": f"{prefix}{suffix}@example.com", "username": f"{prefix}{suffix}", "password": "correct horse battery", **overrides}
    payload = (await client.data(REGISTER, {"input": values}))["register"]
    return Account(payload["token"], payload["user"]["id"], payload["user"]["username"], values["password"])


INVITE = "mutation($a: String!) { inviteAthlete(input: {athlete: $a}) { relationship { id } } }"
ACCEPT = "mutation($i: ID!) { respondToCoaching(input: {invitationId: $i, accept: true}) { relationship { status } } }"
END_COACHING = "mutation($i: ID!) { endCoaching(input: {relationshipId: $i}) { relationship { status } } }"
LIBRARY = 'query($s: String!) { exercises(filter: {search: $s}, first: 1) { edges { node { id } } } }'
CREATE_EXERCISE = "mutation($i: CreateExerciseInput!) { createExercise(input: $i) { exercise { id } } }"
CREATE_PROGRAM = "mutation($i: CreateProgramInput!) { createProgram(input: $i) { program { id days { id exercises { id } } } } }"
START = "mutation($i: StartWorkoutInput!) { startWorkout(input: $i) { session { id } } }"
LOG = """mutation($i: LogSetInput!) { logSet(input: $i) {
  setLog { id } personalRecords { id kind } achievements { id achievement { id code } } } }"""
FINISH = "mutation($s: ID!) { finishWorkout(input: {sessionId: $s}) { session { id } } }"
CREATE_GOAL = "mutation($i: CreateGoalInput!) { createGoal(input: $i) { goal { id } } }"
LOGIN = "mutation($l: String!, $p: String!) { login(input: {login: $l, password: $p}) { token refreshToken user { id } } }"
CURRENT_SIGN_IN = "{ viewer { sessions { id current } } }"
CREATE_ORG = "mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id } } }"
ADD_MEMBER = "mutation($o: ID!, $u: String!) { addOrganizationMember(input: {organizationId: $o, username: $u}) { member { userId } } }"
ORG_MEMBERSHIP = "query($id: ID!) { node(id: $id) { ... on Organization { viewerMembership { id } } } }"
CREATE_LIBRARY = "mutation($n: String!) { createLibraryExercise(input: {name: $n, primaryMuscles: [CHEST]}) { exercise { id } } }"
SKILL_STEPS = "query($c: String!) { skillLadder { exercises(category: $c, level: 0) { id exercise { id } defaultPrescription { sets { reps } } } } }"
START_SKILLS = "mutation { startWorkout(input: {fromSkillPlan: true}) { session { id } } }"
ADVANCE_PUSH = 'mutation { advanceSkillLevel(input: {category: "PUSH"}) { standing { level { level } } } }'


async def master_steps(client, token: str, session: str, category: str, count: int) -> tuple[list[dict], list[str]]:
    """Log the first `count` level-0 steps of `category` at their defaults (the session still to be finished)."""
    steps = (await client.data(SKILL_STEPS, {"c": category}))["skillLadder"]["exercises"][:count]
    logged = []
    for step in steps:
        for target in step["defaultPrescription"]["sets"]:
            i = {"sessionId": session, "exerciseId": step["exercise"]["id"], "reps": target["reps"]}
            logged.append((await client.data(LOG, {"i": i}, token))["logSet"]["setLog"]["id"])
    return steps, logged


async def coach_of(client, coach: Account, athlete: Account) -> str:
    """`coach` invites `athlete`, who accepts; the relationship's id."""
    invited = (await client.data(INVITE, {"a": athlete.username}, coach.token))["inviteAthlete"]["relationship"]["id"]
    await client.data(ACCEPT, {"i": invited}, athlete.token)
    return invited


async def library_exercise(client, name: str = "Barbell Squat") -> str:
    return (await client.data(LIBRARY, {"s": name}))["exercises"]["edges"][0]["node"]["id"]


async def make_admin(app, account: Account) -> None:
    async with app.state.sessionmaker.begin() as session:
        await session.execute(text("UPDATE users SET role = 'admin' WHERE id = :id"), {"id": parse_global_id(account.id)[1]})


LOG_METRICS = "mutation($i: LogBodyMetricsInput!) { logBodyMetrics(input: $i) { bodyMetrics { id } } }"
LOG_MEAL = "mutation($i: LogMealInput!) { logMeal(input: $i) { meal { id } } }"
UPLOAD = "mutation($i: UploadProgressPhotoInput!) { uploadProgressPhoto(input: $i) { photo { id } } }"
CREATE_COACHING_SESSION = """mutation($i: CreateCoachingSessionInput!) { createCoachingSession(input: $i) {
  session { id actionItems { id } } } }"""


async def photo_of(client, token: str, notes: str, shared: bool) -> str:
    body = await upload_photo(client, token, small_jpeg(), document=UPLOAD, notes=notes, sharedWithCoach=shared)
    assert not body.get("errors"), body
    return body["data"]["uploadProgressPhoto"]["photo"]["id"]


async def coaching_session_of(client, coach: Account, athlete_id: str, marker: str) -> dict:
    """A coaching session the coach wrote for the athlete, with one action item overdue."""
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    i = {"athleteId": athlete_id, "date": yesterday, "topics": [f"Topic {marker}"], "actionItems": [{"text": f"Item {marker}", "dueDate": yesterday}]}
    return (await client.data(CREATE_COACHING_SESSION, {"i": i}, coach.token))["createCoachingSession"]["session"]


START_TALK = "mutation($i: StartConversationInput!) { startConversation(input: $i) { conversation { id } } }"
SEND = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id } } }"
EDIT_MESSAGE = "mutation($m: ID!) { editMessage(input: {messageId: $m, content: \"Changed\"}) { message { id } } }"
DELETE_MESSAGE = "mutation($m: ID!) { deleteMessage(input: {messageId: $m}) { message { id deleted } } }"
MARK_READ = "mutation($c: ID!) { markConversationRead(input: {conversationId: $c}) { conversation { id unreadCount } } }"
ASSISTANT_POST = "mutation($i: PostAssistantMessageInput!) { postAssistantMessage(input: $i) { message { id } } }"
ASSISTANT_CONTEXT = "mutation($i: UpdateConversationContextInput!) { updateConversationContext(input: $i) { conversation { id } } }"


async def conversations_of(client, app, owner: Account, coach: Account, marker: str, **training: str) -> dict[str, str]:
    """The owner's coaching conversation with their coach (each event kind in its log) and one with the
    assistant, which logged one of the owner's sets and keeps their training in its context."""
    async def as_(who: Account | str, document: str, variables: dict) -> dict:
        return await client.data(document, variables, who if isinstance(who, str) else who.token)

    talk = (await as_(owner, START_TALK, {"i": {"kind": "COACHING", "participantIds": [coach.id]}}))["startConversation"]["conversation"]["id"]
    message = (await as_(owner, SEND, {"i": {"conversationId": talk, "content": f"Hello {marker}"}}))["sendMessage"]["message"]["id"]
    reply = (await as_(coach, SEND, {"i": {"conversationId": talk, "content": "Noted", "replyToId": message}}))["sendMessage"]["message"]["id"]
    for document in (EDIT_MESSAGE, DELETE_MESSAGE):
        typo = (await as_(owner, SEND, {"i": {"conversationId": talk, "content": f"Typo {marker}"}}))["sendMessage"]["message"]["id"]
        await as_(owner, document, {"m": typo})
    await as_(coach, MARK_READ, {"c": talk})
    assistant = (await as_(owner, START_TALK, {"i": {"kind": "ASSISTANT", "title": f"Bot {marker}"}}))["startConversation"]["conversation"]["id"]
    key = await service_keys.create(app.state.documents, f"bot-{marker}")
    posted = await as_(key, ASSISTANT_POST, {"i": {"conversationId": assistant, "content": f"Logged {marker}", "setLogId": training["set_log"]}})
    await as_(key, ASSISTANT_CONTEXT, {"i": {"conversationId": assistant, "currentWorkoutId": training["session"], "goalIds": [training["goal"]],
                                             "recentExerciseIds": [training["exercise"]]}})
    return {"conversation": talk, "message": message, "reply": reply, "assistant_conversation": assistant,
            "assistant_message": posted["postAssistantMessage"]["message"]["id"]}


@pytest.fixture(scope="module")
async def world(client, app) -> World:
    marker = "zq" + uuid.uuid4().hex[:8]  # in every name of the owner's, and nowhere else
    owner = await sign_up(client, f"owner-{marker}-")
    coach = await sign_up(client, "coach", role="COACH")
    stranger = await sign_up(client, "stranger", role="COACH")
    admin = await sign_up(client, "admin")
    await make_admin(app, admin)
    relationship = await coach_of(client, coach, owner)

    async def mine(document: str, variables: dict) -> dict:
        return await client.data(document, variables, owner.token)

    library = await library_exercise(client)
    custom = (await mine(CREATE_EXERCISE, {"i": {"name": f"Press {marker}", "primaryMuscles": ["CHEST"]}}))["createExercise"]["exercise"]["id"]
    program = (await mine(CREATE_PROGRAM, {"i": {"name": f"Program {marker}", "days": [
        {"name": f"Day {marker}", "exercises": [{"exerciseId": custom, "sets": 3}]}]}}))["createProgram"]["program"]
    day = program["days"][0]
    session = (await mine(START, {"i": {"programDayId": day["id"], "name": f"Session {marker}"}}))["startWorkout"]["session"]["id"]
    custom_set = (await mine(LOG, {"i": {"sessionId": session, "exerciseId": custom, "reps": 5, "weight": 60, "notes": marker}}))["logSet"]
    library_set = (await mine(LOG, {"i": {"sessionId": session, "exerciseId": library, "reps": 5, "weight": 100}}))["logSet"]
    await mine(FINISH, {"s": session})
    goal = (await mine(CREATE_GOAL, {"i": {"kind": "EXERCISE_WEIGHT", "title": f"Goal {marker}", "target": 500,
                                           "exerciseId": custom, "timeframe": "MONTHLY"}}))["createGoal"]["goal"]["id"]
    organization = (await mine(CREATE_ORG, {"n": f"Org {marker}"}))["createOrganization"]["organization"]["id"]
    membership = (await mine(ORG_MEMBERSHIP, {"id": organization}))["node"]["viewerMembership"]["id"]
    sign_in = (await mine(CURRENT_SIGN_IN, {}))["viewer"]["sessions"][0]["id"]
    (award,) = custom_set["achievements"]  # the first record: FIRST_RECORD
    skill_session = (await mine(START_SKILLS, {}))["startWorkout"]["session"]["id"]  # from today's skill plan
    (skill_step,), skill_sets = await master_steps(client, owner.token, skill_session, "PUSH", 1)
    await mine(FINISH, {"s": skill_session})
    talk = await conversations_of(client, app, owner, coach, marker, session=session, goal=goal, exercise=custom,
                                  set_log=custom_set["setLog"]["id"])
    await mine("mutation { updateHealthProfile(input: {height: 181, calorieTarget: 2400}) { profile { height } } }", {})
    metrics = (await mine(LOG_METRICS, {"i": {"weight": 80, "bodyFat": 18, "notes": f"Metrics {marker}"}}))["logBodyMetrics"]["bodyMetrics"]["id"]
    meal = (await mine(LOG_MEAL, {"i": {"mealType": "LUNCH", "calories": 700, "protein": 40, "description": f"Meal {marker}"}}))["logMeal"]["meal"]["id"]
    photo = await photo_of(client, owner.token, f"Photo {marker}", shared=True)
    private_photo = await photo_of(client, owner.token, f"Private {marker}", shared=False)
    coaching_session = (await coaching_session_of(client, coach, owner.id, marker))["id"]
    ids = {
        "owner": owner.id, "coach": coach.id, "stranger": stranger.id, "admin": admin.id, "relationship": relationship,
        "library": library, "exercise": custom, "program": program["id"], "day": day["id"],
        "program_exercise": day["exercises"][0]["id"], "session": session,
        "set": custom_set["setLog"]["id"], "library_set": library_set["setLog"]["id"],
        "record": next(r["id"] for r in custom_set["personalRecords"] if r["kind"] == "HEAVIEST_WEIGHT"),
        "library_record": next(r["id"] for r in library_set["personalRecords"] if r["kind"] == "HEAVIEST_WEIGHT"),
        "user_achievement": award["id"], "achievement": award["achievement"]["id"], "goal": goal,
        "organization": organization, **talk, "skill_session": skill_session, "skill_set": skill_sets[0],
        "skill_step": skill_step["id"], "skill_library": skill_step["exercise"]["id"],
        "membership": membership, "sign_in": sign_in,
        "metrics": metrics, "meal": meal, "photo": photo, "private_photo": private_photo, "coaching_session": coaching_session,
    }
    public = {"coach", "stranger", "admin", "relationship", "library", "achievement", "skill_step", "skill_library"}
    secrets = {marker}.union(*(secrets_of(gid) for name, gid in ids.items() if name not in public))
    ids["marker"] = marker
    accounts = {OWNER: owner, COACH: coach, STRANGER: stranger, ADMIN: admin}
    return World(client, app, marker, accounts, ids, secrets)


def assert_no_leak(body: Any, secrets: set[str], context: str) -> None:
    answer = json.dumps(body)
    leaked = sorted(s for s in secrets if s in answer)
    assert not leaked, f"{context}: the owner's {leaked} in {answer}"


# --- setups: disposable objects, made afresh for each case ---------------------------------


@dataclass
class Made:
    ids: dict[str, str] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)  # more of the owner's
    tokens: dict[str, str] = field(default_factory=dict)  # viewer → the token to act with instead


async def owner_program(w: World, viewer: str) -> Made:
    program = (await w.data(CREATE_PROGRAM, {"i": {"name": f"Spare {w.marker}", "days": [{"name": f"Spare day {w.marker}"}]}}, OWNER))
    program = program["createProgram"]["program"]
    return Made({"program": program["id"], "day": program["days"][0]["id"]}, secrets_of(program["id"]) | secrets_of(program["days"][0]["id"]))


async def owner_session(w: World, viewer: str) -> Made:
    session = (await w.data(START, {"i": {"name": f"Spare {w.marker}"}}, OWNER))["startWorkout"]["session"]["id"]
    return Made({"session": session}, secrets_of(session))


async def owner_set(w: World, viewer: str) -> Made:
    made = await owner_session(w, viewer)
    logged = await w.data(LOG, {"i": {"sessionId": made.ids["session"], "exerciseId": w.ids["library"], "reps": 3, "weight": 20}}, OWNER)
    made.ids["set"] = logged["logSet"]["setLog"]["id"]
    made.secrets |= secrets_of(made.ids["set"])
    return made


async def owner_goal(w: World, viewer: str) -> Made:
    goal = (await w.data(CREATE_GOAL, {"i": {"kind": "WORKOUTS", "title": f"Spare {w.marker}", "target": 50, "timeframe": "MONTHLY"}}, OWNER))
    goal = goal["createGoal"]["goal"]["id"]
    return Made({"goal": goal}, secrets_of(goal))


async def owner_org(w: World, viewer: str) -> Made:
    """An organization of the owner's with one member, and another account that could join."""
    org = (await w.data(CREATE_ORG, {"n": f"Spare org {w.marker}"}, OWNER))["createOrganization"]["organization"]["id"]
    member, joiner = await sign_up(w.client, "member"), await sign_up(w.client, "joiner")
    await w.data(ADD_MEMBER, {"o": org, "u": member.username}, OWNER)
    return Made({"org": org, "member": member.id, "joiner": joiner.username}, secrets_of(org))


async def library_entry(w: World, viewer: str) -> Made:
    """A library exercise of its own (an admin made it), to edit or archive."""
    name = f"Library {uuid.uuid4().hex[:8]}"
    exercise = (await w.data(CREATE_LIBRARY, {"n": name}, ADMIN))["createLibraryExercise"]["exercise"]["id"]
    return Made({"entry": exercise, "new_name": f"Renamed {uuid.uuid4().hex[:8]}"})


ARCHIVE = "mutation($e: ID!) { archiveLibraryExercise(input: {exerciseId: $e}) { exercise { id } } }"


async def archive_entries(w: World, body: dict, ids: dict, viewer: str) -> None:
    """Library exercises a row made leave the library again (other modules count it)."""
    made = [ids["entry"]]
    if outcome_of(body) == OK and "createLibraryExercise" in body["data"]:
        made.append(body["data"]["createLibraryExercise"]["exercise"]["id"])
    for exercise in made:
        await w.data(ARCHIVE, {"e": exercise}, ADMIN)


async def owner_sign_in(w: World, viewer: str) -> Made:
    """The owner signed in on another device: that sign-in's id, and its token for the probe."""
    owner = w.accounts[OWNER]
    token = (await w.data(LOGIN, {"l": owner.username, "p": owner.password}))["login"]["token"]
    (current,) = [s["id"] for s in (await w.data(CURRENT_SIGN_IN, token=token))["viewer"]["sessions"] if s["current"]]
    return Made({"sign_in": current, "sign_in_token": token}, {current})


async def viewers_own(w: World, viewer: str) -> Made:
    """A program day, a workout and a set of the acting viewer's own (the owner's, for the signed-out)."""
    token = w.token(viewer) or w.token(OWNER)
    program = (await w.data(CREATE_PROGRAM, {"i": {"name": "Mine", "days": [{"name": "Mine"}]}}, token=token))["createProgram"]["program"]
    session = (await w.data(START, {"i": {"name": "Mine"}}, token=token))["startWorkout"]["session"]["id"]
    logged = await w.data(LOG, {"i": {"sessionId": session, "exerciseId": w.ids["library"], "reps": 3, "weight": 20}}, token=token)
    return Made({"own_day": program["days"][0]["id"], "own_session": session, "own_set": logged["logSet"]["setLog"]["id"]})


async def fresh_sign_in(w: World, viewer: str) -> Made:
    """A new sign-in of the acting viewer (or of a newcomer), to end or refresh without touching the world's."""
    account = w.accounts.get(viewer) or await sign_up(w.client, "fresh")
    signed = (await w.data(LOGIN, {"l": account.username, "p": account.password}))["login"]
    tokens = {viewer: signed["token"]} if viewer in w.accounts else {}
    return Made({"refresh": signed["refreshToken"], "me": account.id}, tokens=tokens)


async def newcomer(w: World, viewer: str) -> Made:
    account = await sign_up(w.client, "new")
    return Made({"me": account.id, "login": account.username, "password": account.password}, tokens={NEWCOMER: account.token})


async def credentials(w: World, viewer: str) -> Made:
    """A username and e-mail nobody has registered."""
    suffix = uuid.uuid4().hex[:10]
    return Made({"username": f"reg{suffix}", "email": f"reg{suffix}@example.com"})


async def athlete_to_invite(w: World, viewer: str) -> Made:
    return Made({"athlete": (await sign_up(w.client, "invitee")).username})


async def invitation(w: World, viewer: str) -> Made:
    """The world's coach invites a fresh athlete, who acts as the owner."""
    athlete = await sign_up(w.client, "invited")
    invited = (await w.data(INVITE, {"a": athlete.username}, COACH))["inviteAthlete"]["relationship"]["id"]
    return Made({"invitation": invited}, tokens={OWNER: athlete.token})


async def relationship(w: World, viewer: str) -> Made:
    """The world's coach and a fresh athlete, who acts as the owner, in an accepted relationship."""
    athlete = await sign_up(w.client, "coached")
    return Made({"relationship": await coach_of(w.client, w.accounts[COACH], athlete)}, tokens={OWNER: athlete.token})


def shared(setup: Callable) -> Callable:
    """A setup whose objects are only read: made once per module, shared by its rows' cases."""

    async def once(w: World, viewer: str) -> Made:
        if setup.__name__ not in w.shared:
            w.shared[setup.__name__] = await setup(w, viewer)
        return w.shared[setup.__name__]

    return once


@shared
async def ex_coach(w: World, viewer: str) -> Made:
    """A coach who, while coaching, used the athlete's custom exercise in their own training, and
    whose athlete then ended the relationship: what the ex-coach's own objects lead to must no
    longer show the athlete's exercise."""
    client = w.client
    athlete, coach = await sign_up(client, "athlete"), await sign_up(client, "excoach", role="COACH")
    relationship_id = await coach_of(client, coach, athlete)
    name = f"Private {uuid.uuid4().hex[:8]}"
    custom = (await client.data(CREATE_EXERCISE, {"i": {"name": name, "primaryMuscles": ["CHEST"]}}, athlete.token))["createExercise"]["exercise"]["id"]
    program = (await client.data(CREATE_PROGRAM, {"i": {"name": "Mine", "days": [{"name": "Mine", "exercises": [{"exerciseId": custom}]}]}}, coach.token))
    day = program["createProgram"]["program"]["days"][0]
    session = (await client.data(START, {"i": {"programDayId": day["id"]}}, coach.token))["startWorkout"]["session"]["id"]
    logged = (await client.data(LOG, {"i": {"sessionId": session, "exerciseId": custom, "reps": 5, "weight": 50}}, coach.token))["logSet"]
    goal = (await client.data(CREATE_GOAL, {"i": {"kind": "EXERCISE_WEIGHT", "title": "Mine", "target": 200, "exerciseId": custom,
                                                  "timeframe": "MONTHLY"}}, coach.token))["createGoal"]["goal"]["id"]
    await client.data(END_COACHING, {"i": relationship_id}, athlete.token)
    ids = {"own_session": session, "own_set": logged["setLog"]["id"], "own_record": logged["personalRecords"][0]["id"],
           "own_day": day["id"], "own_program_exercise": day["exercises"][0]["id"], "own_goal": goal, "me": coach.id}
    return Made(ids, secrets_of(custom) | {name}, tokens={EX_COACH: coach.token})


async def owner_message(w: World, viewer: str) -> Made:
    """A fresh message of the owner's in their coaching conversation, to edit or delete."""
    sent = await w.data(SEND, {"i": {"conversationId": w.ids["conversation"], "content": f"Spare {w.marker}"}}, OWNER)
    message = sent["sendMessage"]["message"]["id"]
    return Made({"own_message": message}, secrets_of(message))


async def owner_metrics(w: World, viewer: str) -> Made:
    """A day of the owner's body metrics of its own (a day no other case uses)."""
    w.shared["metric_days"] = w.shared.get("metric_days", 10) + 1
    day = (datetime.now(UTC).date() - timedelta(days=w.shared["metric_days"])).isoformat()
    metrics = (await w.data(LOG_METRICS, {"i": {"date": day, "weight": 81, "notes": f"Spare {w.marker}"}}, OWNER))["logBodyMetrics"]["bodyMetrics"]["id"]
    return Made({"metrics": metrics}, secrets_of(metrics))


async def owner_meal(w: World, viewer: str) -> Made:
    meal = (await w.data(LOG_MEAL, {"i": {"calories": 300, "description": f"Spare {w.marker}"}}, OWNER))["logMeal"]["meal"]["id"]
    return Made({"meal": meal}, secrets_of(meal))


async def owner_photo(w: World, viewer: str) -> Made:
    photo = await photo_of(w.client, w.token(OWNER), f"Spare {w.marker}", shared=True)
    return Made({"photo": photo}, secrets_of(photo))


async def owner_coaching_session(w: World, viewer: str) -> Made:
    session = await coaching_session_of(w.client, w.accounts[COACH], w.ids["owner"], w.marker)
    item = session["actionItems"][0]["id"]
    return Made({"coaching_session": session["id"], "action_item": item}, secrets_of(session["id"]) | {item})


SETUPS: dict[str, Callable] = {
    "owner_program": owner_program, "owner_session": owner_session, "owner_set": owner_set, "owner_goal": owner_goal,
    "owner_sign_in": owner_sign_in, "viewers_own": viewers_own, "fresh_sign_in": fresh_sign_in, "newcomer": newcomer, "credentials": credentials,
    "athlete_to_invite": athlete_to_invite, "invitation": invitation, "relationship": relationship, "ex_coach": ex_coach,
    "owner_org": owner_org, "library_entry": library_entry, "owner_message": owner_message,
    "owner_metrics": owner_metrics, "owner_meal": owner_meal, "owner_photo": owner_photo, "owner_coaching_session": owner_coaching_session,
}


# --- rows and their driver ----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    field: str  # "Type.field" the row is about
    label: str  # what it acts on
    document: str
    expect: dict[str, str]  # viewer → answer
    variables: Any = None  # "@name" → an id of the world or of the setup's
    setup: str | None = None  # a SETUPS entry, run before each case
    reach: tuple[str, ...] = ()  # for SEES: ids that must appear in the answer
    check: Callable | None = None  # async (world, body, ids, viewer): more about the answer
    probe: tuple[str, dict] | None = None  # an owner's read a refused write must leave unchanged
    cleanup: Callable | None = None  # async (world, body, ids, viewer): undo what the case left behind
    upload: bool = False  # send as a GraphQL multipart request, a small JPEG at variables.i.file


def resolve(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return ids[value[1:]]
    if isinstance(value, dict):
        return {k: resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, ids) for v in value]
    return value


def outcome_of(body: dict) -> str:
    errors = body.get("errors") or []
    return errors[0].get("extensions", {}).get("code", "NO_CODE") if errors else OK


async def judge(w: World, row: Row, viewer: str, body: dict, ids: dict[str, str], secrets: set[str]) -> None:
    expected = row.expect[viewer]
    context = f"{row.field} [{row.label}] as {viewer}"
    got = outcome_of(body)
    if expected in ERRORS:
        assert got == expected, f"{context}: expected {expected}, got {body}"
    else:
        assert got == OK, f"{context}: expected {expected}, got {body}"
    if expected == SEES:
        answer = json.dumps(body["data"])
        missing = [name for name in row.reach if ids[name] not in answer]
        assert not missing, f"{context}: {missing} missing from {answer}"
    if expected in (BLIND, *ERRORS) or viewer in OUTSIDERS:
        assert_no_leak(body, secrets, context)
    if row.check is not None:
        await row.check(w, body, ids, viewer)


async def prepare(w: World, row: Row, viewer: str) -> tuple[Made, dict[str, str], str | None]:
    made = await SETUPS[row.setup](w, viewer) if row.setup else Made()
    return made, {**w.ids, **made.ids}, made.tokens.get(viewer) or w.token(viewer)


async def run_row(w: World, row: Row, viewer: str) -> None:
    made, ids, token = await prepare(w, row, viewer)
    probe_before = None
    if row.probe is not None:
        probe = (row.probe[0], resolve(row.probe[1], ids))
        owner_token = made.tokens.get(OWNER) or w.token(OWNER)
        probe_before = await w.data(*probe, token=owner_token)
    if row.upload:
        variables = resolve(row.variables or {}, ids)
        body = await upload_photo(w.client, token, small_jpeg(), document=row.document, variables=variables)
    else:
        body = await w.client.execute(row.document, resolve(row.variables or {}, ids), token)
    await judge(w, row, viewer, body, ids, w.secrets | made.secrets)
    if probe_before is not None and outcome_of(body) != OK:
        assert await w.data(*probe, token=owner_token) == probe_before, f"{row.field} [{row.label}] as {viewer} changed the owner's data"
    if row.cleanup is not None:
        await row.cleanup(w, body, ids, viewer)


def cases(rows: list[Row]) -> list:
    params = []
    for row in rows:
        for viewer in row.expect:
            params.append(pytest.param(row, viewer, id=f"{row.field}[{row.label}]-{viewer}"))
    return params


# --- TABLE 1: every Node type, through node(id:) and nodes(ids:) ----------------------------

# type, the owner's instance (or a public one), the answer to each viewer.
NODE_ROWS: list[tuple[str, str, dict[str, str]]] = [
    ("User", "owner", PRIVATE),
    ("Exercise", "exercise", PRIVATE),  # the owner's custom exercise
    ("Exercise", "library", PUBLIC),
    ("Program", "program", PRIVATE),
    ("ProgramDay", "day", PRIVATE),
    ("ProgramExercise", "program_exercise", PRIVATE),
    ("WorkoutSession", "session", PRIVATE),
    ("SetLog", "set", PRIVATE),
    ("PersonalRecord", "record", PRIVATE),
    ("Achievement", "achievement", PUBLIC),
    ("UserAchievement", "user_achievement", PRIVATE),
    ("Goal", "goal", PRIVATE),
    ("Organization", "organization", OWNER_ONLY),  # members only; the owner's coach is no member
    ("SkillExercise", "skill_step", PUBLIC),  # the skill ladder
    ("Conversation", "conversation", PRIVATE),  # participants: the owner and their coach
    ("Conversation", "assistant_conversation", OWNER_ONLY),
    ("Message", "message", PRIVATE),
    ("Message", "assistant_message", OWNER_ONLY),
    ("OrganizationMember", "membership", OWNER_ONLY),  # like its organization: members only
    ("SignInSession", "sign_in", OWNER_ONLY),  # the owner's account: not even their coach
    ("CoachingRelationship", "relationship", answers(NOT_FOUND, NOT_FOUND, SEES, SEES, NOT_FOUND)),  # its two sides
    ("BodyMetrics", "metrics", PRIVATE),
    ("MealLog", "meal", PRIVATE),
    ("ProgressPhoto", "photo", PRIVATE),  # shared with the coach
    ("ProgressPhoto", "private_photo", OWNER_ONLY),  # not shared: not even the coach
    ("CoachingSession", "coaching_session", PRIVATE),  # the athlete's; written by their coach
]


def node_types() -> set[str]:
    return {t.name for t in schema._schema.get_possible_types(schema._schema.get_type("Node"))}


def test_node_rows_cover_every_node_type():
    assert {type_name for type_name, _, _ in NODE_ROWS} == node_types()


NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


@pytest.mark.parametrize("via", ["node", "nodes"])
@pytest.mark.parametrize(
    ("type_name", "instance", "viewer"),
    [pytest.param(t, i, v, id=f"{t}:{i}-{v}") for t, i, expect in NODE_ROWS for v in expect],
)
async def test_node(world, type_name, instance, viewer, via):
    expected = dict((i, e) for _, i, e in NODE_ROWS)[instance][viewer]
    gid = world.ids[instance]
    if via == "node":
        body = await world.run(NODE, {"id": gid}, viewer)
        found, path = body["data"]["node"], ["node"]
    else:
        body = await world.run(NODES, {"ids": [gid]}, viewer)
        (found,), path = body["data"]["nodes"], ["nodes", 0]
    if expected == SEES:
        assert not body.get("errors") and found == {"__typename": type_name, "id": gid}, body
    else:
        assert found is None, body
        (error,) = body["errors"]
        assert (error["extensions"]["code"], error["path"]) == (expected, path), body
        assert_no_leak(body, world.secrets, f"{via}({type_name}) as {viewer}")


# --- TABLE 2: every root field, acting on the owner's objects -------------------------------

FROM_START = encode_event_id(0)
TALK_FROM_START = encode_talk_event_id(0)
TALK_READ = "query($id: ID!) { node(id: $id) { ... on Conversation { messageCount messages(first: 100) { edges { node { id content } } } context { updatedAt } } } }"
MESSAGE_READ = "query($id: ID!) { node(id: $id) { ... on Message { content deleted editedAt } } }"
TALK_EVENTS = """subscription($c: ID!, $after: String) { conversationEvents(conversationId: $c, after: $after) {
  __typename ... on ConversationLiveEvent { eventId conversation { id } } ... on MessageSent { message { id content } } } }"""
SESSION_READ = "query($id: ID!) { node(id: $id) { ... on WorkoutSession { name status sets { totalCount } } } }"
SET_READ = "query($id: ID!) { node(id: $id) { ... on SetLog { reps weight exercise { id } } } }"
PROGRAM_READ = "query($id: ID!) { node(id: $id) { ... on Program { name days { id exercises { id } } } } }"
DAY_READ = "query($id: ID!) { node(id: $id) { ... on ProgramDay { name exercises { id } } } }"
GOAL_READ = "query($id: ID!) { node(id: $id) { ... on Goal { title status } } }"
ORG_READ = "query($id: ID!) { node(id: $id) { ... on Organization { name members { username role sharesTraining } } } }"
LIBRARY_READ = "query($id: ID!) { exercise(id: $id) { nameEn archivedAt } }"
MY_COACHING = "{ viewer { coaching { id status } } }"
MY_SIGN_INS = "{ viewer { sessions { id } } }"
VIEWER_TREE = """{ viewer { id username email
  programs { edges { node { id name days { id exercises { id exercise { id } } } } } }
  workoutSessions { edges { node { id name sets { edges { node { id exercise { id nameEn } } } } exercises { id } } } }
  personalRecords { edges { node { id exercise { id } setLog { id } session { id } } } }
  achievements { edges { node { id session { id } } } }
  goals { edges { node { id title exercise { id } } } }
  coaching { athleteUsername coachUsername athlete { id } }
  progress { points sets } } }"""
EVENTS = """subscription($s: ID!, $after: String) { workoutEvents(sessionId: $s, after: $after) {
  __typename ... on LiveEvent { eventId session { id name } } ... on SetLogged { setLog { id } } } }"""
FEED = """subscription($after: String) { activityFeed(after: $after) {
  __typename ... on LiveEvent { eventId session { id name } } } }"""


def on_success(check: Callable) -> Callable:
    async def checked(w: World, body: dict, ids: dict, viewer: str) -> None:
        if outcome_of(body) == OK:
            await check(w, body, ids, viewer)

    return checked


@on_success
async def program_is_the_owners(w: World, body: dict, ids: dict, viewer: str) -> None:
    program = body["data"]["createProgram"]["program"]["id"]
    assert program in json.dumps(await w.data("{ viewer { programs(first: 100) { edges { node { id } } } } }", viewer=OWNER))


@on_success
async def signed_in_as(w: World, body: dict, ids: dict, viewer: str) -> None:
    (payload,) = body["data"].values()
    assert payload["user"]["id"] == ids["me"], body


@on_success
async def registered(w: World, body: dict, ids: dict, viewer: str) -> None:
    assert body["data"]["register"]["user"]["username"] == ids["username"], body


async def library_still_answers(w: World, body: dict, ids: dict, viewer: str) -> None:
    # Each hidden ID is null with its own error; the public one still answers.
    assert body["data"]["nodes"][1] == {"__typename": "Exercise", "id": ids["library"]}, body


# The documents, by the root field they call.
Q = {
    "node": "query($id: ID!) { node(id: $id) { id ... on WorkoutSession { name } } }",
    "search": "query($s: String!) { exercises(filter: {search: $s}) { totalCount edges { node { id } } } }",
    "library": '{ exercises(filter: {search: "Barbell Squat"}) { edges { node { id } } } }',
    "exercise": "query($id: ID!) { exercise(id: $id) { id nameEn } }",
    "register": 'mutation($u: String!, $e: String!, $r: Role!) { register(input: {username: $u, email: $e, password: "long enough pass", role: $r}) { user { username } } }',
    "refreshToken": "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { token user { id } } }",
    "logout": "mutation { logout { endedSessionIds } }",
    "logoutEverywhere": "mutation { logoutEverywhere { endedSessionIds } }",
    "changePassword": 'mutation { changePassword(input: {currentPassword: "correct horse battery", newPassword: "a new horse battery"}) { user { id } } }',
    "revokeSession": "mutation($s: ID!) { revokeSession(input: {sessionId: $s}) { endedSessionIds } }",
    "createProgram": "mutation($i: CreateProgramInput!) { createProgram(input: $i) { program { id name } } }",
    "updateProgram": 'mutation($p: ID!) { updateProgram(input: {programId: $p, name: "Taken"}) { program { id } } }',
    "deleteProgram": "mutation($p: ID!) { deleteProgram(input: {programId: $p}) { deletedProgramId } }",
    "addProgramDay": 'mutation($p: ID!) { addProgramDay(input: {programId: $p, name: "Extra"}) { programDay { id } } }',
    "addProgramExercise": "mutation($d: ID!, $e: ID!) { addProgramExercise(input: {programDayId: $d, exerciseId: $e}) { programExercise { id } } }",
    "createExercise": 'mutation { createExercise(input: {name: "Mine", primaryMuscles: [BICEPS]}) { exercise { id } } }',
    "startWorkout": 'mutation { startWorkout(input: {name: "Mine"}) { session { id } } }',
    "startFromDay": "mutation($d: ID!) { startWorkout(input: {programDayId: $d}) { session { id } } }",
    "logSet": "mutation($s: ID!, $e: ID!) { logSet(input: {sessionId: $s, exerciseId: $e, reps: 1, weight: 10}) { setLog { id } } }",
    "updateSet": "mutation($s: ID!) { updateSet(input: {setLogId: $s, reps: 9}) { setLog { id } } }",
    "updateSetExercise": "mutation($s: ID!, $e: ID!) { updateSet(input: {setLogId: $s, exerciseId: $e}) { setLog { id } } }",
    "deleteSet": "mutation($s: ID!) { deleteSet(input: {setLogId: $s}) { deletedSetLogId } }",
    "abandonWorkout": "mutation($s: ID!) { abandonWorkout(input: {sessionId: $s}) { session { id } } }",
    "createGoal": 'mutation { createGoal(input: {kind: WORKOUTS, title: "Mine", target: 3, timeframe: WEEKLY}) { goal { id } } }',
    "goalOn": 'mutation($e: ID!) { createGoal(input: {kind: EXERCISE_WEIGHT, title: "Mine", target: 300, exerciseId: $e, timeframe: WEEKLY}) { goal { id } } }',
    "updateGoal": 'mutation($g: ID!) { updateGoal(input: {goalId: $g, title: "Taken"}) { goal { id } } }',
    "deleteGoal": "mutation($g: ID!) { deleteGoal(input: {goalId: $g}) { deletedGoalId } }",
    "createOrganization": 'mutation { createOrganization(input: {name: "Mine"}) { organization { id } } }',
    "removeMember": "mutation($o: ID!, $u: ID!) { removeOrganizationMember(input: {organizationId: $o, userId: $u}) { removedUserId } }",
    "sharing": "mutation($o: ID!) { setOrganizationSharing(input: {organizationId: $o, sharesTraining: true}) { member { sharesTraining } } }",
    "createLibrary": "mutation($n: String!) { createLibraryExercise(input: {name: $n, primaryMuscles: [BICEPS]}) { exercise { id } } }",
    "updateLibrary": "mutation($e: ID!, $n: String!) { updateLibraryExercise(input: {exerciseId: $e, name: $n}) { exercise { id } } }",
    "archiveLibrary": "mutation($e: ID!) { archiveLibraryExercise(input: {exerciseId: $e}) { exercise { id } } }",
    "skillLadder": "{ skillLadder { levels { level } exercises { id } } }",
    "setSkillLevel": 'mutation { setSkillLevel(input: {category: "PULL", level: 0}) { standing { level { level } } } }',
    "prescribe": "mutation($s: ID!, $u: ID) { setSkillPrescription(input: {skillExerciseId: $s, userId: $u, sets: [{reps: 3}]}) { progress { customized } } }",
}
HEALTH_Q = {
    "profile": "mutation { updateHealthProfile(input: {calorieTarget: 2000}) { profile { calorieTarget } } }",
    "metrics": "mutation { logBodyMetrics(input: {weight: 70}) { bodyMetrics { id } } }",
    "deleteMetrics": "mutation($m: ID!) { deleteBodyMetrics(input: {bodyMetricsId: $m}) { deletedBodyMetricsId } }",
    "meal": "mutation { logMeal(input: {calories: 100}) { meal { id } } }",
    "deleteMeal": "mutation($m: ID!) { deleteMeal(input: {mealId: $m}) { deletedMealId } }",
    "updatePhoto": "mutation($p: ID!) { updateProgressPhoto(input: {photoId: $p, notes: \"Taken\"}) { photo { id } } }",
    "deletePhoto": "mutation($p: ID!) { deleteProgressPhoto(input: {photoId: $p}) { deletedPhotoId } }",
    "createSession": "mutation($a: ID!) { createCoachingSession(input: {athleteId: $a, date: \"2026-01-05\"}) { session { id } } }",
    "updateSession": "mutation($s: ID!) { updateCoachingSession(input: {sessionId: $s, completed: true}) { session { id } } }",
    "rate": "mutation($s: ID!) { rateCoachingSession(input: {sessionId: $s, rating: 7}) { session { id } } }",
    "tick": "mutation($a: ID!) { setActionItemDone(input: {actionItemId: $a}) { actionItem { done } } }",
}
METRICS_READ = "query($id: ID!) { node(id: $id) { ... on BodyMetrics { weight notes } } }"
MEAL_READ = "query($id: ID!) { node(id: $id) { ... on MealLog { calories description } } }"
PHOTO_READ = "query($id: ID!) { node(id: $id) { ... on ProgressPhoto { notes sharedWithCoach } } }"
COACHING_READ = "query($id: ID!) { node(id: $id) { ... on CoachingSession { completed rating actionItems { done } } } }"
COACH_ONLY = answers(UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND)  # the athlete's accepted coach writes it
SKILL_READ = "query($id: ID!) { node(id: $id) { ... on User { skillProgress(category: \"PUSH\", level: 0) { customized prescription { sets { reps } } } } } }"
PLAN_CUSTOM = {"i": {"name": "Mine", "days": [{"name": "D", "exercises": [{"exerciseId": "@exercise"}]}]}}

# field, what it acts on, document, answers, variables, setup, and more (reach, check, probe).
# "the owner's custom exercise, in one's own ...": a coach reads the athlete's custom exercise, so
# may name it in their own training too; once the coaching ends, the links from that training
# no longer show it (LINK_ROWS, "the ex-coach's own ...").
ROOT_ROWS: list[Row] = [
    # Queries
    Row("Query.node", "the owner's workout", Q["node"], PRIVATE, {"id": "@session"}, reach=("session",)),
    Row("Query.nodes", "the owner's set and a library exercise", NODES, but(PRIVATE, anonymous=NOT_FOUND), {"ids": ["@set", "@library"]}, reach=("set", "library"), check=library_still_answers),
    Row("Query.viewer", "everything under it", VIEWER_TREE, answers(BLIND, BLIND, SEES, SEES, BLIND), reach=("owner",)),
    Row("Query.exercises", "searching the owner's custom exercise", Q["search"], OWN, {"s": "@marker"}, reach=("exercise",)),
    Row("Query.exercises", "the library", Q["library"], PUBLIC, reach=("library",)),
    Row("Query.exercise", "the owner's custom exercise", Q["exercise"], PRIVATE, {"id": "@exercise"}, reach=("exercise",)),
    Row("Query.exercise", "a library exercise", Q["exercise"], PUBLIC, {"id": "@library"}, reach=("library",)),
    # Accounts: one's own, never someone else's
    Row("Mutation.register", "a new account", Q["register"], ANYONE, {"u": "@username", "e": "@email", "r": "ATHLETE"}, "credentials", check=registered),
    Row("Mutation.register", "as an admin", Q["register"], everyone(BAD_USER_INPUT), {"u": "@username", "e": "@email", "r": "ADMIN"}, "credentials"),
    Row("Mutation.login", "one's credentials", LOGIN, ANYONE, {"l": "@login", "p": "@password"}, "newcomer", check=signed_in_as),
    Row("Mutation.login", "a wrong password", LOGIN, everyone(UNAUTHENTICATED), {"l": "@login", "p": "not the password"}, "newcomer"),
    Row("Mutation.refreshToken", "one's refresh token", Q["refreshToken"], ANYONE, {"t": "@refresh"}, "fresh_sign_in", check=signed_in_as),
    Row("Mutation.logout", "this sign-in", Q["logout"], SIGNED_IN, setup="fresh_sign_in"),
    Row("Mutation.logoutEverywhere", "one's sign-ins", Q["logoutEverywhere"], SELF_SERVICE, setup="newcomer"),
    Row("Mutation.changePassword", "one's password", Q["changePassword"], SELF_SERVICE, setup="newcomer", check=signed_in_as),
    Row("Mutation.revokeSession", "the owner's other sign-in", Q["revokeSession"], OWNER_WRITES, {"s": "@sign_in"}, "owner_sign_in", probe=(MY_SIGN_INS, {})),
    # Coaching: the stranger is a coach too; an athlete may not invite; an admin may (the athlete still answers)
    Row("Mutation.inviteAthlete", "a fresh athlete", INVITE, answers(UNAUTHENTICATED, OK, FORBIDDEN, OK, OK), {"a": "@athlete"}, "athlete_to_invite"),
    Row("Mutation.respondToCoaching", "the owner's invitation", ACCEPT, OWNER_WRITES, {"i": "@invitation"}, "invitation", probe=(MY_COACHING, {})),
    Row("Mutation.endCoaching", "the owner's relationship", END_COACHING, COACH_WRITES, {"i": "@relationship"}, "relationship", probe=(MY_COACHING, {})),
    # Programs
    Row("Mutation.createProgram", "one's own", Q["createProgram"], SIGNED_IN, {"i": {"name": "Mine"}}),
    Row("Mutation.createProgram", "for the owner (forUserId)", Q["createProgram"], COACH_WRITES, {"i": {"name": "For you", "forUserId": "@owner"}}, check=program_is_the_owners),
    Row("Mutation.createProgram", "the owner's custom exercise, in one's own program", Q["createProgram"], COACH_WRITES, PLAN_CUSTOM),
    Row("Mutation.updateProgram", "the owner's program", Q["updateProgram"], OWNER_WRITES, {"p": "@program"}, "owner_program", probe=(PROGRAM_READ, {"id": "@program"})),
    Row("Mutation.deleteProgram", "the owner's program", Q["deleteProgram"], OWNER_WRITES, {"p": "@program"}, "owner_program", probe=(PROGRAM_READ, {"id": "@program"})),
    Row("Mutation.addProgramDay", "the owner's program", Q["addProgramDay"], OWNER_WRITES, {"p": "@program"}, "owner_program", probe=(PROGRAM_READ, {"id": "@program"})),
    Row("Mutation.addProgramExercise", "the owner's program day", Q["addProgramExercise"], OWNER_WRITES, {"d": "@day", "e": "@library"}, "owner_program", probe=(DAY_READ, {"id": "@day"})),
    Row("Mutation.addProgramExercise", "the owner's custom exercise, on one's own day", Q["addProgramExercise"], COACH_WRITES, {"d": "@own_day", "e": "@exercise"}, "viewers_own"),
    Row("Mutation.createExercise", "one's own", Q["createExercise"], SIGNED_IN),
    # Workouts and sets
    Row("Mutation.startWorkout", "an empty workout", Q["startWorkout"], SIGNED_IN),
    Row("Mutation.startWorkout", "from the owner's program day", Q["startFromDay"], OWNER_WRITES, {"d": "@day"}),
    Row("Mutation.logSet", "into the owner's workout", Q["logSet"], OWNER_WRITES, {"s": "@session", "e": "@library"}, "owner_session", probe=(SESSION_READ, {"id": "@session"})),
    Row("Mutation.logSet", "the owner's custom exercise, in one's own workout", Q["logSet"], COACH_WRITES, {"s": "@own_session", "e": "@exercise"}, "viewers_own"),
    Row("Mutation.updateSet", "the owner's set", Q["updateSet"], OWNER_WRITES, {"s": "@set"}, "owner_set", probe=(SET_READ, {"id": "@set"})),
    Row("Mutation.updateSet", "the owner's custom exercise, in one's own set", Q["updateSetExercise"], COACH_WRITES, {"s": "@own_set", "e": "@exercise"}, "viewers_own"),
    Row("Mutation.deleteSet", "the owner's set", Q["deleteSet"], OWNER_WRITES, {"s": "@set"}, "owner_set", probe=(SET_READ, {"id": "@set"})),
    Row("Mutation.finishWorkout", "the owner's workout", FINISH, OWNER_WRITES, {"s": "@session"}, "owner_session", probe=(SESSION_READ, {"id": "@session"})),
    Row("Mutation.abandonWorkout", "the owner's workout", Q["abandonWorkout"], OWNER_WRITES, {"s": "@session"}, "owner_session", probe=(SESSION_READ, {"id": "@session"})),
    # Goals
    Row("Mutation.createGoal", "one's own", Q["createGoal"], SIGNED_IN),
    Row("Mutation.createGoal", "the owner's custom exercise, in one's own goal", Q["goalOn"], COACH_WRITES, {"e": "@exercise"}),
    Row("Mutation.updateGoal", "the owner's goal", Q["updateGoal"], OWNER_WRITES, {"g": "@goal"}, "owner_goal", probe=(GOAL_READ, {"id": "@goal"})),
    Row("Mutation.deleteGoal", "the owner's goal", Q["deleteGoal"], OWNER_WRITES, {"g": "@goal"}, "owner_goal", probe=(GOAL_READ, {"id": "@goal"})),
    # Organizations: members only; the owner's coach is no member of the owner's organization
    Row("Mutation.createOrganization", "one's own", Q["createOrganization"], SIGNED_IN),
    Row("Mutation.addOrganizationMember", "to the owner's organization", ADD_MEMBER, OWNER_WRITES, {"o": "@org", "u": "@joiner"}, "owner_org", probe=(ORG_READ, {"id": "@org"})),
    Row("Mutation.removeOrganizationMember", "a member of the owner's organization", Q["removeMember"], OWNER_WRITES, {"o": "@org", "u": "@member"}, "owner_org", probe=(ORG_READ, {"id": "@org"})),
    Row("Mutation.setOrganizationSharing", "in the owner's organization", Q["sharing"], OWNER_WRITES, {"o": "@org"}, "owner_org", probe=(ORG_READ, {"id": "@org"})),
    # The global library: admins only
    Row("Mutation.createLibraryExercise", "a new library exercise", Q["createLibrary"], ADMIN_ONLY, {"n": "@new_name"}, "library_entry", cleanup=archive_entries),
    Row("Mutation.updateLibraryExercise", "a library exercise", Q["updateLibrary"], ADMIN_ONLY, {"e": "@entry", "n": "@new_name"}, "library_entry", probe=(LIBRARY_READ, {"id": "@entry"}), cleanup=archive_entries),
    Row("Mutation.archiveLibraryExercise", "a library exercise", Q["archiveLibrary"], ADMIN_ONLY, {"e": "@entry"}, "library_entry", probe=(LIBRARY_READ, {"id": "@entry"}), cleanup=archive_entries),
    # The skill ladder is public; one's standing is one's own, and an accepted coach may set the prescriptions
    Row("Query.skillLadder", "the ladder", Q["skillLadder"], PUBLIC, reach=("skill_step",)),
    Row("Mutation.setSkillLevel", "one's own", Q["setSkillLevel"], SIGNED_IN),
    Row("Mutation.advanceSkillLevel", "one's own, not yet mastered", ADVANCE_PUSH, answers(UNAUTHENTICATED, *[BAD_USER_INPUT] * 4)),
    Row("Mutation.setSkillPrescription", "one's own", Q["prescribe"], SIGNED_IN, {"s": "@skill_step", "u": None}),
    Row("Mutation.setSkillPrescription", "the owner's (userId)", Q["prescribe"], COACH_WRITES, {"s": "@skill_step", "u": "@owner"},
        probe=(SKILL_READ, {"id": "@owner"})),
    Row("Mutation.startWorkout", "from one's skill plan", START_SKILLS, SIGNED_IN),
    # Live (a signed-out socket is refused at connection_init)
    Row("Subscription.workoutEvents", "the owner's workout", EVENTS, but(PRIVATE, anonymous=UNAUTHENTICATED), {"s": "@session", "after": FROM_START}, reach=("session",)),
    Row("Subscription.activityFeed", "one's own", FEED, but(OWN, anonymous=UNAUTHENTICATED), {"after": FROM_START}, reach=("session",)),
    # Conversations: participants only (the coach takes part in the owner's coaching conversation); the assistant's writes need its key
    Row("Mutation.startConversation", "the coaching one with the owner", START_TALK, answers(UNAUTHENTICATED, NOT_FOUND, BAD_USER_INPUT, OK, NOT_FOUND),
        {"i": {"kind": "COACHING", "participantIds": ["@owner"]}}),
    Row("Mutation.startConversation", "one's own with the assistant", START_TALK, SIGNED_IN, {"i": {"kind": "ASSISTANT"}}),
    Row("Mutation.sendMessage", "into the owner's conversation", SEND, COACH_WRITES, {"i": {"conversationId": "@conversation", "content": "Hi"}},
        probe=(TALK_READ, {"id": "@conversation"})),
    Row("Mutation.editMessage", "the owner's message", EDIT_MESSAGE, OWNER_WRITES, {"m": "@own_message"}, "owner_message",
        probe=(MESSAGE_READ, {"id": "@own_message"})),
    Row("Mutation.deleteMessage", "the owner's message", DELETE_MESSAGE, OWNER_WRITES, {"m": "@own_message"}, "owner_message",
        probe=(MESSAGE_READ, {"id": "@own_message"})),
    Row("Mutation.markConversationRead", "the owner's conversation", MARK_READ, COACH_WRITES, {"c": "@conversation"}),
    Row("Mutation.postAssistantMessage", "into the owner's assistant conversation", ASSISTANT_POST, answers(UNAUTHENTICATED, *[FORBIDDEN] * 4),
        {"i": {"conversationId": "@assistant_conversation", "content": "As the bot"}}, probe=(TALK_READ, {"id": "@assistant_conversation"})),
    Row("Mutation.updateConversationContext", "of the owner's assistant conversation", ASSISTANT_CONTEXT, answers(UNAUTHENTICATED, *[FORBIDDEN] * 4),
        {"i": {"conversationId": "@assistant_conversation"}}, probe=(TALK_READ, {"id": "@assistant_conversation"})),
    Row("Subscription.conversationEvents", "the owner's conversation", TALK_EVENTS, but(PRIVATE, anonymous=UNAUTHENTICATED),
        {"c": "@conversation", "after": TALK_FROM_START}, reach=("conversation", "message")),
    # Health and coaching: one's own; the coach writes coaching sessions, the athlete rates them and ticks their items
    Row("Mutation.updateHealthProfile", "one's own", HEALTH_Q["profile"], SIGNED_IN),
    Row("Mutation.logBodyMetrics", "one's own", HEALTH_Q["metrics"], SIGNED_IN),
    Row("Mutation.deleteBodyMetrics", "the owner's metrics", HEALTH_Q["deleteMetrics"], OWNER_WRITES, {"m": "@metrics"}, "owner_metrics",
        probe=(METRICS_READ, {"id": "@metrics"})),
    Row("Mutation.logMeal", "one's own", HEALTH_Q["meal"], SIGNED_IN),
    Row("Mutation.deleteMeal", "the owner's meal", HEALTH_Q["deleteMeal"], OWNER_WRITES, {"m": "@meal"}, "owner_meal", probe=(MEAL_READ, {"id": "@meal"})),
    Row("Mutation.uploadProgressPhoto", "one's own", UPLOAD, SIGNED_IN, {"i": {"file": None}}, upload=True),
    Row("Mutation.updateProgressPhoto", "the owner's photo", HEALTH_Q["updatePhoto"], OWNER_WRITES, {"p": "@photo"}, "owner_photo",
        probe=(PHOTO_READ, {"id": "@photo"})),
    Row("Mutation.deleteProgressPhoto", "the owner's photo", HEALTH_Q["deletePhoto"], OWNER_WRITES, {"p": "@photo"}, "owner_photo",
        probe=(PHOTO_READ, {"id": "@photo"})),
    Row("Mutation.createCoachingSession", "with the owner", HEALTH_Q["createSession"], COACH_ONLY, {"a": "@owner"}),
    Row("Mutation.updateCoachingSession", "the owner's session", HEALTH_Q["updateSession"], COACH_ONLY, {"s": "@coaching_session"},
        "owner_coaching_session", probe=(COACHING_READ, {"id": "@coaching_session"})),
    Row("Mutation.rateCoachingSession", "the owner's session", HEALTH_Q["rate"], OWNER_WRITES, {"s": "@coaching_session"},
        "owner_coaching_session", probe=(COACHING_READ, {"id": "@coaching_session"})),
    Row("Mutation.setActionItemDone", "the owner's action item", HEALTH_Q["tick"], OWNER_WRITES, {"a": "@action_item"},
        "owner_coaching_session", probe=(COACHING_READ, {"id": "@coaching_session"})),
    Row("Subscription.inboxEvents", "one's own", "subscription { inboxEvents { message { id } } }", but(everyone(BLIND), anonymous=UNAUTHENTICATED)),
]


def root_fields() -> set[str]:
    s = schema._schema
    return {f"{root.name}.{name}" for root in (s.query_type, s.mutation_type, s.subscription_type) for name in root.fields}


def test_root_rows_cover_every_root_field():
    assert {row.field for row in ROOT_ROWS} == root_fields()


@pytest.mark.parametrize(("row", "viewer"), cases([r for r in ROOT_ROWS if not r.field.startswith("Subscription.")]))
async def test_root_field(world, row, viewer):
    await run_row(world, row, viewer)


async def subscribe(url: str, token: str | None, document: str, variables: dict, quiet: float = 0.5) -> dict:
    """Everything a subscription delivers until it has been quiet for `quiet` seconds, as one answer."""
    try:
        ws = await WsClient.open(url, TRANSPORT_WS, token)
    except Exception as refused:
        assert getattr(getattr(refused, "rcvd", None), "code", None) == 4403, refused
        return {"errors": [{"message": "connection refused", "extensions": {"code": UNAUTHENTICATED}}]}
    await ws.subscribe(document, variables)
    payloads = []
    try:
        while True:
            payloads.append(await ws.next_payload(timeout=quiet))
            if "errors" in payloads[-1]:
                break
    except asyncio.TimeoutError:
        pass
    finally:
        await ws.close()
    body: dict = {"data": [p["data"] for p in payloads if p.get("data")]}
    errors = [e for p in payloads for e in p.get("errors") or []]
    if errors:
        body["errors"] = errors
    return body


@pytest.mark.parametrize(("row", "viewer"), cases([r for r in ROOT_ROWS if r.field.startswith("Subscription.")]))
async def test_subscription_field(world, app_servers, row, viewer):
    made, ids, token = await prepare(world, row, viewer)
    body = await subscribe(app_servers[0].url, token, row.document, resolve(row.variables or {}, ids))
    await judge(world, row, viewer, body, ids, world.secrets | made.secrets)


# --- TABLE 3: every link from one object to another -----------------------------------------

# A link leads from an object (its parent) to another object, which may belong to someone else:
# each must apply the rule itself, never trust that the parent was visible. Value parts of
# their parent (totals, progress, page info) are no links.
VALUE_PARTS = {"PageInfo", "MuscleContribution", "GoalProgress", "WorkoutTotals", "StatsBucket", "StatsTotals",
               "MuscleVolume", "WeeklyProgress", "CountChange", "VolumeChange",
               "SkillLevel", "SkillCategory", "SkillPrescription", "SkillSetTarget", "DailySummary", "ConversationState",
               "BodyMeasurements", "WeightTrendPoint", "MacroCalories", "NutritionDay", "WorkoutEnergy"}
TODAY = datetime.now(UTC).date()  # the world's users live in UTC
STATS = f'stats(range: {{from: "{TODAY - timedelta(days=30)}", to: "{TODAY + timedelta(days=1)}"}})'


def link(edge: str, start: str, selection: str, expect: dict[str, str], reach: tuple[str, ...] = (), *,
         label: str | None = None, on: str | None = None, setup: str | None = None) -> Row:
    """A row reading `selection` on the object `start` names (through `node`), or on `viewer`."""
    if start == "viewer":
        document = f"{{ viewer {{ {selection} }} }}"
    else:
        document = f"query($id: ID!) {{ node(id: $id) {{ __typename ... on {on or edge.split('.')[0]} {{ {selection} }} }} }}"
    return Row(edge, label or f"from {start}", document, expect, None if start == "viewer" else {"id": f"@{start}"},
               setup, reach)


@on_success
async def private_photo_is_the_owners(w: World, body: dict, ids: dict, viewer: str) -> None:
    shown = ids["private_photo"] in json.dumps(body)
    assert shown == (viewer == OWNER), f"the private photo {'missing for' if viewer == OWNER else 'shown to'} {viewer}: {body}"


AFTER_COACHING = {EX_COACH: BLIND}  # the ex-coach's own objects, pointing at the athlete's exercise

LINK_ROWS: list[Row] = [
    # From the owner's objects: the owner and their coach follow them; nobody else gets in.
    link("User.coaching", "owner", "coaching { athlete { id } }", OWNER_ONLY, ("owner",)),
    link("User.sessions", "owner", "sessions { current }", OWNER_ONLY),
    link("User.programs", "owner", "programs(first: 100) { edges { node { id } } }", PRIVATE, ("program",)),
    link("User.workoutSessions", "owner", "workoutSessions(first: 100) { edges { node { id } } }", PRIVATE, ("session",)),
    link("User.personalRecords", "owner", "personalRecords(first: 100) { edges { node { id } } }", PRIVATE, ("record", "library_record")),
    link("User.progress", "owner", "progress { sets recordsHeld }", PRIVATE),
    link("User.achievements", "owner", "achievements(first: 100) { edges { node { id } } }", PRIVATE, ("user_achievement",)),
    link("User.goals", "owner", "goals(first: 100) { edges { node { id } } }", PRIVATE, ("goal",)),
    link("User.stats", "owner", f"{STATS} {{ totals {{ sets }} }}", PRIVATE),
    link("UserStats.favouriteExercise", "owner", f"{STATS} {{ favouriteExercise {{ id }} }}", PRIVATE, ("library",), on="User"),
    link("CoachingRelationship.athlete", "viewer", "coaching { athlete { id } }", answers(BLIND, BLIND, SEES, SEES, BLIND), ("owner",)),
    link("Exercise.personalRecord", "exercise", "personalRecord(kind: HEAVIEST_WEIGHT) { id }", answers(NOT_FOUND, NOT_FOUND, SEES, BLIND, NOT_FOUND), ("record",)),
    link("Exercise.personalRecord", "library", "personalRecord(kind: HEAVIEST_WEIGHT) { id }", OWN, ("library_record",)),
    link("Exercise.mostRepsAtWeight", "library", "mostRepsAtWeight(weight: 50) { id }", OWN, ("library_set",)),
    link("Program.days", "program", "days { id }", PRIVATE, ("day",)),
    link("ProgramDay.program", "day", "program { id }", PRIVATE, ("program",)),
    link("ProgramDay.exercises", "day", "exercises { id }", PRIVATE, ("program_exercise",)),
    link("ProgramExercise.exercise", "program_exercise", "exercise { id }", PRIVATE, ("exercise",)),
    link("ProgramExercise.programDay", "program_exercise", "programDay { id }", PRIVATE, ("day",)),
    link("WorkoutSession.programDay", "session", "programDay { id }", PRIVATE, ("day",)),
    link("WorkoutSession.plannedExercises", "session", "plannedExercises { sets }", PRIVATE),
    link("PlannedExercise.exercise", "session", "plannedExercises { exercise { id } }", PRIVATE, ("exercise",), on="WorkoutSession"),
    link("WorkoutSession.sets", "session", "sets { edges { node { id exercise { id } } } }", PRIVATE, ("set", "library_set", "exercise")),
    link("WorkoutSession.exercises", "session", "exercises { id }", PRIVATE, ("exercise", "library")),
    link("SetLog.exercise", "set", "exercise { id }", PRIVATE, ("exercise",)),
    link("SetLog.session", "set", "session { id }", PRIVATE, ("session",)),
    link("PersonalRecord.exercise", "record", "exercise { id }", PRIVATE, ("exercise",)),
    link("PersonalRecord.setLog", "record", "setLog { id }", PRIVATE, ("set",)),
    link("PersonalRecord.session", "record", "session { id }", PRIVATE, ("session",)),
    link("PersonalRecord.history", "record", "history { value }", PRIVATE),
    link("RecordHistoryEntry.setLog", "record", "history { setLog { id } }", PRIVATE, ("set",), on="PersonalRecord"),
    link("RecordHistoryEntry.session", "record", "history { session { id } }", PRIVATE, ("session",), on="PersonalRecord"),
    link("UserAchievement.achievement", "user_achievement", "achievement { id }", PRIVATE, ("achievement",)),
    link("UserAchievement.session", "user_achievement", "session { id }", PRIVATE, ("session",)),
    link("Goal.exercise", "goal", "exercise { id }", PRIVATE, ("exercise",)),
    link("User.organizations", "owner", "organizations { id }", OWNER_ONLY, ("organization",)),
    link("Organization.members", "organization", "members { userId }", OWNER_ONLY, ("owner",)),
    link("OrganizationMember.user", "organization", "members { user { id } }", OWNER_ONLY, ("owner",), on="Organization"),
    link("Organization.viewerMembership", "organization", "viewerMembership { userId role }", OWNER_ONLY, ("owner",)),
    Row("SkillLadder.exercises", "the ladder", "{ skillLadder { exercises { id } } }", PUBLIC, reach=("skill_step",)),
    link("SkillExercise.exercise", "skill_step", "exercise { id }", PUBLIC, ("skill_library",)),
    link("User.skillPlan", "owner", "skillPlan { level { level } }", PRIVATE),
    link("SkillStanding.exercises", "owner", "skillPlan { exercises { mastered } }", PRIVATE, on="User"),
    link("User.skillProgress", "owner", "skillProgress { mastered }", PRIVATE),
    link("SkillProgress.skillExercise", "owner", "skillProgress { skillExercise { id } }", PRIVATE, ("skill_step",), on="User"),
    link("SkillProgress.masteredIn", "owner", "skillProgress { masteredIn { id } }", PRIVATE, ("skill_session",), on="User"),
    link("WorkoutSession.skillExercises", "skill_session", "skillExercises { position completed }", PRIVATE),
    link("PlannedSkillExercise.skillExercise", "skill_session", "skillExercises { skillExercise { id } }", PRIVATE, ("skill_step",), on="WorkoutSession"),
    link("PlannedSkillExercise.sets", "skill_session", "skillExercises { sets { id } }", PRIVATE, ("skill_set",), on="WorkoutSession"),
    # Conversations: their participants follow them (the coach in the coaching one); the assistant's is the owner's alone.
    link("User.conversations", "owner", "conversations(first: 100) { edges { node { id } } }", OWNER_ONLY, ("conversation", "assistant_conversation")),
    link("Conversation.participants", "conversation", "participants { id username }", PRIVATE, ("owner",)),
    link("Participant.user", "conversation", "participants { user { id } }", PRIVATE, ("owner",), on="Conversation"),
    link("Conversation.lastMessage", "conversation", "lastMessage { id }", PRIVATE),
    link("Conversation.messages", "conversation", "messages(first: 100) { edges { node { id } } }", PRIVATE, ("message", "reply")),
    link("Conversation.context", "assistant_conversation", "context { updatedAt }", OWNER_ONLY),
    link("ConversationContext.currentWorkout", "assistant_conversation", "context { currentWorkout { id } }", OWNER_ONLY, ("session",), on="Conversation"),
    link("ConversationContext.goals", "assistant_conversation", "context { goals { id } }", OWNER_ONLY, ("goal",), on="Conversation"),
    link("ConversationContext.recentExercises", "assistant_conversation", "context { recentExercises { id } }", OWNER_ONLY, ("exercise",), on="Conversation"),
    link("Message.author", "message", "author { id }", PRIVATE, ("owner",)),
    link("Message.conversation", "message", "conversation { id }", PRIVATE, ("conversation",)),
    link("Message.replyTo", "reply", "replyTo { id }", PRIVATE, ("message",)),
    link("Message.assistant", "assistant_message", "assistant { tool }", OWNER_ONLY),
    link("AssistantMetadata.setLog", "assistant_message", "assistant { setLog { id } }", OWNER_ONLY, ("set",), on="Message"),
    # Health and coaching: the owner's, followed by their coach (a photo only while shared with them).
    link("User.healthProfile", "owner", "healthProfile { calorieTarget height }", PRIVATE),
    link("User.bodyMetrics", "owner", "bodyMetrics(first: 100) { edges { node { id } } }", PRIVATE, ("metrics",)),
    link("User.bodyMetricsTrend", "owner", f"bodyMetricsTrend(range: {{from: \"{TODAY - timedelta(days=7)}\", to: \"{TODAY}\"}}) {{ weightChange points {{ weight }} }}", PRIVATE),
    link("User.meals", "owner", "meals(first: 100) { edges { node { id } } }", PRIVATE, ("meal",)),
    replace(link("User.progressPhotos", "owner", "progressPhotos(first: 100) { edges { node { id } } }", PRIVATE, ("photo",)),
            check=private_photo_is_the_owners),
    link("User.coachingSessions", "owner", "coachingSessions(first: 100) { edges { node { id } } }", PRIVATE, ("coaching_session",)),
    link("CoachingSession.athlete", "coaching_session", "athlete { id }", PRIVATE, ("owner",)),
    link("CoachingSession.actionItems", "coaching_session", "actionItems { text done }", PRIVATE),
    link("CoachingSession.overdueActionItems", "coaching_session", "overdueActionItems { text }", PRIVATE),
    # From the ex-coach's own objects, which point at their former athlete's custom exercise.
    link("WorkoutSession.exercises", "own_session", "exercises { id nameEn }", AFTER_COACHING, label="the ex-coach's own workout", setup="ex_coach"),
    link("WorkoutSession.sets", "own_session", "sets { edges { node { exercise { id nameEn } } } }", AFTER_COACHING, label="the ex-coach's own workout", setup="ex_coach"),
    link("SetLog.exercise", "own_set", "exercise { id nameEn }", AFTER_COACHING, label="the ex-coach's own set", setup="ex_coach"),
    link("PersonalRecord.exercise", "own_record", "exercise { id nameEn }", AFTER_COACHING, label="the ex-coach's own record", setup="ex_coach"),
    link("Goal.exercise", "own_goal", "exercise { id nameEn }", AFTER_COACHING, label="the ex-coach's own goal", setup="ex_coach"),
    link("ProgramExercise.exercise", "own_program_exercise", "exercise { id nameEn }", AFTER_COACHING, label="the ex-coach's own plan", setup="ex_coach"),
    link("PlannedExercise.exercise", "own_session", "plannedExercises { exercise { id nameEn } }", AFTER_COACHING, label="the ex-coach's own workout", on="WorkoutSession", setup="ex_coach"),
    link("UserStats.favouriteExercise", "me", f"{STATS} {{ favouriteExercise {{ id nameEn }} volumeByMuscle {{ muscle }} }}", AFTER_COACHING, label="the ex-coach's own stats", on="User", setup="ex_coach"),
]


def links() -> set[str]:
    """Every field of an object type (not a root, a mutation payload, a connection or an edge)
    whose type is another object (or a union of them, or a connection of them)."""
    s = schema._schema
    payloads = {get_named_type(f.type).name for f in s.mutation_type.fields.values()}
    skip = {"Query", "Mutation", "Subscription"} | payloads
    found = set()
    for name, gql_type in s.type_map.items():
        if name.startswith("__") or name in skip or name.endswith(("Connection", "Edge")) or not isinstance(gql_type, GraphQLObjectType):
            continue
        for field_name, f in gql_type.fields.items():
            target = get_named_type(f.type)
            if isinstance(target, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)) and target.name not in VALUE_PARTS:
                found.add(f"{name}.{field_name}")
    return found


@pytest.mark.parametrize(("row", "viewer"), cases(LINK_ROWS))
async def test_link(world, row, viewer):
    await run_row(world, row, viewer)


# Live events lead to objects too. They are rendered for each subscriber as they happen (and on
# replay), so the rule applies per event: a coach follows the athlete's workout; once the
# athlete ends the relationship, what the ex-coach's still-open subscription renders must not
# show the athlete's objects. The owner's column is the owner's own replay (workoutEvents and
# activityFeed from the start). Row: link, event type, field, each viewer's answer ("some
# event shows the object" / "none does"); GoalCompleted carries no session.
LIVE_ROWS: list[tuple[str, str, str, dict[str, str]]] = [
    ("WorkoutStatusChanged.session", "WorkoutStatusChanged", "session", {OWNER: SEES, COACH: SEES, EX_COACH: BLIND}),
    ("SetLogged.session", "SetLogged", "session", {OWNER: SEES, COACH: SEES, EX_COACH: BLIND}),
    ("SetLogged.setLog", "SetLogged", "setLog", {OWNER: SEES, COACH: SEES, EX_COACH: BLIND}),
    ("SetUpdated.session", "SetUpdated", "session", {OWNER: SEES, COACH: SEES, EX_COACH: BLIND}),
    ("SetUpdated.setLog", "SetUpdated", "setLog", {OWNER: SEES, COACH: SEES, EX_COACH: BLIND}),
    ("SetDeleted.session", "SetDeleted", "session", {OWNER: SEES, COACH: SEES, EX_COACH: BLIND}),
    ("PersonalRecordSet.session", "PersonalRecordSet", "session", {OWNER: SEES, COACH: SEES, EX_COACH: BLIND}),
    ("PersonalRecordSet.personalRecord", "PersonalRecordSet", "personalRecord", {OWNER: SEES, COACH: SEES, EX_COACH: BLIND}),
    ("AchievementUnlocked.session", "AchievementUnlocked", "session", {OWNER: SEES, COACH: SEES, EX_COACH: BLIND}),
    ("AchievementUnlocked.userAchievement", "AchievementUnlocked", "userAchievement", {OWNER: SEES, COACH: SEES, EX_COACH: BLIND}),
    ("GoalCompleted.goal", "GoalCompleted", "goal", {OWNER: SEES}),
    ("GoalCompleted.session", "GoalCompleted", "session", {OWNER: BLIND}),
    # Whose event it is (the athlete, on a coach's feed)
    *((f"{t}.user", t, "user", {OWNER: SEES, COACH: SEES, EX_COACH: BLIND})
      for t in ("WorkoutStatusChanged", "SetLogged", "SetUpdated", "SetDeleted", "PersonalRecordSet", "AchievementUnlocked")),
    ("GoalCompleted.user", "GoalCompleted", "user", {OWNER: SEES}),
    # Masteries come with the finish and the level with advancing, both after the coaching ended.
    ("SkillMastered.session", "SkillMastered", "session", {OWNER: SEES, EX_COACH: BLIND}),
    ("SkillMastered.user", "SkillMastered", "user", {OWNER: SEES, EX_COACH: BLIND}),
    ("SkillMastered.skillExercise", "SkillMastered", "skillExercise", {OWNER: SEES, EX_COACH: BLIND}),
    ("SkillLevelUp.user", "SkillLevelUp", "user", {OWNER: SEES}),
    ("SkillLevelUp.session", "SkillLevelUp", "session", {OWNER: BLIND}),
    # The coach scheduled a session while coaching: on the athlete's own feed.
    ("CoachingSessionChanged.coachingSession", "CoachingSessionChanged", "coachingSession", {OWNER: SEES}),
    ("CoachingSessionChanged.user", "CoachingSessionChanged", "user", {OWNER: SEES}),
    ("CoachingSessionChanged.session", "CoachingSessionChanged", "session", {OWNER: BLIND}),
]

LIVE_FIELDS = """__typename ... on LiveEvent { eventId session { id } user { id } }
  ... on PersonalRecordSet { personalRecord { id } } ... on AchievementUnlocked { userAchievement { id } }
  ... on SkillMastered { skillExercise { id } }"""
LIVE_EVENTS = f"""subscription($s: ID!, $after: String) {{ workoutEvents(sessionId: $s, after: $after) {{ {LIVE_FIELDS}
  ... on SetLogged {{ setLog {{ id }} }} ... on SetUpdated {{ setLog {{ id }} }} ... on SetDeleted {{ setLogId }} }} }}"""
LIVE_FEED = f"""subscription($after: String) {{ activityFeed(after: $after) {{ {LIVE_FIELDS} ... on GoalCompleted {{ goal {{ id }} }}
  ... on CoachingSessionChanged {{ coachingSession {{ id }} }} }} }}"""


def test_link_rows_cover_every_link():
    assert {row.field for row in LINK_ROWS} | {edge for edge, *_ in LIVE_ROWS} | {edge for edge, *_ in TALK_LIVE_ROWS} == links()


@dataclass
class Live:
    events: dict[str, list[dict]]  # viewer → the events rendered for them
    errors: dict[str, list[dict]]
    secrets: set[str]  # the athlete's


async def collect(ws: WsClient, field_name: str, until: Callable[[dict], bool] = lambda e: False, quiet: float = 0.7):
    """Events until one matches `until` and then `quiet` seconds pass without any (or an error)."""
    events, errors, done = [], [], False
    while True:
        try:
            payload = await ws.next_payload(timeout=quiet if done else 10)
        except asyncio.TimeoutError:
            return events, errors
        if payload.get("errors"):
            return events, errors + payload["errors"]
        events.append(payload["data"][field_name])
        done = done or until(events[-1])


@pytest.fixture(scope="module")
async def live(client, app_servers) -> Live:
    url = app_servers[0].url
    athlete, coach = await sign_up(client, "live"), await sign_up(client, "livecoach", role="COACH")
    relationship_id = await coach_of(client, coach, athlete)
    squat = await library_exercise(client)

    async def athlete_does(document: str, variables: dict) -> dict:
        return await client.data(document, variables, athlete.token)

    update = "mutation($s: ID!, $r: Int!) { updateSet(input: {setLogId: $s, reps: $r}) { setLog { id } } }"
    delete = "mutation($s: ID!) { deleteSet(input: {setLogId: $s}) { deletedSetLogId } }"
    goal = (await athlete_does(CREATE_GOAL, {"i": {"kind": "VOLUME", "title": "Live", "target": 50, "timeframe": "MONTHLY"}}))["createGoal"]["goal"]["id"]
    session = (await athlete_does(START, {"i": {"name": "Live"}}))["startWorkout"]["session"]["id"]
    logged: list[str] = []

    async def sets(weight: float) -> None:
        """A set (a record; the first also an award), changed; another, deleted."""
        for reps in (5, 1):
            logged.append((await athlete_does(LOG, {"i": {"sessionId": session, "exerciseId": squat, "reps": reps, "weight": weight}}))["logSet"]["setLog"]["id"])
        await athlete_does(update, {"s": logged[-2], "r": 6})
        await athlete_does(delete, {"s": logged[-1]})

    follower = await WsClient.open(url, TRANSPORT_WS, coach.token)
    await follower.subscribe(LIVE_EVENTS, {"s": session, "after": FROM_START})
    await sets(20)
    coaching_session = (await coaching_session_of(client, coach, athlete.id, "live"))["id"]
    during, during_errors = await collect(follower, "workoutEvents", lambda e: e["__typename"] == "SetDeleted")
    await client.data(END_COACHING, {"i": relationship_id}, athlete.token)
    await sets(30)
    _, skill_sets = await master_steps(client, athlete.token, session, "PUSH", 2)  # the whole of level 0
    logged.extend(skill_sets)
    await athlete_does(FINISH, {"s": session})
    after, after_errors = await collect(follower, "workoutEvents", lambda e: e["__typename"] == "WorkoutStatusChanged" and e["session"] is None)
    await follower.close()
    await athlete_does(ADVANCE_PUSH, {})

    replay = await subscribe(url, athlete.token, LIVE_EVENTS, {"s": session, "after": FROM_START})
    feed = await subscribe(url, athlete.token, LIVE_FEED, {"after": FROM_START})
    secrets = {marker for gid in (athlete.id, session, goal, coaching_session, *logged) for marker in secrets_of(gid)}
    return Live(
        events={OWNER: [d["workoutEvents"] for d in replay["data"]] + [d["activityFeed"] for d in feed["data"]], COACH: during, EX_COACH: after},
        errors={OWNER: replay.get("errors", []) + feed.get("errors", []), COACH: during_errors, EX_COACH: after_errors},
        secrets=secrets,
    )


@pytest.mark.parametrize(
    ("edge", "typename", "key", "viewer"),
    [pytest.param(edge, t, k, v, id=f"{edge}-{v}") for edge, t, k, expect in LIVE_ROWS for v in expect],
)
async def test_live_link(live, edge, typename, key, viewer):
    expected = dict((e, x) for e, _, _, x in LIVE_ROWS)[edge][viewer]
    events = [event for event in live.events[viewer] if event["__typename"] == typename]
    shown = [event[key] for event in events if event.get(key) is not None]
    # Once its athlete ends the relationship, the ex-coach's stream may end with NOT_FOUND.
    assert all(error["extensions"]["code"] == NOT_FOUND and viewer == EX_COACH for error in live.errors[viewer]), live.errors[viewer]
    if expected == SEES:
        assert events and shown, f"{edge} as {viewer}: no event of {[e['__typename'] for e in live.events[viewer]]} shows it"
    else:
        assert not shown, f"{edge} as {viewer}: {shown}"


async def test_ending_coaching_ends_the_ex_coachs_live_stream(live):
    assert live.events[EX_COACH] == [], [event["__typename"] for event in live.events[EX_COACH]]
    assert_no_leak(live.events[EX_COACH], live.secrets, "the ex-coach's stream")


# Conversation events lead to messages, the conversation and readers, rendered per subscriber: the
# owner and their coach (its participants) replay the coaching conversation's log from the start.
TALK_LIVE_ROWS: list[tuple[str, str, str]] = [
    ("MessageSent.message", "MessageSent", "message"), ("MessageSent.conversation", "MessageSent", "conversation"),
    ("MessageEdited.message", "MessageEdited", "message"), ("MessageEdited.conversation", "MessageEdited", "conversation"),
    ("MessageDeleted.conversation", "MessageDeleted", "conversation"),
    ("ConversationRead.conversation", "ConversationRead", "conversation"), ("ConversationRead.reader", "ConversationRead", "reader"),
]
TALK_LIVE = """subscription($c: ID!, $after: String) { conversationEvents(conversationId: $c, after: $after) { __typename
  ... on ConversationLiveEvent { conversation { id } } ... on MessageSent { message { id } } ... on MessageEdited { message { id } }
  ... on ConversationRead { reader { id } } } }"""


@pytest.fixture(scope="module")
async def talk_live(world, app_servers) -> dict[str, list[dict]]:
    found = {}
    for viewer in (OWNER, COACH):
        body = await subscribe(app_servers[0].url, world.token(viewer), TALK_LIVE, {"c": world.ids["conversation"], "after": TALK_FROM_START})
        assert not body.get("errors"), body
        found[viewer] = [d["conversationEvents"] for d in body["data"]]
    return found


@pytest.mark.parametrize(("edge", "typename", "key", "viewer"),
                         [pytest.param(e, t, k, v, id=f"{e}-{v}") for e, t, k in TALK_LIVE_ROWS for v in (OWNER, COACH)])
async def test_conversation_live_link(talk_live, edge, typename, key, viewer):
    shown = [event[key] for event in talk_live[viewer] if event["__typename"] == typename and event.get(key)]
    assert shown, f"{edge} as {viewer}: no event of {[e['__typename'] for e in talk_live[viewer]]} shows it"
